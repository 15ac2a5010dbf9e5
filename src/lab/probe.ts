// Runs the probe client (client.ts) inside one lab namespace: the flows go in as JSON, what
// happened to each comes back.
import { spawn } from 'node:child_process';
import { InputError } from '../api/errors.js';
import type { ProbeFlow, ProbeResult } from './client.js';
import { labScript } from './host.js';

/** Runs the probe client in one namespace over some flows. */
export function probe(netns: string, flows: ProbeFlow[], timeoutMs: number): Promise<Map<number, ProbeResult[]>> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, labScript('client')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new InputError(`knet lab verify: probe client in ${netns} failed (status ${code}): ${err.trim().split('\n')[0] ?? ''}`));
      const parsed = JSON.parse(out) as { id: number; results: ProbeResult[] }[];
      resolve(new Map(parsed.map((x) => [x.id, x.results])));
    });
    child.stdin.end(JSON.stringify({ timeoutMs, flows }));
  });
}
