// kube-proxy's nftables chain and set names: a per-port base `HASH-ns/svc/proto/port` and a
// per-endpoint base `HASH-ns/svc/proto/port__ip/port`, HASH being the first 8 base32 characters
// of the SHA-256 of the rest; bases longer than 240 characters are cut to 237 plus "...".
import { sha256Base32 } from '../hash.js';
import type { Endpoint, ServicePort } from '../objects.js';

const BASE_MAX = 256 - 16;
/** Bases by their input: every node's kube-proxy names the same Service ports and endpoints. */
const bases = new Map<string, string>();
const BASES_LIMIT = 1_000_000;

function truncated(name: string): string {
  const full = `${sha256Base32(name, 8)}-${name}`;
  return full.length > BASE_MAX ? full.slice(0, BASE_MAX - 3) + '...' : full;
}

function hashAndTruncate(name: string): string {
  let base = bases.get(name);
  if (base !== undefined) return base;
  base = truncated(name);
  if (bases.size >= BASES_LIMIT) bases.clear();
  bases.set(name, base);
  return base;
}

/** `ns/svc/proto/portName` */
export function servicePortBase(sp: Pick<ServicePort, 'service' | 'protocol' | 'portName'>): string {
  return hashAndTruncate(`${sp.service}/${sp.protocol}/${sp.portName}`);
}

/** (Remembered by endpointNames, per Service port.) */
function endpointBase(sp: Pick<ServicePort, 'service' | 'protocol' | 'portName'>, ep: Pick<Endpoint, 'ip' | 'port'>): string {
  return truncated(`${sp.service}/${sp.protocol}/${sp.portName}__${ep.ip.replaceAll(':', '.')}/${ep.port}`);
}

export interface EndpointName {
  base: string;
  /** `endpoint-BASE`, the endpoint's chain. */
  chain: string;
}

/** Per Service port: its endpoints' names by ip:port (every node's kube-proxy names them alike). */
const endpointNamesByPort = new Map<string, Map<string, EndpointName>>();

/** One Service port's endpoint names by ip:port (pass it to endpointName). */
export type PortNames = Map<string, EndpointName>;

/** The names of one Service port's endpoints, remembered by the endpoint's ip:port. */
export function portNames(sp: Pick<ServicePort, 'service' | 'protocol' | 'portName'>): PortNames {
  const key = `${sp.service}/${sp.protocol}/${sp.portName}`;
  let byEndpoint = endpointNamesByPort.get(key);
  if (!byEndpoint) {
    if (endpointNamesByPort.size >= BASES_LIMIT) endpointNamesByPort.clear();
    endpointNamesByPort.set(key, (byEndpoint = new Map()));
  }
  return byEndpoint;
}

/** The names of an endpoint of the Service port whose portNames() these are. */
export function endpointName(names: PortNames, sp: Pick<ServicePort, 'service' | 'protocol' | 'portName'>, ep: Pick<Endpoint, 'ip' | 'port' | 'hostPort'>): EndpointName {
  let n = names.get(ep.hostPort);
  if (!n) {
    const base = endpointBase(sp, ep);
    names.set(ep.hostPort, (n = { base, chain: `endpoint-${base}` }));
  }
  return n;
}

/**
 * The Service (`ns/name`) a Service or endpoint chain's name carries after its prefix and hash
 * (`service-HASH-ns/svc/…`): every chain a Service writes carries its own. Undefined for other
 * names and for cut ones (`...`), whose Service may be cut too.
 */
export function chainService(name: string): string | undefined {
  const dash = name.indexOf('-');
  const at = dash + 10;
  if (dash < 0 || name.charCodeAt(at - 1) !== 45 || name.endsWith('...')) return undefined;
  const s1 = name.indexOf('/', at);
  const s2 = s1 < 0 ? -1 : name.indexOf('/', s1 + 1);
  return s2 < 0 ? undefined : name.slice(at, s2);
}

/** Service and endpoint chains all carry a `/` (no fixed chain does). */
export function isServiceChain(name: string): boolean {
  return name.includes('/');
}

export function isAffinitySet(name: string): boolean {
  return name.startsWith('affinity-');
}
