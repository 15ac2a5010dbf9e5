// The knet command line: commander wiring, exit codes and one-line errors.
import { Command, CommanderError, Option } from 'commander';
import { ApiError, InputError } from '../api/errors.js';
import { LOG_LEVELS, log, setLogLevel } from '../log.js';
import { prepareSource, releaseSource, type IO } from './context.js';
import { dnsCommand } from './dns.js';
import { getCommand } from './get.js';
import { traceCommand } from './trace.js';
import { conntrackCommand } from './conntrack.js';
import { labCommand } from './lab.js';
import { rulesCommand } from './rules.js';
import { ipCommand } from './ip.js';
import { bridgeCommand } from './bridge.js';
import { flannelCommand } from './flannel.js';
import { viewCommand } from './view.js';
import { lessonCommand } from './lesson.js';
import { serveCommand } from './serve.js';
import { compareCommand } from './compare.js';

export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

export function buildProgram(io: IO): Command {
  const program = new Command('knet')
    .description('An emulator of the Kubernetes networking data plane: kube-proxy rules, flannel, CNI, CoreDNS and hop-by-hop packet traces.')
    .version('0.1.0')
    .addOption(new Option('--log-level <level>', 'log level for structured logs on stderr (env KNET_LOG_LEVEL)').choices([...LOG_LEVELS]))
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', async (cmd, action) => {
      const level = cmd.opts().logLevel as string | undefined;
      if (level) setLogLevel(level);
      await prepareSource(action.opts());
    })
    .hook('postAction', () => releaseSource());
  program.addCommand(getCommand(io));
  program.addCommand(traceCommand(io));
  program.addCommand(compareCommand(io));
  program.addCommand(conntrackCommand(io));
  program.addCommand(labCommand(io));
  program.addCommand(dnsCommand(io));
  program.addCommand(rulesCommand(io));
  program.addCommand(ipCommand(io));
  program.addCommand(bridgeCommand(io));
  program.addCommand(flannelCommand(io));
  program.addCommand(viewCommand(io));
  program.addCommand(lessonCommand(io));
  program.addCommand(serveCommand(io));
  const configure = (c: Command): void => {
    c.exitOverride();
    c.configureOutput({ writeOut: io.out, writeErr: io.err });
    c.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** Options every topology command takes, also accepted before the command name (`knet -n ns get pods`). */
const LEADING = new Set(['-f', '--filename', '-n', '--namespace']);

/** Moves leading `-f X` / `-n X` after the command words (before a `--`), where the commands define them. */
export function hoistGlobalOptions(argv: string[]): string[] {
  const head = argv.slice(0, 2);
  const rest = argv.slice(2);
  const moved: string[] = [];
  const kept: string[] = [];
  let i = 0;
  for (; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.match(/^(--filename|--namespace)=(.*)$/);
    if (eq) moved.push(eq[1]!, eq[2]!);
    else if (LEADING.has(a) && i + 1 < rest.length) moved.push(a, rest[++i]!);
    else if (a === '--log-level' && i + 1 < rest.length) kept.push(a, rest[++i]!);
    else if (a.startsWith('-')) kept.push(a);
    else break;
  }
  // iproute2 spells brief output `-br` (or `-brief`); commander would read -b -r.
  if (rest[i] === 'ip') for (let j = i; j < rest.length && rest[j] !== '--'; j++) if (rest[j] === '-br' || rest[j] === '-brief') rest[j] = '--brief';
  if (moved.length === 0) return [...head, ...rest];
  const tail = rest.slice(i);
  const dd = tail.indexOf('--');
  const at = dd < 0 ? tail.length : dd;
  return [...head, ...kept, ...tail.slice(0, at), ...moved, ...tail.slice(at)];
}

/** Runs knet with `argv` (node, script, args…); returns the exit code. */
export async function main(argv: string[], io: IO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(hoistGlobalOptions(argv));
    return 0;
  } catch (e) {
    releaseSource();
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (e instanceof InputError) {
      io.err(`${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ApiError) {
      io.err(`Error from server (${e.reason}): ${e.message}\n`);
      return EXIT_INPUT;
    }
    log().error({ err: e }, 'internal error');
    io.err(`knet: internal error: ${(e as Error).message ?? String(e)} (run with --log-level debug for details)\n`);
    return 70;
  }
}
