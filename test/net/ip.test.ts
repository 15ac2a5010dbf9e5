// ipFamily checked against node:net; IPv6 text both ways, checked against ip-num (the library the addresses were printed with
// before): canonical text for values with runs of zero groups in every place, and any text form
// (leading zeros, upper case, `::` anywhere, an embedded IPv4 part) read back to the same value.
import test from 'ava';
import ipnum from 'ip-num';
import { isIPv4, isIPv6 } from 'node:net';
import { bigIntToIP, canonicalIP, ipFamily, ipToBigInt } from '../../src/net/ip.js';

const { IPv6, collapseIPv6Number } = ipnum;

function ipnumText(v: bigint): string {
  return collapseIPv6Number(new IPv6(v).toString()).toLowerCase();
}

/** Deterministic values: each group zero, small or large, so zero runs of every length and place occur. */
function* values(): Generator<bigint> {
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 20000; i++) {
    let v = 0n;
    for (let g = 0; g < 8; g++) {
      const r = rand();
      const group = r < 0.5 ? 0 : r < 0.7 ? Math.floor(rand() * 16) : r < 0.8 ? Math.floor(rand() * 256) : Math.floor(rand() * 65536);
      v = (v << 16n) | BigInt(group);
    }
    yield v;
  }
  yield 0n;
  yield 1n;
  yield (1n << 128n) - 1n;
}

test('bigIntToIP prints what ip-num prints', (t) => {
  let n = 0;
  for (const v of values()) {
    const want = ipnumText(v);
    if (bigIntToIP(v, 6) !== want) t.is(bigIntToIP(v, 6), want, `value ${v.toString(16)}`);
    n++;
  }
  t.true(n > 20000);
});

test('ipToBigInt reads what ip-num reads', (t) => {
  for (const v of values()) {
    const full = new IPv6(v).toString(); // eight groups of four digits
    for (const text of [full, full.toUpperCase(), ipnumText(v)]) {
      const got = ipToBigInt(text);
      if (got !== v) t.is(got.toString(16), v.toString(16), text);
    }
  }
  for (const text of ['::', '::1', '1::', 'fe80::a:b', '2001:DB8::0:1', '::ffff:10.1.2.3', '64:ff9b::192.0.2.1', '0:0:0:0:0:0:0:0']) {
    t.is(ipToBigInt(text), IPv6.fromString(text).getValue(), text);
  }
});

test('canonicalIP of IPv6 text', (t) => {
  t.is(canonicalIP('FE80:0000::0001'), 'fe80::1');
  t.is(canonicalIP('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  t.is(canonicalIP('::ffff:10.0.0.1'), '::ffff:a00:1');
  t.is(canonicalIP('1:0:1:0:1:0:1:0'), '1:0:1:0:1:0:1:0');
  t.is(canonicalIP(' 10.0.0.01 '), '10.0.0.1');
});

test('ipFamily answers as node:net does', (t) => {
  let seed = 99;
  const rand = (n: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
  const pieces = ['0', '1', '9', '00', '01', '10', '99', '100', '199', '255', '256', '300', '0255', '.', '.', ':', 'a', ' ', '-1', ''];
  const cases = ['1.2.3.4', '0.0.0.0', '255.255.255.255', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '', '.1.2.3', '::1', '1.2.3.4:80', 'fe80::1%eth0'];
  for (let i = 0; i < 50000; i++) {
    let s = '';
    for (let n = rand(9); n > 0; n--) s += pieces[rand(pieces.length)];
    cases.push(s);
  }
  for (const s of cases) {
    const want = isIPv4(s) ? 4 : isIPv6(s) ? 6 : undefined;
    if (ipFamily(s) !== want) t.is(ipFamily(s), want, JSON.stringify(s));
  }
  t.pass();
});
