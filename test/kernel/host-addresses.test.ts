// Host address blocks (kube-ipvs0's Service addresses, made once for every node): a namespace
// given a block holds what a loop of `ip addr add` would leave — addresses in order, local (and
// IPv6 connected) routes in dump order, lookups, and what deleting one address or the link does.
import test from 'ava';
import { showAddresses, showRoutes } from '../../src/kernel/iproute2.js';
import { HostAddressBlock } from '../../src/kernel/host-addresses.js';
import { NetNamespace } from '../../src/kernel/netns.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RoutingTable } from '../../src/kernel/route.js';
import { HostRouteBatch, RouteBatch } from '../../src/kernel/route-batch.js';

function node(): NetNamespace {
  const ns = new NetNamespace(null);
  ns.addLink({ kind: 'ether', name: 'eth0', mac: '52:54:00:00:00:0a', mtu: 1500, up: true, qdisc: 'fq_codel' });
  ns.addAddress({ family: 4, dev: 'eth0', address: '192.168.56.11', prefix: 24, broadcast: '192.168.56.255', scope: 'global' });
  ns.addAddress({ family: 6, dev: 'eth0', address: 'fd00::11', prefix: 64, scope: 'global' });
  ns.addLink({ kind: 'dummy', name: 'kube-ipvs0', mac: '52:54:00:00:00:0b', mtu: 1500, up: false });
  return ns;
}

// an address the node holds on eth0 too, and addresses out of order
const V4 = ['10.96.0.10', '10.96.0.1', '192.168.56.11', '10.96.200.7', '10.0.0.3'];
const V6 = ['fd00:96::a', 'fd00::11', 'fd00:96::1'];

function dump(ns: NetNamespace): string {
  const tables = [RT_TABLE_LOCAL, RT_TABLE_MAIN].flatMap((table) => [4, 6].map((family) => showRoutes(ns, { table, family: family as 4 | 6 })));
  const holders = [...V4, ...V6].map((ip) => `${ip}: ${ns.holders(ip).map((a) => `${a.dev}${a.secondary ? ' secondary' : ''}`).join(' ')}`);
  const lookups = [...V4, ...V6, '10.96.0.2'].map((ip) => `${ip} ${ns.isLocal(ip)} ${ns.lookup(ip)?.route.dev}`);
  return [showAddresses(ns), ...tables, ...holders, ...lookups, `${ns.addressChanges(4, 'kube-ipvs0')} ${ns.addressChanges(6)}`].join('\n');
}

function looped(): NetNamespace {
  const ns = node();
  for (const ip of V4) ns.addAddress({ family: 4, dev: 'kube-ipvs0', address: ip, prefix: 32, scope: 'global' });
  for (const ip of V6) ns.addAddress({ family: 6, dev: 'kube-ipvs0', address: ip, prefix: 128, scope: 'global' });
  return ns;
}

function blocked(): NetNamespace {
  const ns = node();
  ns.addHostAddresses(new HostAddressBlock('kube-ipvs0', 4, V4));
  ns.addHostAddresses(new HostAddressBlock('kube-ipvs0', 6, V6));
  return ns;
}

test('a block leaves the namespace as adding each address in turn does', (t) => {
  t.is(dump(blocked()), dump(looped()));
  t.regex(showRoutes(blocked(), { table: RT_TABLE_LOCAL }), /local 10\.96\.0\.1 dev kube-ipvs0 proto kernel scope host src 10\.96\.0\.1 \n/);
});

test('after a block, deleting an address, adding another and deleting the link go as they would after the loop', (t) => {
  const ns = [blocked(), looped()];
  for (const n of ns) {
    n.deleteAddress('kube-ipvs0', '10.96.0.1');
    n.addAddress({ family: 4, dev: 'kube-ipvs0', address: '10.96.0.2', prefix: 32, scope: 'global' });
  }
  t.is(dump(ns[0]!), dump(ns[1]!));
  for (const n of ns) n.deleteLink('kube-ipvs0');
  t.is(dump(ns[0]!), dump(ns[1]!));
});

test('one block for many namespaces: each holds its own addresses', (t) => {
  const block = new HostAddressBlock('kube-ipvs0', 4, V4);
  const [a, b] = [node(), node()];
  a.addHostAddresses(block);
  b.addHostAddresses(block);
  a.deleteAddress('kube-ipvs0', '10.96.0.10');
  t.false(a.isLocal('10.96.0.10'));
  t.true(b.isLocal('10.96.0.10'));
  t.is(dump(b), dump((() => { const n = node(); n.addHostAddresses(block); return n; })()));
  t.throws(() => a.addHostAddresses(block), { message: 'kube-ipvs0 already holds IPv4 addresses' });
  t.throws(() => new HostAddressBlock('kube-ipvs0', 4, ['10.96.0.1', '10.96.0.1']), { message: 'a host address block holds each address once' });
});

test('a route batch adds as add() in its order would: routes sharing a key with the table or the batch take add()\'s way', (t) => {
  const routes = [
    { type: 'local' as const, dst: '10.0.0.5', prefix: 32, scope: 'host' as const, proto: 'kernel' as const, dev: 'b', src: '10.0.0.5' },
    { type: 'local' as const, dst: '10.0.0.1', prefix: 32, scope: 'host' as const, proto: 'kernel' as const, dev: 'b', src: '10.0.0.1' },
    { type: 'local' as const, dst: '10.0.0.1', prefix: 32, scope: 'host' as const, proto: 'kernel' as const, dev: 'c', src: '10.0.0.1' },
    { type: 'local' as const, dst: '10.0.0.1', prefix: 32, scope: 'host' as const, proto: 'kernel' as const, dev: 'c', src: '10.0.0.1' },
    { type: 'unicast' as const, dst: '10.0.0.0', prefix: 24, scope: 'link' as const, proto: 'kernel' as const, dev: 'b' },
    { type: 'local' as const, dst: 'fd00::1', prefix: 128, scope: 'host' as const, proto: 'kernel' as const, dev: 'b', metric: 0 },
  ];
  const start = (): RoutingTable => {
    const table = new RoutingTable(RT_TABLE_LOCAL);
    table.add({ type: 'local', dst: '10.0.0.5', prefix: 32, scope: 'host', proto: 'kernel', dev: 'a', src: '10.0.0.5' });
    table.add({ type: 'broadcast', dst: '10.0.0.255', prefix: 32, scope: 'link', proto: 'kernel', dev: 'a', src: '10.0.0.5' });
    table.add({ type: 'local', dst: 'fd00::1', prefix: 128, scope: 'host', proto: 'kernel', dev: 'a', metric: 0 });
    return table;
  };
  const [x, y] = [start(), start()];
  x.addBatch(new RouteBatch(RT_TABLE_LOCAL, routes));
  for (const r of routes) y.add(r);
  for (const f of [4, 6] as const) t.deepEqual(x.routes(f), y.routes(f));
  t.deepEqual(x.lookup('10.0.0.1', { oif: 'c' }), y.lookup('10.0.0.1', { oif: 'c' }));
  t.is(x.delete({ src: '10.0.0.1' }), 2);
  t.is(y.delete({ src: '10.0.0.1' }), 2);
  t.deepEqual(x.routes(4), y.routes(4));
  t.throws(() => x.addBatch(new RouteBatch(RT_TABLE_MAIN, routes)), { message: 'route batch for table 254 added to table 255' });
});

// none of these is the node's own: the namespace holds the block, its routes made when met
const HELD = ['10.96.0.10', '10.96.0.1', '10.96.200.7', '10.0.0.3'];

function lookups(ns: NetNamespace): string {
  return [...HELD, '10.96.0.2', '10.0.0.4'].map((ip) => `${ip} ${ns.isLocal(ip)} ${JSON.stringify(ns.lookup(ip))}`).join('\n');
}

test('a held IPv4 block, its routes made only when met, answers lookups, dumps and changes as the loop of adds does', (t) => {
  const block = new HostAddressBlock('kube-ipvs0', 4, HELD);
  t.true(block.local instanceof HostRouteBatch);
  const held = node();
  held.addHostAddresses(block);
  const loop = node();
  for (const ip of HELD) loop.addAddress({ family: 4, dev: 'kube-ipvs0', address: ip, prefix: 32, scope: 'global' });
  // lookups before anything lists the routes, then the dumps
  t.is(lookups(held), lookups(loop));
  t.is(showRoutes(held, { table: RT_TABLE_LOCAL }), showRoutes(loop, { table: RT_TABLE_LOCAL }));
  // a second namespace holding the same block, changed before any dump: an address goes, another comes, the link goes
  const [a, b] = [node(), node()];
  a.addHostAddresses(block);
  for (const n of [a, b]) {
    if (n === b) for (const ip of HELD) n.addAddress({ family: 4, dev: 'kube-ipvs0', address: ip, prefix: 32, scope: 'global' });
    n.deleteAddress('kube-ipvs0', '10.96.0.1');
    n.addAddress({ family: 4, dev: 'kube-ipvs0', address: '10.96.0.2', prefix: 32, scope: 'global' });
  }
  t.is(lookups(a), lookups(b));
  t.is(dump(a), dump(b));
  for (const n of [a, b]) n.deleteLink('kube-ipvs0');
  t.is(lookups(a), lookups(b));
  t.is(dump(a), dump(b));
  // the first namespace is untouched by the second's changes
  t.is(dump(held), dump(loop));
  // an address that is not canonical IPv4 makes the eager batch (its lookups go by the printed text)
  t.false(new HostAddressBlock('kube-ipvs0', 4, ['10.96.0.010']).local instanceof HostRouteBatch);
});
