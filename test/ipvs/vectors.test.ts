// kube-proxy's own IPVS test cases (test/vectors/ipvs), run through knet's CLI: a topology file
// for the first sync and a --steps file for the later ones, then `knet rules ipvs` against the
// ipvsadm -Ln section, `knet rules ipset` against the asserted sets' entries, `knet rules
// iptables` against the asserted chains — as the vectors' README says.
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import { finalObjects, ipvsVectorSteps, ipvsVectorTopology, loadIpvsVectors, type IpvsVector } from './vector.js';

const vectors = loadIpvsVectors();
const dir = mkdtempSync(join(tmpdir(), 'knet-ipvs-vectors-'));

/** `knet rules WHAT` on the vector's node after its steps (and `steps`, a steps file's text, when given). */
async function run(v: IpvsVector, what: string, args: string[] = [], steps = ipvsVectorSteps(v.input)): Promise<string> {
  const f = join(dir, `${v.name}.yaml`);
  writeFileSync(f, ipvsVectorTopology(v.input));
  const more: string[] = [];
  if (steps) {
    const sf = join(dir, `${v.name}-${createHash('sha256').update(steps).digest('hex').slice(0, 8)}.steps.yaml`);
    writeFileSync(sf, steps);
    more.push('--steps', sf);
  }
  const fam = v.input.proxier.ipFamily === 'IPv6' ? ['--family', 'ipv6'] : [];
  const r = await knet('rules', what, '-f', f, ...more, '--node', v.input.proxier.nodeName, ...fam, ...args);
  if (r.code !== 0) throw new Error(`knet exited ${r.code}: ${r.err}`);
  return r.out;
}

/** ipvsadm prints the protocol with "%-4s " (docs/DEVIATIONS.md): SCTP is followed by one space, not the vectors' two. */
const ipvsadm = (line: string): string => line.replace(/^SCTP {2}/, 'SCTP ');

/** The -Ln listing cut into one block per virtual server (its line and its real servers). */
function blocks(listing: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const l of listing) {
    if (!l.startsWith('  ->') && /^(TCP|UDP|SCTP)/.test(l)) out.set(l, (cur = []));
    else if (l.startsWith('  -> ') && !l.startsWith('  -> RemoteAddress')) cur.push(l);
  }
  return out;
}

for (const v of vectors) {
  for (const sec of v.sections) {
    if (/ipvsadm -Ln|== IPVS/.test(sec.header)) {
      test(`${v.name}: ipvsadm -Ln`, async (t) => {
        const out = (await run(v, 'ipvs')).split('\n').filter(Boolean);
        const want = sec.lines.filter((l) => !l.startsWith('-A ') && !l.startsWith('-a ')).map(ipvsadm);
        const count = want.find((l) => l.startsWith('# virtual-server-count:'));
        if (count) {
          // checkIPVS: the number of virtual servers, and one of them in full
          const got = blocks(out);
          t.is(got.size, Number(count.split(':')[1]));
          const [vs, ...rs] = want.filter((l) => l !== count);
          t.deepEqual(got.get(vs!), rs);
        } else t.deepEqual(out, want);
        const save = sec.lines.filter((l) => l.startsWith('-A ') || l.startsWith('-a '));
        if (save.length) t.is(await run(v, 'ipvs', ['--format', 'save']), save.map((l) => l + '\n').join(''));
      });
    } else if (/== ipset/.test(sec.header)) {
      test(`${v.name}: ipset entries of the asserted sets`, async (t) => {
        const adds = (await run(v, 'ipset')).split('\n').filter((l) => l.startsWith('add '));
        const sets = new Set(sec.lines.map((l) => l.split(' ')[1]!));
        t.deepEqual(adds.filter((l) => sets.has(l.split(' ')[1]!)).sort(), [...sec.lines].sort());
      });
    } else if (/== iptables-save/.test(sec.header)) {
      test(`${v.name}: iptables-save of the asserted chains`, async (t) => {
        const save = await run(v, 'iptables');
        let table = '';
        const want = new Map<string, string[]>();
        for (const l of sec.lines) {
          if (l.startsWith('*')) table = l.slice(1);
          else if (l.startsWith('-A ')) {
            const k = `${table} ${l.split(' ')[1]}`;
            want.set(k, [...(want.get(k) ?? []), l]);
          }
        }
        const got = new Map<string, string[]>();
        for (const l of save.split('\n')) {
          if (l.startsWith('*')) table = l.slice(1);
          else if (l.startsWith('-A ')) {
            const k = `${table} ${l.split(' ')[1]}`;
            if (want.has(k)) got.set(k, [...(got.get(k) ?? []), l]);
          }
        }
        t.deepEqual(Object.fromEntries(got), Object.fromEntries(want));
      });
    } else if (/== after deleting the EndpointSlice/.test(sec.header)) {
      // the test's second sync: a steps file deleting the slices; the virtual servers stay, empty
      const first = v.sections.find((x) => /== IPVS/.test(x.header))!;
      const slices = finalObjects(v.input).filter((o) => o.kind === 'EndpointSlice') as { metadata: { namespace: string; name: string } }[];
      const steps = ipvsVectorSteps(v.input, [{ delete: slices.map((o) => ({ kind: 'EndpointSlice', ...o.metadata })) }]);
      test(`${v.name}: after deleting the EndpointSlice and syncing again`, async (t) => {
        t.deepEqual((await run(v, 'ipvs', [], steps)).split('\n').filter(Boolean), first.lines.filter((l) => !l.startsWith('  -> ') || l.startsWith('  -> RemoteAddress')));
        t.deepEqual((await run(v, 'ipset', [], steps)).split('\n').filter((l) => l.startsWith('add KUBE-LOOP-BACK ')), []);
      });
    } else throw new Error(`${v.name}: unknown section ${sec.header}`);
  }
}

test('every IPVS vector has its sections run', (t) => {
  t.is(vectors.length, 13);
  t.is(vectors.reduce((n, v) => n + v.sections.length, 0), 24);
});
