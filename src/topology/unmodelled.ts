// Kinds knet reads but does not model: each object is kept in the store as written (so `knet get`
// can list it) with one warning naming it; the data plane never looks at it.
import type { Fields } from './fields.js';

export interface UnmodelledKind {
  namespaced: boolean;
  /** kubectl's resource name and short names, for `knet get`. */
  plural: string;
  short?: string[];
  /** Why it changes nothing here, where a user would expect it to. */
  note?: string;
}

const NO_EFFECT = 'not modelled by knet (it does not change the data plane); kept in the store';

export const UNMODELLED_KINDS: Record<string, UnmodelledKind> = {
  ServiceAccount: { namespaced: true, plural: 'serviceaccounts', short: ['sa'] },
  Secret: { namespaced: true, plural: 'secrets' },
  Role: { namespaced: true, plural: 'roles' },
  RoleBinding: { namespaced: true, plural: 'rolebindings' },
  ClusterRole: { namespaced: false, plural: 'clusterroles' },
  ClusterRoleBinding: { namespaced: false, plural: 'clusterrolebindings' },
  StorageClass: { namespaced: false, plural: 'storageclasses', short: ['sc'] },
  PersistentVolume: { namespaced: false, plural: 'persistentvolumes', short: ['pv'] },
  PersistentVolumeClaim: { namespaced: true, plural: 'persistentvolumeclaims', short: ['pvc'] },
  PodDisruptionBudget: { namespaced: true, plural: 'poddisruptionbudgets', short: ['pdb'] },
  CustomResourceDefinition: { namespaced: false, plural: 'customresourcedefinitions', short: ['crd', 'crds'] },
  PriorityClass: { namespaced: false, plural: 'priorityclasses', short: ['pc'] },
  IngressClass: { namespaced: false, plural: 'ingressclasses' },
  CronJob: { namespaced: true, plural: 'cronjobs', short: ['cj'], note: 'not modelled by knet (no schedule runs, so it makes no Jobs); kept in the store' },
  HorizontalPodAutoscaler: { namespaced: true, plural: 'horizontalpodautoscalers', short: ['hpa'] },
  LimitRange: { namespaced: true, plural: 'limitranges', short: ['limits'] },
  ResourceQuota: { namespaced: true, plural: 'resourcequotas', short: ['quota'] },
  Ingress: {
    namespaced: true,
    plural: 'ingresses',
    short: ['ing'],
    note: 'not modelled by knet (no ingress controller runs, so nothing serves it); kept in the store',
  },
  NetworkPolicy: {
    namespaced: true,
    plural: 'networkpolicies',
    short: ['netpol'],
    note: 'not enforced: flannel (the CNI knet models) does not implement NetworkPolicy, so traffic flows as if it were absent; kept in the store',
  },
  ValidatingWebhookConfiguration: { namespaced: false, plural: 'validatingwebhookconfigurations' },
  MutatingWebhookConfiguration: { namespaced: false, plural: 'mutatingwebhookconfigurations' },
};

/** A kind a CustomResourceDefinition in the topology defines. */
export interface CustomKind extends UnmodelledKind {
  group: string;
  singular: string;
}

/** The kind a CustomResourceDefinition document defines, read leniently. */
export function customKindOf(f: Fields, o: Record<string, unknown>): [string, CustomKind] | undefined {
  const kind = f.string(o, ['spec', 'names', 'kind']);
  const plural = f.string(o, ['spec', 'names', 'plural']);
  const group = f.string(o, ['spec', 'group']);
  if (!kind || !plural || !group) return undefined;
  const short = f.array(o, ['spec', 'names', 'shortNames']).filter((s): s is string => typeof s === 'string');
  return [kind, { namespaced: f.string(o, ['spec', 'scope']) !== 'Cluster', plural, short, group, singular: f.string(o, ['spec', 'names', 'singular']) ?? kind.toLowerCase() }];
}

export function unmodelledNote(kind: string, custom: CustomKind | undefined, apiVersion: string): string {
  if (custom) return `custom resource of ${custom.plural}.${custom.group}: ${NO_EFFECT}`;
  const known = UNMODELLED_KINDS[kind];
  if (known) return known.note ?? NO_EFFECT;
  return `unknown kind "${kind}" (apiVersion ${apiVersion}; no CustomResourceDefinition in the topology defines it): not modelled by knet; kept in the store`;
}
