// `knet lab down`: removes what the lab's record lists — every process inside its namespaces
// (responders, DNS servers, and whatever a `lab exec` left running), its namespaces (which takes
// every device, address, route and rule inside along), its files under /etc/netns — and nothing
// else.
import { readFileSync, rmdirSync, rmSync } from 'node:fs';
import { listNetns, tryRun } from './host.js';
import { removeState, responderLog, writeState, type LabState, type ResponderRecord } from './state.js';

/** Whether a pid still runs our responder (pids get reused). */
function stillOurs(r: ResponderRecord): boolean {
  try {
    const argv = readFileSync(`/proc/${r.pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(r.script);
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

const kill = (pid: number): boolean => {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
};

export function labDown(state: LabState): DownResult {
  const present = new Set(listNetns());
  const ours = state.namespaces.filter((n) => present.has(n.name));
  const pids = new Set<number>();
  for (const r of state.responders) if (stillOurs(r)) pids.add(r.pid);
  // A process started just before up was killed has no record yet; it lives in one of our namespaces.
  for (const n of ours) for (const p of (tryRun(['ip', 'netns', 'pids', n.name]) ?? '').split(/\s+/).filter(Boolean)) pids.add(Number(p));
  let stopped = 0;
  for (const pid of pids) if (kill(pid)) stopped++;
  const deleted: string[] = [];
  for (const n of [...ours].reverse()) if (tryRun(['ip', 'netns', 'del', n.name]) !== undefined) deleted.push(n.name);
  const missing = state.namespaces.filter((n) => !present.has(n.name)).map((n) => n.name);
  // Files first, then the directories that were created for them (the record lists parents first).
  for (const path of [...(state.etc ?? [])].reverse()) {
    try {
      rmSync(path, { force: true });
    } catch {
      try {
        rmdirSync(path);
      } catch {
        /* not empty: it holds files that are not the lab's */
      }
    }
  }
  for (const n of state.namespaces) rmSync(responderLog(n.name), { force: true });
  const left = ours.filter((n) => !deleted.includes(n.name));
  if (left.length) writeState({ ...state, namespaces: left, responders: [], etc: [] });
  else removeState(state.prefix);
  return { stopped, deleted, missing, left: left.map((n) => n.name) };
}
