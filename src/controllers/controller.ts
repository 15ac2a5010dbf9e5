import type { Store } from '../api/store.js';
import type { AnyObject } from '../api/types.js';
import type { Networking, ClusterHeader, FlannelConfig } from '../topology/config.js';

/** What every controller may read besides the store: the cluster's static configuration. */
export interface ControllerContext {
  store: Store;
  networking: Networking;
  header: ClusterHeader;
  flannel: FlannelConfig;
  /** A problem with a user's object: fails the load naming the object's file and field. */
  fail(object: AnyObject, path: (string | number)[], message: string): never;
  warn(object: AnyObject, path: (string | number)[], message: string): void;
}

/**
 * A level-triggered controller in the style of kube-controller-manager: watch handlers only
 * enqueue keys; `sync(key)` reconciles one key against the store's current state.
 */
export abstract class Controller {
  abstract readonly name: string;
  /**
   * Keys waiting, in the order they came: a Set iterates in insertion order and visits keys added
   * while it is iterated, so it is the queue and its dedup in one (a key waits once).
   */
  private readonly queue = new Set<string>();

  constructor(protected readonly ctx: ControllerContext) {}

  get store(): Store {
    return this.ctx.store;
  }

  /** Subscribes the watches; called once, before the first run. */
  abstract start(): void;

  protected abstract sync(key: string): void;

  enqueue(key: string): void {
    this.queue.add(key);
  }

  get pending(): number {
    return this.queue.size;
  }

  /**
   * Works the queue in insertion order until empty (keys enqueued meanwhile included; one enqueued
   * again once its sync began waits for another turn, at the end); returns how many keys it synced.
   * A sync that throws leaves the keys after it waiting.
   */
  drain(): number {
    let n = 0;
    for (const key of this.queue) {
      this.queue.delete(key);
      n++;
      this.sync(key);
    }
    return n;
  }
}

/** Runs controllers in a fixed order until none has work: deterministic, like a settled cluster. */
export class ControllerManager {
  constructor(readonly controllers: Controller[]) {}

  start(): void {
    for (const c of this.controllers) c.start();
  }

  settle(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let work = 0;
      for (const c of this.controllers) work += c.drain();
      if (work === 0) return;
    }
    throw new Error(`controllers did not settle after ${maxRounds} rounds`);
  }
}

export function controllerOf(o: AnyObject): { kind: string; name: string; uid: string } | undefined {
  const refs = o.metadata.ownerReferences;
  if (refs) for (const r of refs) if (r.controller) return r;
  return undefined;
}
