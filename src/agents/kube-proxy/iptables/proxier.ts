// The iptables-restore input of a full or partial sync: the fixed chains (which depend on the
// settings only), the entry chains (every Service's entry rules, entry-source.ts), and the chain
// groups of the Services the sync writes (service-rules.ts).
import { Rule } from '../../../kernel/netfilter/rule.js';
import { Ruleset } from '../../../kernel/netfilter/ruleset.js';
import type { ProxierSettings } from '../settings.js';
import { EntryRuns, EntrySource } from './entry-source.js';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chains.js';
import type { ServiceRules } from './service-rules.js';

const CT_INVALID_COUNTER = 'ct_state_invalid_dropped_pkts';

/** A sync's inputs besides the per-Service rules. */
export interface SyncPlan {
  full: boolean;
  /** Services whose own chains are written (every Service on a full sync). */
  changed: ReadonlySet<string>;
  /** Service keys in order, with their rules. */
  services: readonly { key: string; rules: ServiceRules }[];
  /** This kube-proxy's entry chains as of its last sync (what this sync's are made from); replaced by this sync's. */
  entries: { last?: EntryRuns };
}

/** The rules of the fixed chains, which depend on the settings only. */
interface FixedRules {
  postrouting: Rule[];
  markMasq: Rule[];
  firewall?: Rule[];
  forward: Rule[];
  /** nat KUBE-SERVICES' last rule(s): the jump to KUBE-NODEPORTS. */
  nodePortsLast: Rule[];
}

// The same objects every sync: the entry chain's text is then reused up to its very end (restore.ts).
const fixed = new WeakMap<ProxierSettings, FixedRules>();

function fixedRules(s: ProxierSettings): FixedRules {
  let r = fixed.get(s);
  if (r) return r;
  const fam = s.family;
  const mark = s.masqueradeMark;
  const n = (chain: string, text: string): Rule => new Rule('nat', chain, text, fam);
  const f = (chain: string, text: string): Rule => new Rule('filter', chain, text, fam);
  r = {
    postrouting: [
      n(KUBE_POSTROUTING, `-m mark ! --mark ${mark}/${mark} -j RETURN`),
      n(KUBE_POSTROUTING, `-j MARK --xor-mark ${mark}`),
      n(KUBE_POSTROUTING, `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${s.randomFully ? ' --random-fully' : ''}`),
    ],
    markMasq: [n(KUBE_MARK_MASQ, `-j MARK --or-mark ${mark}`)],
    forward: [],
    nodePortsLast: [],
  };
  if (fam === 4 && s.localhostNodePorts) {
    r.firewall = [
      f(KUBE_FIREWALL, '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'),
    ];
  }
  const last = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (s.nodePortAddresses.matchAll) {
    const not = fam === 6 ? ' ! -d ::1/128' : s.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    r.nodePortsLast.push(n(KUBE_SERVICES, `${last} -m addrtype --dst-type LOCAL${not} -j ${KUBE_NODEPORTS}`));
  } else {
    for (const ip of s.nodePortAddresses.ips) {
      const loopback = fam === 6 ? ip === '::1' : ip.startsWith('127.');
      if (loopback && (fam === 6 || !s.localhostNodePorts)) continue;
      r.nodePortsLast.push(n(KUBE_SERVICES, `${last} -d ${ip} -j ${KUBE_NODEPORTS}`));
    }
  }
  if (!s.conntrackTCPLiberal) {
    const acct = s.nfacct.has(CT_INVALID_COUNTER) ? ` -m nfacct --nfacct-name ${CT_INVALID_COUNTER}` : '';
    r.forward.push(f(KUBE_FORWARD, `-m conntrack --ctstate INVALID${acct} -j DROP`));
  }
  r.forward.push(f(KUBE_FORWARD, `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`));
  r.forward.push(f(KUBE_FORWARD, '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'));
  fixed.set(s, r);
  return r;
}

/** The iptables-restore input for one sync (filter table first, then nat); the caller adds the stale chains to delete. */
export function restoreInput(s: ProxierSettings, plan: SyncPlan): Ruleset {
  const rs = new Ruleset(s.family, 'restore');
  const filter = rs.table('filter');
  const nat = rs.table('nat');
  const fx = fixedRules(s);
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filter.ensureChain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) nat.ensureChain(c);
  nat.chain(KUBE_POSTROUTING)!.setRules([...fx.postrouting]);
  nat.chain(KUBE_MARK_MASQ)!.setRules([...fx.markMasq]);
  if (fx.firewall) filter.ensureChain(KUBE_FIREWALL).setRules([...fx.firewall]);

  const list = plan.services;
  if (plan.full) for (const { key, rules } of list) nat.setGroup(key, rules);
  else {
    // the changed Services' chains, found in the key-ordered list
    for (const key of [...plan.changed].sort()) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.key < key) lo = mid + 1;
        else hi = mid;
      }
      const x = list[lo];
      if (x?.key === key) nat.setGroup(key, x.rules);
    }
  }
  // the entry chains read this sync's Services (the tracker's list changes with the next one)
  const services = new EntryRuns(list.map((x) => x.rules), plan.entries.last);
  plan.entries.last = services;
  const NONE: readonly Rule[] = [];
  filter.chain(KUBE_SERVICES)!.setSource(new EntrySource(services, 'filterServices', NONE));
  filter.chain(KUBE_EXTERNAL_SERVICES)!.setSource(new EntrySource(services, 'filterExternal', NONE));
  filter.chain(KUBE_NODEPORTS)!.setSource(new EntrySource(services, 'filterNodePorts', NONE));
  filter.chain(KUBE_PROXY_FIREWALL)!.setSource(new EntrySource(services, 'filterFirewall', NONE));
  filter.chain(KUBE_FORWARD)!.setRules([...fx.forward]);
  nat.chain(KUBE_SERVICES)!.setSource(new EntrySource(services, 'natServices', fx.nodePortsLast));
  nat.chain(KUBE_NODEPORTS)!.setSource(new EntrySource(services, 'natNodePorts', NONE));
  return rs;
}
