// `knet get`: kubectl get over the emulated API store.
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { InputError } from '../api/errors.js';
import { parseSelector } from '../api/selector.js';
import { KINDS, type AnyObject, type LabelSelector } from '../api/types.js';
import { addTopologyOption, openCluster, type IO } from './context.js';
import { PRINTERS, RESOURCE_NAMES } from './printers.js';
import { table } from './table.js';

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
function apiOrder(o: AnyObject): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = o as unknown as Record<string, unknown>;
  return { apiVersion, kind, metadata, ...rest };
}

export function getCommand(io: IO): Command {
  const cmd = new Command('get')
    .description('list objects in the emulated API store, with kubectl get\'s columns')
    .argument('<resource>', 'nodes | pods | services | endpointslices | deployments | replicasets | daemonsets | statefulsets | namespaces | configmaps (kubectl short names work)')
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'namespace to list', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=nginx,tier!=db')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['wide', 'yaml', 'json']));
  addTopologyOption(cmd);
  cmd.action((resource: string, name: string | undefined, opts: { namespace: string; allNamespaces?: boolean; selector?: string; output?: string; filename: string[] }) => {
    const [resName, inlineName] = resource.split('/') as [string, string | undefined];
    const kind = RESOURCE_NAMES[resName.toLowerCase()];
    if (!kind) throw new InputError(`error: the server doesn't have a resource type "${resName}"`, 2);
    name ??= inlineName;
    let selector: LabelSelector | undefined;
    if (opts.selector) {
      try {
        selector = parseSelector(opts.selector);
      } catch (e) {
        throw new InputError(`error: ${(e as Error).message}`, 2);
      }
    }
    const cluster = openCluster(opts.filename, io);
    const namespaced = KINDS[kind].namespaced;
    const allNs = !!opts.allNamespaces && namespaced;
    let objs: AnyObject[];
    if (name) {
      const o = cluster.store.get(kind, opts.namespace, name);
      if (!o) throw new InputError(`Error from server (NotFound): ${KINDS[kind].plural} "${name}" not found`);
      objs = [o];
    } else {
      objs = cluster.store.list(kind, { ...(namespaced && !allNs ? { namespace: opts.namespace } : {}), ...(selector ? { selector } : {}) });
      // The API lists in storage key order: namespace, then name.
      objs.sort((a, b) => {
        const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
        const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
    }
    if (opts.output === 'yaml' || opts.output === 'json') {
      const doc = name ? apiOrder(objs[0]!) : { apiVersion: 'v1', items: objs.map(apiOrder), kind: 'List', metadata: { resourceVersion: '' } };
      io.out(opts.output === 'yaml' ? YAML.stringify(sortKeys(doc), { version: '1.1', lineWidth: 0, indentSeq: false }) : JSON.stringify(doc, null, 4) + '\n');
      return;
    }
    if (objs.length === 0) {
      io.err(namespaced && !allNs ? `No resources found in ${opts.namespace} namespace.\n` : 'No resources found\n');
      return;
    }
    const printer = PRINTERS[kind]!;
    const wide = opts.output === 'wide';
    const ctx = { store: cluster.store, now: cluster.clock.now(), wide };
    const header = printer.header(wide);
    const rows = objs.map((o) => printer.row(o, ctx));
    io.out(allNs ? table(['NAMESPACE', ...header], rows.map((r, i) => [objs[i]!.metadata.namespace!, ...r])) : table(header, rows));
  });
  return cmd;
}
