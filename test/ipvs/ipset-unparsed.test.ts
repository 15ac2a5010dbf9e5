// Sets holding members by their texts until something needs them parsed (a shared first sync's):
// the scan that admits a text admits only what `ipset add` takes and gives back as written, and
// a set filled that way answers, lists and changes as one that added each entry in turn.
import test from 'ava';
import { formatList, formatSave } from '../../src/kernel/ipset/format.js';
import { IpsetTable } from '../../src/kernel/ipset/table.js';
import { isCanonicalEntry, parseEntry, SET_TYPES } from '../../src/kernel/ipset/types.js';
import type { HookPacket } from '../../src/kernel/hooks.js';

const WORDS = ['10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', ' 1.2.3.4', 'fd00::1', '10.0.0.1/24', 'tcp:80', 'udp:53', 'sctp:0', 'TCP:80', 'tcp:080', 'tcp:65535', 'tcp:65536', 'tcp:', ':80', '80', '0', '00', '65536', 'icmp:8', 'foo:1', 'tcp:1x', '', '1.2.3.4:80'];

test('the scan admits a text only when ipset add takes it and gives it back as written', (t) => {
  let admitted = 0;
  const wrong: string[] = [];
  const range = { from: 0, to: 65535 };
  for (const type of SET_TYPES) {
    const dims = type.split(':')[1]!.split(',').length;
    const texts: string[] = [];
    // every combination of the words for the type's dimensions (and one more or fewer)
    const grow = (prefix: string[], n: number): void => {
      if (n === 0) return void texts.push(prefix.join(','));
      for (const w of WORDS) grow([...prefix, w], n - 1);
    };
    for (const n of [dims - 1, dims, dims + 1]) if (n > 0 && n <= 3) grow([], n);
    for (const text of texts) {
      for (const family of [4, 6] as const) {
        const e = parseEntry(type, family, text);
        const canonical = typeof e !== 'string' && e.text === text;
        const scanned = isCanonicalEntry(type, family, text, type === 'bitmap:port' ? range : undefined);
        if (scanned) admitted++;
        if (scanned && !canonical) wrong.push(`admitted: ${type} ${family} ${JSON.stringify(text)}`);
        // the forms the scan knows, it knows exactly
        else if (!scanned && canonical && family === 4 && !type.includes('net')) wrong.push(`refused: ${type} ${family} ${JSON.stringify(text)}`);
      }
    }
  }
  t.deepEqual(wrong, []);
  t.is(admitted, 3 + 3 * 5 + 3 * 5 * 3 + 2, 'the canonical IPv4 addresses, proto:ports and ports among the words');
  t.true(isCanonicalEntry('hash:ip,port,ip', 4, '10.0.1.5,tcp:8080,10.0.1.5'));
  t.false(isCanonicalEntry('bitmap:port', 4, '30004', { from: 0, to: 30000 }), 'out of the range');
});

const OPTS = { family: 4 as const, hashsize: 1024, maxelem: 65536 };
const packet = (dst: string, dport: number, src = '10.244.1.5'): HookPacket => ({ family: 4, src, dst, proto: 'tcp', sport: 40000, dport }) as unknown as HookPacket;

test('a set filled by texts answers, lists and changes as one that added each; the texts stay as given', (t) => {
  const texts = new Map(['10.96.0.10,tcp:53', '10.96.0.1,tcp:443', '10.96.0.20,tcp:80'].map((e) => [e, 1]));
  const [lazy, eager, other] = [new IpsetTable(), new IpsetTable(), new IpsetTable()];
  for (const x of [lazy, eager, other]) {
    x.create('S', 'hash:ip,port', OPTS);
    x.create('P', 'bitmap:port', { ...OPTS, range: { from: 0, to: 65535 } });
  }
  t.true(lazy.fillTexts('S', texts));
  t.true(lazy.fillTexts('P', new Map([['30004', 1], ['30001', 1]])));
  for (const e of texts.keys()) eager.add('S', e);
  for (const e of ['30004', '30001']) eager.add('P', e);
  other.fill('S', lazy.get('S')!);
  const same = (why: string): void => {
    t.is(formatSave(lazy), formatSave(eager), why);
    t.is(formatList(lazy, () => 1), formatList(eager, () => 1), why);
    for (const [dst, port] of [['10.96.0.1', 443], ['10.96.0.1', 80], ['10.96.0.20', 80]] as const) t.is(lazy.test('S', ['dst', 'dst'], packet(dst, port)), eager.test('S', ['dst', 'dst'], packet(dst, port)), `${why}: ${dst}:${port}`);
    t.is(lazy.test('P', ['dst'], packet('1.2.3.4', 30004)), eager.test('P', ['dst'], packet('1.2.3.4', 30004)));
    t.is(lazy.has('S', '10.96.0.10,53'), eager.has('S', '10.96.0.10,53'), `${why}: default protocol`);
  };
  same('filled');
  t.is(formatSave(other, ['S']), formatSave(eager, ['S']), 'a set filled from it lists the same members');
  for (const x of [lazy, eager]) {
    t.throws(() => x.add('S', '10.96.0.1,tcp:443'), { message: /already added/ });
    x.add('S', '10.96.0.30,udp:53');
    x.del('S', '10.96.0.10,tcp:53');
    x.del('P', '30004');
  }
  same('after an add and deletes');
  t.deepEqual([...texts.keys()], ['10.96.0.10,tcp:53', '10.96.0.1,tcp:443', '10.96.0.20,tcp:80'], 'the texts given are not changed');
  t.deepEqual([...other.get('S')!.members.keys()], [...texts.keys()], 'nor the set filled from it');
  for (const x of [lazy, eager]) x.flush('S');
  same('after a flush');
});

test('texts not all canonical, or too many, are refused and leave the set empty', (t) => {
  const x = new IpsetTable();
  x.create('S', 'hash:ip,port', OPTS);
  t.false(x.fillTexts('S', new Map([['10.96.0.10,tcp:53', 1], ['10.96.0.1,443', 1]])));
  t.is(x.get('S')!.size, 0);
  x.create('T', 'hash:ip', { ...OPTS, maxelem: 1 });
  t.false(x.fillTexts('T', new Map([['10.0.0.1', 1], ['10.0.0.2', 1]])));
  x.create('N', 'hash:ip,port,net', OPTS);
  t.false(x.fillTexts('N', new Map([['10.0.0.1,tcp:80,10.0.0.0/8', 1]])), 'networks are always parsed');
});
