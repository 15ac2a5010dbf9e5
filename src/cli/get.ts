// `knet get`: kubectl get over the emulated API store.
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { InputError } from '../api/errors.js';
import { parseSelector } from '../api/selector.js';
import { KINDS, isKind, type AnyObject, type Kind, type LabelSelector, type UnmodelledObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { selectorMatches } from '../api/selector.js';
import { UNMODELLED_KINDS, type CustomKind } from '../topology/unmodelled.js';
import { addTopologyOption, openCluster, type IO } from './context.js';
import { filterByFields, parseFieldSelector } from './field-selector.js';
import { GENERIC_PRINTER, KEPT_PRINTERS } from './printers-kept.js';
import { PRINTERS, RESOURCE_NAMES } from './printers.js';
import { table } from './table.js';

/** What `kubectl get all` lists, in its order, with the group its names carry. */
const ALL: [Kind, string][] = [
  ['Pod', 'pod'],
  ['ReplicationController', 'replicationcontroller'],
  ['Service', 'service'],
  ['DaemonSet', 'daemonset.apps'],
  ['Deployment', 'deployment.apps'],
  ['ReplicaSet', 'replicaset.apps'],
  ['StatefulSet', 'statefulset.apps'],
  ['Job', 'job.batch'],
];

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** kubectl prints JSON in the API's field order: apiVersion, kind, metadata, spec, status. */
function apiOrder(o: AnyObject | UnmodelledObject): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = o as unknown as Record<string, unknown>;
  return { apiVersion, kind, metadata, ...rest };
}

/** One resource type the user named: a modelled kind, or a kind knet only keeps. */
interface Resource {
  kind: string;
  modelled: boolean;
  namespaced: boolean;
  apiVersion: string;
  plural: string;
  /** The `kind.group/` prefix names get when several types print together. */
  prefix: string;
}

function resolve(word: string, cluster: Cluster): Resource | undefined {
  const w = word.toLowerCase();
  const k = RESOURCE_NAMES[w];
  if (k) {
    const info = KINDS[k];
    const group = info.apiVersion.includes('/') ? `.${info.apiVersion.split('/')[0]}` : '';
    return { kind: k, modelled: true, namespaced: info.namespaced, apiVersion: info.apiVersion, plural: info.plural, prefix: `${k.toLowerCase()}${group}` };
  }
  for (const [kind, u] of [...Object.entries(UNMODELLED_KINDS), ...cluster.topology.customKinds]) {
    const custom = 'group' in u ? (u as CustomKind) : undefined;
    const names = [u.plural, ...(u.short ?? []), custom?.singular ?? kind.toLowerCase()];
    if (!names.includes(w)) continue;
    const seen = cluster.store.kept(kind)[0]?.apiVersion;
    return { kind, modelled: false, namespaced: u.namespaced, apiVersion: seen ?? (custom ? `${custom.group}/v1` : 'v1'), plural: u.plural, prefix: `${kind.toLowerCase()}${custom ? `.${custom.group}` : ''}` };
  }
  return undefined;
}

interface GetOptions {
  namespace: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  showLabels?: boolean;
  output?: string;
  filename: string[];
}

function labelsCell(o: { metadata: { labels?: Record<string, string> } }): string {
  const l = Object.entries(o.metadata.labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  return l.length ? l.join(',') : '<none>';
}

export function getCommand(io: IO): Command {
  const cmd = new Command('get')
    .description('list objects in the emulated API store, with kubectl get\'s columns')
    .argument('<resource>', 'nodes | pods | services | endpoints | endpointslices | deployments | replicasets | replicationcontrollers | daemonsets | statefulsets | jobs | namespaces | configmaps | all, kept kinds (secrets, serviceaccounts, ingresses, …), a comma list (kubectl short names work)')
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'namespace to list', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=nginx,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=k8s-node1,status.phase!=Running')
    .option('--show-labels', 'add a LABELS column')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['wide', 'yaml', 'json']));
  addTopologyOption(cmd);
  cmd.action((resource: string, name: string | undefined, opts: GetOptions) => {
    const [typeWords, inlineName] = resource.split('/') as [string, string | undefined];
    name ??= inlineName;
    let selector: LabelSelector | undefined;
    if (opts.selector) {
      try {
        selector = parseSelector(opts.selector);
      } catch (e) {
        throw new InputError(`error: ${(e as Error).message}`, 2);
      }
    }
    const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
    const words = typeWords.split(',').filter(Boolean);
    const cluster = openCluster(opts, io);
    const resources: Resource[] = [];
    for (const w of words) {
      if (w.toLowerCase() === 'all') {
        for (const [k] of ALL) resources.push(resolve(KINDS[k].plural, cluster)!);
        continue;
      }
      const r = resolve(w, cluster);
      if (!r) throw new InputError(`error: the server doesn't have a resource type "${w}"`, 2);
      resources.push(r);
    }
    const all = words.some((w) => w.toLowerCase() === 'all');
    if (name && (all || resources.length > 1)) throw new InputError('error: arguments in resource/name form must have a single resource and name', 2);

    const lists = resources.map((r) => ({ r, objs: list(cluster, r, name, opts, selector, fields, opts.fieldSelector ?? '') }));
    if (opts.output === 'yaml' || opts.output === 'json') {
      const objs = lists.flatMap((l) => l.objs);
      const doc = name ? apiOrder(objs[0]!) : { apiVersion: 'v1', items: objs.map(apiOrder), kind: 'List', metadata: { resourceVersion: '' } };
      io.out(opts.output === 'yaml' ? YAML.stringify(sortKeys(doc), { version: '1.1', lineWidth: 0, indentSeq: false }) : JSON.stringify(doc, null, 4) + '\n');
      return;
    }
    const shown = lists.filter((l) => l.objs.length > 0);
    if (shown.length === 0) {
      const nsScoped = resources.some((r) => r.namespaced) && !opts.allNamespaces;
      io.err(nsScoped ? `No resources found in ${opts.namespace} namespace.\n` : 'No resources found\n');
      return;
    }
    const prefixed = all || resources.length > 1;
    io.out(shown.map((l) => render(cluster, l.r, l.objs, opts, prefixed)).join('\n'));
  });
  return cmd;
}

function list(cluster: Cluster, r: Resource, name: string | undefined, opts: GetOptions, selector: LabelSelector | undefined, fields: ReturnType<typeof parseFieldSelector> | undefined, fieldText: string): (AnyObject | UnmodelledObject)[] {
  const allNs = !!opts.allNamespaces && r.namespaced;
  let objs: (AnyObject | UnmodelledObject)[];
  if (r.modelled) {
    const kind = r.kind as Kind;
    if (name) {
      const o = cluster.store.get(kind, opts.namespace, name);
      if (!o) throw new InputError(`Error from server (NotFound): ${r.plural} "${name}" not found`);
      return [o];
    }
    objs = cluster.store.list(kind, { ...(r.namespaced && !allNs ? { namespace: opts.namespace } : {}), ...(selector ? { selector } : {}) });
  } else {
    objs = cluster.store.kept(r.kind, r.namespaced && !allNs ? opts.namespace : undefined);
    if (name) {
      const o = objs.find((x) => x.metadata.name === name);
      if (!o) throw new InputError(`Error from server (NotFound): ${r.plural} "${name}" not found`);
      return [o];
    }
    if (selector) objs = objs.filter((o) => selectorMatches(selector, o.metadata.labels));
  }
  if (fields) {
    const gv = r.apiVersion.includes('/') ? r.apiVersion : `/${r.apiVersion}`;
    objs = filterByFields(objs, fields, r.kind, `${gv}, Resource=${r.plural}`, fieldText);
  }
  // The API lists in storage key order: namespace, then name.
  return objs.sort((a, b) => {
    const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function render(cluster: Cluster, r: Resource, objs: (AnyObject | UnmodelledObject)[], opts: GetOptions, prefixed: boolean): string {
  const wide = opts.output === 'wide';
  const now = cluster.clock.now();
  let header: string[];
  let rows: string[][];
  if (r.modelled && isKind(r.kind)) {
    const printer = PRINTERS[r.kind]!;
    const ctx = { store: cluster.store, now, wide };
    header = printer.header(wide);
    rows = objs.map((o) => printer.row(o as AnyObject, ctx));
  } else {
    const printer = KEPT_PRINTERS[r.kind] ?? GENERIC_PRINTER;
    header = printer.header(wide);
    rows = objs.map((o) => printer.row(o as UnmodelledObject, now, wide));
  }
  if (prefixed) rows = rows.map((row) => [`${r.prefix}/${row[0]}`, ...row.slice(1)]);
  if (opts.showLabels) {
    header = [...header, 'LABELS'];
    rows = rows.map((row, i) => [...row, labelsCell(objs[i]!)]);
  }
  const allNs = !!opts.allNamespaces && r.namespaced;
  return allNs ? table(['NAMESPACE', ...header], rows.map((row, i) => [objs[i]!.metadata.namespace!, ...row])) : table(header, rows);
}
