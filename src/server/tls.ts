// A self-signed CA and a serving certificate it signs for the listen address, made at start-up
// (kubeconfigs carry the CA), for servers listening beyond loopback.
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface ServingTLS {
  ca: string;
  cert: string;
  key: string;
}

export async function selfSignedTLS(host: string): Promise<ServingTLS> {
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'knet-ca' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const names = [{ type: 2 as const, value: 'localhost' }, isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }];
  const serving = await generate([{ name: 'commonName', value: 'knet-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names },
    ],
  });
  return { ca: ca.cert, cert: serving.cert, key: serving.private };
}
