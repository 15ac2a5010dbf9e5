// Runs the knet CLI in-process, capturing what it prints and its exit code.
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function knet(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(['node', 'knet', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
