// The machine side of a lab: whether this host can run one, and running the commands of a plan
// (argument lists, never a shell).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../api/errors.js';
import type { LabCommand } from './plan.js';

/** A refusal: one line, exit 2. */
function refuse(msg: string): never {
  throw new InputError(`knet lab: ${msg}`, 2);
}

/** How to ask each program a lab runs whether it works, what the lab uses it for, and the Debian package that has it. */
const TOOLS: Record<string, { args: string[]; shown?: string; for: string; pkg: string }> = {
  ip: { args: ['netns', 'list'], shown: '`ip netns`', for: 'the namespaces, links, addresses and routes', pkg: 'iproute2' },
  bridge: { args: ['-V'], for: 'hairpin ports and the FDB entries', pkg: 'iproute2' },
  'iptables-restore': { args: ['--version'], for: 'the iptables rules', pkg: 'iptables' },
  'ip6tables-restore': { args: ['--version'], for: "a dual-stack cluster's ip6tables rules", pkg: 'iptables' },
  sysctl: { args: ['-V'], for: "the nodes' and pods' sysctls", pkg: 'procps' },
  ipset: { args: ['--version'], for: "IPVS mode's ipsets (ipset restore)", pkg: 'ipset' },
  nft: { args: ['--version'], for: "nftables mode's table (nft -f)", pkg: 'nftables' },
};

/** The programs in the order they are checked (the table's), unknown ones last. */
export function toolOrder(tools: Iterable<string>): string[] {
  const known = Object.keys(TOOLS);
  const rank = (t: string): number => (known.includes(basename(t)) ? known.indexOf(basename(t)) : known.length);
  return [...new Set(tools)].sort((a, b) => rank(a) - rank(b));
}

/** The first of the programs that does not run here, said with what it is for and the package to install; else undefined. */
export function missingTool(tools: readonly string[]): string | undefined {
  for (const tool of tools) {
    const t = TOOLS[basename(tool)];
    const args = t?.args ?? ['--version'];
    const r = spawnSync(tool, args, { encoding: 'utf8' });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code ?? r.error.message;
      if (!t) return `${tool} is not available (${code})`;
      return `${t.shown ?? tool} is not available (${code}), needed for ${t.for}; install the Debian package ${t.pkg} (apt-get install ${t.pkg})`;
    }
    if (r.status !== 0) return `\`${tool} ${args.join(' ')}\` failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`;
  }
  return undefined;
}

/** Whether the host has what a lab needs; the reason it has not, else undefined. */
export function labUnsupported(tools: readonly string[] = ['ip', 'iptables-restore']): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, veth and iptables in them)';
  return missingTool(tools);
}

export function checkHost(tools?: readonly string[]): void {
  const why = labUnsupported(tools);
  if (why) refuse(why);
}

/** Named network namespaces on this host (`ip netns list`). */
export function listNetns(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean) : [];
}

export function commandLine(argv: readonly string[]): string {
  return argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w}'`)).join(' ');
}

/** Runs one command; a failure is an error naming the command and what it printed. */
export function run(c: LabCommand): string {
  const r = spawnSync(c.argv[0]!, c.argv.slice(1), { encoding: 'utf8', input: c.stdin ?? '', maxBuffer: 64 << 20 });
  if (r.error) throw new InputError(`knet lab: \`${commandLine(c.argv)}\` could not run: ${r.error.message}`);
  if (r.status !== 0) throw new InputError(`knet lab: \`${commandLine(c.argv)}\` failed: ${(r.stderr || r.stdout).trim().split('\n').join('; ')}`);
  return r.stdout;
}

/** A command's output, or undefined when it failed (for best-effort looks at the kernel). */
export function tryRun(argv: string[]): string | undefined {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * The compiled helper scripts (responder, client, DNS server) run by plain node inside the namespaces: from
 * dist/lab whether knet runs from dist or from source.
 */
export function labScript(name: 'responder' | 'client' | 'dns'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const file = join(dir, 'dist', 'lab', `${name}.js`);
  if (!existsSync(file)) throw new InputError(`knet lab: ${file} is missing; run npm run build`);
  return file;
}
