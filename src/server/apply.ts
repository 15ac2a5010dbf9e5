// Server-side apply (application/apply-patch+yaml): the applied configuration merges into the
// live object as a strategic merge would; the manager owns the fields it applied, fields it
// applied before and no longer does are removed, and fields another manager set to another
// value are a 409 conflict unless force=true takes them over.
import type { ApiObject } from './cache.js';
import { fieldSet, leaves, fromLeaves, removeAt, valueAt, type ManagedFieldsEntry } from './managed-fields.js';
import { isObject } from './patch.js';
import { timestamp, type Registry, type Written } from './registry.js';
import { apiVersionOf, type Resource } from './resources.js';
import { applyStrategicPatch } from './strategic.js';
import { badRequest, statusError } from './status.js';

export interface ApplyOptions {
  dryRun: boolean;
  statusOnly: boolean;
  manager: string;
  force: boolean;
  now: number;
}

export async function serverSideApply(registry: Registry, r: Resource, ns: string | undefined, name: string, patch: unknown, o: ApplyOptions): Promise<Written> {
  if (!o.manager) throw statusError(400, 'BadRequest', 'PATCH requests with the apply content type require a fieldManager query parameter');
  if (!isObject(patch)) throw badRequest('the server could not parse the request body: an apply patch must be an object');
  const applied = patch as ApiObject;
  if ((applied.metadata as { name?: string } | undefined)?.name !== name) throw badRequest(`the name of the object (${String((applied.metadata as { name?: string } | undefined)?.name)}) does not match the name on the URL (${name})`);
  const time = timestamp(o.now);
  const wanted = leaves(fieldSet(applied));
  const entry = (set: string[]): ManagedFieldsEntry => ({ manager: o.manager, operation: 'Apply', apiVersion: apiVersionOf(r), time, fieldsType: 'FieldsV1', fieldsV1: fromLeaves(set) });
  return registry.modify(
    r,
    ns,
    name,
    (cur) => {
      if (!cur) return { ...applied, metadata: { ...applied.metadata, managedFields: [entry(wanted)] } };
      const entries = ((cur.metadata.managedFields ?? []) as ManagedFieldsEntry[]).filter((e) => e.fieldsType === 'FieldsV1');
      const mine = entries.find((e) => e.manager === o.manager && e.operation === 'Apply');
      const others = entries.filter((e) => e !== mine);
      const conflicts: { manager: string; apiVersion: string; field: string }[] = [];
      for (const e of others) {
        const owned = new Set(leaves(e.fieldsV1));
        for (const l of wanted) {
          if (owned.has(l) && JSON.stringify(valueAt(cur, l)) !== JSON.stringify(valueAt(applied, l))) conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, field: l });
        }
      }
      if (conflicts.length && !o.force) {
        const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field }));
        const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`);
        throw statusError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${lines.join('\n')}`, { causes });
      }
      const merged = applyStrategicPatch(cur, applied) as ApiObject;
      const ownedByOthers = new Set(others.flatMap((e) => leaves(e.fieldsV1)));
      const stillWanted = new Set(wanted);
      for (const l of mine ? leaves(mine.fieldsV1) : []) if (!stillWanted.has(l) && !ownedByOthers.has(l)) removeAt(merged, l);
      // Forced or equal-valued fields: with force the others lose them; equal values are shared.
      const forced = new Set(conflicts.map((c) => c.field));
      const kept = others
        .map((e) => ({ ...e, fieldsV1: fromLeaves(leaves(e.fieldsV1).filter((l) => !forced.has(l))) }))
        .filter((e) => Object.keys(e.fieldsV1).length);
      return { ...merged, metadata: { ...merged.metadata, resourceVersion: undefined, managedFields: [...kept, entry(wanted)] } };
    },
    { dryRun: o.dryRun, statusOnly: o.statusOnly, createIfMissing: true, applied: true, manager: o.manager },
  );
}
