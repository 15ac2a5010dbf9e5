// One netfilter hook on one node: the node's programs (xtables tables, nft base chains, IPVS)
// run in priority order, as nf_hook_slow calls them. Conntrack sits where the kernel has it
// (lookup after raw at −200, confirm last); nat-type programs see only a connection's first
// packet, and a tracked packet gets its NAT from the conntrack entry at the nat priority instead.
import { noEndpointsReject } from '../agents/kube-proxy/no-endpoints.js';
import { PRIORITY, type Evidence, type HookEnv, type HookName, type HookPacket, type ProgramResult } from '../kernel/hooks.js';
import type { AddrType } from '../kernel/hooks.js';
import type { RouteMatch } from '../kernel/route.js';
import { routeStep } from './ip.js';
import { ctConfirm, ctLookup, ctRewriteDst, ctRewriteSrc, ctView, type NodeCtx } from './nat.js';
import type { Step } from './types.js';
import { type Arrival, type Packet, type Walk } from './walk.js';
import { hostPort } from '../net/ip.js';

const CT_LOOKUP_PRIORITY = -200;

export interface HookIO {
  in?: string;
  out?: string;
  physIn?: string;
  physOut?: string;
}

/** What a hook did besides letting the packet on: IPVS took it and sends it to a real server. */
export interface HookOutcome {
  arrival?: Arrival;
  /** OUTPUT: the route after a DNAT made the kernel route the packet again. */
  route?: RouteMatch;
  ipvs?: { dst: string; dport: number; priority: number };
}

export function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

// One per node visit (its closures made once, not at every hook: the loader names each function it creates).
const envs = new WeakMap<NodeCtx, HookEnv>();

function env(w: Walk, nc: NodeCtx): HookEnv {
  const e = envs.get(nc);
  if (e && e.choose === w.choose && e.now === w.now) return e;
  const made = makeEnv(w, nc);
  envs.set(nc, made);
  return made;
}

function makeEnv(w: Walk, nc: NodeCtx): HookEnv {
  const root = nc.kernel.root;
  return {
    addrType: (ip: string, iface?: string): AddrType => {
      if (iface !== undefined ? root.holders(ip).some((a) => a.dev === iface) : root.isLocal(ip)) return 'LOCAL';
      if (ip === '255.255.255.255') return 'BROADCAST';
      if (ip.includes(':') ? ip.toLowerCase().startsWith('ff') : Number(ip.split('.')[0]) >= 224 && Number(ip.split('.')[0]) <= 239) return 'MULTICAST';
      return 'UNICAST';
    },
    choose: w.choose,
    now: w.now,
    ipsets: nc.kernel.ipsetLookup,
    ifaceOf: (ip) => root.holders(ip)[0]?.dev,
  };
}

function hookPacket(nc: NodeCtx, p: Packet, io: HookIO): HookPacket {
  return {
    family: familyOf(p.dst),
    src: p.src,
    dst: p.dst,
    proto: p.proto,
    sport: p.sport,
    dport: p.dport,
    ...(io.in ? { inIface: io.in } : {}),
    ...(io.out ? { outIface: io.out } : {}),
    ...(io.physIn ? { physIn: io.physIn } : {}),
    ...(io.physOut ? { physOut: io.physOut } : {}),
    mark: nc.mark,
    ct: ctView(nc, p),
    ...(nc.ipvs ? { ipvsProperty: true } : {}),
  };
}

function record(w: Walk, evidence: Evidence[]): void {
  for (const ev of evidence) {
    switch (ev.kind) {
      case 'rule': {
        // the evidence's fields after `kind`, in their order, then rule (and the branch's): assigned,
        // since rest-and-spread is V8's slow copy and a trace records every rule it meets
        const s = Object.assign({ kind: 'netfilter' }, ev) as unknown as Extract<Step, { kind: 'netfilter' }>;
        s.kind = 'netfilter';
        s.rule = ev.text;
        if (ev.branch) {
          s.probability = ev.branch.probability;
          s.taken = ev.branch.taken;
        }
        w.step(s);
        if (ev.assumed) w.step({ kind: 'note', text: ev.assumed });
        break;
      }
      case 'policy':
        w.step({ ...ev });
        break;
      case 'ipvs':
        w.step({ ...ev });
        break;
      case 'note':
        w.step({ kind: 'note', text: ev.text });
    }
  }
}

/** Why a program dropped or rejected the packet, naming the rule (or the policy). */
function refusal(w: Walk, res: ProgramResult, p: Packet, hook: HookName): Arrival {
  const by = res.decidedBy !== undefined ? res.evidence[res.decidedBy] : undefined;
  const policy = res.evidence.find((e) => e.kind === 'policy');
  const verdict = res.verdict === 'drop' ? 'DROPPED' : 'REJECTED';
  const noEp = noEndpointsReject(res);
  const ev = noEp ? res.evidence[noEp.at] : undefined;
  if (noEp && ev?.kind === 'rule') {
    const where = `${ev.table} ${ev.chain} rule ${ev.position}: ${ev.text}${ev.tool === 'nft' ? ` [element ${ev.element}]` : ''}`;
    return w.end('NO_ENDPOINTS', `${noEp.service} has no endpoints — ${where}`, p, { rule: ev.text });
  }
  if (by?.kind === 'rule') {
    const where = `${by.table} ${by.chain} rule ${by.position}: ${by.text}`;
    return w.end(verdict, `${by.comment ? `${by.comment} — ` : ''}${where}`, p, { rule: by.text });
  }
  if (policy?.kind === 'policy') return w.end(verdict, `the ${policy.table} ${policy.chain} policy`, p);
  return w.end(verdict, `the ${hook} hook`, p);
}

/** SNAT/MASQUERADE of a new connection at a srcnat program. */
function applySrcNat(w: Walk, nc: NodeCtx, res: ProgramResult, p: Packet, io: HookIO): void {
  const n = res.nat!;
  const addr = n.kind === 'SNAT' ? n.addr : nc.kernel.root.sourceFor(io.out ?? '', p.dst);
  if (!addr) return;
  const before = hostPort(p.src, p.sport);
  p.src = addr;
  if (n.port !== undefined && n.kind === 'SNAT') p.sport = n.port;
  nc.natDone.src = true;
  w.step({ kind: 'nat', nat: n.kind === 'SNAT' ? 'SNAT' : 'MASQUERADE', field: 'src', before, after: hostPort(p.src, p.sport) });
  if (n.randomFully) w.step({ kind: 'note', text: '--random-fully: the kernel would also pick a random source port; knet keeps the port so the flow stays readable' });
}

/** DNAT/REDIRECT of a new connection at a dstnat program. */
function applyDstNat(w: Walk, nc: NodeCtx, res: ProgramResult, p: Packet, io: HookIO): void {
  const n = res.nat!;
  const before = hostPort(p.dst, p.dport);
  if (n.kind === 'REDIRECT') p.dst = nc.kernel.root.addresses.find((a) => a.dev === io.in)?.address ?? (familyOf(p.dst) === 4 ? '127.0.0.1' : '::1');
  else if (n.addr) p.dst = n.addr;
  if (n.port !== undefined) p.dport = n.port;
  nc.natDone.dst = true;
  w.step({ kind: 'nat', nat: 'DNAT', field: 'dst', before, after: hostPort(p.dst, p.dport) });
}

/**
 * Runs every program of `hook` for the packet. Returns an arrival when the packet stops here,
 * or IPVS's forward when IPVS took it; otherwise the packet (maybe rewritten) goes on.
 */
export function runHook(w: Walk, nc: NodeCtx, hook: HookName, p: Packet, io: HookIO, after = Number.NEGATIVE_INFINITY): HookOutcome {
  const family = familyOf(p.dst);
  const first = hook === 'prerouting' || hook === 'output';
  const last = hook === 'postrouting' || hook === 'input';
  const natPriority = first ? PRIORITY.dstnat : PRIORITY.srcnat;
  const st: NatState = { hook, first, natPriority, looked: !first || after > CT_LOOKUP_PRIORITY, rewrote: false, route: undefined, io };
  const e = env(w, nc);
  for (const prog of nc.kernel.programsAt(family, hook)) {
    if (prog.priority <= after) continue;
    beforeNat(w, nc, p, st, prog.priority);
    if (prog.type === 'nat' && (nc.ct || nc.notrack || (first ? nc.natDone.dst : nc.natDone.src))) continue;
    const res = prog.run(hookPacket(nc, p, st.io), e);
    w.rulesEvaluated += res.evaluated;
    record(w, res.evidence);
    nc.mark = res.mark;
    if (res.ctMark !== undefined) nc.ctMark = res.ctMark;
    if (res.notrack) nc.notrack = true;
    if (res.verdict === 'drop' || res.verdict === 'reject') return { arrival: refusal(w, res, p, hook) };
    if (res.verdict === 'stolen' && res.forward) return { ipvs: { ...res.forward, priority: prog.priority } };
    if (res.nat) {
      if (res.nat.kind === 'DNAT' || res.nat.kind === 'REDIRECT') {
        applyDstNat(w, nc, res, p, st.io);
        if (hook === 'output') {
          // nf_nat's LOCAL_OUT hook routes a locally sent packet again once its destination changed.
          const rm = nc.kernel.root.lookup(p.dst);
          if (!rm) {
            w.step({ kind: 'no-route', dst: p.dst });
            return { arrival: w.end('NO_ROUTE', `${nc.node} has no route to ${p.dst}`, p) };
          }
          w.step(routeStep(rm, p.dst));
          st.route = rm;
          st.io = { ...st.io, ...(rm.dev ? { out: rm.dev } : {}) };
        }
      } else applySrcNat(w, nc, res, p, st.io);
    }
  }
  beforeNat(w, nc, p, st, Number.POSITIVE_INFINITY);
  if (last) ctConfirm(w, nc, p);
  return st.route ? { route: st.route } : {};
}

/** What runHook has done around the programs so far: conntrack's lookup, the NAT of a tracked packet. */
interface NatState {
  hook: HookName;
  first: boolean;
  natPriority: number;
  looked: boolean;
  rewrote: boolean;
  route: RouteMatch | undefined;
  io: HookIO;
}

/** Before a program at `priority`: conntrack's lookup after raw, a tracked packet's NAT from its entry at the nat priority. */
function beforeNat(w: Walk, nc: NodeCtx, p: Packet, st: NatState, priority: number): void {
  if (!st.looked && priority > CT_LOOKUP_PRIORITY) {
    st.looked = true;
    ctLookup(w, nc, p);
  }
  if (!st.rewrote && priority >= st.natPriority && nc.ct) {
    st.rewrote = true;
    const before = p.dst;
    if (st.first) ctRewriteDst(w, nc, p);
    else ctRewriteSrc(w, nc, p);
    if (st.hook === 'output' && p.dst !== before) {
      const rm = nc.kernel.root.lookup(p.dst);
      if (rm) {
        st.route = rm;
        st.io = { ...st.io, ...(rm.dev ? { out: rm.dev } : {}) };
      }
    }
  }
}
