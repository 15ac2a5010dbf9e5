// Who receives a packet delivered to a namespace: the client socket a reply is for, or a socket
// from the namespace's socket table (containers on their containerPorts, kubelet, kube-apiserver).
import { describeLocation, type Arrival, type Location, type Packet, type Walk } from './walk.js';
import { hostPort } from '../net/ip.js';

function sameLocation(a: Location, b: Location): boolean {
  return describeLocation(a) === describeLocation(b);
}

export function socket(w: Walk, at: Location, p: Packet): Arrival {
  const proto = p.proto.toUpperCase();
  const where = `${hostPort(p.dst, p.dport)}/${proto}`;
  const r = w.replyTo;
  if (r && p.dport === r.port && sameLocation(r.at, at)) {
    w.step({ kind: 'deliver', socket: where, owner: 'the client socket that sent the request' });
    return w.end('DELIVERED', 'the reply reached the client', p, { receiver: describeLocation(at), at });
  }
  if (at.kind === 'ext') return w.end('DELIVERED', `reached external client ${at.name}`, p, { receiver: `ext ${at.name}`, at });
  if (at.kind === 'wire') return w.end('DELIVERED', `reached ${p.dst}`, p, { receiver: `client ${p.dst}`, at });
  const who = describeLocation(at);
  const ns = at.kind === 'pod' ? at.sandbox.netns : w.dp.node(at.node)!.root;
  const s = ns.sockets.lookup(p.proto, p.dst, p.dport);
  if (!s) {
    const nobody = at.kind === 'pod' ? `${who} declares no containerPort ${p.dport}/${proto}` : `nothing on ${who} listens on ${p.dport}/${proto}`;
    return w.end('NO_LISTENER', nobody, p, { receiver: who, at });
  }
  w.step({ kind: 'deliver', socket: where, owner: s.owner });
  const reason = s.owner.startsWith('pod ') && at.kind === 'pod' ? `${s.owner} listens on ${p.dport}/${proto} (containerPort)` : `${s.owner} listens on ${p.dport}/${proto} (${s.why})`;
  return w.end('DELIVERED', reason, p, { receiver: who, at });
}
