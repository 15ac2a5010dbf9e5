// kubectl's columns for the kinds knet keeps but does not model (RBAC, storage, Ingress, …);
// a kind without its own columns (custom resources among them) prints NAME and AGE, as kubectl
// does for a CustomResourceDefinition without additionalPrinterColumns.
import type { UnmodelledObject } from '../api/types.js';
import { humanDuration } from './table.js';

export interface KeptPrinter {
  header(wide: boolean): string[];
  row(o: UnmodelledObject, now: number, wide: boolean): string[];
}

const NONE = '<none>';
type Any = Record<string, unknown>;

function at(o: unknown, ...path: string[]): unknown {
  let v = o;
  for (const k of path) v = v && typeof v === 'object' ? (v as Any)[k] : undefined;
  return v;
}

function age(o: UnmodelledObject, now: number): string {
  return humanDuration(now - Date.parse(o.metadata.creationTimestamp ?? ''));
}

function labelsText(m: unknown): string {
  const parts = Object.entries((m ?? {}) as Record<string, string>)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : NONE;
}

const createdAt: KeptPrinter = {
  header: () => ['NAME', 'CREATED AT'],
  row: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

const binding: KeptPrinter = {
  header: (w) => ['NAME', 'ROLE', 'AGE', ...(w ? ['USERS', 'GROUPS', 'SERVICEACCOUNTS'] : [])],
  row(o, now, wide) {
    const subjects = (at(o, 'subjects') ?? []) as Any[];
    const of = (kind: string) => subjects.filter((s) => s.kind === kind);
    return [
      o.metadata.name,
      `${String(at(o, 'roleRef', 'kind') ?? '')}/${String(at(o, 'roleRef', 'name') ?? '')}`,
      age(o, now),
      ...(wide
        ? [of('User').map((s) => s.name).join(', '), of('Group').map((s) => s.name).join(', '), of('ServiceAccount').map((s) => `${String(s.namespace ?? '')}/${String(s.name)}`).join(', ')]
        : []),
    ];
  },
};

export const KEPT_PRINTERS: Record<string, KeptPrinter> = {
  ServiceAccount: {
    header: () => ['NAME', 'SECRETS', 'AGE'],
    row: (o, now) => [o.metadata.name, String(((at(o, 'secrets') ?? []) as unknown[]).length), age(o, now)],
  },
  Secret: {
    header: () => ['NAME', 'TYPE', 'DATA', 'AGE'],
    row: (o, now) => [o.metadata.name, String(at(o, 'type') ?? 'Opaque'), String(Object.keys({ ...((at(o, 'data') ?? {}) as Any), ...((at(o, 'stringData') ?? {}) as Any) }).length), age(o, now)],
  },
  Role: createdAt,
  ClusterRole: createdAt,
  CustomResourceDefinition: createdAt,
  RoleBinding: binding,
  ClusterRoleBinding: binding,
  StorageClass: {
    header: () => ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
    row(o, now) {
      const isDefault = o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
      return [
        `${o.metadata.name}${isDefault ? ' (default)' : ''}`,
        String(at(o, 'provisioner') ?? ''),
        String(at(o, 'reclaimPolicy') ?? 'Delete'),
        String(at(o, 'volumeBindingMode') ?? 'Immediate'),
        String(at(o, 'allowVolumeExpansion') ?? false),
        age(o, now),
      ];
    },
  },
  PodDisruptionBudget: {
    header: () => ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
    row: (o, now) => [o.metadata.name, String(at(o, 'spec', 'minAvailable') ?? 'N/A'), String(at(o, 'spec', 'maxUnavailable') ?? 'N/A'), String(at(o, 'status', 'disruptionsAllowed') ?? 0), age(o, now)],
  },
  PersistentVolumeClaim: {
    // No provisioner runs, so a claim stays Pending with no volume bound.
    header: (w) => ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE', ...(w ? ['VOLUMEMODE'] : [])],
    row: (o, now, wide) => [
      o.metadata.name,
      String(at(o, 'status', 'phase') ?? 'Pending'),
      String(at(o, 'spec', 'volumeName') ?? ''),
      String(at(o, 'status', 'capacity', 'storage') ?? ''),
      '',
      String(at(o, 'spec', 'storageClassName') ?? ''),
      String(at(o, 'spec', 'volumeAttributesClassName') ?? '<unset>'),
      age(o, now),
      ...(wide ? [String(at(o, 'spec', 'volumeMode') ?? 'Filesystem')] : []),
    ],
  },
  Ingress: {
    header: () => ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
    row(o, now) {
      const hosts = ((at(o, 'spec', 'rules') ?? []) as Any[]).map((r) => r.host).filter((h): h is string => typeof h === 'string' && h !== '');
      const tls = ((at(o, 'spec', 'tls') ?? []) as unknown[]).length > 0;
      const lb = ((at(o, 'status', 'loadBalancer', 'ingress') ?? []) as Any[]).map((i) => i.ip ?? i.hostname).filter(Boolean);
      return [o.metadata.name, String(at(o, 'spec', 'ingressClassName') ?? NONE), hosts.length ? hosts.join(',') : '*', lb.join(','), tls ? '80, 443' : '80', age(o, now)];
    },
  },
  NetworkPolicy: {
    header: () => ['NAME', 'POD-SELECTOR', 'AGE'],
    row: (o, now) => [o.metadata.name, labelsText(at(o, 'spec', 'podSelector', 'matchLabels')), age(o, now)],
  },
};

export const GENERIC_PRINTER: KeptPrinter = {
  header: () => ['NAME', 'AGE'],
  row: (o, now) => [o.metadata.name, age(o, now)],
};
