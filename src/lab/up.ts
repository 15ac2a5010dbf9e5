// `knet lab up`: runs a plan on this machine, recording each namespace, file and process before it
// is created; when a step fails, what was created so far is removed again (and after a kill,
// `down` finds it all in the record).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../api/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { hostsFileFor, hostsFileText } from '../dns/hosts.js';
import { corednsPods } from '../dns/instance.js';
import { resolvConfFor, resolvConfText } from '../dns/resolvconf.js';
import { formatSave as ipsetSave } from '../kernel/ipset/format.js';
import { formatSave } from '../kernel/netfilter/save.js';
import { formatRuleset } from '../kernel/nftables/print.js';
import { labScript, run } from './host.js';
import { ETC_NETNS, formatPlan, type LabInputs, type LabPlan } from './plan.js';
import { responderLog, writeState, type LabState, type ResponderRecord } from './state.js';
import { labDown } from './down.js';

/** What the lab is built from: the kernels and the very rulesets `knet trace` walks, the DNS servers and pod files. */
export function labInputs(cluster: Cluster): LabInputs {
  const dp = Dataplane.of(cluster);
  const rulesets = new Map(dp.nodeNames().map((n) => [n, formatSave(dp.ruleset(n))]));
  // A dual-stack cluster's IPv6 side goes in too; a single-stack one's lab stays IPv4 as its traces are
  const dualStack = cluster.topology.networking.podSubnets.some((s) => s.includes(':'));
  const rulesets6 = dualStack ? new Map(dp.nodeNames().map((n) => [n, formatSave(dp.ruleset(n, 6))])) : undefined;
  // IPVS mode: the ipsets go in with the real `ipset restore`; the IPVS table itself is left out (ipvsTables)
  const ipvsNodes = dp.nodeNames().filter((n) => dp.kernels.agents(n)?.kubeProxy?.mode === 'ipvs');
  const ipsets = new Map(ipvsNodes.map((n) => [n, ipsetSave(dp.node(n)!.ipsets)]));
  const ipvsTables = new Map(ipvsNodes.map((n) => [n, dp.node(n)!.ipvs.services().length]));
  const nftRulesets = new Map(dp.nodeNames().map((n) => [n, formatRuleset(dp.node(n)!.nft, cluster.clock.now())]));
  const key = (p: { metadata: { namespace?: string; name: string } }): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
  const podFiles = new Map(
    cluster.store
      .list('Pod')
      .filter((p) => !p.spec.hostNetwork && p.status?.podIP)
      .map((p) => [key(p), { resolvConf: resolvConfText(resolvConfFor(cluster, p)), hosts: hostsFileText(hostsFileFor(cluster, p)) }]),
  );
  const dns = corednsPods(cluster)
    .filter((p) => !p.spec.hostNetwork)
    .map((p) => ({ pod: key(p), ip: (p.status!.podIPs?.map((x) => x.ip) ?? [p.status!.podIP!]).join(',') }));
  return { store: cluster.store, topology: cluster.topology, kernels: dp.kernels, rulesets, ...(rulesets6 ? { rulesets6 } : {}), nftRulesets, ipsets, ipvsTables, corednsPods: dns, podFiles };
}

/** What `lab verify` compares against to know the lab was built from this topology. */
export function planDigest(plan: LabPlan): string {
  return createHash('sha256').update(formatPlan(plan)).digest('hex').slice(0, 16);
}

const READY_TIMEOUT_MS = 20_000;

interface ProcessSpec {
  netns: string;
  receiver: string;
  listen: string[];
  argv: string[];
  script: string;
}

/** Starts one process detached in its namespace; resolves once it prints `ready`. */
function startProcess(p: ProcessSpec): Promise<ResponderRecord> {
  const logFile = responderLog(p.netns);
  const log = openSync(logFile, 'a');
  const child = spawn('ip', ['netns', 'exec', p.netns, process.execPath, p.script, ...p.argv], { detached: true, stdio: ['ignore', 'pipe', log] });
  closeSync(log);
  return new Promise((resolveStart, reject) => {
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
      reject(new InputError(`knet lab: ${p.receiver} in ${p.netns} ${why} (see ${logFile})`));
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
      resolveStart({ pid: child.pid!, netns: p.netns, receiver: p.receiver, listen: p.listen, script: p.script });
    });
  });
}

/**
 * Writes a file under /etc/netns/NETNS, recording the namespace's directory and the file before
 * each is created. /etc/netns itself is shared with every other user of `ip netns` (and other
 * labs running at the same time): it is created when missing and never removed, like /run/knet-lab.
 */
function writeEtc(state: LabState, path: string, content: string): void {
  mkdirSync(ETC_NETNS, { recursive: true });
  const missing: string[] = [];
  for (let d = dirname(path); d !== ETC_NETNS && !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    state.etc!.push(d);
    writeState(state);
    mkdirSync(d);
  }
  if (existsSync(path)) throw new InputError(`knet lab: ${path} already exists; it is not this lab's (remove it or choose another --prefix)`, 2);
  state.etc!.push(path);
  writeState(state);
  writeFileSync(path, content, { flag: 'wx' });
}

export async function labUp(plan: LabPlan, files: string[], progress: (line: string) => void = () => undefined): Promise<LabState> {
  const state: LabState = {
    prefix: plan.prefix,
    files,
    planDigest: planDigest(plan),
    createdAt: new Date().toISOString(),
    namespaces: [],
    etc: [],
    responders: [],
    aliases: plan.aliases,
    complete: false,
  };
  writeState(state);
  const byName = new Map(plan.namespaces.map((n) => [n.name, n]));
  try {
    for (const c of plan.commands) {
      const [tool, sub, verb, name] = c.argv;
      if (tool === 'ip' && sub === 'netns' && verb === 'add' && name !== undefined) {
        state.namespaces.push(byName.get(name) ?? { name, role: 'underlay', object: name });
        writeState(state);
        try {
          run(c);
        } catch (e) {
          // Not created by us: never in the record.
          state.namespaces.pop();
          writeState(state);
          throw e;
        }
        continue;
      }
      run(c);
    }
    for (const f of plan.files) writeEtc(state, f.path, f.content);
    progress(`${state.namespaces.length} namespaces, ${plan.commands.length} commands`);
    const topo = files.map((f) => resolve(f));
    const specs: ProcessSpec[] = [
      ...plan.dnsServers.map((d) => ({ netns: d.netns, receiver: `dns ${d.pod}`, listen: ['udp/53', 'tcp/53'], argv: [d.pod, d.ip, ...topo], script: labScript('dns') })),
      ...plan.responders.map((r) => ({ netns: r.netns, receiver: r.receiver, listen: r.listen, argv: [r.receiver, ...r.listen], script: labScript('responder') })),
    ];
    // Processes live in the lab's namespaces: `down` finds them there even if up dies before their pid is written.
    const started = await Promise.allSettled(specs.map((p) => startProcess(p)));
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
