// `knet bridge`: iproute2's `bridge fdb show` over a node's (or pod's) namespace.
import { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { showFdb } from '../kernel/iproute2.js';
import type { IO } from './context.js';
import { addTargetOptions, openTarget, type TargetOptions } from './node-target.js';

export function bridgeCommand(io: IO): Command {
  const cmd = new Command('bridge')
    .description("iproute2's bridge: the forwarding database (bridge ports, vxlan remotes), in bridge's own format")
    .argument('<object>', 'fdb')
    .argument('[selectors...]', 'show [dev D]');
  addTargetOptions(cmd, true);
  cmd.action((object: string, words: string[], opts: TargetOptions) => {
    if (object !== 'fdb') throw new InputError(`Object "${object}" is unknown, try "knet bridge --help".`, 2);
    const rest = ['show', 'list', 'ls'].includes(words[0] ?? '') ? words.slice(1) : words;
    let dev: string | undefined;
    if (rest.length === 2 && rest[0] === 'dev') dev = rest[1];
    else if (rest.length) throw new InputError(`Error: either "dev" is duplicate, or "${rest.join(' ')}" is a garbage.`, 2);
    const { netns } = openTarget(opts, io);
    if (dev !== undefined && !netns.link(dev)) throw new InputError(`Cannot find device "${dev}"`);
    io.out(showFdb(netns, dev));
  });
  return cmd;
}
