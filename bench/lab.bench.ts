// `knet lab up` and `knet lab verify` on the default topology, in real network namespaces.
// Needs root and `ip netns`; otherwise says why and measures nothing.
import { loadCluster } from '../src/cluster/cluster.js';
import { labDown } from '../src/lab/down.js';
import { labUnsupported, listNetns } from '../src/lab/host.js';
import { planLab } from '../src/lab/plan.js';
import { readState } from '../src/lab/state.js';
import { labInputs, labUp } from '../src/lab/up.js';
import { labVerify } from '../src/lab/verify.js';
import { line, ms } from './report.js';

const why = labUnsupported(['ip', 'iptables-restore', 'sysctl']);
if (why) {
  line('lab', `skipped: ${why}`);
} else {
  const prefix = `kb${process.pid.toString(36)}`.slice(0, 10);
  try {
    const t0 = performance.now();
    const cluster = loadCluster();
    const plan = planLab(labInputs(cluster), prefix);
    const state = await labUp(plan, []);
    const up = ms(t0);
    line('lab up (default topology)', `${(up / 1000).toFixed(2)} s: ${state.namespaces.length} namespaces, ${plan.commands.length} commands, ${state.responders.length} responders`, { ok: up < 10_000, text: '< 10 s' });
    const samples = 3;
    const t1 = performance.now();
    const r = await labVerify(cluster, state, { samples, timeoutMs: 1500, parallel: 4 }, () => undefined);
    const verify = ms(t1);
    line('lab verify (default topology)', `${(verify / 1000).toFixed(2)} s: ${r.reports.length} flows × ${samples} connections, ${r.agree} agree, ${r.disagree} disagree`, { ok: verify < 30_000, text: '< 30 s' });
    if (r.disagree) process.exitCode = 1;
  } finally {
    const s = readState(prefix);
    const t2 = performance.now();
    if (s) labDown(s);
    line('lab down', `${(ms(t2) / 1000).toFixed(2)} s; namespaces left: ${listNetns().filter((n) => n.startsWith(`${prefix}-`)).length}`);
  }
}
