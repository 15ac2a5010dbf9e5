import test from 'ava';
import { sameJSON } from '../../src/api/same-json.js';

// Small random values of the shapes API objects have, many of them alike, so both answers occur.
function value(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.35) {
    const prims = [0, -0, 1, 2, NaN, Infinity, '', 'a', 'b', true, false, null, undefined];
    return prims[Math.floor(rand() * prims.length)];
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => value(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (const k of ['a', 'b', 'c']) if (rand() < 0.6) o[k] = value(rand, depth + 1);
  return o;
}

test('sameJSON answers as comparing the JSON texts does', (t) => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let same = 0;
  for (let i = 0; i < 20_000; i++) {
    const a = value(rand, 0);
    const b = rand() < 0.3 ? structuredClone(a) : value(rand, 0);
    const want = JSON.stringify(a) === JSON.stringify(b);
    if (want) same++;
    if (sameJSON(a, b) !== want) return t.fail(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  t.true(same > 1000 && same < 19_000);
});

test('sameJSON: key order, undefined members and array holes as JSON prints them', (t) => {
  t.false(sameJSON({ a: 1, b: 2 }, { b: 2, a: 1 }));
  t.true(sameJSON({ a: 1, b: undefined }, { a: 1 }));
  t.true(sameJSON([undefined], [null]));
  t.false(sameJSON([], {}));
  t.true(sameJSON({ f: () => 1, a: [1] }, { a: [1] }));
});
