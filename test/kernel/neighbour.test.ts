// The neighbour table keeps `ip neigh`'s order (insertion per device, a replace keeping an
// entry's place) while finding an entry by device and address directly.
import test from 'ava';
import { NeighbourTable } from '../../src/kernel/neighbour.js';

const ips = (t: NeighbourTable, dev?: string) => t.list(dev).map((n) => `${n.dev} ${n.ip} ${n.lladdr ?? '-'} ${n.state}`);

test('replace keeps the place, delete and flushDev remove, get finds by device and address', (t) => {
  const n = new NeighbourTable();
  n.replace({ ip: '10.244.1.0', dev: 'flannel.1', lladdr: 'aa:00:00:00:00:01', state: 'PERMANENT' });
  n.replace({ ip: '192.168.0.3', dev: 'eth0', lladdr: 'bb:00:00:00:00:03', state: 'REACHABLE' });
  n.replace({ ip: '10.244.2.0', dev: 'flannel.1', lladdr: 'aa:00:00:00:00:02', state: 'PERMANENT' });
  n.replace({ ip: '10.244.1.0', dev: 'flannel.1', lladdr: 'aa:00:00:00:00:11', state: 'PERMANENT' });
  n.replace({ ip: '10.244.1.0', dev: 'cni0', state: 'INCOMPLETE' });
  t.deepEqual(ips(n), [
    'flannel.1 10.244.1.0 aa:00:00:00:00:11 PERMANENT',
    'eth0 192.168.0.3 bb:00:00:00:00:03 REACHABLE',
    'flannel.1 10.244.2.0 aa:00:00:00:00:02 PERMANENT',
    'cni0 10.244.1.0 - INCOMPLETE',
  ]);
  t.deepEqual(ips(n, 'flannel.1'), ['flannel.1 10.244.1.0 aa:00:00:00:00:11 PERMANENT', 'flannel.1 10.244.2.0 aa:00:00:00:00:02 PERMANENT']);
  t.is(n.get('10.244.1.0', 'cni0')?.state, 'INCOMPLETE');
  t.is(n.get('10.244.2.0', 'eth0'), undefined);
  t.true(n.delete('192.168.0.3', 'eth0'));
  t.false(n.delete('192.168.0.3', 'eth0'));
  n.flushDev('flannel.1');
  t.deepEqual(ips(n), ['cni0 10.244.1.0 - INCOMPLETE']);
  n.replace({ ip: '10.244.1.0', dev: 'flannel.1', lladdr: 'aa:00:00:00:00:01', state: 'PERMANENT' });
  t.deepEqual(ips(n), ['cni0 10.244.1.0 - INCOMPLETE', 'flannel.1 10.244.1.0 aa:00:00:00:00:01 PERMANENT']);
});
