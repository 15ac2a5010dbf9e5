// Shared report helpers for benchmarks: timings, peak RSS, goals.
export function ms(t0: number): number {
  return performance.now() - t0;
}

export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function line(label: string, value: string, goal?: { ok: boolean; text: string }): void {
  const g = goal ? `   (goal ${goal.text}: ${goal.ok ? 'met' : 'MISSED'})` : '';
  process.stdout.write(`${label.padEnd(44)} ${value}${g}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
