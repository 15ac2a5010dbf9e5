// The flannel CNI plugin: it reads flanneld's subnet.env and hands the pod to the bridge plugin
// with a config built from its `delegate` block (ipMasq inverted from FLANNEL_IPMASQ, mtu from
// FLANNEL_MTU, host-local ranges = the node's lease, a route to the whole flannel network).
import type { Store } from '../../api/store.js';
import type { ConfigMap } from '../../api/types.js';
import type { SubnetEnv } from '../flannel/subnet-env.js';

export interface Conflist {
  name: string;
  cniVersion: string;
  plugins: Record<string, unknown>[];
}

/** cni-conf.json of kube-flannel.yml, used when the topology carries no kube-flannel-cfg ConfigMap. */
export const MANIFEST_CONFLIST: Conflist = {
  name: 'cbr0',
  cniVersion: '0.3.1',
  plugins: [
    { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

/** The ConfigMap install-cni copies the conflist from (undefined: the manifest's is used); a new object whenever it changes. */
export function conflistConfigMap(store: Store): ConfigMap | undefined {
  return store.get('ConfigMap', 'kube-flannel', 'kube-flannel-cfg');
}

/** What install-cni copies to /etc/cni/net.d/10-flannel.conflist. */
export function readConflist(store: Store): Conflist {
  const cm = conflistConfigMap(store);
  const text = cm?.data?.['cni-conf.json'];
  if (text === undefined) return MANIFEST_CONFLIST;
  try {
    return JSON.parse(text) as Conflist;
  } catch (e) {
    throw new Error(`ConfigMap kube-flannel/kube-flannel-cfg: data.cni-conf.json: invalid JSON: ${(e as Error).message}`);
  }
}

/** The bridge plugin's configuration as the flannel plugin writes it (JSON keys sorted). */
export interface BridgeConf {
  cniVersion: string;
  name: string;
  type: string;
  bridge?: string;
  hairpinMode?: boolean;
  isDefaultGateway?: boolean;
  isGateway?: boolean;
  ipMasq: boolean;
  mtu: number;
  ipam: { type: string; ranges: { subnet: string }[][]; routes: { dst: string; gw?: string }[] };
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  return v;
}

export function delegateConfig(conflist: Conflist, env: SubnetEnv): BridgeConf {
  const plugin = conflist.plugins[0] ?? {};
  if (plugin.type !== 'flannel') throw new Error(`CNI plugin "${String(plugin.type)}" in conflist ${conflist.name} is not modelled (flannel)`);
  const d = { ...((plugin.delegate ?? {}) as Record<string, unknown>) };
  const ipam = { ...((plugin.ipam ?? {}) as Record<string, unknown>) };
  const type = (d.type as string | undefined) ?? 'bridge';
  const conf: Record<string, unknown> = {
    ...d,
    name: conflist.name,
    type,
    ipMasq: d.ipMasq ?? !env.ipMasq,
    mtu: d.mtu ?? env.mtu,
    ...(type === 'bridge' ? { isGateway: d.isGateway ?? true } : {}),
    ...(conflist.cniVersion ? { cniVersion: conflist.cniVersion } : {}),
    ipam: {
      ...ipam,
      type: ipam.type ?? 'host-local',
      // One range set per family flanneld leased, IPv4 first; a route to each flannel network.
      ranges: [...(env.subnet ? [[{ subnet: env.subnet }]] : []), ...(env.ipv6Subnet ? [[{ subnet: env.ipv6Subnet }]] : [])],
      routes: [...((ipam.routes ?? []) as { dst: string }[]), ...(env.network ? [{ dst: env.network }] : []), ...(env.ipv6Network ? [{ dst: env.ipv6Network }] : [])],
    },
  };
  return sorted(conf) as BridgeConf;
}
