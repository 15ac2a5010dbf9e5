// Readers for the configuration documents: knet's Cluster header, kubeadm's ClusterConfiguration,
// KubeProxyConfiguration and flannel's net-conf.json.
import { parseCIDR } from '../net/ip.js';
import {
  defaultFlannelConfig,
  defaultKernel,
  defaultKubeProxyConfig,
  type ClusterHeader,
  type ClusterNode,
  type FlannelConfig,
  type KubeletDNS,
  type KubeProxyConfig,
  type Networking,
} from './config.js';
import { Fields } from './fields.js';
import { parseDuration } from './duration.js';

export function readClusterHeader(f: Fields, o: Record<string, unknown>): ClusterHeader {
  const name = f.string(o, ['metadata', 'name']) ?? 'cluster';
  const nodesRaw = f.array(o, ['spec', 'nodes'], true);
  const nodes: ClusterNode[] = nodesRaw.map((_, i) => {
    const p = ['spec', 'nodes', i];
    const nodeName = f.string(o, [...p, 'name'], true)!;
    const ip = f.ip(o, [...p, 'ip'], true)!;
    const roles = f.array(o, [...p, 'roles']).map((r, j) => f.string(o, [...p, 'roles', j], true)!);
    const podCIDR = f.cidr(o, [...p, 'podCIDR']);
    const ifaces = f.map(o, [...p, 'interfaces']);
    const interfaces: Record<string, string[]> = {};
    if (ifaces) {
      for (const dev of Object.keys(ifaces)) {
        interfaces[dev] = f.array(o, [...p, 'interfaces', dev]).map((_, j) => f.cidr(o, [...p, 'interfaces', dev, j], true)!);
      }
    } else {
      interfaces.lo = ['127.0.0.1/8'];
      interfaces.eth0 = [`${ip}/24`];
    }
    const k = defaultKernel();
    const kernel = {
      ipvs: f.bool(o, [...p, 'kernel', 'ipvs']) ?? k.ipvs,
      bridgeNfCallIptables: (f.int(o, [...p, 'kernel', 'bridgeNfCallIptables'], 0, 1) ?? k.bridgeNfCallIptables) as 0 | 1,
      iptablesRandomFully: f.bool(o, [...p, 'kernel', 'iptablesRandomFully']) ?? k.iptablesRandomFully,
      nfacct: f.array(o, [...p, 'kernel', 'nfacct']).map((_, j) => f.string(o, [...p, 'kernel', 'nfacct', j], true)!),
    };
    const labels = f.stringMap(o, [...p, 'labels']) ?? {};
    const resolvConf = f.string(o, [...p, 'resolvConf']);
    return { name: nodeName, ip, roles, ...(podCIDR ? { podCIDR } : {}), interfaces, kernel, labels, ...(resolvConf !== undefined ? { resolvConf } : {}) };
  });
  const cidr = f.cidr(o, ['spec', 'underlay', 'cidr']);
  const mtu = f.int(o, ['spec', 'underlay', 'mtu'], 576, 65535) ?? 1500;
  const external = f.array(o, ['spec', 'external']).map((_, i) => ({
    name: f.string(o, ['spec', 'external', i, 'name'], true)!,
    ip: f.ip(o, ['spec', 'external', i, 'ip'], true)!,
  }));
  return { name, nodes, underlay: { cidr: cidr ?? '', mtu }, external };
}

/** kube-apiserver's --service-node-port-range, from v1beta3's map or v1beta4's name/value list. */
function nodePortRange(f: Fields, o: Record<string, unknown>): { min: number; max: number } | undefined {
  const extra = f.at(o, ['apiServer', 'extraArgs']);
  let text: string | undefined;
  let path: (string | number)[] = ['apiServer', 'extraArgs'];
  if (Array.isArray(extra)) {
    extra.forEach((_, i) => {
      if (f.string(o, ['apiServer', 'extraArgs', i, 'name'], true) === 'service-node-port-range') {
        path = ['apiServer', 'extraArgs', i, 'value'];
        text = f.string(o, path, true);
      }
    });
  } else if (extra && typeof extra === 'object') {
    path = ['apiServer', 'extraArgs', 'service-node-port-range'];
    text = f.string(o, path);
  }
  if (text === undefined) return undefined;
  const m = text.match(/^(\d+)-(\d+)$/) ?? text.match(/^(\d+)\+(\d+)$/);
  if (!m) return f.fail(path, `"${text}" is not a port range (want MIN-MAX)`);
  const min = Number(m[1]);
  const max = text.includes('+') ? min + Number(m[2]) : Number(m[2]);
  if (min < 1 || max > 65535 || min > max) f.fail(path, `"${text}" is not a valid port range`);
  return { min, max };
}

function cidrList(f: Fields, o: Record<string, unknown>, path: string[]): string[] | undefined {
  const v = f.string(o, path);
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim());
  for (const c of list) if (!parseCIDR(c)) f.fail(path, `"${c}" is not a valid CIDR`);
  return list;
}

export function readClusterConfiguration(f: Fields, o: Record<string, unknown>, into: Networking): void {
  const pods = cidrList(f, o, ['networking', 'podSubnet']);
  const svcs = cidrList(f, o, ['networking', 'serviceSubnet']);
  if (pods) into.podSubnets = pods;
  if (svcs) into.serviceSubnets = svcs;
  into.dnsDomain = f.string(o, ['networking', 'dnsDomain']) ?? into.dnsDomain;
  into.nodePortRange = nodePortRange(f, o) ?? into.nodePortRange;
}

/**
 * KubeletConfiguration: only the DNS settings are read (clusterDNS, clusterDomain, resolvConf);
 * kubeadm's defaults fill what is absent: the tenth service address, the cluster domain and
 * /etc/resolv.conf.
 */
export function readKubeletConfiguration(f: Fields, o: Record<string, unknown>, defaults: KubeletDNS): KubeletDNS {
  for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'clusterDNS', 'clusterDomain', 'resolvConf'].includes(k)) f.warn([k], 'field not modelled by knet; ignored');
  const given = f.at(o, ['clusterDNS']);
  const clusterDNS = given === undefined || given === null ? defaults.clusterDNS : f.array(o, ['clusterDNS']).map((_, i) => f.ip(o, ['clusterDNS', i], true)!);
  return {
    clusterDNS,
    clusterDomain: f.string(o, ['clusterDomain']) ?? defaults.clusterDomain,
    resolvConf: f.string(o, ['resolvConf']) ?? defaults.resolvConf,
  };
}

const MODELLED_PROXY_FIELDS = new Set([
  'apiVersion', 'kind', 'mode', 'clusterCIDR', 'detectLocalMode', 'detectLocal', 'nodePortAddresses',
  'masqueradeAll', 'iptables', 'ipvs', 'conntrack', 'bindAddress', 'metricsBindAddress', 'healthzBindAddress',
  'clientConnection', 'featureGates', 'hostnameOverride', 'logging', 'oomScoreAdj', 'portRange',
  'showHiddenMetricsForVersion', 'winkernel', 'nftables', 'udpIdleTimeout', 'configSyncPeriod',
  'enableProfiling', 'bindAddressHardFail', 'syncPeriod', 'minSyncPeriod',
]);

export function readKubeProxyConfiguration(f: Fields, o: Record<string, unknown>, clusterCIDR: string): KubeProxyConfig {
  const c = defaultKubeProxyConfig(clusterCIDR);
  for (const k of Object.keys(o)) if (!MODELLED_PROXY_FIELDS.has(k)) f.warn([k], 'field not modelled by knet; ignored');
  const mode = f.string(o, ['mode']);
  if (mode === '' || mode === undefined) c.mode = 'iptables';
  else if (mode === 'iptables' || mode === 'ipvs' || mode === 'nftables') c.mode = mode;
  else f.fail(['mode'], `Unsupported value: "${mode}": supported values: "iptables", "ipvs", "nftables"`);
  const cc = f.string(o, ['clusterCIDR']);
  if (cc !== undefined) {
    for (const part of cc.split(',').filter(Boolean)) if (!parseCIDR(part.trim(), true)) f.fail(['clusterCIDR'], `"${part}" is not a valid CIDR`);
    c.clusterCIDR = cc;
  }
  const dlm = f.oneOf(o, ['detectLocalMode'], ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix', ''] as const);
  if (dlm !== undefined) c.detectLocalMode = dlm;
  c.detectLocal.bridgeInterface = f.string(o, ['detectLocal', 'bridgeInterface']) ?? '';
  c.detectLocal.interfaceNamePrefix = f.string(o, ['detectLocal', 'interfaceNamePrefix']) ?? '';
  c.nodePortAddresses = f.array(o, ['nodePortAddresses']).map((v, i) => (v === 'primary' ? 'primary' : f.cidr(o, ['nodePortAddresses', i], true)!));
  c.masqueradeAll = f.bool(o, ['iptables', 'masqueradeAll']) ?? f.bool(o, ['masqueradeAll']) ?? false;
  c.iptables.masqueradeBit = f.int(o, ['iptables', 'masqueradeBit'], 0, 31) ?? 14;
  c.iptables.localhostNodePorts = f.bool(o, ['iptables', 'localhostNodePorts']) ?? true;
  c.iptables.syncPeriod = f.string(o, ['iptables', 'syncPeriod']) ?? f.string(o, ['syncPeriod']) ?? '30s';
  c.iptables.minSyncPeriod = f.string(o, ['iptables', 'minSyncPeriod']) ?? f.string(o, ['minSyncPeriod']) ?? '1s';
  c.ipvs.scheduler = f.oneOf(o, ['ipvs', 'scheduler'], ['', 'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh'] as const) ?? '';
  c.ipvs.strictARP = f.bool(o, ['ipvs', 'strictARP']) ?? false;
  c.ipvs.excludeCIDRs = f.array(o, ['ipvs', 'excludeCIDRs']).map((_, i) => f.cidr(o, ['ipvs', 'excludeCIDRs', i], true)!);
  c.ipvs.tcpTimeout = f.string(o, ['ipvs', 'tcpTimeout']) ?? '0s';
  c.ipvs.tcpFinTimeout = f.string(o, ['ipvs', 'tcpFinTimeout']) ?? '0s';
  c.ipvs.udpTimeout = f.string(o, ['ipvs', 'udpTimeout']) ?? '0s';
  c.conntrack.tcpBeLiberal = f.bool(o, ['conntrack', 'tcpBeLiberal']) ?? false;
  c.conntrack.maxPerCore = f.int(o, ['conntrack', 'maxPerCore'], 0, 1 << 30) ?? c.conntrack.maxPerCore;
  c.conntrack.min = f.int(o, ['conntrack', 'min'], 0, 1 << 30) ?? c.conntrack.min;
  for (const k of ['tcpEstablishedTimeout', 'tcpCloseWaitTimeout', 'udpTimeout', 'udpStreamTimeout'] as const) {
    const d = f.string(o, ['conntrack', k]);
    if (d !== undefined && parseDuration(d) === undefined) f.fail(['conntrack', k], `"${d}" is not a duration (e.g. 24h0m0s, 1h, 30s)`);
    c.conntrack[k] = d ?? c.conntrack[k];
  }
  return c;
}

/** flannel's net-conf.json, held in the kube-flannel-cfg ConfigMap. */
export function readFlannelNetConf(f: Fields, cm: Record<string, unknown>, podSubnet: string): FlannelConfig {
  const path = ['data', 'net-conf.json'];
  const text = f.string(cm, path);
  const c = defaultFlannelConfig(podSubnet);
  if (text === undefined) return c;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    return f.fail(path, `invalid JSON: ${(e as Error).message}`);
  }
  const jf = new Fields(f.problems, f.ref, `${f.object} net-conf.json`);
  c.network = jf.cidr(j, ['Network']) ?? podSubnet;
  c.subnetLen = jf.int(j, ['SubnetLen'], 1, 30) ?? 24;
  c.enableIPv4 = jf.bool(j, ['EnableIPv4']) ?? true;
  c.enableIPv6 = jf.bool(j, ['EnableIPv6']) ?? false;
  const v6 = jf.cidr(j, ['IPv6Network']);
  if (v6 !== undefined && !v6.includes(':')) jf.fail(['IPv6Network'], `${v6} is not an IPv6 network`);
  if (v6) c.ipv6Network = v6;
  if (c.enableIPv6 && !c.ipv6Network) jf.fail(['IPv6Network'], 'please define a correct IPv6Network parameter in the flannel config (EnableIPv6 is true)');
  const given = jf.string(j, ['Backend', 'Type']) ?? 'vxlan';
  const type = given === 'vxlan' || given === 'host-gw' ? given : jf.fail(['Backend', 'Type'], `backend "${given}" is not modelled (vxlan, host-gw)`);
  c.backend = {
    type,
    vni: jf.int(j, ['Backend', 'VNI'], 0, (1 << 24) - 1) ?? 1,
    port: jf.int(j, ['Backend', 'Port'], 0, 65535) || 8472,
    directRouting: jf.bool(j, ['Backend', 'DirectRouting']) ?? false,
    ...(jf.int(j, ['Backend', 'MTU'], 68, 65535) ? { mtu: jf.int(j, ['Backend', 'MTU'], 68, 65535)! } : {}),
  };
  c.raw = text;
  return c;
}
