// The README lists every shipped topology and points at the project's own topology format.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { TOPOLOGIES_DIR } from '../../src/topology/load.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('every topologies/*.yaml has its row in the README', (t) => {
  const missing = readdirSync(TOPOLOGIES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .filter((f) => !readme.includes(`| \`${f}\``));
  t.deepEqual(missing, []);
});

test('the README points at docs/TOPOLOGY.md for the format', (t) => {
  t.true(readme.includes('docs/TOPOLOGY.md'));
  t.notRegex(readme, /\.\.\/shared\//);
});
