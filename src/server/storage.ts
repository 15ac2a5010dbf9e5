// The key-value store under the API, shaped like etcd v3: one revision counter for the whole
// keyspace, each key's create and mod revision, transactions that compare a key's mod revision
// before writing, watches from any revision since the last compaction.
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface StorageEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  /** The value before this event (absent for a put that created the key). */
  prev?: KeyValue;
}

export type StorageWatchHandler = (events: StorageEvent[], revision: number) => void;

/** What a compare-and-swap write expects of the key: absent (0) or at this mod revision. */
export type Expect = { modRevision: number } | 'any';

export type WriteResult = { ok: true; revision: number; kv?: KeyValue } | { ok: false; current?: KeyValue };

export interface Storage {
  /** Every key under the prefix, and the revision the snapshot was taken at. */
  range(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }>;
  get(key: string): Promise<KeyValue | undefined>;
  put(key: string, value: string, expect: Expect): Promise<WriteResult>;
  delete(key: string, expect: Expect): Promise<WriteResult>;
  /** Events after `fromRevision` (exclusive) for keys under the prefix, in order; returns a stop function. */
  watch(prefix: string, fromRevision: number, handler: StorageWatchHandler, onError: (e: Error) => void): Promise<() => void>;
  /** Forgets history up to `revision`: watches from before it fail as compacted. */
  compact(revision: number): Promise<void>;
  revision(): Promise<number>;
  close(): Promise<void>;
  readonly description: string;
}

export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted at ${compacted})`);
    this.name = 'CompactedError';
  }
}

const MEMORY_LOG = 10_000;

/** etcd's data model in memory: the default store of one `knet serve` process. */
export class MemoryStorage implements Storage {
  readonly description = 'memory';
  private rev = 1;
  private compacted = 0;
  private readonly kvs = new Map<string, KeyValue>();
  private readonly log: StorageEvent[] = [];
  private readonly watchers = new Set<{ prefix: string; handler: StorageWatchHandler }>();
  private readonly queue: StorageEvent[] = [];
  private dispatching = false;

  async range(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const kvs = [...this.kvs.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs, revision: this.rev };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.kvs.get(key);
  }

  private check(key: string, expect: Expect): KeyValue | false | undefined {
    const cur = this.kvs.get(key);
    if (expect === 'any') return cur;
    if ((cur?.modRevision ?? 0) !== expect.modRevision) return false;
    return cur;
  }

  async put(key: string, value: string, expect: Expect): Promise<WriteResult> {
    const prev = this.check(key, expect);
    if (prev === false) return { ok: false, current: this.kvs.get(key) };
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: prev?.createRevision ?? rev, modRevision: rev };
    this.kvs.set(key, kv);
    this.emit({ type: 'put', kv, ...(prev ? { prev } : {}) });
    return { ok: true, revision: rev, kv };
  }

  async delete(key: string, expect: Expect): Promise<WriteResult> {
    const prev = this.check(key, expect);
    if (prev === false || !prev) return { ok: false, current: this.kvs.get(key) };
    const rev = ++this.rev;
    this.kvs.delete(key);
    this.emit({ type: 'delete', kv: { key, value: '', createRevision: prev.createRevision, modRevision: rev }, prev });
    return { ok: true, revision: rev };
  }

  async watch(prefix: string, fromRevision: number, handler: StorageWatchHandler): Promise<() => void> {
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision + 1, this.compacted);
    const w = { prefix, handler };
    const past = this.log.filter((e) => e.kv.modRevision > fromRevision && e.kv.key.startsWith(prefix));
    if (past.length) handler(past, this.rev);
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  async compact(revision: number): Promise<void> {
    this.compacted = Math.max(this.compacted, revision);
    let i = 0;
    while (i < this.log.length && this.log[i]!.kv.modRevision <= revision) i++;
    this.log.splice(0, i);
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }

  // Watchers that write from inside their handler see their own events after they return.
  private emit(ev: StorageEvent): void {
    this.log.push(ev);
    // Only a watch starting in the past reads the log (the watch cache's start): keep it short.
    if (this.log.length > MEMORY_LOG * 2) void this.compact(this.log[this.log.length - MEMORY_LOG]!.kv.modRevision);
    this.queue.push(ev);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const e = this.queue[i]!;
        for (const w of [...this.watchers]) if (e.kv.key.startsWith(w.prefix)) w.handler([e], e.kv.modRevision);
      }
    } finally {
      this.queue.length = 0;
      this.dispatching = false;
    }
  }
}
