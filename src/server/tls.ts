// A self-signed CA and a serving certificate it signs for the listen address, made at start-up
// with node's crypto (P-256 keys, ECDSA-SHA256): a minimal DER encoder for the X.509 fields
// the TLS clients check. Kubeconfigs carry the CA.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface ServingTLS {
  ca: string;
  cert: string;
  key: string;
}

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const octets = (b: Buffer) => der(0x04, b);
const bool = (v: boolean) => der(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => der(0x0c, Buffer.from(s));
const explicit = (n: number, b: Buffer) => der(0xa0 + n, b);

function oid(text: string): Buffer {
  const [a, b, ...rest] = text.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >>> 7; x > 0; x >>>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function integer(b: Buffer): Buffer {
  return der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function bitString(b: Buffer): Buffer {
  return der(0x03, Buffer.concat([Buffer.from([0]), b]));
}

function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return der(0x17, Buffer.from(s));
}

const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.concat(groups.map((g) => Buffer.from([parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])));
}

function certificate(subject: string, issuer: string, publicKey: KeyObject, signer: KeyObject, extensions: Buffer[]): string {
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(randomBytes(16)),
    ECDSA_SHA256,
    name(issuer),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 365 * 86400_000))),
    name(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const cert = seq(tbs, ECDSA_SHA256, bitString(sign('sha256', tbs, signer)));
  return `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export function selfSignedTLS(host: string): ServingTLS {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caCert = certificate('knet-ca', 'knet-ca', ca.publicKey, ca.privateKey, [
    extension('2.5.29.19', true, seq(bool(true))),
    // keyCertSign and cRLSign.
    extension('2.5.29.15', true, der(0x03, Buffer.from([1, 0x06]))),
  ]);
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const names = [der(0x82, Buffer.from('localhost')), isIP(host) ? der(0x87, ipBytes(host)) : der(0x82, Buffer.from(host))];
  const cert = certificate('knet-apiserver', 'knet-ca', leaf.publicKey, ca.privateKey, [
    extension('2.5.29.19', true, seq()),
    // digitalSignature and keyEncipherment.
    extension('2.5.29.15', true, der(0x03, Buffer.from([5, 0xa0]))),
    extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
    extension('2.5.29.17', false, seq(...names)),
  ]);
  const key = leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { ca: caCert, cert, key };
}
