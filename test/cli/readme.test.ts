// The README lists every shipped topology and points at the project's own topology format.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { buildProgram } from '../../src/cli/main.js';
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

test('the command table is one unbroken table naming every command and subcommand, with no merge leftovers', (t) => {
  t.notRegex(readme, /^(<<<<<<<|=======|>>>>>>>)( |$)/m);
  const section = readme.slice(readme.indexOf('## Commands'));
  const table = section.slice(section.indexOf('| command |'), section.indexOf('\n\n', section.indexOf('| command |')));
  const rows = table.split('\n').slice(2);
  t.true(rows.every((r) => r.startsWith('| `knet ')), rows.find((r) => !r.startsWith('| `knet ')));
  const io = { out: () => undefined, err: () => undefined };
  const missing: string[] = [];
  for (const c of buildProgram(io as never).commands) {
    const subs = c.commands.length ? c.commands.map((s) => `${c.name()} ${s.name()}`) : [c.name()];
    for (const s of subs) {
      const [cmd, sub] = s.split(' ');
      // `knet lab status|down`, `knet lesson list|start|…` name several subcommands in one row
      const named = rows.some((r) => r.startsWith(`| \`knet ${s}`) || (sub && new RegExp(`^\\| \`knet ${cmd} [\\w|\\\\]*\\b${sub}\\b`).test(r)));
      if (!named) missing.push(s);
    }
  }
  t.deepEqual(missing, []);
});
