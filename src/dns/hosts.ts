// The /etc/hosts the kubelet writes into a pod (its "Kubernetes-managed hosts file": the loopback
// and IPv6 boilerplate, the pod's own addresses and names, then the pod's hostAliases), and the
// lookup glibc's `files` source makes in it before any DNS query (nsswitch `hosts: files dns`).
import { isIP } from 'node:net';
import { InputError } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';

export interface HostsEntry {
  ip: string;
  names: string[];
  /** Where the line comes from. */
  source: 'kubelet' | 'hostAliases';
}

export interface HostsFile {
  entries: HostsEntry[];
  /** False for a hostNetwork pod: the kubelet copies the node's own file, which knet does not have. */
  complete: boolean;
}

const BOILERPLATE: [string, string[]][] = [
  ['127.0.0.1', ['localhost']],
  ['::1', ['localhost', 'ip6-localhost', 'ip6-loopback']],
  ['fe00::0', ['ip6-localnet']],
  ['fe00::0', ['ip6-mcastprefix']],
  ['fe00::1', ['ip6-allnodes']],
  ['fe00::2', ['ip6-allrouters']],
];

function aliases(pod: Pod): HostsEntry[] {
  return (pod.spec.hostAliases ?? []).map((a, i) => {
    if (!isIP(a.ip ?? '')) {
      throw new InputError(`pod ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}: spec.hostAliases[${i}].ip: "${a.ip}" must be a valid IP address`);
    }
    return { ip: a.ip, names: a.hostnames ?? [], source: 'hostAliases' as const };
  });
}

export function hostsFileFor(cluster: Cluster, pod: Pod): HostsFile {
  if (pod.spec.hostNetwork) return { entries: aliases(pod), complete: false };
  const entries: HostsEntry[] = BOILERPLATE.map(([ip, names]) => ({ ip, names, source: 'kubelet' }));
  const hostname = pod.spec.hostname ?? pod.metadata.name;
  const ns = pod.metadata.namespace ?? 'default';
  const names = pod.spec.subdomain ? [`${hostname}.${pod.spec.subdomain}.${ns}.svc.${cluster.topology.kubelet.clusterDomain}`, hostname] : [hostname];
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  for (const ip of ips) entries.push({ ip, names, source: 'kubelet' });
  return { entries: [...entries, ...aliases(pod)], complete: true };
}

/** The file as the kubelet writes it. */
export function hostsFileText(f: HostsFile): string {
  const line = (e: HostsEntry): string => `${e.ip}\t${e.names.join('\t')}`;
  const own = f.entries.filter((e) => e.source === 'kubelet').map(line);
  const added = f.entries.filter((e) => e.source === 'hostAliases').map(line);
  const head = f.complete ? ['# Kubernetes-managed hosts file.', ...own] : ['# (the node\'s own /etc/hosts: not known to knet)'];
  return `${[...head, ...(added.length ? ['', '# Entries added by HostAliases.', ...added] : [])].join('\n')}\n`;
}

/**
 * glibc's files lookup for getaddrinfo: every line whose name or alias equals the name (case
 * does not matter, a trailing dot does), addresses of the asked family only.
 */
export function hostsLookup(f: HostsFile, name: string, type: string): HostsEntry[] {
  const family = type === 'AAAA' ? 6 : type === 'A' ? 4 : 0;
  if (family === 0) return [];
  const want = name.toLowerCase();
  return f.entries.filter((e) => isIP(e.ip) === family && e.names.some((n) => n.toLowerCase() === want));
}
