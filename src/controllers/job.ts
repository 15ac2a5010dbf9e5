// The Job controller: `parallelism` pods at once (never more than the completions still wanted),
// named <job>-<5 chars> and labelled with the Job's uid and name as the real controller does.
// knet runs no containers, so a pod never finishes: the Job stays active (said once on load).
import { keyOf, type Pod } from '../api/types.js';
import { Controller, controllerOf } from './controller.js';
import { suffix5 } from './names.js';
import { controllerRef, OwnerIndex, podFromTemplate } from './workload.js';

export const JOB_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';

export class JobController extends Controller {
  readonly name = 'job';
  private readonly owned = new OwnerIndex();
  private readonly serial = new Map<string, number>();
  private readonly told = new Set<string>();

  start(): void {
    this.store.watch('Job', 0, (ev) => this.enqueue(keyOf(ev.object)));
    this.store.watch('Pod', 0, (ev) => {
      const owner = controllerOf(ev.object);
      if (owner?.kind !== 'Job') return;
      if (ev.type === 'DELETED') {
        this.owned.remove(owner.uid, keyOf(ev.object));
        this.enqueue(`${ev.object.metadata.namespace}/${owner.name}`);
      } else this.owned.add(owner.uid, keyOf(ev.object));
    });
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const job = this.store.get('Job', ns, name);
    if (!job) {
      for (const p of this.store.list('Pod', { namespace: ns })) {
        const o = controllerOf(p);
        if (o?.kind === 'Job' && o.name === name) this.store.delete('Pod', ns, p.metadata.name);
      }
      return;
    }
    const uid = job.metadata.uid!;
    const parallelism = job.spec.parallelism ?? 1;
    const want = job.spec.suspend ? 0 : Math.min(parallelism, job.spec.completions ?? parallelism);
    if (want > 0 && !this.told.has(uid)) {
      this.told.add(uid);
      this.ctx.warn(job, [], 'knet runs no containers: the Job\'s pods stay Running and never complete');
    }
    const pods = this.owned
      .owned(uid)
      .map((k) => this.store.get('Pod', ns, k.split('/')[1]!))
      .filter((p): p is Pod => !!p);
    const labels = { [JOB_CONTROLLER_UID]: uid, [JOB_NAME]: name, 'controller-uid': uid, 'job-name': name };
    const ref = { ...controllerRef(job), blockOwnerDeletion: true };
    while (pods.length < want) {
      const n = this.serial.get(uid) ?? 0;
      this.serial.set(uid, n + 1);
      const podName = `${name}-${suffix5(`${name}/${n}`)}`;
      if (this.store.get('Pod', ns, podName)) continue;
      pods.push(this.store.create(podFromTemplate(job.spec.template, podName, ns, ref, labels)));
    }
    while (pods.length > want) this.store.delete('Pod', ns, pods.pop()!.metadata.name);
  }
}
