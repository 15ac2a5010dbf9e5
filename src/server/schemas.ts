// The OpenAPI schemas of the kinds knet serves: the fields knet models, described in a line
// each. Definition names are kube-apiserver's, so `kubectl explain` finds them by GVK.
type Schema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE = 'io.k8s.api.core.v1';
const APPS = 'io.k8s.api.apps.v1';
const DISC = 'io.k8s.api.discovery.v1';
const COORD = 'io.k8s.api.coordination.v1';

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string): Schema => ({ type: 'integer', format: 'int32', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const strMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string', default: '' } });
const strList = (description: string): Schema => ({ type: 'array', description, items: { type: 'string', default: '' } });
const ref = (name: string, description: string): Schema => ({ description, allOf: [{ $ref: `#/definitions/${name}` }] });
const list = (name: string, description: string, mergeKey?: string): Schema => ({
  type: 'array',
  description,
  items: { $ref: `#/definitions/${name}` },
  ...(mergeKey ? { 'x-kubernetes-patch-merge-key': mergeKey, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [mergeKey] } : { 'x-kubernetes-list-type': 'atomic' }),
});
const obj = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', description, properties, ...(required ? { required } : {}) });

function kind(group: string, version: string, k: string, description: string, body: Record<string, Schema>, required?: string[]): Schema {
  return {
    ...obj(description, {
      apiVersion: str('The versioned schema of this representation of an object.'),
      kind: str('The REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, "Standard object's metadata."),
      ...body,
    }, required),
    'x-kubernetes-group-version-kind': [{ group, version, kind: k }],
  };
}

const intOrString = (description: string): Schema => ({ description, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });

export const DEFINITIONS: Record<string, Schema> = {
  [`${META}.ObjectMeta`]: obj('Metadata every persisted object has.', {
    name: str('Unique name within a namespace.'),
    generateName: str('Prefix for a server-generated name, used when name is empty.'),
    namespace: str('The namespace the object lives in; empty for cluster-scoped objects.'),
    uid: str('Unique identifier set by the server on creation.'),
    resourceVersion: str('Opaque version of the object, for optimistic concurrency and watches.'),
    generation: { type: 'integer', format: 'int64', description: 'Sequence number of the desired state, bumped on each spec change.' },
    creationTimestamp: str('When the server created the object.', { format: 'date-time' }),
    deletionTimestamp: str('When the object is to be deleted.', { format: 'date-time' }),
    labels: strMap('Key/value pairs that selectors match.'),
    annotations: strMap('Key/value pairs for tools and controllers.'),
    ownerReferences: list(`${META}.OwnerReference`, 'Objects this one depends on; the controller one owns it.', 'uid'),
    finalizers: { ...strList('Conditions that must clear before the object is deleted.'), 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
    managedFields: list(`${META}.ManagedFieldsEntry`, 'Which manager owns which fields (server-side apply).'),
  }),
  [`${META}.OwnerReference`]: obj('A reference to an owning object.', {
    apiVersion: str('API version of the owner.'),
    kind: str('Kind of the owner.'),
    name: str('Name of the owner.'),
    uid: str('UID of the owner.'),
    controller: bool('True when the owner is the managing controller.'),
    blockOwnerDeletion: bool('Whether the owner waits for this object before being deleted.'),
  }, ['apiVersion', 'kind', 'name', 'uid']),
  [`${META}.ManagedFieldsEntry`]: obj('The fields one manager owns.', {
    manager: str('Name of the workflow managing the fields.'),
    operation: str('Apply or Update.'),
    apiVersion: str('Version the field set is expressed in.'),
    time: str('When the fields were last changed.', { format: 'date-time' }),
    fieldsType: str('Format of fieldsV1: always FieldsV1.'),
    fieldsV1: { type: 'object', description: 'The owned field set.' },
    subresource: str('The subresource the change went through, if any.'),
  }),
  [`${META}.LabelSelector`]: obj('Selects objects by their labels; terms are ANDed.', {
    matchLabels: strMap('Labels that must be present with these values.'),
    matchExpressions: list(`${META}.LabelSelectorRequirement`, 'Set-based requirements.'),
  }),
  [`${META}.LabelSelectorRequirement`]: obj('One set-based requirement on a label key.', {
    key: str('The label key.'),
    operator: str('In, NotIn, Exists or DoesNotExist.'),
    values: strList('Values for In and NotIn.'),
  }, ['key', 'operator']),
  [`${CORE}.Namespace`]: kind('', 'v1', 'Namespace', 'A scope for names.', {
    spec: obj('Namespace spec.', { finalizers: strList('Finalizers run before the namespace is removed.') }),
    status: obj('Namespace status.', { phase: str('Active or Terminating.') }),
  }),
  [`${CORE}.Node`]: kind('', 'v1', 'Node', 'A worker machine; kubelet registers it.', {
    spec: obj('How the node is configured.', {
      podCIDR: str('The pod address range assigned to the node.'),
      podCIDRs: strList('Pod address ranges, one per family.'),
      taints: list(`${CORE}.Taint`, 'Taints that repel pods not tolerating them.'),
      unschedulable: bool('Cordoned: no new pods are scheduled here.'),
    }),
    status: obj('What the node reports.', {
      addresses: list(`${CORE}.NodeAddress`, 'Addresses the node is reachable at.', 'type'),
      conditions: list(`${CORE}.NodeCondition`, 'Current conditions, Ready among them.', 'type'),
      nodeInfo: obj('Versions of the node software.', {
        kubeletVersion: str('kubelet version.'),
        osImage: str('OS image.'),
        kernelVersion: str('Kernel version.'),
        containerRuntimeVersion: str('Container runtime version.'),
      }),
    }),
  }),
  [`${CORE}.Taint`]: obj('A taint on a node.', { key: str('Taint key.'), value: str('Taint value.'), effect: str('NoSchedule, PreferNoSchedule or NoExecute.') }, ['key', 'effect']),
  [`${CORE}.NodeAddress`]: obj('One node address.', { type: str('InternalIP, ExternalIP or Hostname.'), address: str('The address.') }, ['type', 'address']),
  [`${CORE}.NodeCondition`]: obj('One node condition.', { type: str('Condition type.'), status: str('True, False or Unknown.') }, ['type', 'status']),
  [`${CORE}.Pod`]: kind('', 'v1', 'Pod', 'A group of containers scheduled together on one node, sharing one network namespace.', {
    spec: ref(`${CORE}.PodSpec`, 'What the pod runs.'),
    status: obj('What the pod is doing.', {
      phase: str('Pending, Running, Succeeded, Failed or Unknown.'),
      conditions: list(`${CORE}.PodCondition`, 'Current conditions, Ready among them.', 'type'),
      hostIP: str("The node's address."),
      podIP: str("The pod's address."),
      podIPs: { type: 'array', description: 'Pod addresses, one per family.', items: obj('One pod address.', { ip: str('The address.') }) },
    }),
  }),
  [`${CORE}.PodCondition`]: obj('One pod condition.', { type: str('Condition type.'), status: str('True, False or Unknown.') }, ['type', 'status']),
  [`${CORE}.PodSpec`]: obj('What a pod runs and where.', {
    containers: list(`${CORE}.Container`, 'The containers; at least one.', 'name'),
    nodeName: str('The node the pod is bound to.'),
    nodeSelector: strMap('Labels a node must have to run the pod.'),
    tolerations: list(`${CORE}.Toleration`, 'Taints the pod tolerates.'),
    hostNetwork: bool("Use the node's network namespace."),
    hostname: str("The pod's hostname."),
    subdomain: str('With hostname, gives the pod a DNS name under a headless Service.'),
    dnsPolicy: str('ClusterFirst, ClusterFirstWithHostNet, Default or None.'),
    dnsConfig: obj('Extra resolver settings.', { nameservers: strList('Name servers.'), searches: strList('Search domains.'), options: { type: 'array', description: 'resolv.conf options.', items: obj('One option.', { name: str('Option name.'), value: str('Option value.') }) } }),
    setHostnameAsFQDN: bool('Set the hostname to the FQDN.'),
  }, ['containers']),
  [`${CORE}.Toleration`]: obj('Tolerates a taint.', { key: str('Taint key.'), operator: str('Exists or Equal.'), value: str('Taint value.'), effect: str('Taint effect.') }),
  [`${CORE}.Container`]: obj('One container of a pod.', {
    name: str('Container name, unique in the pod.'),
    image: str('Container image.'),
    command: strList('Entrypoint.'),
    args: strList('Arguments.'),
    ports: list(`${CORE}.ContainerPort`, 'Ports the container listens on (informational, but named ports resolve through it).', 'containerPort'),
  }, ['name']),
  [`${CORE}.ContainerPort`]: obj('One container port.', {
    name: str('IANA_SVC_NAME, unique in the pod.'),
    containerPort: int('Port number in the pod.'),
    protocol: str('TCP, UDP or SCTP.'),
    hostPort: int('Port number on the host.'),
  }, ['containerPort']),
  [`${CORE}.Service`]: kind('', 'v1', 'Service', 'A stable virtual address in front of a set of pods.', {
    spec: ref(`${CORE}.ServiceSpec`, 'How the service is exposed.'),
    status: obj('What the service has.', { loadBalancer: obj('Load balancer status.', { ingress: { type: 'array', description: 'Load balancer addresses.', items: obj('One ingress point.', { ip: str('Address.'), hostname: str('Host name.'), ipMode: str('VIP or Proxy.') }) } }) }),
  }),
  [`${CORE}.ServiceSpec`]: obj('How a service is exposed.', {
    type: str('ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    selector: strMap('Pods with these labels are the endpoints.'),
    ports: list(`${CORE}.ServicePort`, 'The ports the service exposes.', 'port'),
    clusterIP: str('The virtual address; None for a headless service.'),
    clusterIPs: strList('Virtual addresses, one per family.'),
    ipFamilies: strList('IPv4 and/or IPv6.'),
    ipFamilyPolicy: str('SingleStack, PreferDualStack or RequireDualStack.'),
    externalIPs: strList('Addresses outside the cluster also routed to the service.'),
    externalName: str('DNS name for an ExternalName service.'),
    sessionAffinity: str('None or ClientIP.'),
    sessionAffinityConfig: obj('Session affinity settings.', { clientIP: obj('ClientIP affinity.', { timeoutSeconds: int('Affinity timeout.') }) }),
    externalTrafficPolicy: str('Cluster or Local.'),
    internalTrafficPolicy: str('Cluster or Local.'),
    healthCheckNodePort: int('Health check node port for Local traffic policy.'),
    loadBalancerIP: str('Requested load balancer address.'),
    loadBalancerSourceRanges: strList('Client ranges allowed through the load balancer.'),
    publishNotReadyAddresses: bool('Publish endpoints whether ready or not.'),
    allocateLoadBalancerNodePorts: bool('Allocate node ports for a LoadBalancer service.'),
  }),
  [`${CORE}.ServicePort`]: obj('One service port.', {
    name: str('Port name, required when there are several.'),
    protocol: str('TCP, UDP or SCTP.'),
    port: int('The port the service exposes.'),
    targetPort: intOrString('The pod port (number or container port name).'),
    nodePort: int('The port on every node, for NodePort and LoadBalancer.'),
    appProtocol: str('Application protocol.'),
  }, ['port']),
  [`${CORE}.ConfigMap`]: kind('', 'v1', 'ConfigMap', 'Configuration data as key/value pairs.', { data: strMap('The data.') }),
  [`${DISC}.EndpointSlice`]: kind('discovery.k8s.io', 'v1', 'EndpointSlice', 'A subset of the endpoints of a service.', {
    addressType: str('IPv4, IPv6 or FQDN.'),
    endpoints: list(`${DISC}.Endpoint`, 'The endpoints.'),
    ports: { type: 'array', description: 'The ports every endpoint serves.', 'x-kubernetes-list-type': 'atomic', items: obj('One endpoint port.', { name: str('Port name.'), protocol: str('TCP, UDP or SCTP.'), port: int('Port number.'), appProtocol: str('Application protocol.') }) },
  }, ['addressType']),
  [`${DISC}.Endpoint`]: obj('One endpoint.', {
    addresses: strList('Addresses of the endpoint.'),
    conditions: obj('Endpoint conditions.', { ready: bool('Ready for traffic.'), serving: bool('Serving, whatever terminating says.'), terminating: bool('Shutting down.') }),
    hostname: str('Hostname of the endpoint.'),
    nodeName: str('The node the endpoint is on.'),
    zone: str('Zone of the endpoint.'),
    targetRef: obj('The object behind the endpoint.', { kind: str('Kind.'), namespace: str('Namespace.'), name: str('Name.'), uid: str('UID.') }),
  }, ['addresses']),
  ...workload('Deployment', 'Declarative updates for pods and ReplicaSets.', true),
  ...workload('ReplicaSet', 'Keeps a number of identical pods running.', true),
  ...workload('DaemonSet', 'Runs one pod on every eligible node.', false),
  ...workload('StatefulSet', 'Pods with stable identities and DNS names.', true),
  [`${CORE}.PodTemplateSpec`]: obj('The pods a workload creates.', { metadata: ref(`${META}.ObjectMeta`, 'Labels and annotations of the pods.'), spec: ref(`${CORE}.PodSpec`, 'The pod spec.') }),
  [`${COORD}.Lease`]: kind('coordination.k8s.io', 'v1', 'Lease', 'A lease, as leader election uses.', {
    spec: obj('The lease.', {
      holderIdentity: str('Who holds the lease.'),
      leaseDurationSeconds: int('How long a holder may go without renewing.'),
      acquireTime: str('When the current holder acquired it.', { format: 'date-time' }),
      renewTime: str('When the holder last renewed it.', { format: 'date-time' }),
      leaseTransitions: int('How many times the holder changed.'),
    }),
  }),
  'io.k8s.api.autoscaling.v1.Scale': kind('autoscaling', 'v1', 'Scale', 'The scale subresource of a workload.', {
    spec: obj('Desired scale.', { replicas: int('Desired number of replicas.') }),
    status: obj('Current scale.', { replicas: int('Current number of replicas.'), selector: str('Label selector of the pods, as a string.') }),
  }),
};

function workload(k: string, description: string, replicas: boolean): Record<string, Schema> {
  return {
    [`${APPS}.${k}`]: kind('apps', 'v1', k, description, {
      spec: ref(`${APPS}.${k}Spec`, 'The desired behaviour.'),
      status: obj('The observed state.', { replicas: int('Pods running.'), readyReplicas: int('Pods ready.') }),
    }),
    [`${APPS}.${k}Spec`]: obj(`${k} spec.`, {
      ...(replicas ? { replicas: int('Desired number of pods (default 1).') } : {}),
      ...(k === 'StatefulSet' ? { serviceName: str('The headless service giving the pods their DNS names.') } : {}),
      selector: ref(`${META}.LabelSelector`, 'Selects the pods; must match the template labels.'),
      template: ref(`${CORE}.PodTemplateSpec`, 'The pods to create.'),
    }, ['selector', 'template']),
  };
}

/** The definition name for a kind, as x-kubernetes-group-version-kind marks it. */
export function definitionOf(group: string, version: string, kind: string): string | undefined {
  return Object.keys(DEFINITIONS).find((n) => {
    const gvk = (DEFINITIONS[n]!['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined)?.[0];
    return gvk?.group === group && gvk.version === version && gvk.kind === kind;
  });
}
