// The iptables rules flanneld (iptables mode) keeps on every node: masquerading for traffic that
// leaves the pod network (with --ip-masq) and FORWARD accepts for the pod network. All rules are
// appended, so flannel's jumps land after whatever POSTROUTING/FORWARD already hold.

/** iptables-restore input per table: chain declarations first, then `-A` lines in order. */
export interface IptablesRestoreLines {
  nat: string[];
  filter: string[];
}

export interface FlannelRuleInputs {
  /** The flannel Network (cluster CIDR). */
  network: string;
  /** This node's lease. */
  lease: string;
  /** flanneld --ip-masq. */
  ipMasq: boolean;
  /** flanneld --iptables-forward-rules (default true). */
  forwardRules: boolean;
  /** The node's iptables supports --random-fully and --ip-masq-fully-random-disable is not set. */
  randomFully: boolean;
  /** 6: the ip6tables rules of the IPv6 network (multicast is ff00::/8 there). */
  family?: 4 | 6;
}

/** kube-proxy's masquerade mark: packets it will SNAT itself are left alone. */
export const KUBE_PROXY_MARK = '0x4000/0x4000';

// The rule check runs on every read of a node: the same inputs give the very same lines (never
// changed by a reader), which it recognises without comparing them.
const made = new Map<string, IptablesRestoreLines>();

export function flannelIptablesRules(i: FlannelRuleInputs): IptablesRestoreLines {
  const key = `${i.network} ${i.lease} ${i.ipMasq} ${i.forwardRules} ${i.randomFully} ${i.family ?? 4}`;
  let out = made.get(key);
  if (!out) {
    if (made.size >= 10_000) made.clear();
    out = rulesOf(i);
    Object.freeze(out.nat);
    Object.freeze(out.filter);
    made.set(key, Object.freeze(out));
  }
  return out;
}

function rulesOf(i: FlannelRuleInputs): IptablesRestoreLines {
  const out: IptablesRestoreLines = { nat: [], filter: [] };
  if (i.ipMasq) {
    const c = '-m comment --comment "flanneld masq"';
    const masq = `-j MASQUERADE${i.randomFully ? ' --random-fully' : ''}`;
    out.nat.push(
      ':FLANNEL-POSTRTG - [0:0]',
      `-A POSTROUTING ${c} -j FLANNEL-POSTRTG`,
      `-A FLANNEL-POSTRTG -m mark --mark ${KUBE_PROXY_MARK} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${i.lease} -d ${i.network} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${i.network} -d ${i.lease} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG ! -s ${i.network} -d ${i.lease} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${i.network} ! -d ${i.family === 6 ? 'ff00::/8' : '224.0.0.0/4'} ${c} ${masq}`,
      `-A FLANNEL-POSTRTG ! -s ${i.network} -d ${i.network} ${c} ${masq}`,
    );
  }
  if (i.forwardRules) {
    const c = '-m comment --comment "flanneld forward"';
    out.filter.push(
      ':FLANNEL-FWD - [0:0]',
      `-A FORWARD ${c} -j FLANNEL-FWD`,
      `-A FLANNEL-FWD -s ${i.network} ${c} -j ACCEPT`,
      `-A FLANNEL-FWD -d ${i.network} ${c} -j ACCEPT`,
    );
  }
  return out;
}
