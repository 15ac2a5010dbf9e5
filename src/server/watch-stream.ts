// The bytes of watch streams: each event's JSON line encoded once for every watcher that gets
// it (kube-apiserver's cachingObject), a selector's verdict on an object reached once for every
// watcher asking the same, and each stream's lines written in rounds, one chunk per stream per
// round (kube-apiserver flushes a watch once its queue is empty; here a busy stream also waits
// for the next round, at most ROUND_MS).
import type { ServerResponse } from 'node:http';
import type { ApiObject } from './cache.js';
import { matches, type Selectors } from './selectors.js';

const lines = new WeakMap<object, Map<string, Buffer>>();

/** `{"type":…,"object":…}` and a newline, the same bytes for every stream sending that object. */
export function encoded(type: string, object: unknown): Buffer {
  if (!object || typeof object !== 'object') return Buffer.from(JSON.stringify({ type, object }) + '\n');
  let byType = lines.get(object);
  if (!byType) lines.set(object, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = Buffer.from(JSON.stringify({ type, object }) + '\n')));
  return line;
}

/** The last object each Selectors judged: an event reaches its watchers one after another. */
const verdicts = new WeakMap<Selectors, { object: ApiObject; selected: boolean }>();

/** matches(), once per object for all the watchers sharing these Selectors (parseSelectors shares them). */
export function selects(s: Selectors, o: ApiObject): boolean {
  const last = verdicts.get(s);
  if (last?.object === o) return last.selected;
  const selected = matches(s, o);
  verdicts.set(s, { object: o, selected });
  return selected;
}

/** A stream's lines waiting for the next round. */
export class StreamWriter {
  private queued: Buffer[] = [];
  private closed = false;

  constructor(private readonly raw: ServerResponse) {}

  send(line: Buffer): void {
    if (this.closed) return;
    if (this.queued.push(line) === 1) schedule(this);
  }

  /** What is waiting, now: the round's work for this stream, and the last of it before the end. */
  flush(joined: (lines: Buffer[]) => Buffer = join): void {
    if (this.closed || this.queued.length === 0) return;
    this.raw.write(this.queued.length === 1 ? this.queued[0]! : joined(this.queued));
    this.queued = [];
  }

  /** The stream's last lines, then its end: nothing queued after it is written. */
  end(): void {
    this.flush();
    this.close();
    this.raw.end();
  }

  /** The client went away: nothing more is written. */
  close(): void {
    this.closed = true;
    this.queued = [];
    waiting.delete(this);
  }
}

function join(lines: Buffer[]): Buffer {
  return Buffer.concat(lines);
}

const waiting = new Set<StreamWriter>();
let round: NodeJS.Immediate | NodeJS.Timeout | undefined;
let lastStart = -Infinity;
/**
 * Rounds start at least this far apart. A round costs a write (a syscall, and on loopback the
 * reader's wakeup) per stream whatever it carries: 1,000 watchers of 200 writes/s were 200,000
 * writes a second, more than two cores do, one a round every 50 ms carries ten events in each.
 */
const ROUND_MS = 50;

/**
 * A round writes to every stream with lines waiting, in the turn of the event loop after they
 * were queued (an event after a quiet spell goes out at once), but no sooner than ROUND_MS after
 * the last round started (a steady stream of events goes out in chunks).
 */
function schedule(s: StreamWriter): void {
  waiting.add(s);
  if (round) return;
  const wait = lastStart + ROUND_MS - performance.now();
  round = wait >= 1 ? setTimeout(writeRound, wait) : setImmediate(writeRound);
}

function writeRound(): void {
  round = undefined;
  lastStart = performance.now();
  const streams = [...waiting];
  waiting.clear();
  // Streams that got the same lines this round (the same watch) share one copy of them joined.
  let last: { lines: Buffer[]; joined: Buffer } | undefined;
  const joined = (ls: Buffer[]): Buffer => {
    if (!last || last.lines.length !== ls.length || last.lines.some((l, i) => l !== ls[i])) last = { lines: ls, joined: Buffer.concat(ls) };
    return last.joined;
  };
  for (const s of streams) s.flush(joined);
}
