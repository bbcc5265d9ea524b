/**
 * Managing what a person made: rename, see what depends on a dataset or model, delete it when
 * nothing does (with a short undo), and hand out a model's weights.
 *
 * Rules (written once here; UI and CLI call them through the facade):
 * - A dataset or model that anything else still needs is never deleted: runs, models, datasets and
 *   evaluations that name it (and rows of any other table with a foreign key to it) are listed,
 *   and deleting is refused until they are gone. A model's own training run does not block: it
 *   keeps its record and curves.
 * - The built-in datasets come back on every start, so they cannot be deleted.
 * - Deleting moves the row (as JSON) and the files into `trash/<token>/` and removes the row in one
 *   transaction; `restoreDeleted(token)` puts both back until the token expires (UNDO_SECONDS),
 *   after which the trash entry is removed for good. The trash lives in the lab folder, so an undo
 *   works from any process that opens the same lab.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../shared/errors';
import type { DeletedItem, Dependent, ExportedFile } from '../shared/schemas';
import { ARCHITECTURES } from './models/registry';
import { decodeSafetensors, encodeSafetensors } from './models/safetensors';
import { storedArchitecture } from './models/stored';
import type { LabStore } from './store/store';

export const UNDO_SECONDS = 60;

type Kind = 'dataset' | 'model';
type Row = Record<string, unknown>;
const TABLE: Record<Kind, string> = { dataset: 'datasets', model: 'models' };

function rowOf(store: LabStore, kind: Kind, idOrName: string): Row {
  const t = TABLE[kind];
  const r = (store.db.prepare(`SELECT * FROM ${t} WHERE id = ?`).get(idOrName) ??
    store.db.prepare(`SELECT * FROM ${t} WHERE name = ? ORDER BY created_at DESC LIMIT 1`).get(idOrName)) as Row | undefined;
  if (!r) {
    throw new LabError('not_found', `No ${kind} "${idOrName}" in this lab; the ${kind === 'dataset' ? 'Datasets' : 'Models'} page (or \`robustlab ${TABLE[kind]} list\`) shows what there is.`);
  }
  return r;
}

const nameOf = (store: LabStore, table: string, id: unknown): string => {
  const r = store.db.prepare(`SELECT name FROM ${table} WHERE id = ?`).get(id) as { name?: string } | undefined;
  return r?.name ?? String(id);
};

/** "pgd", "clean accuracy" or "corruption benchmark" from an evaluation's stored attack JSON. */
function attackName(json: unknown): string {
  try {
    const a = JSON.parse(String(json)) as { name?: string };
    if (!a.name || a.name === 'none') return 'clean accuracy';
    if (a.name === 'corruptions') return 'corruption benchmark';
    return a.name;
  } catch {
    return 'evaluation';
  }
}

/** A run deleted on the Runs page stays until its undo time is over (or it is purged), and still needs what it used. */
function deletedNote(r: Row): string {
  return r.deleted_at ? ' (deleted, but its delete can still be undone; purge it on the Runs page to let this go)' : '';
}

/** Everything that names this dataset or model, most important first. */
export function dependentsOf(store: LabStore, kind: Kind, idOrName: string): { id: string; name: string; dependents: Dependent[] } {
  const row = rowOf(store, kind, idOrName);
  const id = row.id as string;
  const out: Dependent[] = [];
  const seen = new Set<string>();
  const add = (d: Dependent) => {
    const key = `${d.kind}:${d.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  };
  const db = store.db;
  if (kind === 'dataset') {
    for (const r of db.prepare('SELECT id, name FROM datasets WHERE parent_id = ?').all(id) as Row[]) {
      add({ kind: 'dataset', id: r.id as string, name: r.name as string, how: 'was made from it', blocks: true });
    }
    for (const r of db.prepare('SELECT id, name FROM models WHERE dataset_id = ?').all(id) as Row[]) {
      add({ kind: 'model', id: r.id as string, name: r.name as string, how: 'was trained on it', blocks: true });
    }
    for (const r of db.prepare('SELECT * FROM runs WHERE dataset_id = ? OR instr(spec, ?) > 0 ORDER BY created_at DESC').all(id, `"${id}"`) as Row[]) {
      add({ kind: 'run', id: r.id as string, name: r.name as string, how: (r.kind === 'train' ? 'trained on it' : r.kind === 'corrupt' ? 'corrupted it' : 'evaluated on it') + deletedNote(r), blocks: true });
    }
    for (const r of db.prepare('SELECT id, model_id, attack FROM evaluations WHERE dataset_id = ?').all(id) as Row[]) {
      add({ kind: 'evaluation', id: r.id as string, name: `${attackName(r.attack)} of ${nameOf(store, 'models', r.model_id)}`, how: 'measured on it', blocks: true });
    }
  } else {
    const ownRun = (row.run_id as string | null) ?? null;
    if (ownRun) {
      add({ kind: 'run', id: ownRun, name: nameOf(store, 'runs', ownRun), how: 'trained it (keeps its record and curves)', blocks: false });
    }
    for (const r of db.prepare('SELECT id, name FROM models WHERE parent_id = ?').all(id) as Row[]) {
      add({ kind: 'model', id: r.id as string, name: r.name as string, how: 'was made from it', blocks: true });
    }
    for (const r of db.prepare('SELECT id, dataset_id, attack FROM evaluations WHERE model_id = ?').all(id) as Row[]) {
      add({ kind: 'evaluation', id: r.id as string, name: `${attackName(r.attack)} on ${nameOf(store, 'datasets', r.dataset_id)}`, how: 'measured it', blocks: true });
    }
    for (const r of db.prepare('SELECT * FROM runs WHERE (model_id = ? OR instr(spec, ?) > 0) AND id IS NOT ? ORDER BY created_at DESC').all(id, `"${id}"`, ownRun) as Row[]) {
      add({ kind: 'run', id: r.id as string, name: r.name as string, how: (r.kind === 'train' ? 'starts from it' : 'evaluated it') + deletedNote(r), blocks: true });
    }
  }
  // Any other table with a foreign key to this one (added by later migrations) also blocks.
  const known = new Set(['datasets', 'models', 'runs', 'evaluations']);
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[];
  for (const { name: t } of tables) {
    if (known.has(t)) continue;
    const fks = db.prepare(`SELECT "from" AS col FROM pragma_foreign_key_list(?) WHERE "table" = ?`).all(t, TABLE[kind]) as { col: string }[];
    for (const { col } of fks) {
      const n = (db.prepare(`SELECT count(*) AS n FROM "${t}" WHERE "${col}" = ?`).get(id) as { n: number }).n;
      if (n > 0) add({ kind: t, id: `${t}.${col}`, name: `${n} ${t.replace(/_/g, ' ')}`, how: `refer to it (${col})`, blocks: true });
    }
  }
  return { id, name: row.name as string, dependents: out };
}

export function renameDataset(store: LabStore, idOrName: string, name: string): void {
  const row = rowOf(store, 'dataset', idOrName);
  const other = store.db.prepare('SELECT id FROM datasets WHERE name = ? AND id <> ?').get(name, row.id) as Row | undefined;
  if (other) throw new LabError('conflict', `A dataset named "${name}" already exists; choose another name.`);
  if (String(row.source).startsWith('builtin:')) {
    throw new LabError('conflict', `"${row.name}" is built in and keeps its name (the lab finds it by name on every start).`);
  }
  store.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, row.id);
}

export function setClassNames(store: LabStore, idOrName: string, classNames: string[]): void {
  const row = rowOf(store, 'dataset', idOrName);
  const n = row.num_classes as number;
  if (classNames.length !== n) {
    throw new LabError('bad_input', `"${row.name}" has ${n} classes, but ${classNames.length} class names were given; give one name per class, in label order.`);
  }
  store.db.prepare('UPDATE datasets SET class_names = ? WHERE id = ?').run(JSON.stringify(classNames), row.id);
}

export function renameModel(store: LabStore, idOrName: string, name: string): void {
  const row = rowOf(store, 'model', idOrName);
  store.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(name, row.id);
}

function trashDir(store: LabStore, token?: string): string {
  return token ? path.join(store.labDir, 'trash', token) : path.join(store.labDir, 'trash');
}

interface TrashEntry {
  kind: Kind;
  row: Row;
  /** Files moved: path relative to the lab folder → path relative to the trash entry. */
  moved: [string, string][];
  expiresAt: number;
}

/** Deletes a dataset or model that nothing needs; returns the token that undoes it for a while. */
export function deleteItem(store: LabStore, kind: Kind, idOrName: string, now = Date.now()): DeletedItem {
  const row = rowOf(store, kind, idOrName);
  const id = row.id as string;
  const name = row.name as string;
  if (kind === 'dataset' && String(row.source).startsWith('builtin:')) {
    throw new LabError('conflict', `"${name}" is built in and comes back on every start, so it cannot be deleted.`);
  }
  const active = store.db
    .prepare(`SELECT name FROM runs WHERE status IN ('queued','running') AND (dataset_id = ? OR model_id = ? OR instr(spec, ?) > 0) LIMIT 1`)
    .get(id, id, `"${id}"`) as Row | undefined;
  if (active) throw new LabError('conflict', `Run "${active.name}" is using "${name}" right now; wait for it to end or cancel it, then delete.`);
  const blocking = dependentsOf(store, kind, id).dependents.filter((d) => d.blocks);
  if (blocking.length) {
    const first = blocking.slice(0, 3).map((d) => `${d.kind} "${d.name}"`).join(', ');
    const more = blocking.length > 3 ? ` and ${blocking.length - 3} more` : '';
    throw new LabError(
      'conflict',
      `"${name}" is still needed by ${first}${more}; it stays. Delete those first if you really want it gone.`,
    );
  }
  const token = `${kind}-${crypto.randomBytes(8).toString('hex')}`;
  const dir = trashDir(store, token);
  fs.mkdirSync(dir, { recursive: true });
  const moved: [string, string][] = [];
  if (kind === 'dataset') {
    moved.push([path.join('datasets', id), 'files']);
  } else {
    const art = row.artifact as string;
    const shared = store.db.prepare('SELECT 1 FROM models WHERE artifact = ? AND id <> ? LIMIT 1').get(art, id);
    if (!shared) moved.push([art, 'artifact']);
  }
  const expiresAt = now + UNDO_SECONDS * 1000;
  const entry: TrashEntry = { kind, row, moved, expiresAt };
  fs.writeFileSync(path.join(dir, 'entry.json'), JSON.stringify(entry));
  store.transaction(() => {
    store.db.prepare(`DELETE FROM ${TABLE[kind]} WHERE id = ?`).run(id);
  });
  for (const [from, to] of moved) {
    const src = path.join(store.labDir, from);
    if (fs.existsSync(src)) fs.renameSync(src, path.join(dir, to));
  }
  return { kind, id, name, undoToken: token, undoUntil: new Date(expiresAt).toISOString() };
}

/** Puts a deleted dataset or model back (row and files) while its token has not expired. */
export function restoreDeleted(store: LabStore, token: string, now = Date.now()): { kind: Kind; id: string; name: string } {
  if (!/^(dataset|model)-[0-9a-f]{16}$/.test(token)) throw new LabError('bad_input', 'That is not an undo token of this lab.');
  const dir = trashDir(store, token);
  const file = path.join(dir, 'entry.json');
  if (!fs.existsSync(file)) throw new LabError('not_found', 'Too late to undo: the deleted item has already been removed for good.');
  const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as TrashEntry;
  if (entry.expiresAt < now) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new LabError('not_found', 'Too late to undo: the deleted item has already been removed for good.');
  }
  const t = TABLE[entry.kind];
  const name = entry.row.name as string;
  if (entry.kind === 'dataset' && store.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name)) {
    throw new LabError('conflict', `A dataset named "${name}" was made since; rename it, then undo again.`);
  }
  const arch = entry.kind === 'model' ? String(entry.row.arch) : null;
  if (arch && !Object.prototype.hasOwnProperty.call(ARCHITECTURES, arch) && !storedArchitecture(arch)) {
    throw new LabError('conflict', `The architecture "${arch}" of "${name}" was deleted since; add it back (Models page, or \`robustlab architectures add\`), then undo again.`);
  }
  for (const [to, from] of entry.moved) {
    const src = path.join(dir, from);
    const dst = path.join(store.labDir, to);
    if (fs.existsSync(src) && !fs.existsSync(dst)) fs.renameSync(src, dst);
  }
  const cols = Object.keys(entry.row);
  store.db.prepare(`INSERT INTO ${t} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(entry.row);
  fs.rmSync(dir, { recursive: true, force: true });
  return { kind: entry.kind, id: entry.row.id as string, name };
}

/** Removes trash entries whose undo time is over. */
export function purgeTrash(store: LabStore, now = Date.now()): number {
  const root = trashDir(store);
  if (!fs.existsSync(root)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(root)) {
    const dir = path.join(root, e);
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(dir, 'entry.json'), 'utf8')) as TrashEntry;
      if (entry.expiresAt >= now) continue;
    } catch {
      // An entry without a readable record cannot be restored: remove it.
    }
    fs.rmSync(dir, { recursive: true, force: true });
    n++;
  }
  return n;
}

/** A model's weights as the safetensors file the lab stores (PyTorch names and layouts), base64. */
export function modelWeightsFile(store: LabStore, idOrName: string): ExportedFile {
  const row = rowOf(store, 'model', idOrName);
  let bytes = store.readArtifact(row.artifact as string);
  // After a rename of its stored architecture the file still names the old one: hand out the
  // current name, so the file imports by it elsewhere (the stored artifact is left as it is).
  // Otherwise the download is the stored file, byte for byte.
  let decoded: ReturnType<typeof decodeSafetensors> | null = null;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
  }
  const fileArch = decoded?.metadata.robustlab_arch;
  if (decoded && fileArch && fileArch !== row.arch) bytes = encodeSafetensors(decoded.tensors, { ...decoded.metadata, robustlab_arch: String(row.arch) });
  const safe = String(row.name).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'model';
  return { filename: `${safe}.safetensors`, content: bytes.toString('base64'), mimeType: 'application/octet-stream', encoding: 'base64' };
}

/** A stored architecture was renamed: deleted models waiting in the trash come back with the new name. */
export function renameArchInTrash(store: LabStore, from: string, to: string): void {
  const root = trashDir(store);
  if (!fs.existsSync(root)) return;
  for (const e of fs.readdirSync(root)) {
    const file = path.join(root, e, 'entry.json');
    try {
      const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as TrashEntry;
      if (entry.kind !== 'model' || entry.row.arch !== from) continue;
      entry.row.arch = to;
      fs.writeFileSync(file, JSON.stringify(entry));
    } catch {
      // An unreadable entry cannot be restored anyway (purgeTrash removes it).
    }
  }
}
