// test/vectors/flannel/hostlocal-allocation: host-local's allocation order, one test per case.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { HostLocalAllocator, canonicalRange, nodeIpamDisk } from '../../src/agents/cni/hostlocal.js';
import { NodeFiles } from '../../src/kernel/files.js';
import { VECTORS_DIR } from '../helpers/flannel-vectors.js';

const dir = join(VECTORS_DIR, 'hostlocal-allocation');
const input = YAML.parse(readFileSync(join(dir, 'input.yaml'), 'utf8')) as {
  singleAllocation: { id: string; ranges: string[]; allocated: Record<string, string>; lastReservedIP: string | null }[];
  sequences: { id: string; ranges: string[]; ops: string }[];
};
const expected = readFileSync(join(dir, 'expected.txt'), 'utf8');
const single = new Map([...expected.matchAll(/^(h\d+) (\S+)/gm)].map((m) => [m[1]!, m[2]!]));
const sequences = new Map(
  expected
    .split(/^== /m)
    .slice(1)
    .map((block) => {
      const [head, ...rest] = block.split('\n');
      return [head!.split(/\s/)[0]!, rest.filter((l) => l && !l.startsWith('#'))] as [string, string[]];
    }),
);

function allocator(ranges: string[], files = new NodeFiles()): { a: HostLocalAllocator; files: NodeFiles } {
  return { a: new HostLocalAllocator(ranges.map(canonicalRange), nodeIpamDisk(files, 'net')), files };
}

for (const c of input.singleAllocation) {
  test(`host-local ${c.id}: ${c.ranges.join(',')}`, (t) => {
    const files = new NodeFiles();
    for (const [ip, id] of Object.entries(c.allocated)) files.set(`/var/lib/cni/networks/net/${ip}`, `${id}\r\neth0`);
    if (c.lastReservedIP) files.set('/var/lib/cni/networks/net/last_reserved_ip.0', c.lastReservedIP);
    const { a } = allocator(c.ranges, files);
    t.is(a.allocate('ID', 'eth0').address.split('/')[0], single.get(c.id)!);
  });
}

test('host-local s1: a /29 yields .2 … .6, then the range set is exhausted', (t) => {
  const { a } = allocator(['192.168.1.0/29']);
  const got: string[] = [];
  for (let i = 2; i <= 7; i++) {
    try {
      got.push(a.allocate(`ID${i}`, 'eth0').address);
    } catch (e) {
      got.push(`ERROR ${(e as Error).message}`);
    }
  }
  t.deepEqual(got, sequences.get('s1'));
});

test('host-local s2: a released address is not reused before the walk wraps', (t) => {
  const { a } = allocator(['192.168.1.0/29']);
  const got = [a.allocate('ID', 'eth0').address];
  a.release('ID', 'eth0');
  got.push('released', a.allocate('ID', 'eth0').address);
  t.deepEqual(got, sequences.get('s2'));
});

test('host-local s3: a fresh flannel node subnet and its state files', (t) => {
  const { a, files } = allocator(['10.244.1.0/24']);
  const got = ['pod1', 'pod2', 'pod3'].map((id) => {
    const r = a.allocate(id, 'eth0');
    return `${r.address} gw ${r.gateway}`;
  });
  const dir = '/var/lib/cni/networks/net/';
  const names = [...files.keys()].map((k) => k.slice(dir.length));
  const listing = `files: ${names.filter((n) => /^\d/.test(n)).sort().join(' ')} last_reserved_ip.0=${files.get(`${dir}last_reserved_ip.0`)} ${names.includes('lock') ? 'lock' : ''}`;
  t.deepEqual([...got, listing], sequences.get('s3'));
});

test('host-local rejects ranges it cannot allocate from', (t) => {
  t.throws(() => canonicalRange('10.0.0.0/31'), { message: 'Network 10.0.0.0/31 too small to allocate from' });
  t.throws(() => canonicalRange('10.0.0.1/24'), { message: /host bits set/ });
});

test('host-local: a requested address is reserved, a taken or out-of-range one refused', (t) => {
  const { a } = allocator(['10.244.1.0/24']);
  t.is(a.allocate('A', 'eth0', '10.244.1.7').address, '10.244.1.7/24');
  t.throws(() => a.allocate('B', 'eth0', '10.244.1.7'), { message: /10\.244\.1\.7 is not available/ });
  t.throws(() => a.allocate('C', 'eth0', '10.244.2.7'), { message: /10\.244\.2\.7 is not available/ });
  t.throws(() => a.allocate('A', 'eth0'), { message: /already has an IP/ });
  // Round robin resumes after the requested address.
  t.is(a.allocate('D', 'eth0').address, '10.244.1.8/24');
});
