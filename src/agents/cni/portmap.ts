// The CNI portmap plugin (iptables backend), run after the bridge plugin for every pod whose
// containers ask for a hostPort. In the nat table it keeps:
//   PREROUTING, OUTPUT  -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT       (appended)
//   POSTROUTING         "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ   (inserted first)
//   CNI-HOSTPORT-DNAT   per container, per protocol: multiport --dports … -j CNI-DN-<hash>
//   CNI-DN-<hash>       per mapping: mark hairpin and localhost traffic, then DNAT to the pod
//   CNI-HOSTPORT-SETMARK / CNI-HOSTPORT-MASQ   the masquerade mark (bit 13) and its MASQUERADE
// A pod's DEL removes its CNI-DN chain and jump; the shared chains stay, as the plugin leaves them.
import { createHash } from 'node:crypto';
import type { Pod } from '../../api/types.js';
import { Rule } from '../../kernel/netfilter/rule.js';
import { formatCIDR, parseCIDR } from '../../net/ip.js';
import type { Ruleset } from '../../kernel/netfilter/ruleset.js';
import type { IptablesRestoreLines } from '../flannel/rules.js';

export const TOP_LEVEL_DNAT = 'CNI-HOSTPORT-DNAT';
export const SET_MARK = 'CNI-HOSTPORT-SETMARK';
export const MARK_MASQ = 'CNI-HOSTPORT-MASQ';
const MAX_CHAIN_NAME = 28;
/** multiport takes at most 15 ports per rule. */
const MULTIPORT_MAX = 15;

export interface PortMapEntry {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP: string;
}

/** One container's portmap ADD: its network, id, address (with the IPAM result's prefix) and mappings. */
export interface PortmapContainer {
  netName: string;
  containerID: string;
  ip: string;
  /** The address with its prefix, as the IPAM result gives it (e.g. 10.244.1.5/24). */
  network: string;
  entries: PortMapEntry[];
}

export interface PortmapConf {
  snat: boolean;
  markMasqBit: number;
  externalSetMarkChain?: string;
  masqAll: boolean;
}

/** The plugin's defaults, overridden by the conflist's portmap entry. */
export function portmapConf(plugin: Record<string, unknown>): PortmapConf {
  return {
    snat: plugin.snat !== false,
    markMasqBit: typeof plugin.markMasqBit === 'number' ? plugin.markMasqBit : 13,
    ...(typeof plugin.externalSetMarkChain === 'string' ? { externalSetMarkChain: plugin.externalSetMarkChain } : {}),
    masqAll: plugin.masqAll === true,
  };
}

/** The runtime's portMappings for a pod: every container port with a hostPort, protocol in lower case. */
export function portMappingsOf(pod: Pod): PortMapEntry[] {
  return pod.spec.containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({ hostPort: p.hostPort!, containerPort: p.containerPort, protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapEntry['protocol'], hostIP: p.hostIP ?? '' })),
  );
}

/** CNI-DN- and the hex SHA-512 of network name + container id, cut to 28 characters. */
export function dnatChainName(netName: string, containerID: string): string {
  return `CNI-DN-${createHash('sha512').update(netName + containerID).digest('hex')}`.slice(0, MAX_CHAIN_NAME);
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** iptables-save's form of the comment: inner quotes escaped, at most 255 characters. */
function comment(text: string): string {
  const trimmed = text.length <= 255 ? text : `${text.slice(0, 253)}...`;
  return `"${trimmed.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The nat rules every container's ADD leaves, as iptables-restore lines (iptables-save's form). */
export function portmapIptablesRules(containers: PortmapContainer[], conf: PortmapConf): IptablesRestoreLines {
  const out: IptablesRestoreLines = { nat: [], filter: [] };
  const withPorts = containers.filter((c) => c.entries.length > 0);
  if (withPorts.length === 0) return out;
  const mark = `${hex(1 << conf.markMasqBit)}/${hex(1 << conf.markMasqBit)}`;
  const setMark = conf.externalSetMarkChain ?? SET_MARK;
  const nat = out.nat;
  if (conf.snat && !conf.externalSetMarkChain) nat.push(`:${SET_MARK} - [0:0]`, `:${MARK_MASQ} - [0:0]`);
  nat.push(`:${TOP_LEVEL_DNAT} - [0:0]`);
  const chains = withPorts.map((c) => dnatChainName(c.netName, c.containerID));
  for (const name of chains) nat.push(`:${name} - [0:0]`);
  if (conf.snat && !conf.externalSetMarkChain) {
    nat.push(`-A ${SET_MARK} -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark ${mark}`);
    nat.push(`-A ${MARK_MASQ} -m mark --mark ${mark} -j MASQUERADE`);
    nat.push(`-I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j ${MARK_MASQ}`);
  }
  nat.push(`-A PREROUTING -m addrtype --dst-type LOCAL -j ${TOP_LEVEL_DNAT}`, `-A OUTPUT -m addrtype --dst-type LOCAL -j ${TOP_LEVEL_DNAT}`);
  withPorts.forEach((c, i) => {
    const chain = chains[i]!;
    const note = comment(`dnat name: "${c.netName}" id: "${c.containerID}"`);
    // One jump per protocol (in name order), at most 15 ports each.
    for (const proto of [...new Set(c.entries.map((e) => e.protocol))].sort()) {
      const ports = c.entries.filter((e) => e.protocol === proto).map((e) => e.hostPort);
      for (let j = 0; j < ports.length; j += MULTIPORT_MAX) {
        nat.push(`-A ${TOP_LEVEL_DNAT} -p ${proto} -m comment --comment ${note} -m multiport --dports ${ports.slice(j, j + MULTIPORT_MAX).join(',')} -j ${chain}`);
      }
    }
    for (const e of c.entries) {
      const dst = e.hostIP && e.hostIP !== '0.0.0.0' ? ` -d ${e.hostIP}/32` : '';
      const match = `-p ${e.protocol} -m ${e.protocol} --dport ${e.hostPort}`;
      if (conf.snat) {
        nat.push(`-A ${chain} -s ${conf.masqAll ? '0.0.0.0/0' : formatCIDR(parseCIDR(c.network, true)!)}${dst} ${match} -j ${setMark}`);
        if (!conf.masqAll) nat.push(`-A ${chain} -s 127.0.0.1/32${dst} ${match} -j ${setMark}`);
      }
      nat.push(`-A ${chain}${dst} ${match} -j DNAT --to-destination ${c.ip}:${e.containerPort}`);
    }
  });
  return out;
}

/**
 * Brings a node's nat table to what the ADDs and DELs so far leave: jumps from the built-in chains
 * ensured (the masquerade one at the top), portmap's own chains set exactly, and the CNI-DN chains
 * of containers that are gone removed with their jumps.
 */
export function applyPortmapRules(rs: Ruleset, lines: IptablesRestoreLines): void {
  const existing = rs.tables.get('nat');
  if (lines.nat.length === 0 && !existing?.chain(TOP_LEVEL_DNAT)) return;
  const nat = rs.table('nat');
  const owned = new Map<string, Rule[]>();
  if (nat.chain(TOP_LEVEL_DNAT)) owned.set(TOP_LEVEL_DNAT, []);
  for (const line of lines.nat) {
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0]!;
      nat.ensureChain(name);
      owned.set(name, []);
      continue;
    }
    const m = line.match(/^-([AI]) (\S+)(?: 1)? (.*)$/)!;
    const [, op, chainName, spec] = m as unknown as [string, 'A' | 'I', string, string];
    const chain = nat.ensureChain(chainName);
    const rule = Rule.parse('nat', chainName, spec, rs.family);
    const mine = owned.get(chainName);
    if (mine) mine.push(rule);
    else if (!chain.rules.some((r) => r.saveText === rule.saveText)) {
      if (op === 'I') chain.insert(rule, 1);
      else chain.append(rule);
    }
  }
  for (const [name, rules] of owned) nat.chain(name)!.setRules(rules);
  for (const name of nat.chainNames('CNI-DN-')) if (!owned.has(name)) nat.deleteChain(name);
}
