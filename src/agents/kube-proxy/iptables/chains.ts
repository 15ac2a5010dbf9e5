// kube-proxy's chain names: fixed chains, and per Service port / endpoint chains named by a
// prefix plus the first 16 characters of BASE32(SHA-256(input)).
import * as crypto from 'node:crypto';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
/** kubelet's chain, which kube-proxy also writes (IPv4 with localhost NodePorts). */
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
/** Created empty in mangle, nat and filter; kube-proxy resyncs everything when it disappears. */
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

/** Per Service port / endpoint chains: the ones kube-proxy deletes when nothing produces them. */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'];

export function isServiceChain(name: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => name.startsWith(p));
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const sha256hex: (s: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (s) => (crypto as unknown as { hash(a: string, d: string, e: string): string }).hash('sha256', s, 'hex')
    : (s) => crypto.createHash('sha256').update(s).digest('hex');

/** First 16 BASE32 characters (80 bits = the first 10 bytes) of SHA-256(input). */
export function hash16(input: string): string {
  const hex = sha256hex(input);
  let out = '';
  // 10 bytes = 20 hex digits, consumed as two 40-bit groups of 8 base32 characters.
  for (let g = 0; g < 2; g++) {
    let v = parseInt(hex.slice(g * 10, g * 10 + 10), 16);
    let chunk = '';
    for (let i = 0; i < 8; i++) {
      chunk = B32[v % 32]! + chunk;
      v = Math.floor(v / 32);
    }
    out += chunk;
  }
  return out;
}

export interface ServicePortChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}

// Chain names depend only on their inputs: computed once per process, shared by every node's
// kube-proxy and every sync (a SHA-256 per endpoint is most of a large ruleset's naming cost).
const portChains = new Map<string, ServicePortChains>();
const sepChains = new Map<string, string>();

export function servicePortChains(spn: string, protocol: string): ServicePortChains {
  const input = spn + protocol;
  let c = portChains.get(input);
  if (!c) {
    const h = hash16(input);
    portChains.set(input, (c = { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` }));
  }
  return c;
}

export function endpointChain(spn: string, protocol: string, hostPort: string): string {
  const input = spn + protocol + hostPort;
  let c = sepChains.get(input);
  if (!c) {
    if (sepChains.size >= 2_000_000) sepChains.clear(); // bounded under endless endpoint churn
    sepChains.set(input, (c = `KUBE-SEP-${hash16(input)}`));
  }
  return c;
}
