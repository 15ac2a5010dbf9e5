// Reads test/vectors/flannel cases: input.yaml turned into a knet topology, expected.txt split
// into per-node sections, and the substitutions from the vector's invented MACs, veth names and
// container IDs to the stable ones knet derives.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { containerID, hostVethMac, podEth0Mac } from '../../src/agents/cni/names.js';
import { vtepMac } from '../../src/agents/flannel/vxlan.js';
import type { NodeKernels } from '../../src/agents/node-agents.js';
import { bridgeMac } from '../../src/agents/cni/names.js';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'flannel');

export interface VectorPod {
  name: string;
  containerID: string;
  mac: string;
  hostVeth: string;
  hostVethMAC: string;
}

export interface VectorNode {
  name: string;
  iface: string;
  ip: string;
  mac?: string;
  mtu: number;
  gw: string;
  podCIDR: string;
  vtepMAC: string;
  cni0MAC?: string;
  pods: VectorPod[];
}

export interface VectorInput {
  netConf: Record<string, unknown> & { Network: string; Backend: { Type: string; VNI?: number } };
  flanneld: { args: string[] };
  cniConflist: Record<string, unknown>;
  nodes: VectorNode[];
}

export function readVector(name: string): { input: VectorInput; expected: string } {
  const dir = join(VECTORS_DIR, name);
  return { input: YAML.parse(readFileSync(join(dir, 'input.yaml'), 'utf8')) as VectorInput, expected: readFileSync(join(dir, 'expected.txt'), 'utf8') };
}

/** The vector as a knet topology file: Cluster header, flannel ConfigMap and DaemonSet, the pods pinned to their nodes. */
export function vectorTopology(input: VectorInput): string {
  const n0 = input.nodes[0]!;
  const prefix = n0.ip.split('/')[1];
  const underlay = `${n0.gw.split('.').slice(0, 3).join('.')}.0/${prefix}`;
  const docs: unknown[] = [
    {
      apiVersion: 'knet.dev/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'vector' },
      spec: {
        nodes: input.nodes.map((n) => ({
          name: n.name,
          ip: n.ip.split('/')[0],
          podCIDR: n.podCIDR,
          interfaces: { lo: ['127.0.0.1/8'], [n.iface]: [n.ip] },
        })),
        underlay: { cidr: underlay, mtu: n0.mtu },
      },
    },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-flannel' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel' },
      data: { 'cni-conf.json': JSON.stringify(input.cniConflist), 'net-conf.json': JSON.stringify(input.netConf) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' },
      spec: {
        selector: { matchLabels: { app: 'flannel' } },
        template: {
          metadata: { labels: { app: 'flannel' } },
          spec: {
            hostNetwork: true,
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            containers: [{ name: 'kube-flannel', image: 'ghcr.io/flannel-io/flannel:v0.28.9', command: ['/opt/bin/flanneld'], args: input.flanneld.args }],
          },
        },
      },
    },
    ...input.nodes.flatMap((n) =>
      n.pods.map((p) => {
        const [ns, name] = p.name.split('/');
        return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { nodeName: n.name, containers: [{ name: 'c', image: 'busybox' }] } };
      }),
    ),
  ];
  return docs.map((d) => YAML.stringify(d)).join('---\n');
}

export function writeVectorTopology(input: VectorInput): string {
  const file = join(mkdtempSync(join(tmpdir(), 'knet-vector-')), 'topology.yaml');
  writeFileSync(file, vectorTopology(input));
  return file;
}

/** Vector value → knet's value for everything the vector invents. */
export function substitutions(input: VectorInput, nodes: NodeKernels): [string, string][] {
  const vni = input.netConf.Backend.VNI ?? 1;
  const subs: [string, string][] = [];
  for (const n of input.nodes) {
    subs.push([n.vtepMAC, vtepMac(n.name, vni)]);
    if (n.cni0MAC) subs.push([n.cni0MAC, bridgeMac(n.name, 'cni0')]);
    for (const p of n.pods) {
      subs.push([p.mac, podEth0Mac(p.name)], [p.hostVethMAC, hostVethMac(p.name)], [p.containerID, containerID(p.name)]);
      subs.push([p.hostVeth, nodes.get(n.name)!.pod(p.name)!.hostVeth]);
    }
  }
  return subs;
}

export function substitute(text: string, subs: [string, string][]): string {
  return subs.reduce((s, [from, to]) => s.split(from).join(to), text);
}

/** expected.txt → node → section header (the command, provenance stripped) → lines. */
export function sections(expected: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let node: Map<string, string[]> | undefined;
  let lines: string[] | undefined;
  for (const line of expected.split('\n')) {
    const n = line.match(/^=== node (\S+)/);
    if (n) {
      node = new Map();
      out.set(n[1]!, node);
      continue;
    }
    const s = line.match(/^--- (.*?)(\s+\[[^\]]*\])?$/);
    if (s && node) {
      lines = [];
      node.set(s[1]!.trim(), lines);
      continue;
    }
    if (lines && line !== '' && !line.startsWith('#')) lines.push(line);
  }
  return out;
}

/** Drops the `(host)` marker of lines that belong to the machine's base config. */
export function unmark(line: string): string {
  return line.replace(/\s+\(host\)$/, '');
}
