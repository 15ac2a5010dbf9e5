// `knet lab`: the emulated cluster rebuilt in real network namespaces on this machine, and
// `verify`, which checks knet's traces against what the kernel really does there.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { CorednsInstance } from '../dns/instance.js';
import { loopFindings, loopWarning } from '../dns/loop.js';
import { checkHost, labScript, listNetns, toolOrder } from '../lab/host.js';
import { labDown } from '../lab/down.js';
import { checkPrefix, DEFAULT_PREFIX, LabNames } from '../lab/names.js';
import { formatPlan, planLab, planTools } from '../lab/plan.js';
import { mustReadState, otherLabsHint, readState, statePath, type LabState } from '../lab/state.js';
import { labInputs, labUp, planDigest } from '../lab/up.js';
import { labVerify } from '../lab/verify.js';
import { addTopologyOption, openCluster, type IO } from './context.js';
import { table } from './table.js';

/** What an IPVS-mode lab lacks, said plainly: whether this kernel has IPVS, and what is loaded instead. */
function ipvsNotice(nodes: string[]): string {
  const kernel = existsSync('/proc/net/ip_vs') ? 'this kernel has IPVS (ip_vs), but knet lab does not load IPVS tables' : 'IPVS is not in this kernel (no ip_vs module)';
  return `${kernel}: the virtual servers of ${nodes.join(', ')} are not loaded; kube-ipvs0 with its addresses (a veth on no wire: no dummy link type here), the ipsets (ipset restore) and the iptables rules are. A connection to a Service address ends in the node's own stack; lab verify marks the flows IPVS decides "not checkable"`;
}

interface PrefixOptions {
  prefix: string;
}

function prefixOption(cmd: Command): Command {
  return cmd.option('--prefix <prefix>', 'name prefix of everything the lab creates', DEFAULT_PREFIX);
}

/** `up` refuses to build over anything carrying its prefix. */
function refuseExisting(prefix: string): void {
  const names = new LabNames(prefix);
  const taken = listNetns().filter((n) => names.owns(n));
  if (taken.length) throw new InputError(`knet lab: namespace ${taken[0]} already exists (prefix "${prefix}" is in use); run knet lab down --prefix ${prefix} or choose another --prefix`, 2);
  if (readState(prefix)) throw new InputError(`knet lab: a lab with prefix "${prefix}" is recorded in ${statePath(prefix)}; run knet lab down --prefix ${prefix} first`, 2);
}

/** The namespace `exec` means: a node, a pod (NAME, NS/NAME, pod/NAME), an external client, `underlay`, or a namespace name. */
export function resolveTarget(state: LabState, target: string, namespace: string): string {
  const t = target.replace(/^(pods?|node|ext)\//, '');
  const wanted = [`node ${t}`, `ext ${t}`, t.includes('/') ? `pod ${t}` : `pod ${namespace}/${t}`, t];
  for (const w of wanted) {
    const hit = state.namespaces.find((n) => n.object === w || n.name === w) ?? state.aliases?.find((a) => a.object === w);
    if (hit) return 'netns' in hit ? hit.netns : hit.name;
  }
  const known = [...state.namespaces.map((n) => n.object), ...(state.aliases ?? []).map((a) => a.object)].map((o) => o.replace(/^(node|ext|pod) /, '')).join(', ');
  throw new InputError(`knet lab exec: "${target}" is no node, pod or client of lab "${state.prefix}" (known: ${known})`, 2);
}

function statusText(state: LabState): string {
  const present = new Set(listNetns());
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const rows = state.namespaces.map((n) => {
    const rs = state.responders.filter((r) => r.netns === n.name);
    const listen = rs.map((r) => `${r.receiver.startsWith('dns ') ? 'DNS ' : ''}${r.listen.join(',')} pid ${r.pid}${alive(r.pid) ? '' : ' (dead)'}`).join('; ');
    return [n.name, n.role, n.object, n.ip ?? '-', present.has(n.name) ? 'up' : 'MISSING', listen || '-'];
  });
  const files = state.files.length ? state.files.join(',') : '(default topology)';
  const dns = state.responders.filter((r) => r.receiver.startsWith('dns ')).length;
  const head = `lab ${state.prefix}: ${state.namespaces.length} namespaces, ${state.responders.length - dns} responders, ${dns} DNS servers, from ${files}, up since ${state.createdAt}${state.complete ? '' : ' (INCOMPLETE: up did not finish)'}\n`;
  return head + table(['NAMESPACE', 'ROLE', 'OBJECT', 'IP', 'STATE', 'RESPONDER'], rows);
}

export function labCommand(io: IO): Command {
  const lab = new Command('lab').description('the emulated cluster in real network namespaces on this machine (root): up, status, exec, verify, down');

  const up = prefixOption(new Command('up'))
    .description('create a namespace per node, pod, external client and the underlay, programmed exactly as knet computed')
    .option('--dry-run', 'print the commands instead of running them (no root needed)');
  addTopologyOption(up).action(async (o: PrefixOptions & { filename: string[]; dryRun?: boolean }) => {
    const prefix = checkPrefix(o.prefix);
    const cluster = openCluster(o, io);
    if (!o.dryRun) {
      checkHost(['ip']);
      refuseExisting(prefix);
    }
    for (const f of loopFindings(new CorednsInstance(cluster))) io.err(`Warning: ${loopWarning(f)} (the lab runs knet's DNS server in that pod anyway)\n`);
    const plan = planLab(labInputs(cluster), prefix);
    // every program the plan runs (ipset on an IPVS topology, nft on an nftables one) before the first command
    if (!o.dryRun) checkHost(toolOrder(planTools(plan)));
    if (plan.ipvsLeftOut.length) io.err(`Warning: ${ipvsNotice(plan.ipvsLeftOut.map((x) => x.node))}\n`);
    if (o.dryRun) {
      io.out(formatPlan(plan, labScript('responder'), labScript('dns'), o.filename.map((f) => resolve(f))));
      return;
    }
    const t0 = performance.now();
    const state = await labUp(plan, o.filename);
    io.out(`lab ${prefix} is up: ${state.namespaces.length} namespaces, ${plan.responders.length} responders, ${plan.dnsServers.length} DNS servers, ${plan.commands.length} commands in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
    const p = prefix === DEFAULT_PREFIX ? '' : ` --prefix ${prefix}`;
    const client = plan.namespaces.find((n) => n.role === 'pod' && !plan.dnsServers.some((d) => d.netns === n.name))?.object.slice(4).replace(/^default\//, '');
    const svc = cluster.store.list('Service').find((s) => s.metadata.namespace === 'default' && s.metadata.name !== 'kubernetes' && s.spec.ports?.some((x) => x.port === 80));
    if (client && svc) io.out(`try: knet lab exec${p} ${client} -- curl -s http://${svc.metadata.name}/; knet lab verify${p}\n`);
    else io.out(`try: knet lab exec${p} ${plan.namespaces.find((n) => n.role === 'node')?.object.slice(5) ?? 'NODE'} -- ip route; knet lab verify${p}\n`);
  });

  const down = prefixOption(new Command('down')).description('remove exactly what `up` created (recorded in /run/knet-lab/PREFIX.json)');
  down.action((o: PrefixOptions) => {
    const prefix = checkPrefix(o.prefix);
    checkHost(['ip']);
    const state = readState(prefix);
    if (!state) {
      io.out(`no lab with prefix ${prefix}${otherLabsHint(prefix)}\n`);
      return;
    }
    const r = labDown(state);
    io.out(`lab ${prefix} is down: ${r.deleted.length} namespaces deleted, ${r.stopped} processes stopped${r.missing.length ? `, ${r.missing.length} already gone` : ''}\n`);
    if (r.left.length) throw new InputError(`knet lab down: could not delete ${r.left.join(', ')} (kept in ${statePath(prefix)})`);
  });

  const status = prefixOption(new Command('status')).description('what the lab created and whether it is still there');
  status.action((o: PrefixOptions) => {
    const prefix = checkPrefix(o.prefix);
    checkHost(['ip']);
    const state = readState(prefix);
    io.out(state ? statusText(state) : `no lab with prefix ${prefix}${otherLabsHint(prefix)}\n`);
  });

  const exec = prefixOption(new Command('exec'))
    .description('run a command inside a node\'s, pod\'s or client\'s namespace, e.g. knet lab exec k8s-node1 -- tcpdump -ni flannel.1')
    .argument('<target>', 'NODE | POD | NS/POD | ext/NAME | underlay')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-n, --namespace <ns>', 'namespace of POD', 'default');
  exec.action(async (target: string, command: string[], o: PrefixOptions & { namespace: string }) => {
    const prefix = checkPrefix(o.prefix);
    checkHost(['ip']);
    const netns = resolveTarget(mustReadState(prefix), target, o.namespace);
    const code = await new Promise<number>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', netns, ...command], { stdio: ['inherit', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => io.out(d.toString()));
      child.stderr.on('data', (d) => io.err(d.toString()));
      child.on('error', (e) => {
        io.err(`knet lab exec: ${e.message}\n`);
        resolve(127);
      });
      child.on('close', (c, sig) => resolve(c ?? 128 + (sig === 'SIGINT' ? 2 : 15)));
    });
    if (code !== 0) throw new InputError(`knet lab exec: \`${command.join(' ')}\` in ${netns} exited with status ${code}`, code);
  });

  const verify = prefixOption(new Command('verify'))
    .description('open real connections in the lab for every flow and compare them with knet trace --all-paths; exit 1 on any disagreement')
    .option('--samples <n>', 'new connections per flow', '4')
    .option('--timeout <ms>', 'how long a connection attempt may take before it counts as dropped', '3000');
  addTopologyOption(verify).action(async (o: PrefixOptions & { filename: string[]; samples: string; timeout: string }) => {
    const prefix = checkPrefix(o.prefix);
    const whole = (v: string, flag: string): number => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InputError(`knet lab verify: ${flag} "${v}": want a whole number ≥ 1`, 2);
      return Number(v);
    };
    const samples = whole(o.samples, '--samples');
    const timeoutMs = whole(o.timeout, '--timeout');
    checkHost(['ip', 'iptables-restore']);
    const state = mustReadState(prefix);
    if (!state.complete) throw new InputError(`knet lab verify: lab "${prefix}" is incomplete (its up did not finish); run knet lab down --prefix ${prefix} and up again`, 2);
    const cluster = openCluster(o.filename.length ? o.filename : state.files, io);
    if (state.planDigest && planDigest(planLab(labInputs(cluster), prefix)) !== state.planDigest) {
      const built = state.files.length ? state.files.join(', ') : 'the default topology';
      throw new InputError(`knet lab verify: lab "${prefix}" was built from ${built}, not from ${o.filename.join(', ')}; verify it without -f, or run knet lab down --prefix ${prefix} and up again with that topology`, 2);
    }
    const r = await labVerify(cluster, state, { samples, timeoutMs, parallel: 4 }, (line) => io.out(`${line}\n`));
    io.out(`${r.agree} agree, ${r.disagree} disagree${r.notCheckable ? `, ${r.notCheckable} not checkable (IPVS)` : ''}\n`);
    if (r.disagree) throw new InputError(`knet lab verify: ${r.disagree} of ${r.agree + r.disagree} checks disagree with knet`, 1);
  });

  lab.addCommand(up);
  lab.addCommand(status);
  lab.addCommand(exec);
  lab.addCommand(verify);
  lab.addCommand(down);
  return lab;
}
