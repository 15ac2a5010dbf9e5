// Storage in etcd (v3 API, through the etcd3 client): compare-and-swap transactions on a
// key's mod revision, watches from a revision with the previous value, compaction.
import { Etcd3, type IKeyValue } from 'etcd3';
import { CompactedError, type Expect, type KeyValue, type Storage, type StorageWatchHandler, type WriteResult } from './storage.js';

function kvOf(kv: IKeyValue): KeyValue {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
}

export class EtcdStorage implements Storage {
  readonly description: string;
  private readonly client: Etcd3;

  constructor(readonly endpoint: string) {
    this.description = `etcd ${endpoint}`;
    this.client = new Etcd3({ hosts: endpoint, dialTimeout: 5000 });
  }

  async range(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const res = await this.client.getAll().prefix(prefix).exec();
    return { kvs: res.kvs.map(kvOf), revision: Number(res.header.revision) };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.client.get(key).exec();
    return res.kvs[0] ? kvOf(res.kvs[0]) : undefined;
  }

  async put(key: string, value: string, expect: Expect): Promise<WriteResult> {
    const op = this.client.put(key).value(value);
    if (expect === 'any') {
      const r = await op.exec();
      return { ok: true, revision: Number(r.header.revision), kv: { key, value, createRevision: 0, modRevision: Number(r.header.revision) } };
    }
    const res = await this.client
      .if(key, 'Mod', '==', expect.modRevision)
      .then(op)
      .else(this.client.get(key))
      .commit();
    const revision = Number(res.header.revision);
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range?.kvs?.[0];
      return { ok: false, ...(cur ? { current: kvOf(cur) } : {}) };
    }
    return { ok: true, revision, kv: { key, value, createRevision: expect.modRevision === 0 ? revision : 0, modRevision: revision } };
  }

  async delete(key: string, expect: Expect): Promise<WriteResult> {
    if (expect === 'any') {
      const r = await this.client.delete().key(key).exec();
      return Number(r.deleted) > 0 ? { ok: true, revision: Number(r.header.revision) } : { ok: false };
    }
    const res = await this.client.if(key, 'Mod', '==', expect.modRevision).then(this.client.delete().key(key)).commit();
    if (!res.succeeded || Number(res.responses[0]?.response_delete_range?.deleted ?? 0) === 0) return { ok: false };
    return { ok: true, revision: Number(res.header.revision) };
  }

  async watch(prefix: string, fromRevision: number, handler: StorageWatchHandler, onError: (e: Error) => void): Promise<() => void> {
    const w = await this.client.watch().prefix(prefix).startRevision(String(fromRevision + 1)).withPreviousKV().create();
    w.on('data', (res) => {
      if (res.compact_revision && Number(res.compact_revision) > 0) {
        onError(new CompactedError(fromRevision + 1, Number(res.compact_revision)));
        return;
      }
      const events = (res.events ?? []).map((e) => ({
        type: e.type === 'Delete' ? ('delete' as const) : ('put' as const),
        kv: kvOf(e.kv!),
        ...(e.prev_kv ? { prev: kvOf(e.prev_kv) } : {}),
      }));
      handler(events, Number(res.header.revision));
    });
    w.on('error', (e) => onError(e));
    return () => void w.cancel();
  }

  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision: String(revision), physical: true });
  }

  async revision(): Promise<number> {
    const res = await this.client.get('/registry/').exec();
    return Number(res.header.revision);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
