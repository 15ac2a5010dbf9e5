// CoreDNS's loop plugin: at start-up a CoreDNS sends itself a random HINFO query through its own
// server block; when the forward plugin hands it to an address that is this CoreDNS again (the
// pod's loopback — e.g. systemd-resolved's 127.0.0.53 copied from the node's resolv.conf —, its
// own pod IP, or a Service in front of the CoreDNS pods) the query comes back and CoreDNS exits:
// the pod crash-loops and answers nothing.
import { isIP } from 'node:net';
import type { Pod } from '../api/types.js';
import { corednsPods, type CorednsInstance } from './instance.js';
import { resolvConfFor } from './resolvconf.js';

export interface LoopFinding {
  pod: string;
  /** The forward target that is this CoreDNS again. */
  target: string;
  /** Where the target came from (`/etc/resolv.conf` or the Corefile). */
  via: string;
  /** The line CoreDNS logs before it exits. */
  fatal: string;
  fix: string;
}

const isLoopback = (ip: string): boolean => (isIP(ip) === 4 ? ip.startsWith('127.') : ip === '::1');

/** A small deterministic generator, so the random parts of the log line are stable per pod. */
function seeded(text: string): () => bigint {
  let h = 0xcbf29ce484222325n;
  for (const c of text) h = ((h ^ BigInt(c.charCodeAt(0))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return () => {
    h = (h * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return h >> 1n;
  };
}

/** Forward targets as addresses: `/etc/resolv.conf` means the CoreDNS pod's own resolver file. */
function targets(inst: CorednsInstance, pod: Pod, to: string[]): { ip: string; via: string }[] {
  const out: { ip: string; via: string }[] = [];
  for (const t of to) {
    if (t === '/etc/resolv.conf') {
      for (const ns of resolvConfFor(inst.cluster, pod).nameservers) out.push({ ip: ns, via: `the pod's /etc/resolv.conf, dnsPolicy ${pod.spec.dnsPolicy ?? 'ClusterFirst'}` });
      continue;
    }
    const m = t.replace(/^dns:\/\//, '').match(/^\[?([0-9a-fA-F:.]+?)\]?(?::(\d+))?$/);
    if (m && isIP(m[1]!) && (m[2] === undefined || m[2] === '53')) out.push({ ip: m[1]!, via: 'the Corefile' });
  }
  return out;
}

/** Why `pod` (a CoreDNS pod) would crash-loop on the loop plugin, if it would. */
export function loopOf(inst: CorednsInstance, pod: Pod): LoopFinding | undefined {
  const block = inst.corefile.blocks.find((b) => b.plugins.includes('loop') && b.forward && b.port === 53);
  if (!block?.forward || pod.spec.hostNetwork) return undefined;
  const podIPs = new Set((pod.status?.podIPs?.map((p) => p.ip) ?? []).concat(pod.status?.podIP ? [pod.status.podIP] : []));
  const corednsIPs = new Set(corednsPods(inst.cluster).map((p) => p.status!.podIP!));
  const selfService = (ip: string): boolean =>
    inst.agent.servicesForIP(ip).some((s) => inst.agent.endpointsOf(s.namespace, s.name).some((e) => e.addresses.some((a) => corednsIPs.has(a.ip))));
  const hit = targets(inst, pod, block.forward.to).find((t) => isLoopback(t.ip) || podIPs.has(t.ip) || selfService(t.ip));
  if (!hit) return undefined;
  const rnd = seeded(`${pod.metadata.namespace}/${pod.metadata.name}`);
  const source = isLoopback(hit.ip) ? (isIP(hit.ip) === 4 ? '127.0.0.1' : '::1') : pod.status?.podIP ?? hit.ip;
  const port = 32768 + Number(rnd() % 28232n);
  const zone = block.zones[0] ?? '.';
  const qname = `${rnd()}.${rnd()}.${zone === '.' ? '' : zone}`;
  const fatal = `[FATAL] plugin/loop: Loop (${source}:${port} -> :53) detected for zone "${zone}", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${qname}"`;
  const fix =
    hit.ip === '127.0.0.53'
      ? 'the node runs systemd-resolved, whose stub 127.0.0.53 is the pod\'s own loopback: set the kubelet\'s resolvConf: /run/systemd/resolve/resolv.conf (the file with the real upstream servers) in its KubeletConfiguration, or forward the Corefile to a real resolver'
      : isLoopback(hit.ip)
        ? `${hit.ip} is the pod's own loopback: point the kubelet's resolvConf at a file with the real upstream servers (systemd-resolved: /run/systemd/resolve/resolv.conf), or forward the Corefile to a real resolver`
        : `${hit.ip} is this CoreDNS again: forward the Corefile to a resolver outside the cluster`;
  return { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, target: hit.ip, via: hit.via, fatal, fix };
}

/** Every CoreDNS pod of the cluster that crash-loops on the loop plugin. */
export function loopFindings(inst: CorednsInstance): LoopFinding[] {
  return corednsPods(inst.cluster)
    .map((p) => loopOf(inst, p))
    .filter((f): f is LoopFinding => !!f);
}

/** The line knet prints for a crash-looping CoreDNS pod. */
export function loopWarning(f: LoopFinding): string {
  return `CoreDNS in pod ${f.pod} crash-loops (CrashLoopBackOff): forward sends to ${f.target} (from ${f.via}), which is this CoreDNS again; it logs ${f.fatal} and exits. Fix: ${f.fix}`;
}
