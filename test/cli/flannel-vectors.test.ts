// test/vectors/flannel topology cases, through the CLI (knet ip / bridge / flannel) where a
// command shows the state, through the agents' API where none does (annotations, iptables lines,
// host-local files, the delegated bridge config).
import test from 'ava';
import { startNodeAgents } from '../../src/agents/node-agents.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { readTopology } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { readVector, sections, substitute, substitutions, unmark, writeVectorTopology } from '../helpers/flannel-vectors.js';

/** iptables-restore lines → what `iptables -S <base> | grep flannel ; iptables -S <chain>` prints. */
function asDashS(lines: string[]): string[] {
  const jumps = lines.filter((l) => /^-A (POSTROUTING|FORWARD) /.test(l));
  const decl = lines.filter((l) => l.startsWith(':')).map((l) => `-N ${l.slice(1).split(' ')[0]}`);
  const rest = lines.filter((l) => l.startsWith('-A') && !jumps.includes(l));
  return [...jumps, ...decl, ...rest];
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean).map((l) => l.replace(/ $/, ''));
}

for (const name of ['two-node-vxlan', 'two-node-host-gw', 'three-node-vxlan-vni4096-port4789-jumbo']) {
  test(`flannel vector ${name}`, async (t) => {
    const { input, expected } = readVector(name);
    const file = writeVectorTopology(input);
    const cluster = new Cluster(readTopology([file]));
    const nodes = startNodeAgents(cluster);
    const subs = substitutions(input, nodes);
    const want = sections(substitute(expected, subs));
    const vni = input.netConf.Backend.VNI ?? 1;
    const vtep = `flannel.${vni}`;
    t.deepEqual([...want.keys()], input.nodes.map((n) => n.name));
    let checked = 0;
    for (const [node, secs] of want) {
      const kernel = nodes.get(node)!;
      const run = async (...args: string[]): Promise<string> => {
        const r = await knet(...args, '-f', file);
        t.is(r.code, 0, `${args.join(' ')}: ${r.err}`);
        return r.out;
      };
      for (const [head, exp] of secs) {
        const at = `${node}: ${head}`;
        checked++;
        if (head === 'cat /run/flannel/subnet.env') {
          t.is(await run('flannel', '--node', node, 'subnet-env'), exp.join('\n') + '\n', at);
        } else if (head.startsWith('node annotations')) {
          const obj = cluster.store.get('Node', undefined, node)!;
          for (const l of exp) {
            const cond = l.match(/^status\.conditions\[(\w+)\]: status=(\w+) reason=(\w+) message="(.*)"$/);
            if (cond) {
              const c = obj.status!.conditions!.find((x) => x.type === cond[1]) as Record<string, string> | undefined;
              t.deepEqual(c && [c.status, c.reason, c.message], [cond[2], cond[3], cond[4]], at);
              continue;
            }
            const [, k, v] = l.match(/^(\S+): (.*)$/)!;
            t.is(obj.metadata.annotations?.[k!], v!.replace(/^"(.*)"$/, '$1'), `${at}: ${k}`);
          }
        } else if (head.startsWith('ip -d link show')) {
          // The vector keeps the key lines only: no ifindex, no qlen, no trailing driver fields.
          const got = lines(await run('ip', '--node', node, '-d', 'link', 'show', vtep));
          t.is(got.length, exp.length, at);
          got.forEach((g, i) => {
            const norm = g.replace(/^\d+: /, '').replace(' qlen 1000', '');
            t.true(norm.startsWith(exp[i]!), `${at}: ${norm} !~ ${exp[i]}`);
          });
        } else if (head.startsWith('ip -4 addr')) {
          const got = await run('ip', '--node', node, '-4', 'addr');
          for (const l of exp) {
            if (l.includes('(no cni0')) t.false(got.includes('cni0'), at);
            else t.true(got.split('\n').includes(unmark(l)), `${at}: ${l}`);
          }
        } else if (head === 'ip route') {
          t.deepEqual(lines(await run('ip', '--node', node, 'route')), exp.map(unmark), at);
        } else if (head.startsWith('ip neigh show dev')) {
          t.deepEqual(lines(await run('ip', '--node', node, 'neigh', 'show', 'dev', vtep)), exp, at);
        } else if (head.startsWith('bridge fdb show dev')) {
          t.deepEqual(lines(await run('bridge', '--node', node, 'fdb', 'show', 'dev', vtep)), exp, at);
        } else if (head.startsWith('iptables -t nat')) {
          t.deepEqual(asDashS(nodes.flannelRules(node)!.nat), exp, at);
        } else if (head.startsWith('iptables -t filter')) {
          t.deepEqual(asDashS(nodes.flannelRules(node)!.filter), exp, at);
        } else if (head.startsWith('pod ')) {
          const pod = head.match(/^pod (\S+):/)![1]!;
          const [ns, podName] = pod.split('/') as [string, string];
          const addr = await run('ip', '--pod', podName, '-n', ns, '-4', 'addr', 'show', 'eth0');
          t.true(addr.split('\n').includes(exp[0]!), `${at}: ${exp[0]}`);
          const routes = exp.slice(1).filter((l) => !l.trim().startsWith('facts:'));
          t.deepEqual(lines(await run('ip', '--pod', podName, '-n', ns, 'route')), routes, at);
          const facts = exp.find((l) => l.trim().startsWith('facts:'))!.trim();
          const sandbox = kernel.pod(pod)!;
          const veth = kernel.root.mustLink(sandbox.hostVeth);
          const eth0 = sandbox.netns.mustLink('eth0');
          t.is(facts, `facts: eth0 mtu ${eth0.mtu}; host side ${veth.name} master ${veth.master} mtu ${veth.mtu} hairpin ${veth.hairpin ? 'on' : 'off'}`, at);
        } else if (head.startsWith('host-local state')) {
          const dir = '/var/lib/cni/networks/cbr0/';
          const got = [...kernel.files]
            .filter(([k]) => k.startsWith(dir))
            .map(([k, v]) => `${k.slice(dir.length)}: ${v === '' ? '(empty)' : JSON.stringify(v)}`)
            .sort();
          t.deepEqual(got, [...exp].sort(), at);
        } else if (head.startsWith('delegated bridge config')) {
          for (const s of kernel.pods()) t.is(kernel.files.get(`/var/lib/cni/flannel/${s.containerID}`), exp[0], `${at}: ${s.pod}`);
        } else {
          t.fail(`${at}: section not covered by this test`);
        }
      }
    }
    t.true(checked > 0);
  });
}

