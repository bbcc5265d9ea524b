/**
 * The `architectures` table (migration 4): layer-list architectures by name, with their JSON.
 * Attaching a store makes its architectures resolvable by the architecture registry.
 *
 * Renaming and deleting (rules written once here; the facade, CLI and UI call them):
 * - Built-in architectures are never renamed or deleted.
 * - Models name their architecture (models.arch, signatures.arch, a training run's spec and its
 *   `arch` param, ended sweeps' records), so a rename updates those names in the same transaction
 *   as the table row; a
 *   model's weights file keeps the name it was saved with, and the lab loads stored models by
 *   their record's name (modelFromSafetensors archFromRecord); after the transaction, training
 *   checkpoints and deleted models waiting in the trash are given the new name too.
 * - A delete is refused while any model uses the architecture, naming how many and which.
 * - Both are refused while a queued or running run, or a running sweep, needs the architecture.
 * - A refusal changes nothing; the registry sees a change at once (the stored source is read on
 *   every look-up and the built architecture is forgotten).
 */
import { LabError } from '../../shared/errors';
import { ARCH_NAME_PATTERN, LayerListSpecSchema, type ArchitectureUses, type DeletedArchitecture, type LayerListSpec } from '../../shared/byo';
import { renameArchInTrash } from '../manage';
import { addStoredArchitectureSource, forgetStoredArchitecture, type StoredArchitectureRow } from '../models/stored';
import { ARCHITECTURES } from '../models/registry';
import { renameArchInCheckpoint } from '../training/checkpoint';
import type { LabStore } from './store';

type Row = { name: string; spec: string; created_at: string };

function toRow(r: Row): StoredArchitectureRow {
  return { name: r.name, spec: LayerListSpecSchema.parse(JSON.parse(r.spec)), createdAt: r.created_at };
}

export function getStoredArchitectureRow(store: LabStore, name: string): StoredArchitectureRow | null {
  const r = store.db.prepare('SELECT name, spec, created_at FROM architectures WHERE name = ?').get(name) as Row | undefined;
  return r ? toRow(r) : null;
}

export function listStoredArchitectureRows(store: LabStore): StoredArchitectureRow[] {
  return (store.db.prepare('SELECT name, spec, created_at FROM architectures ORDER BY name').all() as Row[]).map(toRow);
}

/** Inserts a checked layer list; LabError('conflict') when the name is taken. */
export function insertArchitecture(store: LabStore, spec: LayerListSpec): StoredArchitectureRow {
  if (getStoredArchitectureRow(store, spec.name)) {
    throw new LabError('conflict', `An architecture named "${spec.name}" already exists in this lab; give the new one another name.`);
  }
  const createdAt = new Date().toISOString();
  store.db.prepare('INSERT INTO architectures(name, spec, created_at) VALUES (?, ?, ?)').run(spec.name, JSON.stringify(spec), createdAt);
  return { name: spec.name, spec, createdAt };
}

/** Makes this store's architectures resolvable by name (the registry asks it on a miss). */
export function attachArchitectureStore(store: LabStore): void {
  addStoredArchitectureSource({
    open: () => store.db.open,
    get: (name) => getStoredArchitectureRow(store, name),
    list: () => listStoredArchitectureRows(store),
  });
}

const isBuiltin = (name: string) => Object.prototype.hasOwnProperty.call(ARCHITECTURES, name);

function storedRowOrThrow(store: LabStore, name: string, verb: string): StoredArchitectureRow {
  if (isBuiltin(name)) throw new LabError('conflict', `"${name}" is a built-in architecture; it cannot be ${verb}.`);
  const row = getStoredArchitectureRow(store, name);
  if (!row) {
    throw new LabError('not_found', `No stored architecture "${name}" in this lab; \`robustlab architectures list\` (or the Models page) shows them.`);
  }
  return row;
}

function modelsUsing(store: LabStore, name: string): { id: string; name: string }[] {
  return store.db.prepare('SELECT id, name FROM models WHERE arch = ? ORDER BY created_at, id').all(name) as { id: string; name: string }[];
}

/** A queued or running run, or an unfinished sweep, that needs the architecture (by name or through one of its models). */
function activeUser(store: LabStore, name: string, modelIds: string[]): string | null {
  const runs = store.db.prepare(`SELECT name, spec, model_id FROM runs WHERE status IN ('queued','running')`).all() as { name: string; spec: string; model_id: string | null }[];
  for (const r of runs) {
    let arch: unknown;
    try {
      arch = (JSON.parse(r.spec) as { arch?: unknown }).arch;
    } catch {
      arch = undefined;
    }
    if (arch === name || (r.model_id && modelIds.includes(r.model_id)) || modelIds.some((id) => r.spec.includes(`"${id}"`))) return `run "${r.name}"`;
  }
  const sweeps = store.db.prepare(`SELECT name, members FROM sweeps WHERE status IN ('running','paused')`).all() as { name: string; members: string }[];
  const needle = `"arch":${JSON.stringify(name)}`;
  for (const s of sweeps) if (s.members.includes(needle) || modelIds.some((id) => s.members.includes(`"${id}"`))) return `sweep "${s.name}"`;
  return null;
}

function quoteList(items: string[], max = 5): string {
  const shown = items.slice(0, max).map((n) => `"${n}"`).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function refusals(store: LabStore, name: string): { models: { id: string; name: string }[]; rename: string | null; del: string | null } {
  const models = modelsUsing(store, name);
  const active = activeUser(store, name, models.map((m) => m.id));
  const busy = (verb: string) => `The ${active} is using "${name}" right now; wait for it to end or cancel it, then ${verb}.`;
  const del = active
    ? busy('delete')
    : models.length
      ? `"${name}" is used by ${models.length} model${models.length === 1 ? '' : 's'} (${quoteList(models.map((m) => m.name))}); it stays. Delete ${models.length === 1 ? 'that model' : 'those models'} first if you want it gone.`
      : null;
  return { models, rename: active ? busy('rename') : null, del };
}

/** What uses an architecture, and the sentence a rename or delete would be refused with now. */
export function architectureUses(store: LabStore, name: string): ArchitectureUses {
  if (isBuiltin(name)) {
    const why = `"${name}" is a built-in architecture; it cannot be renamed or deleted.`;
    return { name, builtin: true, models: modelsUsing(store, name), renameRefusal: why, deleteRefusal: why };
  }
  storedRowOrThrow(store, name, 'used');
  const r = refusals(store, name);
  return { name, builtin: false, models: r.models, renameRefusal: r.rename, deleteRefusal: r.del };
}

/** Renames a stored architecture and every reference to it, in one transaction. */
export function renameArchitecture(store: LabStore, name: string, newName: string): StoredArchitectureRow {
  const row = storedRowOrThrow(store, name, 'renamed');
  const next = newName.trim();
  if (next === name) throw new LabError('bad_input', `The architecture is already called "${name}"; give a different name.`);
  if (!ARCH_NAME_PATTERN.test(next)) {
    throw new LabError('bad_input', `"${next}" cannot name an architecture: use 1–63 lower-case letters, digits, "-" or "_", starting with a letter.`);
  }
  if (isBuiltin(next)) throw new LabError('conflict', `"${next}" is a built-in architecture; give another name.`);
  const spec: LayerListSpec = { ...row.spec, name: next };
  // The checks and the writes in one transaction: a run submitted meanwhile cannot slip between them.
  const trained = store.transaction(() => {
    if (getStoredArchitectureRow(store, next)) throw new LabError('conflict', `An architecture named "${next}" already exists in this lab; give another name.`);
    const why = refusals(store, name).rename;
    if (why) throw new LabError('conflict', why);
    const ids = (store.db.prepare(`SELECT id FROM runs WHERE json_valid(spec) AND json_extract(spec, '$.arch') = ?`).all(name) as { id: string }[]).map((r) => r.id);
    store.db.prepare('UPDATE architectures SET name = ?, spec = ? WHERE name = ?').run(next, JSON.stringify(spec), name);
    store.db.prepare('UPDATE models SET arch = ? WHERE arch = ?').run(next, name);
    store.db.prepare('UPDATE signatures SET arch = ? WHERE arch = ?').run(next, name);
    store.db.prepare(`UPDATE runs SET spec = json_set(spec, '$.arch', ?) WHERE json_valid(spec) AND json_extract(spec, '$.arch') = ?`).run(next, name);
    store.db.prepare(`UPDATE params SET value = ? WHERE key = 'arch' AND value = ?`).run(next, name);
    // Ended sweeps' records: the base spec, each member's spec and values (an axis written as text stays as written).
    const [from, to] = [`"arch":${JSON.stringify(name)}`, `"arch":${JSON.stringify(next)}`];
    store.db.prepare('UPDATE sweeps SET spec = replace(spec, ?, ?), members = replace(members, ?, ?) WHERE instr(spec, ?) > 0 OR instr(members, ?) > 0').run(from, to, from, to, from, from);
    return ids;
  });
  // A model deleted a moment ago comes back (undo) under the new name too.
  renameArchInTrash(store, name, next);
  // Their checkpoints too, so "Continue training" still matches the run's spec.
  for (const id of trained) renameArchInCheckpoint(store.labDir, id, name, next);
  forgetStoredArchitecture(name);
  return { name: next, spec, createdAt: row.createdAt };
}

/** Deletes a stored architecture that no model uses; returns its layer list (adding it again undoes). */
export function deleteArchitecture(store: LabStore, name: string): DeletedArchitecture {
  const row = storedRowOrThrow(store, name, 'deleted');
  store.transaction(() => {
    const why = refusals(store, name).del;
    if (why) throw new LabError('conflict', why);
    store.db.prepare('DELETE FROM architectures WHERE name = ?').run(name);
  });
  forgetStoredArchitecture(name);
  return { name, spec: row.spec };
}
