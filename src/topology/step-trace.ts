// A steps file's traffic: `trace: {from, to, count, interval}` sends COUNT new connections from a
// client to a destination during the step, as `knet trace --count --interval` does, on the
// simulated clock — so what they leave behind (conntrack entries, IPVS connections and
// persistence templates, the schedulers' state, the counters) is there for the commands after.
import { stepDuration } from './duration.js';
import type { Fields } from './fields.js';
import { pathText, type Path } from './problems.js';
import type { SourceRef } from './source.js';

export interface StepTrace {
  /** The client, as `knet trace` takes SRC: POD, NS/POD, node/NAME, ext/NAME, IP@NODE. */
  from: string;
  /** The destination, as `knet trace` takes DST: svc/NAME[:PORT], POD[:PORT], node/NAME:PORT, IP:PORT. */
  to: string;
  namespace: string;
  proto?: 'tcp' | 'udp' | 'sctp';
  ipv6: boolean;
  count: number;
  /** Simulated time between two connections, in ms. */
  intervalMs: number;
  seed: number;
  /** Where the traffic and its ends are written (`file:line: Steps: steps[i].trace…`), for what only running it finds wrong. */
  at: { trace: string; from: string; to: string };
}

const FIELDS = ['from', 'to', 'namespace', 'proto', 'ipv6', 'count', 'interval', 'seed'];
const MAX_COUNT = 100_000;

/**
 * The step's `trace`, or undefined. `seed` defaults to the step's number (1 for the first) so
 * two steps' clients do not draw the same source ports.
 */
export function readStepTrace(f: Fields, doc: unknown, at: Path, ref: SourceRef): StepTrace | undefined {
  const path = [...at, 'trace'];
  const m = f.map(doc, path);
  if (!m) return undefined;
  for (const k of Object.keys(m)) if (!FIELDS.includes(k)) f.fail([...path, k], `unknown field (a trace has ${FIELDS.join(', ')})`);
  const i = f.at(doc, [...path, 'interval']);
  let intervalMs = 1000;
  if (i !== undefined) {
    const ms = stepDuration(i);
    if (ms === undefined) f.fail([...path, 'interval'], `want a duration like 1s, 500ms or 1m, got ${JSON.stringify(i)}`);
    intervalMs = ms;
  }
  const proto = f.oneOf(doc, [...path, 'proto'], ['tcp', 'udp', 'sctp'] as const);
  const where = (p: Path): string => `${ref.where(p)}: ${f.object}: ${pathText(p)}`;
  return {
    from: f.string(doc, [...path, 'from'], true)!,
    to: f.string(doc, [...path, 'to'], true)!,
    namespace: f.string(doc, [...path, 'namespace']) ?? 'default',
    ...(proto ? { proto } : {}),
    ipv6: f.bool(doc, [...path, 'ipv6']) ?? false,
    count: f.int(doc, [...path, 'count'], 1, MAX_COUNT) ?? 1,
    intervalMs,
    seed: f.int(doc, [...path, 'seed'], 0, 2 ** 31 - 1) ?? Number(at.at(-1)) + 1,
    at: { trace: where(path), from: where([...path, 'from']), to: where([...path, 'to']) },
  };
}
