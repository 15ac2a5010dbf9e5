// Every DNS oracle vector (test/vectors/dns): each query through `knet dns query`
// (`resolve`, `resolv-conf` for those forms) and through the real server over UDP (TCP for
// zone transfers), sections compared as the vectors' README says.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { Cluster } from '../../src/cluster/cluster.js';
import { queryOutput } from '../../src/cli/dns.js';
import { encodeQuery, query as udpQuery, tcpExchange, toReply } from '../../src/dns/client.js';
import { CorednsInstance } from '../../src/dns/instance.js';
import { startDnsServer } from '../../src/dns/server.js';
import { readTopologyText } from '../../src/topology/load.js';
import type { AnyObject } from '../../src/api/types.js';
import { knet } from '../helpers/cli.js';
import { convert, norm, readVector, vectorNames, type ExpectedBlock, type Vector } from '../helpers/dns-vectors.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { rrText, type RR } from '../../src/dns/rr.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-dns-vectors-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

interface Got {
  rcode: string;
  aa: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
  forwarded: boolean;
}

const serialless = (rr: string): string => {
  const f = rr.split(' ');
  if (f[3] === 'SOA') f[6] = '<serial>';
  return f.join(' ');
};

const sorted = (xs: string[]): string[] => [...xs].sort();

/** Compares one reply with its expected block; returns the differences (empty = pass). */
export function compare(b: ExpectedBlock, g: Got): string[] {
  const diffs: string[] = [];
  const want = b.answer;
  const status = b.status;
  const eq = (label: string, w: string[], h: string[], ordered: boolean): void => {
    const a = ordered ? w : sorted(w);
    const c = ordered ? h.map(serialless) : sorted(h.map(serialless));
    if (JSON.stringify(a) !== JSON.stringify(c)) diffs.push(`${label}: want ${JSON.stringify(a)}, got ${JSON.stringify(c)}`);
  };
  if (status === 'NXDOMAIN' && g.rcode !== 'NXDOMAIN') diffs.push(`rcode: want NXDOMAIN, got ${g.rcode}`);
  if (status === 'NODATA' && g.rcode !== 'NOERROR') diffs.push(`rcode: want NOERROR (NODATA), got ${g.rcode}`);
  if (status === 'REFUSED' && g.rcode !== 'REFUSED') diffs.push(`rcode: want REFUSED, got ${g.rcode}`);
  if (status === 'SERVFAIL' && g.rcode !== 'SERVFAIL') diffs.push(`rcode: want SERVFAIL, got ${g.rcode}`);
  if (status === 'FORWARDED') {
    if (!g.forwarded) diffs.push('want FORWARDED (answered by the forward plugin), got an answer from the kubernetes plugin');
    eq('answer', want, g.answer, false);
    return diffs;
  }
  if (status === undefined) {
    if (g.rcode !== 'NOERROR') diffs.push(`rcode: want NOERROR, got ${g.rcode}`);
    if (!g.aa) diffs.push('AA: want set');
  }
  eq('answer', want, g.answer, b.ordered);
  if (status !== 'REFUSED') eq('authority', b.authority, g.authority, false);
  eq('additional', b.additional, g.additional, false);
  // A CNAME comes before the records of its target.
  g.answer.forEach((rr, i) => {
    const f = rr.split(' ');
    if (f[3] !== 'CNAME') return;
    const j = g.answer.findIndex((x) => x.split(' ')[0]!.toLowerCase() === f[4]!.toLowerCase());
    if (j >= 0 && j < i) diffs.push(`CNAME ${f[0]} comes after its target's records`);
  });
  if (g.forwarded && status !== undefined && status !== 'REFUSED') diffs.push('answered by the forward plugin, want the kubernetes plugin');
  return diffs;
}

const text = (rrs: RR[]): string[] => rrs.map((r) => norm(rrText(r)));

interface Setup {
  v: Vector;
  file: string;
  upstream: FakeUpstream;
  instanceArgs: string[];
  client?: string;
  /** Set when the vector needs objects the loader refuses (in-process path). */
  cluster?: Cluster;
  localIPs: string[];
}

async function setup(name: string): Promise<Setup> {
  const v = readVector(name);
  const c = convert(v);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, c.topology);
  const upstream = await startFakeUpstream(v.header.upstream ?? []);
  const s: Setup = { v, file, upstream, instanceArgs: c.instanceArgs, localIPs: v.header.coredns?.localIPs ?? [], ...(c.client ? { client: c.client } : {}) };
  if (c.late.length) {
    const cluster = new Cluster(readTopologyText(c.topology, file));
    for (const o of c.late) cluster.store.create(o as unknown as AnyObject);
    cluster.settle();
    s.cluster = cluster;
  }
  return s;
}

function instanceFor(s: Setup, cluster: Cluster): CorednsInstance {
  const upstreamEp = { host: '127.0.0.1', port: s.upstream.port };
  return new CorednsInstance(cluster, {
    ...(s.localIPs.length ? { localIPs: s.localIPs } : {}),
    upstream: (q) => udpQuery(upstreamEp, q),
    upstreamName: `127.0.0.1#${s.upstream.port}`,
  });
}

async function viaCli(s: Setup, name: string, type: string): Promise<Got> {
  let out: string;
  if (s.cluster) {
    out = await queryOutput(instanceFor(s, s.cluster), { name, type }, true);
  } else {
    const r = await knet('dns', 'query', name, type, '-f', s.file, ...s.instanceArgs, '--upstream', `127.0.0.1:${s.upstream.port}`, '-o', 'json');
    if (r.code !== 0) throw new Error(`knet dns query exited ${r.code}: ${r.err}`);
    out = r.out;
  }
  const j = JSON.parse(out) as { status: string; flags: { aa: boolean }; answer: { name: string; ttl: number; type: string; rdata: string }[]; authority: typeof j.answer; additional: typeof j.answer; forwarded: boolean; transfer?: typeof j.answer };
  const t = (xs: typeof j.answer): string[] => xs.map((x) => norm(`${x.name} ${x.ttl} IN ${x.type} ${x.rdata}`));
  if (j.transfer) return { rcode: 'NOERROR', aa: true, answer: t(j.transfer), authority: [], additional: [], forwarded: false };
  return { rcode: j.status, aa: j.flags.aa, answer: t(j.answer), authority: t(j.authority), additional: t(j.additional), forwarded: j.forwarded };
}

async function viaServer(s: Setup, port: number, name: string, type: string): Promise<Got> {
  const before = s.upstream.asked.length;
  const ep = { host: '127.0.0.1', port };
  if (type === 'AXFR' || type === 'IXFR') {
    let soas = 0;
    const msgs = await tcpExchange(ep, encodeQuery({ name, type }, 7), 5000, (p) => {
      soas += (p.answers ?? []).filter((a) => a.type === 'SOA').length;
      return soas >= 2 || ((p as { rcode?: string }).rcode ?? 'NOERROR') !== 'NOERROR';
    });
    const replies = msgs.map(toReply);
    const first = replies[0]!;
    return { rcode: first.rcode, aa: first.aa, answer: replies.flatMap((r) => text(r.answer)), authority: text(first.authority), additional: text(first.additional), forwarded: false };
  }
  const r = await udpQuery(ep, { name, type }, { timeoutMs: 3000 });
  const forwarded = s.upstream.asked.slice(before).some((a) => a.toLowerCase().startsWith(name.toLowerCase()));
  return { rcode: r.rcode, aa: r.aa, answer: text(r.answer), authority: text(r.authority), additional: text(r.additional), forwarded };
}

async function runResolve(t: ExecutionContext, s: Setup, b: ExpectedBlock, name: string, type: string): Promise<string[]> {
  if (!s.client) return [`RESOLVE: the header names no client (${JSON.stringify(s.v.header.client)})`];
  const r = await knet('dns', 'resolve', name, type, '--from', s.client, '-f', s.file, ...s.instanceArgs, '--upstream', `127.0.0.1:${s.upstream.port}`);
  if (r.code !== 0) return [`knet dns resolve exited ${r.code}: ${r.err}`];
  const lines = r.out.split('\n').filter(Boolean);
  // The fqdn on a TRY line is compared without its root dot (the vectors may spell either).
  const undot = (l: string): string => l.replace(/^TRY (\S+?)\.? /, 'TRY $1 ');
  const tries = lines.filter((l) => l.startsWith('TRY ')).map((l) => undot(norm(l.replace(/\s*\(.*\)$/, ''))));
  const result = lines.find((l) => l.startsWith('RESULT '))?.slice(7);
  const answer = lines.filter((l) => !l.startsWith(';') && !l.startsWith('TRY ') && !l.startsWith('RESULT ')).map(norm);
  const diffs: string[] = [];
  if (JSON.stringify(tries) !== JSON.stringify(b.tries.map(undot))) diffs.push(`tries: want ${JSON.stringify(b.tries)}, got ${JSON.stringify(tries)}`);
  if (b.result !== undefined && norm(result ?? '') !== b.result) diffs.push(`result: want ${b.result}, got ${result}`);
  if (JSON.stringify(sorted(answer)) !== JSON.stringify(sorted(b.answer))) diffs.push(`answer: want ${JSON.stringify(b.answer)}, got ${JSON.stringify(answer)}`);
  t.log(r.out);
  return diffs;
}

async function runResolvConf(s: Setup, b: ExpectedBlock, ref: string): Promise<string[]> {
  const r = await knet('dns', 'resolv-conf', ref, '-f', s.file);
  if (r.code !== 0) return [`knet dns resolv-conf exited ${r.code}: ${r.err}`];
  const unordered = b.comments.some((c) => c.includes('OPTIONS-UNORDERED'));
  const key = (l: string): string => (unordered && l.startsWith('options ') ? `options ${l.slice(8).split(/\s+/).sort().join(' ')}` : norm(l));
  const got = r.out.split('\n').filter(Boolean).map(key);
  const want = b.lines.map(key);
  return JSON.stringify(got) === JSON.stringify(want) ? [] : [`resolv.conf: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`];
}

for (const name of vectorNames()) {
  // One at a time: each vector runs an in-process server whose replies must not wait on another vector's walk.
  test.serial(`dns vector ${name}`, async (t) => {
    const s = await setup(name);
    const cluster = s.cluster ?? new Cluster(readTopologyText(convert(s.v).topology, s.file));
    const server = s.v.header.coredns ? await startDnsServer(instanceFor(s, cluster), { host: '127.0.0.1', port: 0 }) : undefined;
    const failures: string[] = [];
    try {
      for (const line of s.v.queries) {
        const b = s.v.expected.get(norm(line));
        if (!b) {
          failures.push(`${line}: no expected block`);
          continue;
        }
        const f = line.split(/\s+/);
        let diffs: string[];
        if (f[0] === 'RESOLVE') diffs = await runResolve(t, s, b, f[1]!, f[2] ?? 'A');
        else if (f[0] === 'RESOLVCONF') diffs = await runResolvConf(s, b, f[1]!);
        else {
          const [qname, type] = [f[0]!, f[1] ?? 'A'];
          diffs = compare(b, await viaCli(s, qname, type)).map((d) => `knet dns query: ${d}`);
          diffs.push(...compare(b, await viaServer(s, server!.address.port, qname, type)).map((d) => `server: ${d}`));
        }
        if (diffs.length) failures.push(`${line}\n    ${diffs.join('\n    ')}`);
      }
    } finally {
      await server?.close();
      await s.upstream.close();
    }
    t.log(`${s.v.queries.length - failures.length}/${s.v.queries.length} queries pass`);
    t.deepEqual(failures, []);
  });
}

test('the vector set is present', (t) => {
  t.true(vectorNames().length > 0, 'no vectors under test/vectors/dns');
  void dnsPacket;
});
