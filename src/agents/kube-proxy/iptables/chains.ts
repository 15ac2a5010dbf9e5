// kube-proxy's chain names: fixed chains, and per Service port / endpoint chains named by a
// prefix plus the first 16 characters of BASE32(SHA-256(input)).
import { sha256Base32 } from '../hash.js';

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

/** The nfacct counter of localhost NodePort traffic kube-proxy accepts. */
export const LOCALHOST_NP_COUNTER = 'localhost_nps_accepted_pkts';

/** Per Service port / endpoint chains: the ones kube-proxy deletes when nothing produces them. */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'];

export function isServiceChain(name: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => name.startsWith(p));
}

export interface ServicePortChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
  /** The hash input naming them (ServicePortName + protocol). */
  input: string;
  /** Endpoint (ip:port) → its KUBE-SEP chain. */
  seps: Map<string, string>;
}

// Chain names depend only on their inputs: computed once per process, shared by every node's
// kube-proxy and every sync (a SHA-256 per endpoint is most of a large ruleset's naming cost).
const portChains = new Map<string, ServicePortChains>();
let sepCount = 0;

export function servicePortChains(spn: string, protocol: string): ServicePortChains {
  const input = spn + protocol;
  let c = portChains.get(input);
  if (!c) {
    const h = sha256Base32(input, 16);
    portChains.set(input, (c = { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}`, input, seps: new Map() }));
  }
  return c;
}

/** The endpoint's KUBE-SEP chain for a Service port. */
export function endpointChain(port: ServicePortChains, hostPort: string): string {
  let c = port.seps.get(hostPort);
  if (!c) {
    if (++sepCount > 2_000_000) {
      // bounded under endless endpoint churn
      for (const p of portChains.values()) p.seps.clear();
      sepCount = 1;
    }
    port.seps.set(hostPort, (c = `KUBE-SEP-${sha256Base32(port.input + hostPort, 16)}`));
  }
  return c;
}
