/**
 * The `architectures` table (migration 4): layer-list architectures by name, with their JSON.
 * Attaching a store makes its architectures resolvable by the architecture registry.
 */
import { LabError } from '../../shared/errors';
import { LayerListSpecSchema, type LayerListSpec } from '../../shared/byo';
import { addStoredArchitectureSource, type StoredArchitectureRow } from '../models/stored';
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
