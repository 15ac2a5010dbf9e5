// `knet lab down`: removes what the lab's record lists — its responders, then its namespaces
// (which takes every device, address, route and rule inside along) — and nothing else.
import { readFileSync, rmSync } from 'node:fs';
import { listNetns, tryRun } from './host.js';
import { removeState, responderLog, writeState, type LabState, type ResponderRecord } from './state.js';

/** Whether a pid still runs our responder (pids get reused). */
function stillOurs(r: ResponderRecord): boolean {
  try {
    const argv = readFileSync(`/proc/${r.pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(r.script) && argv.includes(r.receiver);
  } catch {
    return false;
  }
}

export interface DownResult {
  stopped: number;
  deleted: string[];
  /** Recorded namespaces that were already gone. */
  missing: string[];
  /** Recorded namespaces that could not be deleted (kept in the record). */
  left: string[];
}

export function labDown(state: LabState): DownResult {
  let stopped = 0;
  for (const r of state.responders) {
    if (!stillOurs(r)) continue;
    try {
      process.kill(r.pid, 'SIGKILL');
      stopped++;
    } catch {
      /* exited meanwhile */
    }
  }
  const present = new Set(listNetns());
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const n of [...state.namespaces].reverse()) {
    if (!present.has(n.name)) {
      missing.push(n.name);
      continue;
    }
    if (tryRun(['ip', 'netns', 'del', n.name]) !== undefined) deleted.push(n.name);
  }
  for (const r of state.responders) rmSync(responderLog(r.netns), { force: true });
  const left = state.namespaces.filter((n) => present.has(n.name) && !deleted.includes(n.name));
  if (left.length) writeState({ ...state, namespaces: left, responders: [] });
  else removeState(state.prefix);
  return { stopped, deleted, missing, left: left.map((n) => n.name) };
}
