// Reads a Corefile the way CoreDNS does: server blocks (`.:53 { … }`), one directive per line,
// nested blocks for plugin options. knet models the kubernetes plugin's options and the presence
// of transfer, forward, cache and loadbalance; other plugins are accepted and listed.
import { isIP } from 'node:net';
import { fqdn, reverseZonesForCIDR } from './names.js';

export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface KubernetesPlugin {
  /** Authoritative zones, fully qualified and lower-case (reverse zones included). */
  zones: string[];
  pods: PodMode;
  /** Exposed namespaces; undefined exposes every existing namespace. */
  namespaces?: string[];
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  /** Zones whose would-be NXDOMAINs go to the next plugin; undefined = no fallthrough. */
  fallthrough?: string[];
  ttl: number;
  noEndpoints: boolean;
}

export interface ServerBlock {
  zones: string[];
  port: number;
  plugins: string[];
  kubernetes?: KubernetesPlugin;
  transfer?: { zones: string[]; to: string[] };
  forward?: { from: string; to: string[] };
  cache?: { ttl: number };
  loadbalance: boolean;
  line: number;
}

export interface Corefile {
  blocks: ServerBlock[];
}

/** A problem at a Corefile line; the caller adds where the Corefile came from. */
export class CorefileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** kubeadm's CoreDNS Corefile (cmd/kubeadm/app/phases/addons/dns), for a cluster domain. */
export function kubeadmCorefile(domain: string): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${domain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success ${domain}
       disable denial ${domain}
    }
    loop
    reload
    loadbalance
}
`;
}

interface Token {
  text: string;
  line: number;
}

interface Directive {
  name: string;
  args: string[];
  line: number;
  block?: Directive[];
}

function tokenize(text: string): Token[][] {
  const lines: Token[][] = [];
  text.split('\n').forEach((raw, i) => {
    const toks: Token[] = [];
    const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(raw))) {
      if (m[2]?.startsWith('#')) break;
      toks.push({ text: m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!, line: i + 1 });
    }
    if (toks.length) lines.push(toks);
  });
  return lines;
}

/** Directive lines up to the matching `}`; `{` must end a line, `}` stands alone, as in Caddy. */
function parseBlock(lines: Token[][], pos: { i: number }, openLine: number): Directive[] {
  const out: Directive[] = [];
  while (pos.i < lines.length) {
    const toks = lines[pos.i++]!;
    if (toks.length === 1 && toks[0]!.text === '}') return out;
    const opens = toks[toks.length - 1]!.text === '{';
    const words = opens ? toks.slice(0, -1) : toks;
    if (words.some((t) => t.text === '{' || t.text === '}')) throw new CorefileError(toks[0]!.line, 'a brace must end its line ("{") or stand alone ("}")');
    const d: Directive = { name: words[0]!.text, args: words.slice(1).map((t) => t.text), line: toks[0]!.line };
    if (opens) d.block = parseBlock(lines, pos, toks[0]!.line);
    out.push(d);
  }
  throw new CorefileError(openLine, 'unclosed "{"');
}

/** `.:53`, `cluster.local:53`, `dns://.:53` → zone and port. */
function serverKey(key: string, line: number): { zone: string; port: number } {
  const k = key.replace(/^dns:\/\//, '');
  const m = k.match(/^(.*?)(?::(\d+))?$/)!;
  const port = m[2] ? Number(m[2]) : 53;
  if (port < 1 || port > 65535) throw new CorefileError(line, `server block key "${key}": port ${port} is out of range`);
  const zone = zoneArg(m[1] || '.', line);
  if (zone.length !== 1) throw new CorefileError(line, `server block key "${key}": a CIDR key must give one reverse zone`);
  return { zone: zone[0]!, port };
}

/** A zone argument: a domain, or a CIDR that stands for its reverse zones. */
function zoneArg(arg: string, line: number): string[] {
  if (arg.includes('/')) {
    const zones = reverseZonesForCIDR(arg);
    if (!zones) throw new CorefileError(line, `"${arg}" is not a usable CIDR zone`);
    return zones;
  }
  if (!/^[A-Za-z0-9_.-]*\.?$/.test(arg) || arg.includes('..')) throw new CorefileError(line, `"${arg}" is not a domain name`);
  return [fqdn(arg.toLowerCase())];
}

// Options CoreDNS accepts that change nothing knet models (API access, informer tuning).
const UNMODELLED_K8S_OPTIONS = new Set(['endpoint', 'tls', 'kubeconfig', 'labels', 'namespace_labels', 'startup_timeout', 'apiserver_qps', 'apiserver_burst', 'apiserver_max_inflight', 'multicluster']);

function kubernetesPlugin(d: Directive, blockZones: string[], warn: (line: number, msg: string) => void): KubernetesPlugin {
  const zones = d.args.length ? d.args.flatMap((a) => zoneArg(a, d.line)) : blockZones;
  const k: KubernetesPlugin = { zones, pods: 'disabled', endpointPodNames: false, ignoreEmptyService: false, ttl: 5, noEndpoints: false };
  for (const o of d.block ?? []) {
    const one = (): string => {
      if (o.args.length !== 1) throw new CorefileError(o.line, `kubernetes: ${o.name} takes exactly one argument`);
      return o.args[0]!;
    };
    switch (o.name) {
      case 'pods': {
        const v = one();
        if (v !== 'disabled' && v !== 'insecure' && v !== 'verified') throw new CorefileError(o.line, `kubernetes: pods: "${v}" is not one of disabled, insecure, verified`);
        k.pods = v;
        break;
      }
      case 'namespaces':
        if (o.args.length === 0) throw new CorefileError(o.line, 'kubernetes: namespaces needs at least one namespace');
        k.namespaces = o.args;
        break;
      case 'endpoint_pod_names':
        if (o.args.length) throw new CorefileError(o.line, 'kubernetes: endpoint_pod_names takes no arguments');
        k.endpointPodNames = true;
        break;
      case 'ignore':
        if (one() !== 'empty_service') throw new CorefileError(o.line, `kubernetes: ignore: "${o.args[0]}" is not empty_service`);
        k.ignoreEmptyService = true;
        break;
      case 'fallthrough':
        k.fallthrough = o.args.length ? o.args.flatMap((a) => zoneArg(a, o.line)) : ['.'];
        break;
      case 'ttl': {
        const v = one();
        if (!/^\d+$/.test(v) || Number(v) > 3600) throw new CorefileError(o.line, `kubernetes: ttl: "${v}" must be an integer between 0 and 3600`);
        k.ttl = Number(v);
        break;
      }
      case 'noendpoints':
        k.noEndpoints = true;
        break;
      default:
        if (UNMODELLED_K8S_OPTIONS.has(o.name)) warn(o.line, `kubernetes: ${o.name} is not modelled by knet; ignored`);
        else throw new CorefileError(o.line, `kubernetes: unknown property "${o.name}"`);
    }
  }
  return k;
}

/** Parses Corefile text. `warn` receives options knet accepts but does not model. */
export function parseCorefile(text: string, warn: (line: number, msg: string) => void = () => {}): Corefile {
  const lines = tokenize(text);
  const blocks: ServerBlock[] = [];
  const pos = { i: 0 };
  while (pos.i < lines.length) {
    const toks = lines[pos.i++]!;
    const line = toks[0]!.line;
    if (toks[toks.length - 1]!.text !== '{') throw new CorefileError(line, 'expected a server block: KEY [KEY...] {');
    const keys = toks.slice(0, -1).map((t) => serverKey(t.text, line));
    if (keys.length === 0) throw new CorefileError(line, 'server block without a key');
    const directives = parseBlock(lines, pos, line);
    const zones = keys.map((k) => k.zone);
    const block: ServerBlock = { zones, port: keys[0]!.port, plugins: [], loadbalance: false, line };
    for (const d of directives) {
      if (block.plugins.includes(d.name) && ['kubernetes', 'forward', 'transfer', 'cache'].includes(d.name)) {
        throw new CorefileError(d.line, `plugin "${d.name}" appears twice in this server block`);
      }
      block.plugins.push(d.name);
      if (d.name === 'kubernetes') block.kubernetes = kubernetesPlugin(d, zones, warn);
      else if (d.name === 'forward') {
        if (d.args.length < 2) throw new CorefileError(d.line, 'forward needs FROM and at least one TO');
        block.forward = { from: zoneArg(d.args[0]!, d.line)[0]!, to: d.args.slice(1) };
      } else if (d.name === 'transfer') {
        const to = (d.block ?? []).filter((o) => o.name === 'to').flatMap((o) => o.args);
        for (const t of to) if (t !== '*' && !isIP(t) && !t.includes('/')) throw new CorefileError(d.line, `transfer: to "${t}" is not an address, a CIDR or *`);
        block.transfer = { zones: d.args.length ? d.args.flatMap((a) => zoneArg(a, d.line)) : zones, to };
      } else if (d.name === 'cache') block.cache = { ttl: d.args[0] && /^\d+$/.test(d.args[0]) ? Number(d.args[0]) : 3600 };
      else if (d.name === 'loadbalance') block.loadbalance = true;
    }
    blocks.push(block);
  }
  if (blocks.length === 0) throw new CorefileError(1, 'no server block');
  return { blocks };
}
