// IPv6 text both ways, checked against ip-num (the library the addresses were printed with
// before): canonical text for values with runs of zero groups in every place, and any text form
// (leading zeros, upper case, `::` anywhere, an embedded IPv4 part) read back to the same value.
import test from 'ava';
import ipnum from 'ip-num';
import { bigIntToIP, canonicalIP, ipToBigInt } from '../../src/net/ip.js';

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
