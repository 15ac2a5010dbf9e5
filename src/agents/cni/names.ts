// Identifiers the runtime and the bridge plugin draw at random for a pod sandbox, derived here
// from the pod's namespace/name so every run prints the same state.
import { hash } from 'node:crypto';
import { stableUid } from '../../api/store.js';
import { stableHex8, stableMac } from '../../net/mac.js';

/** The sandbox (pause container) ID: 64 hex digits, as containerd hands to CNI. */
export function containerID(pod: string): string {
  return hash('sha256', `sandbox/${pod}`, 'hex');
}

/** containerd's netns name under /var/run/netns. */
export function netnsName(pod: string): string {
  return `cni-${stableUid('netns', pod)}`;
}

/** The host end's name: `veth` + 8 hex digits; `attempt` > 0 when a name is taken (the plugin retries too). */
export function hostVethName(pod: string, attempt = 0): string {
  return `veth${stableHex8(attempt ? `${pod}#${attempt}` : pod)}`;
}

export function podEth0Mac(pod: string): string {
  return stableMac(`eth0/${pod}`);
}

export function hostVethMac(pod: string): string {
  return stableMac(`veth/${pod}`);
}

/** The bridge's MAC: random at creation, then pinned by the plugin. */
export function bridgeMac(nodeName: string, bridge: string): string {
  return stableMac(`${bridge}/${nodeName}`);
}
