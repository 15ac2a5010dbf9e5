// `knet ip`: iproute2's `ip addr|link|route|neigh show` over a node's or a pod's namespace.
import { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { showAddresses, showLinks, showNeighbours, showRoutes } from '../kernel/iproute2.js';
import { routeGet, showBriefAddresses, showBriefLinks } from '../kernel/iproute2-brief.js';
import type { NetNamespace } from '../kernel/netns.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../kernel/route.js';
import type { IO } from './context.js';
import { addTargetOptions, openTarget, type TargetOptions } from './node-target.js';

const OBJECTS: Record<string, 'addr' | 'link' | 'route' | 'neigh'> = {
  a: 'addr', addr: 'addr', address: 'addr',
  l: 'link', link: 'link',
  r: 'route', ro: 'route', route: 'route',
  n: 'neigh', neigh: 'neigh', neighbor: 'neigh', neighbour: 'neigh',
};
const TABLES: Record<string, number> = { main: RT_TABLE_MAIN, local: RT_TABLE_LOCAL, default: RT_TABLE_DEFAULT };

interface Selectors {
  dev?: string;
  table?: number;
}

/** `[show|list] [dev D | D] [table T]` after the object. */
function parseSelectors(object: string, words: string[]): Selectors {
  const rest = ['show', 'list', 'ls', 'lst'].includes(words[0] ?? '') ? words.slice(1) : words;
  const sel: Selectors = {};
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const v = rest[i + 1];
    if (w === 'dev' && v !== undefined) {
      sel.dev = v;
      i++;
    } else if (w === 'table' && object === 'route' && v !== undefined) {
      const t = TABLES[v] ?? (/^\d+$/.test(v) ? Number(v) : undefined);
      if (t === undefined) throw new InputError(`Error: argument "${v}" is wrong: table id value is invalid`, 2);
      sel.table = t;
      i++;
    } else if ((object === 'addr' || object === 'link') && sel.dev === undefined && !['dev', 'table'].includes(w)) sel.dev = w;
    else throw new InputError(`Error: either "to" is duplicate, or "${w}" is a garbage.`, 2);
  }
  return sel;
}

function render(ns: NetNamespace, object: 'addr' | 'link' | 'route' | 'neigh', sel: Selectors, opts: { family?: 4 | 6; details?: boolean; brief?: boolean }): string {
  if (sel.dev !== undefined && !ns.link(sel.dev)) {
    throw new InputError(object === 'route' || object === 'neigh' ? `Cannot find device "${sel.dev}"` : `Device "${sel.dev}" does not exist.`);
  }
  switch (object) {
    case 'addr':
      if (opts.brief) return showBriefAddresses(ns, { ...(sel.dev ? { dev: sel.dev } : {}), ...(opts.family ? { family: opts.family } : {}) });
      return showAddresses(ns, { ...(sel.dev ? { dev: sel.dev } : {}), ...(opts.family ? { family: opts.family } : {}) });
    case 'link': {
      if (opts.brief) return showBriefLinks(ns, sel.dev);
      const unmodelled = (sel.dev ? [ns.mustLink(sel.dev)] : ns.links()).find((l) => l.kind !== 'vxlan');
      if (opts.details && unmodelled) throw new InputError(`error: knet models \`ip -d link\` details for vxlan devices only (${unmodelled.name} is ${unmodelled.kind})`);
      return showLinks(ns, { ...(sel.dev ? { dev: sel.dev } : {}), details: !!opts.details });
    }
    case 'route':
      return showRoutes(ns, { ...(sel.table ? { table: sel.table } : {}), ...(sel.dev ? { dev: sel.dev } : {}), ...(opts.family ? { family: opts.family } : {}) });
    case 'neigh':
      return showNeighbours(ns, sel.dev, opts.family);
  }
}

export function ipCommand(io: IO): Command {
  const cmd = new Command('ip')
    .description("iproute2's ip: a node's (or pod's) addresses, links, routes and neighbours, in ip's own format")
    .argument('<object>', 'addr | link | route | neigh')
    .argument('[selectors...]', 'show [dev D] [table local|main|N] | route get ADDR [oif DEV]')
    .option('-4', 'IPv4 only (ip -4)')
    .option('-6', 'IPv6 only (ip -6; routes are IPv4 unless -6 is given, as with ip)')
    .option('--brief', 'one line per device (ip -br; `-br` works too)')
    .option('-d, --details', 'details (ip -d link; vxlan devices)');
  addTargetOptions(cmd, true);
  cmd.action((objectWord: string, words: string[], opts: TargetOptions & { 4?: boolean; 6?: boolean; details?: boolean; brief?: boolean }) => {
    if (opts[4] && opts[6]) throw new InputError('error: -4 and -6 exclude each other', 2);
    const family = opts[6] ? 6 : opts[4] ? 4 : undefined;
    const object = OBJECTS[objectWord];
    if (!object) throw new InputError(`Object "${objectWord}" is unknown, try "knet ip --help".`, 2);
    if (object === 'route' && words[0] === 'get') {
      const [addr, ...rest] = words.slice(1);
      if (addr === undefined) throw new InputError('Error: need at least a destination address', 2);
      let oif: string | undefined;
      for (let i = 0; i < rest.length; i += 2) {
        if ((rest[i] === 'oif' || rest[i] === 'dev') && rest[i + 1] !== undefined) oif = rest[i + 1];
        else throw new InputError(`Error: either "to" is duplicate, or "${rest[i]}" is a garbage.`, 2);
      }
      const { netns } = openTarget(opts, io);
      io.out(routeGet(netns, addr, oif, family));
      return;
    }
    const sel = parseSelectors(object, words);
    const { netns } = openTarget(opts, io);
    io.out(render(netns, object, sel, { ...(family ? { family } : {}), details: !!opts.details, brief: !!opts.brief }));
  });
  return cmd;
}
