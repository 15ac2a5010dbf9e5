// Moves one packet through the emulated machines, device by device, reading only the state the
// dump commands print. This file holds the walk's state and its entry points; the concerns live
// beside it: l2.ts (pod eth0, veth, the bridge, ARP), ip.ts (routing, forwarding, local
// delivery and output), hooks.ts (the netfilter programs at each hook), nat.ts (conntrack and
// its NAT), overlay.ts (VXLAN), sockets.ts (who receives it). Every decision becomes a typed step.
import type { Chooser } from '../kernel/choice.js';
import type { L4Proto } from '../kernel/conntrack.js';
import type { PodSandbox } from '../kernel/node.js';
import type { Dataplane } from './dataplane.js';
import { fromExternal, ipInput, localOut } from './ip.js';
import { fromPod } from './l2.js';
import type { Disposition, Hop, Step } from './types.js';

export interface Packet {
  src: string;
  dst: string;
  proto: L4Proto;
  sport: number;
  dport: number;
  ttl: number;
}

/** Where a walk ended. */
export interface Arrival {
  verdict: Disposition;
  reason: string;
  /** `pod NS/NAME`, `node NAME`, `ext NAME`, when delivered (or refused) at a socket. */
  receiver?: string;
  /** The packet as it arrived (after every rewrite). */
  packet: Packet;
  /** Where to send a reply from. */
  at?: Location;
  /** The netfilter rule that dropped or rejected it (as its tool prints it). */
  rule?: string;
  /** For EXITS_NETWORK: where it left. */
  exit?: { node: string; dev: string; nexthop: string; src: string };
}

export type Location =
  | { kind: 'pod'; node: string; sandbox: PodSandbox }
  | { kind: 'host'; node: string }
  | { kind: 'ext'; name: string; ip: string }
  /** A source address injected on a node's eth0 (`IP@NODE`): replies leave by eth0 towards it. */
  /** A packet arriving on a node's eth0 from the underlay; `ext` when the address is an external client of the Cluster header. */
  | { kind: 'wire'; node: string; ip: string; ext?: string };

const MAX_HOPS = 32;

export class LoopError extends Error {}

export class Walk {
  readonly hops: Hop[] = [];
  private cur!: Hop;
  /** Rules the kernel compared the packet against on the way (its work, counted as it goes). */
  rulesEvaluated = 0;
  /** Set while walking a reply: the client socket waiting for it. */
  replyTo?: { at: Location; port: number };

  constructor(
    readonly dp: Dataplane,
    readonly choose: Chooser,
    readonly now: () => number,
  ) {}

  hop(node: string, netns: string): void {
    if (this.hops.length >= MAX_HOPS) throw new LoopError(`the packet visited ${MAX_HOPS} hops`);
    this.cur = { node, netns, steps: [] };
    this.hops.push(this.cur);
  }

  step(s: Step): void {
    this.cur.steps.push(s);
  }

  end(verdict: Disposition, reason: string, packet: Packet, extra: Partial<Omit<Arrival, 'verdict' | 'reason' | 'packet'>> = {}): Arrival {
    return { verdict, reason, packet, ...extra };
  }

  send(from: Location, p: Packet): Arrival {
    try {
      switch (from.kind) {
        case 'pod':
          return fromPod(this, from.node, from.sandbox, p);
        case 'host':
          return localOut(this, from.node, p);
        case 'ext':
          return fromExternal(this, from.name, p);
        case 'wire':
          this.hop(from.node, 'root');
          this.step({ kind: 'enter-interface', dev: 'eth0', note: `from ${from.ip} on the underlay` });
          return ipInput(this, from.node, 'eth0', p, {});
      }
    } catch (e) {
      if (e instanceof LoopError) return this.end('LOOP', e.message, p);
      throw e;
    }
  }
}


export function describeLocation(at: Location): string {
  switch (at.kind) {
    case 'pod':
      return `pod ${at.sandbox.pod}`;
    case 'host':
      return `node ${at.node}`;
    case 'ext':
      return `ext ${at.name}`;
    case 'wire':
      return at.ext ? `ext ${at.ext}` : `client ${at.ip}`;
  }
}
