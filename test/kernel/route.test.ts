// Routing tables and the namespace's kernel side effects: longest-prefix match, the local table,
// onlink gateways, metrics, output-device constraints, and what `ip route` prints for them.
import test from 'ava';
import { NetNamespace } from '../../src/kernel/netns.js';
import { showRoutes } from '../../src/kernel/iproute2.js';
import { RT_TABLE_LOCAL } from '../../src/kernel/route.js';

function node(): NetNamespace {
  const ns = new NetNamespace(null);
  ns.addLink({ kind: 'ether', name: 'eth0', mac: '52:54:00:00:00:0a', mtu: 1500, up: true, qdisc: 'fq_codel' });
  ns.addAddress({ family: 4, dev: 'eth0', address: '192.168.56.11', prefix: 24, broadcast: '192.168.56.255', scope: 'global' });
  ns.addRoute({ type: 'unicast', dst: '0.0.0.0', prefix: 0, via: '192.168.56.1', dev: 'eth0' });
  ns.addLink({ kind: 'vxlan', name: 'flannel.1', mac: '0e:2a:00:00:00:0a', mtu: 1450, up: true, vni: 1, port: 8472, local: '192.168.56.11', dev: 'eth0', learning: false, ageing: 300, ttl: 0 });
  ns.addAddress({ family: 4, dev: 'flannel.1', address: '10.244.0.0', prefix: 32, scope: 'global' });
  ns.addRoute({ type: 'unicast', dst: '10.244.1.0', prefix: 24, via: '10.244.1.0', dev: 'flannel.1', onlink: true });
  return ns;
}

test('addresses bring the kernel routes iproute2 shows (connected, local, broadcast; none but local for a /32)', (t) => {
  const ns = node();
  t.is(
    showRoutes(ns),
    [
      'default via 192.168.56.1 dev eth0 ',
      '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
      '',
    ].join('\n'),
  );
  t.is(
    showRoutes(ns, { table: RT_TABLE_LOCAL }),
    [
      'local 10.244.0.0 dev flannel.1 proto kernel scope host src 10.244.0.0 ',
      'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
      'local 192.168.56.11 dev eth0 proto kernel scope host src 192.168.56.11 ',
      'broadcast 192.168.56.255 dev eth0 proto kernel scope link src 192.168.56.11 ',
      '',
    ].join('\n'),
  );
});

test('longest prefix wins; equal prefixes are ordered longer-first in the dump', (t) => {
  const ns = new NetNamespace('pod');
  ns.addLink({ kind: 'dummy', name: 'eth0', mac: '6e:a1:00:00:00:02', mtu: 1450, up: true });
  ns.addAddress({ family: 4, dev: 'eth0', address: '10.244.0.2', prefix: 24, broadcast: '10.244.0.255', scope: 'global' });
  ns.addRoute({ type: 'unicast', dst: '0.0.0.0', prefix: 0, via: '10.244.0.1', dev: 'eth0' });
  ns.addRoute({ type: 'unicast', dst: '10.244.0.0', prefix: 16, via: '10.244.0.1', dev: 'eth0' });
  t.is(ns.lookup('10.244.0.3')!.route.prefix, 24);
  t.is(ns.lookup('10.244.0.3')!.nexthop, '10.244.0.3');
  t.is(ns.lookup('10.244.1.2')!.route.prefix, 16);
  t.is(ns.lookup('10.244.1.2')!.nexthop, '10.244.0.1');
  t.is(ns.lookup('8.8.8.8')!.route.prefix, 0);
  t.is(
    showRoutes(ns),
    'default via 10.244.0.1 dev eth0 \n10.244.0.0/24 dev eth0 proto kernel scope link src 10.244.0.2 \n10.244.0.0/16 via 10.244.0.1 dev eth0 \n',
  );
});

test('the local table is consulted first: own addresses and broadcasts never leave', (t) => {
  const ns = node();
  t.deepEqual([ns.lookup('192.168.56.11')!.route.type, ns.lookup('192.168.56.11')!.route.table], ['local', 255]);
  t.is(ns.lookup('192.168.56.255')!.route.type, 'broadcast');
  t.is(ns.lookup('127.3.4.5')!.route.type, 'local');
  t.is(ns.lookup('10.244.0.0')!.route.dev, 'flannel.1');
  t.true(ns.isLocal('10.244.0.0'));
  t.false(ns.isLocal('10.244.1.0'));
});

test('onlink routes resolve to their gateway on the named device; the source is the device address', (t) => {
  const ns = node();
  const m = ns.lookup('10.244.1.7')!;
  t.deepEqual([m.nexthop, m.dev, m.route.onlink], ['10.244.1.0', 'flannel.1', true]);
  t.is(ns.sourceFor(m.dev!, '10.244.1.7'), '10.244.0.0');
  t.is(ns.sourceFor('eth0', '8.8.8.8'), '192.168.56.11');
});

test('metric breaks ties, oif restricts the candidates, unreachable destinations have no route', (t) => {
  const ns = node();
  ns.addRoute({ type: 'unicast', dst: '10.9.0.0', prefix: 16, via: '192.168.56.2', dev: 'eth0', metric: 200 });
  ns.addRoute({ type: 'unicast', dst: '10.9.0.0', prefix: 16, via: '192.168.56.3', dev: 'eth0', metric: 100 });
  t.is(ns.lookup('10.9.1.1')!.nexthop, '192.168.56.3');
  t.is(ns.lookup('10.244.1.7', { oif: 'eth0' })!.route.prefix, 0);
  const empty = new NetNamespace('x');
  t.is(empty.lookup('10.0.0.1'), undefined);
  ns.addRoute({ type: 'blackhole', dst: '10.8.0.0', prefix: 24 });
  t.is(ns.lookup('10.8.0.9')!.route.type, 'blackhole');
  t.true(showRoutes(ns).includes('blackhole 10.8.0.0/24 \n'));
  t.true(showRoutes(ns).includes('10.9.0.0/16 via 192.168.56.3 dev eth0 metric 100 \n'));
});

test('replace swaps a route, add refuses a duplicate, deleting a device flushes its routes', (t) => {
  const ns = node();
  t.false(ns.addRoute({ type: 'unicast', dst: '10.244.1.0', prefix: 24, via: '192.168.56.12', dev: 'eth0' }));
  ns.replaceRoute({ type: 'unicast', dst: '10.244.1.0', prefix: 24, via: '192.168.56.12', dev: 'eth0' });
  t.is(ns.lookup('10.244.1.1')!.nexthop, '192.168.56.12');
  ns.deleteLink('flannel.1');
  t.false(showRoutes(ns, { table: RT_TABLE_LOCAL }).includes('flannel.1'));
  t.is(ns.lookup('10.244.0.0')!.route.prefix, 0);
});
