// The Job controller: `parallelism` pods at once (never more than the completions still wanted),
// named <job>-<5 chars> and labelled with the Job's uid and name as the real controller does.
// knet runs no containers, so a pod never finishes: the Job stays active (said once on load).
import { PodKeeper } from './pod-keeper.js';
import { controllerRef } from './workload.js';

export const JOB_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';

export class JobController extends PodKeeper {
  readonly name = 'job';
  protected readonly kind = 'Job';
  private readonly told = new Set<string>();

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const job = this.store.get('Job', ns, name);
    if (!job) return this.deleteOrphans(ns, name);
    const uid = job.metadata.uid!;
    const parallelism = job.spec.parallelism ?? 1;
    const want = job.spec.suspend ? 0 : Math.min(parallelism, job.spec.completions ?? parallelism);
    if (want > 0 && !this.told.has(uid)) {
      this.told.add(uid);
      this.ctx.warn(job, [], 'knet runs no containers: the Job\'s pods stay Running and never complete');
    }
    const labels = { [JOB_CONTROLLER_UID]: uid, [JOB_NAME]: name, 'controller-uid': uid, 'job-name': name };
    this.scaleTo(job, this.podsOf(job, true), want, job.spec.template, { ...controllerRef(job), blockOwnerDeletion: true }, labels);
  }
}
