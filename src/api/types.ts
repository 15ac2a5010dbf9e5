// The Kubernetes API objects knet models, trimmed to the fields the network data plane reads.
// Field names follow the Kubernetes API exactly so real `kubectl get -o yaml` dumps load as is.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
}

export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname';
  address: string;
}

export interface Node {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec: { podCIDR?: string; podCIDRs?: string[]; taints?: Taint[]; unschedulable?: boolean };
  status?: {
    addresses?: NodeAddress[];
    conditions?: { type: string; status: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
  status?: { phase?: string };
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
  hostPort?: number;
  hostIP?: string;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  command?: string[];
  args?: string[];
}

export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

/** One `/etc/hosts` line the kubelet adds for a pod. */
export interface HostAlias {
  ip: string;
  hostnames?: string[];
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  hostname?: string;
  subdomain?: string;
  dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  dnsConfig?: PodDNSConfig;
  hostAliases?: HostAlias[];
  setHostnameAsFQDN?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  containers: Container[];
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: PodCondition[];
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
}

export interface PodTemplateSpec {
  metadata?: Partial<ObjectMeta>;
  spec: PodSpec;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  externalIPs?: string[];
  externalName?: string;
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  healthCheckNodePort?: number;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  publishNotReadyAddresses?: boolean;
  allocateLoadBalancerNodePorts?: boolean;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: 'VIP' | 'Proxy';
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
}

export interface EndpointPort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: Endpoint[];
  ports?: EndpointPort[];
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: { replicas?: number; selector: LabelSelector; template: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

export interface ReplicaSet {
  apiVersion: 'apps/v1';
  kind: 'ReplicaSet';
  metadata: ObjectMeta;
  spec: { replicas?: number; selector: LabelSelector; template: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number };
}

export interface DaemonSet {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  metadata: ObjectMeta;
  spec: { selector: LabelSelector; template: PodTemplateSpec };
  status?: { desiredNumberScheduled?: number; numberReady?: number };
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: { replicas?: number; serviceName?: string; selector: LabelSelector; template: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number };
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

export interface ReplicationController {
  apiVersion: 'v1';
  kind: 'ReplicationController';
  metadata: ObjectMeta;
  /** The selector is a plain label map; left out, it is the template's labels. */
  spec: { replicas?: number; selector?: Record<string, string>; template: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number };
}

export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: { parallelism?: number; completions?: number; suspend?: boolean; manualSelector?: boolean; selector?: LabelSelector; template: PodTemplateSpec };
  status?: { active?: number; succeeded?: number; failed?: number };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: { name?: string; port: number; protocol?: Protocol; appProtocol?: string }[];
}

/** The core/v1 Endpoints object (one per Service), older than EndpointSlices. */
export interface Endpoints {
  apiVersion: 'v1';
  kind: 'Endpoints';
  metadata: ObjectMeta;
  subsets?: EndpointSubset[];
}

/** An object of a kind knet does not model: kept as written, listed, never acted on. */
export interface UnmodelledObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KindMap {
  Namespace: Namespace;
  Node: Node;
  Pod: Pod;
  Service: Service;
  EndpointSlice: EndpointSlice;
  Deployment: Deployment;
  ReplicaSet: ReplicaSet;
  DaemonSet: DaemonSet;
  StatefulSet: StatefulSet;
  ConfigMap: ConfigMap;
  ReplicationController: ReplicationController;
  Job: Job;
  Endpoints: Endpoints;
}

export type Kind = keyof KindMap;
export type AnyObject = KindMap[Kind];

/** apiVersion each kind is served under, and whether it lives in a namespace. */
export const KINDS: Record<Kind, { apiVersion: string; namespaced: boolean; plural: string }> = {
  Namespace: { apiVersion: 'v1', namespaced: false, plural: 'namespaces' },
  Node: { apiVersion: 'v1', namespaced: false, plural: 'nodes' },
  Pod: { apiVersion: 'v1', namespaced: true, plural: 'pods' },
  Service: { apiVersion: 'v1', namespaced: true, plural: 'services' },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', namespaced: true, plural: 'endpointslices' },
  Deployment: { apiVersion: 'apps/v1', namespaced: true, plural: 'deployments' },
  ReplicaSet: { apiVersion: 'apps/v1', namespaced: true, plural: 'replicasets' },
  DaemonSet: { apiVersion: 'apps/v1', namespaced: true, plural: 'daemonsets' },
  StatefulSet: { apiVersion: 'apps/v1', namespaced: true, plural: 'statefulsets' },
  ConfigMap: { apiVersion: 'v1', namespaced: true, plural: 'configmaps' },
  ReplicationController: { apiVersion: 'v1', namespaced: true, plural: 'replicationcontrollers' },
  Job: { apiVersion: 'batch/v1', namespaced: true, plural: 'jobs' },
  Endpoints: { apiVersion: 'v1', namespaced: true, plural: 'endpoints' },
};

export function isKind(k: string): k is Kind {
  return Object.prototype.hasOwnProperty.call(KINDS, k);
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(o: { metadata: ObjectMeta }): string {
  return objectKey(o.metadata.namespace, o.metadata.name);
}

/** The label EndpointSlices carry to name their Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
