// The client side of `--server`: lists a knet API server's objects (its topology ConfigMap
// among them) and builds the same Cluster the server runs; then follows the server's watches
// so long-running commands (dns serve) see every change.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import YAML from 'yaml';
import { InputError } from '../api/errors.js';
import { Cluster } from '../cluster/cluster.js';
import type { AnyObject, Kind } from '../api/types.js';
import { RESOURCES, type Resource } from './resources.js';
import { topologyFromObjects } from './topology-store.js';

export interface ServerRef {
  server: string;
  ca?: string;
  token?: string;
}

/** The server of KUBECONFIG's (or ~/.kube/config's) current context. */
export function currentContext(path = process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config')): ServerRef {
  let doc: Record<string, unknown>;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${path}: cannot read the kubeconfig: ${(e as Error).message.split('\n')[0]}`);
  }
  type Named<T> = { name: string } & T;
  const ctxName = doc['current-context'] as string | undefined;
  const ctx = (doc.contexts as Named<{ context: { cluster: string; user?: string } }>[] | undefined)?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new InputError(`${path}: current-context: no context named "${ctxName ?? ''}"`);
  const cluster = (doc.clusters as Named<{ cluster: { server: string; 'certificate-authority-data'?: string } }>[] | undefined)?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new InputError(`${path}: clusters: no cluster named "${ctx.cluster}" with a server`);
  const user = (doc.users as Named<{ user: { token?: string } }>[] | undefined)?.find((u) => u.name === ctx.user)?.user;
  const caData = cluster['certificate-authority-data'];
  return { server: cluster.server, ...(caData ? { ca: Buffer.from(caData, 'base64').toString() } : {}), ...(user?.token ? { token: user.token } : {}) };
}

function request(ref: ServerRef, path: string): http.ClientRequest {
  const url = new URL(path, ref.server);
  const opts = { headers: { accept: 'application/json', 'user-agent': 'knet', ...(ref.token ? { authorization: `Bearer ${ref.token}` } : {}) }, ...(ref.ca ? { ca: ref.ca } : {}) };
  return (url.protocol === 'https:' ? https : http).get(url, opts);
}

function fail(ref: ServerRef, e: Error): InputError {
  return new InputError(`--server ${ref.server}: ${e.message}`);
}

async function getJSON(ref: ServerRef, path: string): Promise<{ body: Record<string, unknown>; date: number }> {
  return new Promise((resolve, reject) => {
    const req = request(ref, path);
    req.on('error', (e) => reject(fail(ref, e)));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          const body = JSON.parse(text) as Record<string, unknown>;
          if ((res.statusCode ?? 500) >= 400) reject(fail(ref, new Error(`${res.statusCode}: ${String(body.message ?? text)}`)));
          else resolve({ body, date: Date.parse(res.headers.date ?? '') });
        } catch {
          reject(fail(ref, new Error(`${res.statusCode}: not a Kubernetes API response`)));
        }
      });
    });
  });
}

function collectionPath(r: Resource): string {
  return r.group ? `/apis/${r.group}/${r.version}/${r.plural}` : `/api/${r.version}/${r.plural}`;
}

/** A Cluster built from what a knet API server serves, following its changes until closed. */
export class ServerCluster {
  private readonly stops: (() => void)[] = [];

  private constructor(
    readonly ref: ServerRef,
    readonly cluster: Cluster,
  ) {}

  static async open(ref: ServerRef): Promise<ServerCluster> {
    const objects: AnyObject[] = [];
    const versions = new Map<Resource, string>();
    let serverNow = NaN;
    for (const r of RESOURCES.filter((x) => x.storeKind)) {
      const { body: list, date } = await getJSON(ref, collectionPath(r));
      serverNow = date;
      versions.set(r, String((list.metadata as { resourceVersion?: string }).resourceVersion ?? '0'));
      for (const item of (list.items ?? []) as AnyObject[]) objects.push({ ...item, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind } as AnyObject);
    }
    const sc = new ServerCluster(ref, new Cluster(topologyFromObjects(objects, ref.server)));
    // The emulation's clock starts at the server's time, so ages read as the server's tables do.
    const ahead = Math.floor(serverNow / 1000) * 1000 - sc.cluster.clock.now();
    if (ahead > 0) sc.cluster.clock.advance(ahead);
    for (const [r, rv] of versions) sc.follow(r, rv);
    return sc;
  }

  private follow(r: Resource, rv: string): void {
    const req = request(this.ref, `${collectionPath(r)}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    req.on('error', () => {});
    req.on('response', (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) this.apply(r.storeKind!, JSON.parse(line) as { type: string; object: AnyObject });
        }
      });
    });
    this.stops.push(() => req.destroy());
  }

  private apply(kind: Kind, ev: { type: string; object: AnyObject }): void {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const store = this.cluster.store;
    const m = ev.object.metadata;
    const local = store.get(kind, m.namespace, m.name);
    const metadata = { ...m };
    delete metadata.resourceVersion;
    const next = { ...ev.object, kind, metadata } as AnyObject;
    if (ev.type === 'DELETED') {
      if (local) store.delete(kind, m.namespace, m.name);
    } else if (local) store.update(next);
    else store.create(next);
    this.cluster.settle();
  }

  close(): void {
    for (const s of this.stops) s();
  }
}
