// `knet flannel`: what flanneld left on a node (its subnet.env).
import { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { SUBNET_ENV_PATH } from '../agents/flannel/subnet-env.js';
import type { IO } from './context.js';
import { addTargetOptions, openTarget, type TargetOptions } from './node-target.js';

export function flannelCommand(io: IO): Command {
  const cmd = new Command('flannel')
    .description("flanneld's state on a node: subnet-env prints /run/flannel/subnet.env")
    .argument('<what>', 'subnet-env');
  addTargetOptions(cmd, false);
  cmd.action((what: string, opts: TargetOptions) => {
    if (what !== 'subnet-env') throw new InputError(`error: unknown flannel view "${what}" (subnet-env)`, 2);
    const { kernel } = openTarget({ ...opts, namespace: 'default' }, io);
    const text = kernel.files.get(SUBNET_ENV_PATH);
    if (text === undefined) throw new InputError(`cat: ${SUBNET_ENV_PATH}: No such file or directory (node ${kernel.nodeName} has no flannel lease yet)`);
    io.out(text);
  });
  return cmd;
}
