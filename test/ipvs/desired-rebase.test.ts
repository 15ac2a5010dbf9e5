// A desired state moved from the shared plans to a node's (rebase) counts again only the plans
// with entries in the sets that differ, and the ones that differ: it ends as reset() from the
// node's plans would, set by set and in order.
import test from 'ava';
import { DesiredState } from '../../src/agents/kube-proxy/ipvs/desired.js';
import type { ServicePlan } from '../../src/agents/kube-proxy/ipvs/proxier.js';
import { SET_DEFS } from '../../src/agents/kube-proxy/ipvs/sets.js';

const plan = (i: number, loop: string[] = [], nodePort = false): ServicePlan => ({
  entries: [
    ...loop.map((ip): [string, string] => ['KUBE-LOOP-BACK', `${ip},tcp:8080,${ip}`]),
    ['KUBE-CLUSTER-IP', `10.96.0.${i},tcp:80`],
    ...(nodePort ? [['KUBE-NODE-PORT-TCP', String(30000 + i)] as [string, string]] : []),
    ['KUBE-IPVS-IPS', `10.96.0.${i}`],
  ],
  services: [],
  outFilter: [],
});

test('rebase over the plans with entries in a set ends as reset() from the next plans', (t) => {
  const keys = Array.from({ length: 12 }, (_, i) => `ns/s${String(i).padStart(2, '0')}`);
  const plans = keys.map((_, i) => plan(i, i === 3 || i === 9 ? [`10.1.${i}.1`] : [], i % 4 === 0));
  const next = plans.map((p, i) => (i === 5 ? plan(i, ['10.1.5.7', '10.1.5.2']) : i === 9 ? plan(i, []) : i === 8 ? plan(i, [], false) : p));
  const differ = [5, 8, 9];
  const withSet = (set: string): number[] => plans.flatMap((p, i) => (p.entries.some(([s]) => s === set) ? [i] : []));
  const base = new DesiredState();
  base.reset(keys, plans);
  const moved = base.clone();
  const recount = moved.rebase(keys, plans, next, differ, withSet);
  t.deepEqual([...recount!].sort(), ['KUBE-LOOP-BACK', 'KUBE-NODE-PORT-TCP']);
  const fresh = new DesiredState();
  fresh.reset(keys, next);
  for (const d of SET_DEFS) t.deepEqual([...moved.entriesOf(d.name)], [...fresh.entriesOf(d.name)], d.name);
  t.deepEqual([...base.entriesOf('KUBE-LOOP-BACK')], ['10.1.3.1,tcp:8080,10.1.3.1', '10.1.9.1,tcp:8080,10.1.9.1'], 'the shared state is as it was');
});
