// Leader election over a coordination.k8s.io Lease, as kube-controller-manager does it: the
// holder renews spec.renewTime every retry period; another candidate takes the Lease once it
// has gone unrenewed for leaseDurationSeconds, or at once when the holder releases it.
import { stableUid } from '../api/store.js';
import { log } from '../log.js';
import { encode } from './bridge.js';
import { decode } from './cache.js';
import { timestamp, type Registry } from './registry.js';
import { LEASE, storageKey } from './resources.js';

export const LEASE_NAME = 'knet-controller-manager';

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  leading = false;
  private timer?: NodeJS.Timeout;
  private busy: Promise<void> = Promise.resolve();
  private readonly key = storageKey(LEASE, 'kube-system', LEASE_NAME);

  constructor(
    private readonly registry: Registry,
    readonly identity: string,
    private readonly leaseDurationMs: number,
    private readonly retryMs: number,
    private readonly displayNow: () => number,
    private readonly hooks: { started: () => void; stopped: () => Promise<void> },
  ) {}

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.retryMs);
  }

  private tick(): Promise<void> {
    this.busy = this.busy.then(() => this.tryAcquireOrRenew()).catch((e: Error) => log().warn({ err: e.message }, 'leader election'));
    return this.busy;
  }

  private lease(spec: LeaseSpec, uid: string, created: string): { apiVersion: string; kind: string; metadata: object; spec: LeaseSpec } {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: LEASE_NAME, namespace: 'kube-system', uid, creationTimestamp: created }, spec };
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const storage = this.registry.storage;
    const t = Date.now();
    const kv = await storage.get(this.key);
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    if (!kv) {
      const created = timestamp(this.displayNow());
      const spec: LeaseSpec = { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(t), renewTime: microTime(t), leaseTransitions: 0 };
      const res = await storage.put(this.key, encode(this.lease(spec, stableUid('Lease', `${this.key}#${t}`), created)), { modRevision: 0 });
      if (res.ok) this.become(true);
      return;
    }
    const cur = decode(kv);
    const spec = (cur.spec ?? {}) as LeaseSpec;
    const renewed = Date.parse(spec.renewTime ?? '') || 0;
    const expiresAt = renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    let next: LeaseSpec | undefined;
    if (spec.holderIdentity === this.identity) next = { ...spec, renewTime: microTime(t) };
    else if (!spec.holderIdentity || t >= Math.min(expiresAt, renewed + this.leaseDurationMs)) {
      next = { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(t), renewTime: microTime(t), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
    }
    if (!next) return this.become(false);
    const res = await storage.put(this.key, encode(this.lease(next, cur.metadata.uid ?? '', String(cur.metadata.creationTimestamp ?? ''))), { modRevision: kv.modRevision });
    this.become(res.ok);
  }

  private become(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    log().info({ identity: this.identity, leading }, leading ? 'became the controller leader' : 'lost the controller lease');
    if (leading) this.hooks.started();
    else void this.hooks.stopped();
  }

  /** Stops campaigning; a leader releases the Lease so another server takes over at its next try. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
    if (!this.leading) return;
    const kv = await this.registry.storage.get(this.key);
    if (kv) {
      const cur = decode(kv);
      const spec = { ...((cur.spec ?? {}) as LeaseSpec), holderIdentity: '', leaseDurationSeconds: 1 };
      await this.registry.storage.put(this.key, encode({ ...cur, spec } as { metadata: object }), { modRevision: kv.modRevision });
    }
    this.leading = false;
    await this.hooks.stopped();
  }
}
