// meta.k8s.io/v1 Table responses: `kubectl get`'s columns, computed by the server. The printers
// are handed in by the command line (the same ones `knet get` prints with), so the two agree.
import type { Store } from '../api/store.js';
import type { AnyObject } from '../api/types.js';
import type { ApiObject } from './cache.js';

export interface TablePrinter {
  header(wide: boolean): string[];
  row(o: AnyObject, c: { store: Pick<Store, 'list'>; now: number; wide: boolean }): string[];
}

/** kube-apiserver's column names (kubectl prints them upper-cased). */
const COLUMN_NAMES: Record<string, string> = {
  'NOMINATED NODE': 'Nominated Node',
  'READINESS GATES': 'Readiness Gates',
  'CLUSTER-IP': 'Cluster-IP',
  'EXTERNAL-IP': 'External-IP',
  'PORT(S)': 'Port(s)',
  'INTERNAL-IP': 'Internal-IP',
  'OS-IMAGE': 'OS-Image',
  'KERNEL-VERSION': 'Kernel-Version',
  'CONTAINER-RUNTIME': 'Container-Runtime',
  'UP-TO-DATE': 'Up-to-date',
  ADDRESSTYPE: 'AddressType',
  'NODE SELECTOR': 'Node Selector',
  IP: 'IP',
};

function columnName(header: string): string {
  return COLUMN_NAMES[header] ?? header.charAt(0) + header.slice(1).toLowerCase();
}

export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  noHeaders: boolean;
}

export function toTable(printer: TablePrinter, objects: ApiObject[], ctx: { store: Pick<Store, 'list'>; now: number }, opts: TableOptions, listMeta: Record<string, unknown>): Record<string, unknown> {
  const all = printer.header(true);
  const narrow = printer.header(false).length;
  const columnDefinitions = all.map((h, i) => ({
    name: columnName(h),
    type: 'string',
    format: h === 'NAME' ? 'name' : '',
    description: '',
    priority: i < narrow ? 0 : 1,
  }));
  const rows = objects.map((o) => ({
    cells: printer.row(o as unknown as AnyObject, { ...ctx, wide: true }),
    ...(opts.includeObject === 'None'
      ? {}
      : { object: opts.includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
  }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, ...(opts.noHeaders ? {} : { columnDefinitions }), rows };
}
