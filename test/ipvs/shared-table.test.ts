// Virtual servers shared between nodes' IPVS tables (a cluster-wide first sync): a table that
// adopts them lists and dumps them as its own, copies one before it hands it out (to a change,
// a lookup or traffic), so another table holding the same ones never sees it change.
import test from 'ava';
import { formatList, formatSave, formatStats } from '../../src/kernel/ipvs/format.js';
import { IpvsTable, SharedServices } from '../../src/kernel/ipvs/table.js';
import { IpsetTable } from '../../src/kernel/ipset/table.js';

// schedulers whose state points at destinations or remembers the adds (wrr's current weight)
const SCHEDULERS = ['rr', 'sh', 'wrr', 'mh', 'lblc', 'dh'] as const;

function built(t: IpvsTable): IpvsTable {
  SCHEDULERS.forEach((sched, i) => {
    const svc = t.addService({ family: 4, proto: 'TCP', addr: `10.96.0.${10 + i}`, port: 80, scheduler: sched, flags: 0, timeout: 0 });
    ['10.1.0.1', '10.1.0.2', '10.1.0.3'].forEach((ip, w) => t.addDest(svc, { addr: ip, port: 8080, weight: sched === 'wrr' ? 1 + w : 1 }));
  });
  return t;
}

test('an adopted table lists, dumps and schedules as one that added the same services; another holding them sees none of its changes', (t) => {
  const shared = new SharedServices(built(new IpvsTable()));
  const [a, b, own] = [new IpvsTable(), new IpvsTable(), built(new IpvsTable())];
  a.adopt(4, shared);
  b.adopt(4, shared);
  for (const x of [a, b]) {
    t.is(formatList(x), formatList(own));
    t.is(formatSave(x), formatSave(own));
    t.is(x.size(4), SCHEDULERS.length);
  }
  const before = formatList(b);
  const picks = [a, own].map((x) => {
    const out: string[] = [];
    SCHEDULERS.forEach((_, s) => {
      const svc = x.lookup('tcp', `10.96.0.${10 + s}`, 80)!;
      for (let i = 0; i < 5; i++) {
        const d = x.decide(svc, `10.244.1.${5 + i}`, 40000 + i, 0);
        out.push(`${d.pick.dest!.addr} ${d.pick.why} ${d.shares.join(',')}`);
        x.connect(svc, d.pick.dest!, { src: `10.244.1.${5 + i}`, sport: 40000 + i, state: 'ESTABLISHED' }, 0);
      }
    });
    x.editDest(x.service('TCP', '10.96.0.11', 80)!, { addr: '10.1.0.2', port: 8080, weight: 0 });
    x.delService('TCP', '10.96.0.12', 80);
    return out;
  });
  t.deepEqual(picks[0], picks[1]);
  t.is(formatList(a), formatList(own));
  t.is(formatStats(a), formatStats(own));
  t.is(formatList(b), before, 'the other table is as adopted');
  t.is(b.lookup('tcp', '10.96.0.10', 80)!.stats.conns, 0);
  t.throws(() => a.adopt(4, shared), { message: 'the table has IPv4 services already' });
});

test('an ipset filled from another holds its members in order, apart from it', (t) => {
  const from = new IpsetTable();
  const opts = { family: 4 as const, hashsize: 1024, maxelem: 65536 };
  from.create('S', 'hash:ip,port', opts);
  for (const e of ['10.96.0.10,tcp:80', '10.96.0.1,tcp:443']) from.add('S', e);
  const to = new IpsetTable();
  to.create('S', 'hash:ip,port', opts);
  to.fill('S', from.get('S')!);
  to.add('S', '10.96.0.2,udp:53');
  t.deepEqual([...to.get('S')!.members.keys()], ['10.96.0.10,tcp:80', '10.96.0.1,tcp:443', '10.96.0.2,udp:53']);
  t.is(from.get('S')!.members.size, 2);
  t.throws(() => to.fill('S', from.get('S')!), { message: 'set S is not empty' });
  to.create('T', 'hash:ip', opts);
  t.throws(() => to.fill('T', from.get('S')!), { message: "set T is not of S's type and options" });
});
