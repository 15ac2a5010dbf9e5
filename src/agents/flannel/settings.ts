// flanneld's effective configuration: net-conf.json (read by the topology loader) plus the
// daemon's command-line flags, taken from the kube-flannel DaemonSet the way the pod runs them.
import type { DaemonSet } from '../../api/types.js';
import type { FlannelConfig } from '../../topology/config.js';
import type { AgentContext } from '../context.js';

export interface FlannelSettings {
  network: string;
  backend: FlannelConfig['backend'];
  /** --ip-masq (flanneld's default false; the kube-flannel manifest passes it). */
  ipMasq: boolean;
  /** --iptables-forward-rules (default true). */
  forwardRules: boolean;
  /** --ip-masq-fully-random-disable. */
  randomFullyDisable: boolean;
}

/** The args of kube-flannel.yml, used when the topology carries no flannel DaemonSet. */
export const MANIFEST_ARGS = ['--ip-masq', '--kube-subnet-mgr'];

function flannelArgs(dss: DaemonSet[]): string[] {
  for (const ds of dss) {
    for (const c of ds.spec.template.spec.containers) {
      const cmd = [...(c.command ?? []), c.image ?? ''].join(' ');
      if (/flanneld|\/flannel:/.test(cmd)) return [...(c.command ?? []).slice(1), ...(c.args ?? [])];
    }
  }
  return MANIFEST_ARGS;
}

/** Go's flag package: -x or --x, a bool may be given as --x=true|false. */
function boolFlag(args: string[], name: string, dflt: boolean): boolean {
  let v = dflt;
  for (const a of args) {
    const m = a.match(/^--?([^=]+)(?:=(.*))?$/);
    if (!m || m[1] !== name) continue;
    v = m[2] === undefined ? true : m[2] === 'true' || m[2] === '1' || m[2] === 't' || m[2] === 'T' || m[2] === 'TRUE' || m[2] === 'True';
  }
  return v;
}

const remembered = new WeakMap<AgentContext, { version: number; settings: FlannelSettings }>();

/** The settings as the DaemonSets say now: read once per DaemonSet change, not once per node. */
export function flannelSettings(ctx: AgentContext): FlannelSettings {
  const version = ctx.store.kindVersion('DaemonSet');
  const had = remembered.get(ctx);
  if (had?.version === version) return had.settings;
  const settings = readSettings(ctx);
  remembered.set(ctx, { version, settings });
  return settings;
}

function readSettings(ctx: AgentContext): FlannelSettings {
  const args = flannelArgs(ctx.store.list('DaemonSet'));
  return {
    network: ctx.topology.flannel.network,
    backend: ctx.topology.flannel.backend,
    ipMasq: boolFlag(args, 'ip-masq', false),
    forwardRules: boolFlag(args, 'iptables-forward-rules', true),
    randomFullyDisable: boolFlag(args, 'ip-masq-fully-random-disable', false),
  };
}
