// Shared report helpers for benchmarks: timings, peak RSS, goals, how busy the machine was.
import { cpus, loadavg } from 'node:os';

export function ms(t0: number): number {
  return performance.now() - t0;
}

/** CPU time (user + system) of this process since `from`, in ms: steadier than wall time on a shared machine. */
export function cpuMs(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function line(label: string, value: string, goal?: { ok: boolean; text: string }): void {
  const g = goal ? `   (goal ${goal.text}: ${goal.ok ? 'met' : 'MISSED'})` : '';
  process.stdout.write(`${label.padEnd(44)} ${value}${g}\n`);
}

/** The machine's load when the figures were taken: wall times on a busy machine are worth less. */
export function machine(): void {
  const [one] = loadavg();
  line('machine', `${cpus().length} cores, load average ${one!.toFixed(2)}`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
