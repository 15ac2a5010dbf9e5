// Golden files: compared exactly. A missing golden file fails the test; `npm run golden`
// (UPDATE_GOLDEN=1) writes them, and the diff is reviewed and committed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

export function golden(rel: string, actual: string): string {
  const file = join(GOLDEN_DIR, rel);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`golden file test/golden/${rel} is missing: generate it with \`npm run golden\`, review it and commit it`);
  return readFileSync(file, 'utf8');
}
