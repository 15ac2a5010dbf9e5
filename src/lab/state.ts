// The record of one lab: every namespace, file and process `knet lab up` creates, written to
// /run/knet-lab/<prefix>.json before each is created, so `down` removes exactly those (also after
// an `up` that failed or was killed halfway) and `status`/`exec`/`verify` find them.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../api/errors.js';
import type { LabNamespace } from './plan.js';

export const STATE_DIR = process.env.KNET_LAB_STATE_DIR || '/run/knet-lab';

export interface ResponderRecord {
  pid: number;
  netns: string;
  receiver: string;
  listen: string[];
  /** The script it runs: `down` kills a pid only while it still runs this. */
  script: string;
}

export interface LabState {
  prefix: string;
  /** Topology files the lab was built from ([] = the default topology). */
  files: string[];
  /** A digest of the plan (`lab verify` refuses another topology). */
  planDigest?: string;
  createdAt: string;
  /** Namespaces in creation order, each recorded right before `ip netns add`. */
  namespaces: LabNamespace[];
  /** Files and directories under /etc/netns, recorded right before each is created. */
  etc?: string[];
  /** Responders and DNS servers (a DNS server's receiver is `dns NS/NAME`). */
  responders: ResponderRecord[];
  /** hostNetwork pods: `pod NS/NAME` → their node's namespace. */
  aliases?: { object: string; netns: string }[];
  /** Set when `up` finished. */
  complete: boolean;
}

export function statePath(prefix: string): string {
  return join(STATE_DIR, `${prefix}.json`);
}

/** Where a responder's stderr goes. */
export function responderLog(netns: string): string {
  return join(STATE_DIR, `${netns}.log`);
}

export function readState(prefix: string): LabState | undefined {
  const file = statePath(prefix);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch (e) {
    throw new InputError(`${file}: not a knet lab record (${(e as Error).message}); remove it after checking \`ip netns list\``);
  }
}

/** The prefixes of the labs recorded besides this one. */
export function otherLabs(prefix: string): string[] {
  if (!existsSync(STATE_DIR)) return [];
  return readdirSync(STATE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((p) => p !== prefix)
    .sort();
}

/** What to say when no lab has this prefix: the prefixes that are up, if any. */
export function otherLabsHint(prefix: string): string {
  const others = otherLabs(prefix);
  return others.length ? `; a lab is up with ${others.map((p) => `--prefix ${p}`).join(', ')}` : '';
}

/** The lab's record, or a one-line refusal when there is none. */
export function mustReadState(prefix: string): LabState {
  const s = readState(prefix);
  if (!s) {
    const hint = otherLabsHint(prefix);
    throw new InputError(`knet lab: no lab with prefix "${prefix}" is up (${statePath(prefix)} does not exist)${hint || '; start one with knet lab up'}`, 2);
  }
  return s;
}

/** Written to a temporary file and renamed, so a crash never leaves half a record. */
export function writeState(s: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const file = statePath(s.prefix);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeState(prefix: string): void {
  rmSync(statePath(prefix), { force: true });
}
