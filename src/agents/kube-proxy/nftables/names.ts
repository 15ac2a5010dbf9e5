// kube-proxy's nftables chain and set names: a per-port base `HASH-ns/svc/proto/port` and a
// per-endpoint base `HASH-ns/svc/proto/port__ip/port`, HASH being the first 8 base32 characters
// of the SHA-256 of the rest; bases longer than 240 characters are cut to 237 plus "...".
import { createHash } from 'node:crypto';
import type { Endpoint, ServicePort } from '../objects.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE_MAX = 256 - 16;

function base32Prefix8(buf: Buffer): string {
  // 8 base32 characters = the first 40 bits
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(buf[i]!);
  let out = '';
  for (let i = 7; i >= 0; i--) out += B32[Number((bits >> BigInt(5 * i)) & 31n)];
  return out;
}

export function hashAndTruncate(name: string): string {
  const full = `${base32Prefix8(createHash('sha256').update(name).digest())}-${name}`;
  return full.length > BASE_MAX ? full.slice(0, BASE_MAX - 3) + '...' : full;
}

/** `ns/svc/proto/portName` */
export function servicePortBase(sp: Pick<ServicePort, 'service' | 'protocol' | 'portName'>): string {
  return hashAndTruncate(`${sp.service}/${sp.protocol}/${sp.portName}`);
}

export function endpointBase(sp: Pick<ServicePort, 'service' | 'protocol' | 'portName'>, ep: Pick<Endpoint, 'ip' | 'port'>): string {
  return hashAndTruncate(`${sp.service}/${sp.protocol}/${sp.portName}__${ep.ip.replaceAll(':', '.')}/${ep.port}`);
}

/** Service and endpoint chains all carry a `/` (no fixed chain does). */
export function isServiceChain(name: string): boolean {
  return name.includes('/');
}

export function isAffinitySet(name: string): boolean {
  return name.startsWith('affinity-');
}
