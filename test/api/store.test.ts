import test from 'ava';
import { ApiError } from '../../src/api/errors.js';
import { parseSelector, selectorMatches, mapSelectorMatches } from '../../src/api/selector.js';
import { Store, type WatchEvent } from '../../src/api/store.js';
import type { ConfigMap, Pod } from '../../src/api/types.js';

function cm(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) }, data };
}

test('create assigns uid, resourceVersion and namespace; get and list find it', (t) => {
  const s = new Store();
  const a = s.create(cm('a'));
  const b = s.create(cm('b'));
  t.is(a.metadata.resourceVersion, '1');
  t.is(b.metadata.resourceVersion, '2');
  t.regex(a.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(s.get('ConfigMap', 'default', 'a'), a);
  t.deepEqual(s.list('ConfigMap').map((o) => o.metadata.name), ['a', 'b']);
  t.deepEqual(s.list('ConfigMap', { namespace: 'other' }), []);
  t.is(s.create<ConfigMap>({ ...cm('c'), metadata: { name: 'c' } }).metadata.namespace, 'default');
});

test('the same writes give the same uids on every run', (t) => {
  const run = () => {
    const s = new Store();
    s.create(cm('a'));
    return s.get('ConfigMap', 'default', 'a')!.metadata.uid;
  };
  t.is(run(), run());
});

test('create of an existing name is AlreadyExists', (t) => {
  const s = new Store();
  s.create(cm('a'));
  const e = t.throws(() => s.create(cm('a')), { instanceOf: ApiError });
  t.is(e.reason, 'AlreadyExists');
  t.is(e.message, 'configmaps "a" already exists');
});

test('update with a stale resourceVersion is a Conflict; with the current one it succeeds', (t) => {
  const s = new Store();
  const a = s.create(cm('a', { k: '1' }));
  const a2 = s.update({ ...a, data: { k: '2' } });
  t.is(a2.metadata.resourceVersion, '2');
  t.is(a2.metadata.uid, a.metadata.uid);
  const e = t.throws(() => s.update({ ...a, data: { k: '3' } }), { instanceOf: ApiError });
  t.is(e.reason, 'Conflict');
  t.is(
    e.message,
    'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
  );
  t.deepEqual(s.get('ConfigMap', 'default', 'a')!.data, { k: '2' });
});

test('update and delete of a missing object are NotFound', (t) => {
  const s = new Store();
  t.is(t.throws(() => s.update(cm('x')), { instanceOf: ApiError }).reason, 'NotFound');
  t.is(t.throws(() => s.delete('ConfigMap', 'default', 'x'), { instanceOf: ApiError }).reason, 'NotFound');
});

test('watch replays history after the given resourceVersion, then streams new events in order', (t) => {
  const s = new Store();
  const a = s.create(cm('a'));
  s.update({ ...a, data: { x: 'y' } });
  s.create(cm('b'));
  const seen: string[] = [];
  const stop = s.watch('ConfigMap', 1, (ev) => seen.push(`${ev.type} ${ev.object.metadata.name} ${ev.resourceVersion}`));
  s.delete('ConfigMap', 'default', 'a');
  stop();
  s.create(cm('c'));
  t.deepEqual(seen, ['MODIFIED a 2', 'ADDED b 3', 'DELETED a 4']);
});

test('a MODIFIED event carries the old object', (t) => {
  const s = new Store();
  const a = s.create(cm('a', { v: '1' }));
  let ev: WatchEvent<'ConfigMap'> | undefined;
  s.watch('ConfigMap', s.resourceVersion, (e) => (ev = e));
  s.update({ ...a, data: { v: '2' } });
  t.deepEqual(ev?.oldObject?.data, { v: '1' });
  t.deepEqual(ev?.object.data, { v: '2' });
});

test('writes made inside a handler are delivered after it, to every watcher in resourceVersion order', (t) => {
  const s = new Store();
  const log: string[] = [];
  s.watch('ConfigMap', 0, (ev) => {
    log.push(`w1 ${ev.type} ${ev.object.metadata.name}`);
    if (ev.object.metadata.name === 'a' && ev.type === 'ADDED') s.create(cm('a-child'));
  });
  s.watch('ConfigMap', 0, (ev) => log.push(`w2 ${ev.type} ${ev.object.metadata.name}`));
  s.create(cm('a'));
  t.deepEqual(log, ['w1 ADDED a', 'w2 ADDED a', 'w1 ADDED a-child', 'w2 ADDED a-child']);
});

test('label selectors: matchLabels and every matchExpressions operator', (t) => {
  const labels = { app: 'web', tier: 'front' };
  t.true(selectorMatches({ matchLabels: { app: 'web' } }, labels));
  t.false(selectorMatches({ matchLabels: { app: 'db' } }, labels));
  t.true(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels));
  t.false(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels));
  t.true(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels));
  t.true(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels));
  t.false(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels));
  t.true(selectorMatches({}, labels), 'an empty LabelSelector selects everything');
  t.false(mapSelectorMatches({}, labels), "an empty Service selector selects nothing");
  t.true(mapSelectorMatches({ app: 'web' }, labels));
});

test('kubectl -l syntax parses to the same requirements', (t) => {
  const s = new Store();
  s.create(cm('a', {}, { app: 'web', tier: 'front' }));
  s.create(cm('b', {}, { app: 'web', tier: 'back' }));
  s.create(cm('c', {}, { app: 'db' }));
  const names = (sel: string) => s.list('ConfigMap', { selector: parseSelector(sel) }).map((o) => o.metadata.name);
  t.deepEqual(names('app=web'), ['a', 'b']);
  t.deepEqual(names('app==web,tier!=back'), ['a']);
  t.deepEqual(names('tier in (front, back)'), ['a', 'b']);
  t.deepEqual(names('tier notin (front)'), ['b', 'c']);
  t.deepEqual(names('!tier'), ['c']);
  t.deepEqual(names('tier'), ['a', 'b']);
  t.throws(() => parseSelector('a=(b'), { message: 'unable to parse requirement: "a=(b"' });
});

test('after compaction a watch from 0 lists current objects as ADDED; an old resourceVersion is Expired', (t) => {
  const s = new Store();
  const a = s.create(cm('a', { v: '1' }));
  s.create(cm('b'));
  s.update({ ...a, data: { v: '2' } });
  s.delete('ConfigMap', 'default', 'b');
  s.compact();
  const seen: string[] = [];
  s.watch('ConfigMap', 0, (ev) => seen.push(`${ev.type} ${ev.object.metadata.name} ${ev.object.data?.v ?? ''}`));
  t.deepEqual(seen, ['ADDED a 2']);
  const e = t.throws(() => s.watch('ConfigMap', 1, () => {}), { instanceOf: ApiError });
  t.is(e.message, 'too old resource version: 1 (4)');
  const live: string[] = [];
  s.watch('ConfigMap', s.resourceVersion, (ev) => live.push(ev.type));
  s.create(cm('c'));
  t.deepEqual(live, ['ADDED']);
});

test('selector lists stay in creation order and follow label changes and deletes', (t) => {
  const s = new Store();
  const a = s.create(cm('a', {}, { app: 'web' }));
  s.create(cm('b', {}, { app: 'db' }));
  s.create(cm('c', {}, { app: 'web' }));
  const names = (sel: string) => s.list('ConfigMap', { selector: parseSelector(sel) }).map((o) => o.metadata.name);
  t.deepEqual(names('app=web'), ['a', 'c']);
  s.update({ ...s.get('ConfigMap', 'default', 'b')!, metadata: { ...s.get('ConfigMap', 'default', 'b')!.metadata, labels: { app: 'web' } } });
  t.deepEqual(names('app=web'), ['a', 'b', 'c']);
  s.update({ ...a, metadata: { ...a.metadata, labels: { app: 'db' } } });
  t.deepEqual(names('app=web'), ['b', 'c']);
  t.deepEqual(names('app in (db, web)'), ['a', 'b', 'c']);
  s.delete('ConfigMap', 'default', 'c');
  t.deepEqual(names('app=web'), ['b']);
  t.deepEqual(s.list('ConfigMap', { namespace: 'default', selector: parseSelector('app=db') }).map((o) => o.metadata.name), ['a']);
});

function pod(name: string, nodeName?: string, ip?: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [], ...(nodeName ? { nodeName } : {}) }, status: { phase: 'Pending', ...(ip ? { podIP: ip } : {}) } };
}

test('a spec.nodeName field-selector watch sees a pod arrive when bound, change, and leave with its last content', (t) => {
  const s = new Store();
  const seen: string[] = [];
  s.watch('Pod', 0, (ev) => seen.push(`${ev.type} ${ev.object.metadata.name} ${ev.object.spec.nodeName ?? '-'} ${ev.object.status?.podIP ?? '-'} ${ev.resourceVersion}`), { fields: { 'spec.nodeName': 'n1' } });
  const p = s.create(pod('p'));
  const other = s.create(pod('q', 'n2'));
  const bound = s.update({ ...p, spec: { ...p.spec, nodeName: 'n1' } });
  const running = s.update({ ...bound, status: { phase: 'Running', podIP: '10.0.0.2' } });
  s.update({ ...other, status: { phase: 'Running', podIP: '10.0.1.2' } });
  s.update({ ...running, spec: { ...running.spec, nodeName: 'n3' } });
  const back = s.update({ ...s.get('Pod', 'default', 'p')!, spec: { ...running.spec, nodeName: 'n1' } });
  s.delete('Pod', 'default', back.metadata.name);
  t.deepEqual(seen, ['ADDED p n1 - 3', 'MODIFIED p n1 10.0.0.2 4', 'DELETED p n1 10.0.0.2 6', 'ADDED p n1 10.0.0.2 7', 'DELETED p n1 10.0.0.2 8']);
  t.deepEqual(s.list('Pod', { fields: { 'spec.nodeName': 'n2' } }).map((x) => x.metadata.name), ['q']);
  t.deepEqual(s.list('Pod', { fields: { 'spec.nodeName': 'n1' } }), []);
});

test('field-selector watches: from 0 the passing objects as they are now, from a later resourceVersion the history; metadata.name picks one object', (t) => {
  const s = new Store();
  s.create(pod('a', 'n1', '10.0.0.2'));
  s.create(pod('b', 'n2'));
  const c = s.create(pod('c', 'n1'));
  s.update({ ...c, status: { phase: 'Running', podIP: '10.0.0.3' } });
  const replay = (): string[] => {
    const out: string[] = [];
    s.watch('Pod', 0, (ev) => out.push(`${ev.type} ${ev.object.metadata.name} ${ev.resourceVersion}`), { fields: { 'spec.nodeName': 'n1' } })();
    return out;
  };
  t.deepEqual(replay(), ['ADDED a 1', 'ADDED c 4']);
  const since: string[] = [];
  s.watch('Pod', 3, (ev) => since.push(`${ev.type} ${ev.object.metadata.name} ${ev.resourceVersion}`), { fields: { 'spec.nodeName': 'n1' } })();
  t.deepEqual(since, ['MODIFIED c 4']);
  s.compact();
  t.deepEqual(replay(), ['ADDED a 1', 'ADDED c 4']);
  const one: string[] = [];
  const stop = s.watch('Pod', 0, (ev) => one.push(`${ev.type} ${ev.object.metadata.name}`), { fields: { 'metadata.name': 'b' } });
  s.update({ ...s.get('Pod', 'default', 'b')!, status: { phase: 'Running' } });
  s.update({ ...s.get('Pod', 'default', 'a')!, status: { phase: 'Running' } });
  stop();
  s.delete('Pod', 'default', 'b');
  t.deepEqual(one, ['ADDED b', 'MODIFIED b']);
  t.deepEqual(s.list('Pod', { fields: { 'metadata.name': 'c' } }).map((x) => x.metadata.name), ['c']);
});

test('field-selector and plain watchers get each event in the order they subscribed', (t) => {
  const s = new Store();
  const log: string[] = [];
  s.watch('Pod', 0, (ev) => log.push(`n1 ${ev.object.metadata.name}`), { fields: { 'spec.nodeName': 'n1' } });
  s.watch('Pod', 0, (ev) => log.push(`all ${ev.object.metadata.name}`));
  s.watch('Pod', 0, (ev) => log.push(`name ${ev.object.metadata.name}`), { fields: { 'metadata.name': 'p' } });
  s.create(pod('p', 'n1'));
  s.create(pod('q', 'n2'));
  t.deepEqual(log, ['n1 p', 'all p', 'name p', 'all q']);
});
