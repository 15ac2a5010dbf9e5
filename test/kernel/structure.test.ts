// The engine's shape, checked: files of src/kernel and src/dataplane stay one concept each (under
// 400 lines), and nothing outside the parsers and renderers reads rule text with a regex — rules
// are read through their parsed form and the trace's typed steps.
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no file in src/kernel or src/dataplane is over 400 lines', (t) => {
  const long = [...files(join(SRC, 'kernel')), ...files(join(SRC, 'dataplane'))]
    .map((f) => ({ f: relative(SRC, f), n: readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.n > 400);
  t.deepEqual(long, []);
});

// Parsers turn rule text into models; renderers and printers turn models into text. Only they may
// use regexes over rule syntax.
const TEXT_WORKERS = /(^|\/)(parse[^/]*|words|extensions|save|restore|render[^/]*|print[^/]*|format[^/]*|dump[^/]*)\.ts$/;
const RULE_REGEX = /\/[^/\n]*(?: --[a-z]|-j |-A |--comment|--rcheck|goto |jump )[^/\n]*\/[gimsuy]*\s*\.(?:test|exec)\(|\.(?:match|replace|split)\(\s*\/[^/\n]*(?: --[a-z]|-j |-A |--comment|goto |jump )/;

test('no regex over rule text outside the parsers and renderers', (t) => {
  const hits = files(SRC)
    .filter((f) => !TEXT_WORKERS.test(relative(SRC, f)))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${relative(SRC, f)}:${i + 1}`, line: line.trim() }))
        .filter((x) => RULE_REGEX.test(x.line)),
    );
  t.deepEqual(hits, []);
});
