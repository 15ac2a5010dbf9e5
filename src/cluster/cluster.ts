// A running emulated cluster: the API store with the topology's objects in it and the
// controllers settled. Node agents (kube-proxy, flannel, CNI, CoreDNS) attach to this.
import { InputError } from '../api/errors.js';
import { SimClock } from '../api/clock.js';
import { Store } from '../api/store.js';
import { KINDS, isKind, keyOf, type AnyObject, type Node as KNode, type Service } from '../api/types.js';
import { BootstrapController } from '../controllers/bootstrap.js';
import { ControllerManager, controllerOf, type ControllerContext } from '../controllers/controller.js';
import { DaemonSetController } from '../controllers/daemonset.js';
import { DeploymentController } from '../controllers/deployment.js';
import { EndpointsController } from '../controllers/endpoints.js';
import { EndpointSliceMirroringController } from '../controllers/endpointslicemirroring.js';
import { JobController } from '../controllers/job.js';
import { ReplicationControllerManager } from '../controllers/replicationcontroller.js';
import { EndpointSliceController, resolveTargetPort } from '../controllers/endpointslice.js';
import { NodeIpamController } from '../controllers/nodeipam.js';
import { PodNetworkController } from '../controllers/podnetwork.js';
import { ReplicaSetController } from '../controllers/replicaset.js';
import { SchedulerController } from '../controllers/scheduler.js';
import { ServiceAllocController } from '../controllers/serviceips.js';
import { StatefulSetController } from '../controllers/statefulset.js';
import { describe } from '../topology/problems.js';
import { objectName, readTopology, type Topology } from '../topology/load.js';
import { SourceRef } from '../topology/source.js';
import type { Step } from '../topology/steps.js';
import { nodeObject } from './nodes.js';
import { canonicalIP, cidrContains, parseCIDR } from '../net/ip.js';

export class Cluster {
  readonly store = new Store();
  readonly clock = new SimClock();
  readonly controllers: ControllerManager;
  /** Kind/key → where the object was written: made on the first problem to report, not per object at load. */
  private refs?: Map<string, SourceRef>;
  private readonly endpointSlices: EndpointSliceController;

  constructor(readonly topology: Topology) {
    const ctx: ControllerContext = {
      store: this.store,
      networking: topology.networking,
      header: topology.header,
      flannel: topology.flannel,
      fail: (o, path, msg) => {
        throw new InputError(describe(this.refOf(o), objectName(o.kind, o as never), path, msg));
      },
      warn: (o, path, msg) => topology.problems.warn(this.refOf(o), objectName(o.kind, o as never), path, msg),
    };
    this.endpointSlices = new EndpointSliceController(ctx);
    this.controllers = new ControllerManager([
      new BootstrapController(ctx),
      new NodeIpamController(ctx),
      new DeploymentController(ctx),
      new ReplicaSetController(ctx),
      new DaemonSetController(ctx),
      new StatefulSetController(ctx),
      new ReplicationControllerManager(ctx),
      new JobController(ctx),
      new SchedulerController(ctx),
      new PodNetworkController(ctx),
      new ServiceAllocController(ctx),
      this.endpointSlices,
      new EndpointSliceMirroringController(ctx),
      new EndpointsController(ctx),
    ]);
    // A Node written in the topology (a `kubectl get nodes -o yaml` dump) keeps its own fields.
    const written = new Map(topology.objects.filter((s) => s.object.kind === 'Node').map((s) => [s.object.metadata.name, s.object as KNode]));
    for (const n of topology.header.nodes) {
      if (!this.store.get('Node', undefined, n.name)) this.store.create(nodeObject(n, written.get(n.name)));
    }
    for (const { object, namespaced } of topology.unmodelled) this.store.keep(object, namespaced);
    for (const { object } of topology.objects) {
      if (object.kind === 'Node') continue; // already registered from the header
      // kube-apiserver defaults a new pod's phase to Pending.
      this.store.create(object.kind === 'Pod' && !object.status?.phase ? { ...object, status: { ...object.status, phase: 'Pending' } } : object);
    }
    this.controllers.start();
    this.settle();
    this.checkReferences();
  }

  get warnings(): string[] {
    return this.topology.problems.warnings;
  }

  /**
   * One step's changes as kubectl would make them (apply = create or replace, delete), then the
   * controllers react. The agents react when the caller lets them (after the step's wait).
   */
  applyChanges(step: Step): void {
    for (const o of step.apply) {
      const obj = o.kind === 'Pod' && !o.status?.phase ? ({ ...o, status: { ...o.status, phase: 'Pending' } } as AnyObject) : o;
      const cur = this.store.get(obj.kind, obj.metadata.namespace ?? (KINDS[obj.kind].namespaced ? 'default' : undefined), obj.metadata.name);
      if (cur) this.store.update(keepServerFields(cur, { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } } as AnyObject));
      else this.store.create(obj);
    }
    for (const d of step.delete) {
      if (!this.store.get(d.kind, d.namespace, d.name)) {
        throw new InputError(`${step.where}: delete ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}: not found`);
      }
      this.store.delete(d.kind, d.namespace, d.name);
    }
    this.settle();
  }

  /** Lets every controller finish reacting to the changes made so far. */
  settle(): void {
    this.controllers.settle();
  }

  private sourceRefs(): Map<string, SourceRef> {
    if (this.refs) return this.refs;
    this.refs = new Map();
    for (const { object, ref } of this.topology.objects) {
      if (object.kind === 'Node') continue;
      this.refs.set(`${object.kind}/${keyOf({ metadata: { ...object.metadata, namespace: object.metadata.namespace ?? 'default' } })}`, ref);
    }
    return this.refs;
  }

  /** Where an object was written; a controller-made one points at its owner's document. */
  private refOf(o: AnyObject): SourceRef {
    for (let cur: AnyObject | undefined = o, depth = 0; cur && depth < 4; depth++) {
      const ref = this.sourceRefs().get(`${cur.kind}/${keyOf(cur)}`);
      if (ref) return ref;
      const owner = controllerOf(cur);
      cur = owner && isKind(owner.kind) ? this.store.get(owner.kind, cur.metadata.namespace, owner.name) : undefined;
    }
    return SourceRef.synthetic(this.topology.files.join(','));
  }

  /** Warnings kubectl users learn the hard way: selectors that match nothing, ports no pod declares. */
  private checkReferences(): void {
    for (const { object } of this.topology.objects) {
      if (object.kind !== 'Pod' || object.spec.hostNetwork || !object.status?.podIP || !object.spec.nodeName) continue;
      const cidr = this.store.get('Node', undefined, object.spec.nodeName)?.spec.podCIDR;
      const c = cidr ? parseCIDR(cidr, true) : undefined;
      if (c && !cidrContains(c, canonicalIP(object.status.podIP) ?? '')) {
        this.topology.problems.warn(
          this.refOf(object),
          objectName('Pod', object as never),
          ['status', 'podIP'],
          `${object.status.podIP} is outside the podCIDR ${cidr} of node ${object.spec.nodeName} (another CNI's IPAM chose it): knet's CNI (flannel, bridge, host-local) cannot wire that address, so the pod gets no network namespace`,
        );
      }
    }
    for (const { object } of this.topology.objects) {
      if (object.kind !== 'Service') continue;
      const svc = this.store.get('Service', object.metadata.namespace ?? 'default', object.metadata.name) as Service;
      if (!svc?.spec.selector || Object.keys(svc.spec.selector).length === 0) continue;
      // The selected pods are read one at a time, only as far as each question needs.
      if (this.endpointSlices.eachSelectedPod(svc).next().done) {
        const sel = Object.entries(svc.spec.selector).map(([k, v]) => `${k}=${v}`).join(',');
        this.topology.problems.warn(this.refOf(svc), objectName('Service', svc as never), ['spec', 'selector'], `selector ${sel} matches no pod: the Service has no endpoints`);
        continue;
      }
      (svc.spec.ports ?? []).forEach((sp, i) => {
        if (typeof sp.targetPort !== 'string' || /^\d+$/.test(sp.targetPort)) return;
        if (!someOf(this.endpointSlices.eachSelectedPod(svc), (p) => resolveTargetPort(sp, p) !== undefined)) {
          this.topology.problems.warn(
            this.refOf(svc),
            objectName('Service', svc as never),
            ['spec', 'ports', i, 'targetPort'],
            `no selected pod declares a container port named "${sp.targetPort}" (${sp.protocol ?? 'TCP'})`,
          );
        }
      });
    }
  }
}

function someOf<T>(items: Iterable<T>, test: (item: T) => boolean): boolean {
  for (const x of items) if (test(x)) return true;
  return false;
}

/**
 * What `kubectl apply` leaves alone because the user never wrote it: the fields the API server
 * and controllers filled in (a Service's ClusterIP and nodePorts, a pod's node, every status).
 */
function keepServerFields(cur: AnyObject, next: AnyObject): AnyObject {
  const out = { ...next } as AnyObject & { status?: unknown };
  if ((next as { status?: unknown }).status === undefined && (cur as { status?: unknown }).status !== undefined) out.status = (cur as { status?: unknown }).status;
  if (cur.kind === 'Service' && next.kind === 'Service') {
    const spec = { ...next.spec };
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'healthCheckNodePort'] as const) if (spec[k] === undefined && cur.spec[k] !== undefined) (spec as Record<string, unknown>)[k] = cur.spec[k];
    spec.ports = (spec.ports ?? []).map((p) => {
      const old = (cur.spec.ports ?? []).find((o) => (o.name ?? '') === (p.name ?? '') && o.port === p.port);
      return p.nodePort === undefined && old?.nodePort !== undefined ? { ...p, nodePort: old.nodePort } : p;
    });
    (out as typeof next).spec = spec;
  }
  if (cur.kind === 'Pod' && next.kind === 'Pod' && next.spec.nodeName === undefined && cur.spec.nodeName !== undefined) (out as typeof next).spec = { ...next.spec, nodeName: cur.spec.nodeName };
  return out;
}

/** Reads topology files (the default one when none) and runs the cluster's controllers to a settled state. */
export function loadCluster(paths: string[] = []): Cluster {
  return new Cluster(readTopology(paths));
}

