// `knet lab up`: runs a plan on this machine, recording each namespace and responder the moment
// it exists; when a step fails, what was created so far is removed again.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { InputError } from '../api/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { formatSave } from '../kernel/netfilter/save.js';
import { formatRuleset } from '../kernel/nftables/print.js';
import { labScript, run } from './host.js';
import type { LabInputs, LabPlan, ResponderSpec } from './plan.js';
import { responderLog, writeState, type LabState, type ResponderRecord } from './state.js';
import { labDown } from './down.js';

/** What the lab is built from: the kernels and the very rulesets `knet trace` walks. */
export function labInputs(cluster: Cluster): LabInputs {
  const mode = cluster.topology.kubeProxy.mode;
  if (mode !== 'iptables' && mode !== 'nftables') {
    throw new InputError(`knet lab: kube-proxy runs in ${mode} mode in ${cluster.topology.files.join(', ') || 'this topology'}; the lab materialises iptables and nftables modes only`, 2);
  }
  const dp = Dataplane.of(cluster);
  const rulesets = new Map(dp.nodeNames().map((n) => [n, formatSave(dp.ruleset(n))]));
  const nftRulesets = new Map(dp.nodeNames().map((n) => [n, formatRuleset(dp.node(n)!.nft, cluster.clock.now())]));
  return { store: cluster.store, topology: cluster.topology, kernels: dp.kernels, rulesets, nftRulesets };
}

const READY_TIMEOUT_MS = 10_000;

/** Starts one responder detached in its namespace; resolves once it listens on every port. */
function startResponder(r: ResponderSpec, script: string): Promise<ResponderRecord> {
  const logFile = responderLog(r.netns);
  const log = openSync(logFile, 'a');
  const child = spawn('ip', ['netns', 'exec', r.netns, process.execPath, script, r.receiver, ...r.listen], { detached: true, stdio: ['ignore', 'pipe', log] });
  closeSync(log);
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      if (child.pid) {
        try {
          process.kill(child.pid);
        } catch {
          /* already gone */
        }
      }
      reject(new InputError(`knet lab: responder for ${r.receiver} in ${r.netns} ${why} (see ${logFile})`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${READY_TIMEOUT_MS / 1000}s`), READY_TIMEOUT_MS);
    child.on('error', (e) => fail(`could not start: ${e.message}`));
    child.on('exit', (code) => fail(`exited with status ${code}`));
    child.stdout!.on('data', (d) => {
      out += d.toString();
      if (!out.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.destroy();
      child.unref();
      resolve({ pid: child.pid!, netns: r.netns, receiver: r.receiver, listen: r.listen, script });
    });
  });
}

export async function labUp(plan: LabPlan, files: string[], progress: (line: string) => void = () => undefined): Promise<LabState> {
  const state: LabState = { prefix: plan.prefix, files, createdAt: new Date().toISOString(), namespaces: [], responders: [], complete: false };
  writeState(state);
  const byName = new Map(plan.namespaces.map((n) => [n.name, n]));
  try {
    for (const c of plan.commands) {
      const [tool, sub, verb, name] = c.argv;
      const adds = tool === 'ip' && sub === 'netns' && verb === 'add' && name !== undefined;
      run(c);
      if (adds) {
        state.namespaces.push(byName.get(name) ?? { name, role: 'underlay', object: name });
        writeState(state);
      }
    }
    progress(`${state.namespaces.length} namespaces, ${plan.commands.length} commands`);
    const script = labScript('responder');
    const started = await Promise.allSettled(plan.responders.map((r) => startResponder(r, script)));
    for (const s of started) if (s.status === 'fulfilled') state.responders.push(s.value);
    writeState(state);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    progress(`${state.responders.length} responders`);
    state.complete = true;
    writeState(state);
    return state;
  } catch (e) {
    labDown(state);
    if (e instanceof InputError) throw new InputError(`${e.message} (everything created was removed again)`, e.exitCode);
    throw e;
  }
}
