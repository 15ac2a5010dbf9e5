// Virtual servers shared between nodes' IPVS tables (a cluster-wide first sync): a table that
// adopts them lists and dumps them as its own, copies one before it hands it out (to a change,
// a lookup or traffic), so another table holding the same ones never sees it change; each is
// built only when some table first reads it.
import test from 'ava';
import { formatList, formatSave, formatStats } from '../../src/kernel/ipvs/format.js';
import { IpvsError, IpvsTable, sharedServices, type ServiceBuild } from '../../src/kernel/ipvs/table.js';
import { serviceKey } from '../../src/kernel/ipvs/service.js';
import { IpsetTable } from '../../src/kernel/ipset/table.js';

// schedulers whose state points at destinations or remembers the adds (wrr's current weight)
const SCHEDULERS = ['rr', 'sh', 'wrr', 'mh', 'lblc', 'dh'] as const;

const BUILDS: ServiceBuild[] = SCHEDULERS.map((sched, i) => ({
  spec: { family: 4, proto: 'TCP', addr: `10.96.0.${10 + i}`, port: 80, scheduler: sched, flags: 0, timeout: 0 },
  dests: ['10.1.0.1', '10.1.0.2', '10.1.0.3'].map((ip, w) => ({ addr: ip, port: 8080, weight: sched === 'wrr' ? 1 + w : 1 })),
}));

function built(t: IpvsTable, builds = BUILDS): IpvsTable {
  for (const b of builds) {
    const svc = t.addService(b.spec);
    for (const d of b.dests) t.addDest(svc, d);
  }
  return t;
}

/** The shared services of the builds, and how many times each was built. */
function shareOf(builds = BUILDS): { shared: ReturnType<typeof sharedServices>; made: number[] } {
  const made = builds.map(() => 0);
  const keys = builds.map((b) => serviceKey(b.spec.proto, b.spec.addr, b.spec.port));
  const shared = sharedServices(4, keys, new Set(builds.map((b) => b.spec.scheduler)), (i) => (made[i]!++, builds[i]!));
  return { shared, made };
}

test('an adopted table lists, dumps and schedules as one that added the same services; another holding them sees none of its changes', (t) => {
  const { shared, made } = shareOf();
  const [a, b, own] = [new IpvsTable(), new IpvsTable(), built(new IpvsTable())];
  a.adopt(4, shared);
  b.adopt(4, shared);
  t.deepEqual(made, [0, 0, 0, 0, 0, 0], 'nothing built by adopting');
  t.is(a.lookup('tcp', '10.96.0.11', 80)!.scheduler, 'sh');
  t.deepEqual(made, [0, 1, 0, 0, 0, 0], 'a lookup builds the one it finds');
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
  t.true(made.every((n) => n === 1), 'each built once for both tables');
});

test('a held block keeps its place through deletes, re-adds, copies and a second family, as one map of the adds would', (t) => {
  const { shared } = shareOf();
  const v6: ServiceBuild = { spec: { family: 6, proto: 'UDP', addr: 'fd00::a', port: 53, scheduler: 'rr', flags: 0, timeout: 0 }, dests: [{ addr: 'fd00:1::5', port: 53, weight: 1 }] };
  const [a, own] = [new IpvsTable(), new IpvsTable()];
  built(a, [v6]);
  a.adopt(4, shared);
  built(own, [v6, ...BUILDS]);
  const same = (why: string): void => {
    t.deepEqual([...a.byServiceKey()].map(([k]) => k), [...own.byServiceKey()].map(([k]) => k), why);
    t.is(formatSave(a), formatSave(own), why);
    t.is(formatList(a), formatList(own), why);
    t.deepEqual([a.size(4), a.size(6)], [own.size(4), own.size(6)], why);
  };
  same('adopted after an IPv6 service');
  for (const x of [a, own]) {
    x.delService('TCP', '10.96.0.12', 80);
    x.editDest(x.service('TCP', '10.96.0.13', 80)!, { addr: '10.1.0.1', port: 8080, weight: 3 });
    x.addService({ family: 4, proto: 'TCP', addr: '10.96.0.12', port: 80, scheduler: 'rr', flags: 0, timeout: 0 });
    x.addService({ family: 4, proto: 'UDP', addr: '10.96.0.99', port: 53, scheduler: 'rr', flags: 0, timeout: 0 });
    x.delService('TCP', '10.96.0.10', 80);
  }
  same('after deletes, an edit and re-adds');
  t.is(a.service('TCP', '10.96.0.10', 80), undefined);
  t.throws(() => a.addService(BUILDS[1]!.spec), { message: 'Service already exists' });
  t.throws(() => a.delService('TCP', '10.96.0.10', 80), { message: 'No such service' });
  t.is(a.services().length, own.services().length);
});

test('shared services are refused up front as their adds would be', (t) => {
  const keys = BUILDS.map((b) => serviceKey(b.spec.proto, b.spec.addr, b.spec.port));
  t.throws(() => sharedServices(4, [keys[0]!, keys[0]!], ['rr'], (i) => BUILDS[i]!), { instanceOf: IpvsError, message: 'Service already exists' });
  t.throws(() => sharedServices(4, keys, ['rr', 'lblcr'], (i) => BUILDS[i]!), { instanceOf: IpvsError, message: /Scheduler not found: ip_vs_lblcr.ko/ });
  const v4 = new IpvsTable();
  t.throws(() => v4.adopt(6, shareOf().shared), { message: 'shared IPv4 services given as IPv6' });
  const clash = new IpvsTable();
  clash.addService(BUILDS[2]!.spec);
  t.throws(() => clash.adopt(4, shareOf().shared), { message: 'the table has IPv4 services already' });
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
