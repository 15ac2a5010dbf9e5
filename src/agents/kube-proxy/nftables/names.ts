// kube-proxy's nftables chain and set names: a per-port base `HASH-ns/svc/proto/port` and a
// per-endpoint base `HASH-ns/svc/proto/port__ip/port`, HASH being the first 8 base32 characters
// of the SHA-256 of the rest; bases longer than 240 characters are cut to 237 plus "...".
import { createHash, hash } from 'node:crypto';
import type { Endpoint, ServicePort } from '../objects.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE_MAX = 256 - 16;
/** Bases by their input: every node's kube-proxy names the same Service ports and endpoints. */
const bases = new Map<string, string>();
const BASES_LIMIT = 1_000_000;

/** The first 8 base32 characters of the SHA-256 of `name` (its first 40 bits). */
function hashPrefix(name: string): string {
  // crypto.hash (one call, no Hash object) from Node 20.12
  const hex = typeof hash === 'function' ? hash('sha256', name, 'hex') : createHash('sha256').update(name).digest('hex');
  const bits = parseInt(hex.slice(0, 10), 16);
  let out = '';
  for (let i = 7; i >= 0; i--) out += B32[Math.floor(bits / 2 ** (5 * i)) % 32];
  return out;
}

export function hashAndTruncate(name: string): string {
  let base = bases.get(name);
  if (base !== undefined) return base;
  const full = `${hashPrefix(name)}-${name}`;
  base = full.length > BASE_MAX ? full.slice(0, BASE_MAX - 3) + '...' : full;
  if (bases.size >= BASES_LIMIT) bases.clear();
  bases.set(name, base);
  return base;
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
