// Go durations as kubectl and the config files write them (`2s`, `1m30s`, `24h0m0s`).

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A steps file's duration: a number of seconds, or a Go duration; undefined for anything else. */
export function stepDuration(v: unknown): number | undefined {
  return typeof v === 'number' && v >= 0 ? v * 1000 : typeof v === 'string' ? parseDuration(v) : undefined;
}

/** A Go duration as kubectl and the config files write it (`2s`, `1m30s`, `500ms`), in ms. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}
