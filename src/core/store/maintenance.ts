/**
 * Keeping a lab folder tidy after hard kills, and checking it on request.
 *
 * - `sweepLeftovers` (run at every open): removes what interrupted work leaves behind — temp
 *   dataset folders (`datasets/.tmp-*`), temp files of atomic writes (`*.tmp-*` under datasets/,
 *   artifacts/ and checkpoints/) and stale uploads (`uploads/<id>/`) — but only those older than
 *   every live (queued or running) job and not touched for a grace period, so work in progress in
 *   another process is never removed.
 * - `checkLab` (`robustlab doctor --check` / `--repair`, the `checkLab` call): SQLite's
 *   integrity check, rows whose files are missing, files no row points at. Repair removes only
 *   leftovers and files no row points at (with the same age rules); it never deletes a file a row
 *   still needs, and never changes rows.
 *
 * Runs in: the host process (Node).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type { LabStore } from './store';
import { readOnlyMessage } from './errors';

/** Work untouched for this long (and older than every live job) is a leftover, not work in progress. */
export const LEFTOVER_GRACE_MS = 10 * 60 * 1000;
/** An upload waits for the person to finish the import form; one untouched for a day is stale. */
export const UPLOAD_GRACE_MS = 24 * 60 * 60 * 1000;

const TMP_NAME = /\.tmp-[A-Za-z0-9-]+$/;
/** The folders the lab writes files into; anything else in the lab folder is left alone. */
const ROOTS = ['datasets', 'artifacts', 'checkpoints'] as const;

export interface SweepOptions {
  now?: number;
  graceMs?: number;
}

/** Newest modification time of a path (for a folder: itself and everything inside). */
function newestMtime(abs: string): number {
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return 0;
  let t = st.mtimeMs;
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(abs)) t = Math.max(t, newestMtime(path.join(abs, e)));
  }
  return t;
}

/** Every file under `dir` (relative to `base`, '/' separators); folders are walked, links are not followed. */
function walk(base: string, dir: string, out: string[] = []): string[] {
  const abs = path.join(base, dir);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(abs, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(base, rel, out);
    else out.push(rel);
  }
  return out;
}

/** The moment before which untouched work counts as left over. */
function cutoff(store: LabStore, opts: SweepOptions): number {
  const now = opts.now ?? Date.now();
  const live = store.oldestLiveRunMs() ?? Number.POSITIVE_INFINITY;
  return Math.min(now - (opts.graceMs ?? LEFTOVER_GRACE_MS), live);
}

function uploadsCutoff(store: LabStore, opts: SweepOptions): number {
  const now = opts.now ?? Date.now();
  const live = store.oldestLiveRunMs() ?? Number.POSITIVE_INFINITY;
  return Math.min(now - Math.max(opts.graceMs ?? LEFTOVER_GRACE_MS, UPLOAD_GRACE_MS), live);
}

/** Leftovers of interrupted work (relative paths; folders end with '/'); uploads count from `uploadsBefore`. */
function findLeftovers(store: LabStore, before: number, uploadsBefore = before): string[] {
  const lab = store.labDir;
  const out: string[] = [];
  const datasets = path.join(lab, 'datasets');
  for (const name of fs.existsSync(datasets) ? fs.readdirSync(datasets) : []) {
    if (name.startsWith('.tmp-') && newestMtime(path.join(datasets, name)) < before) out.push(`datasets/${name}/`);
  }
  for (const root of ROOTS) {
    for (const rel of walk(lab, root)) {
      if (rel.startsWith('datasets/.tmp-')) continue;
      if (TMP_NAME.test(rel) && newestMtime(path.join(lab, rel)) < before) out.push(rel);
    }
  }
  const uploads = path.join(lab, 'uploads');
  for (const name of fs.existsSync(uploads) ? fs.readdirSync(uploads) : []) {
    if (newestMtime(path.join(uploads, name)) < uploadsBefore) out.push(`uploads/${name}${fs.statSync(path.join(uploads, name)).isDirectory() ? '/' : ''}`);
  }
  return out;
}

function remove(lab: string, rel: string): void {
  fs.rmSync(path.join(lab, ...rel.replace(/\/$/, '').split('/')), { recursive: true, force: true });
}

/** Removes empty folders left under the lab's roots (never the roots themselves). */
function pruneEmptyDirs(lab: string): void {
  const prune = (rel: string): boolean => {
    const abs = path.join(lab, rel);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return false;
    }
    let empty = true;
    for (const e of entries) {
      if (!(e.isDirectory() && prune(`${rel}/${e.name}`))) empty = false;
    }
    if (empty && rel.includes('/')) {
      fs.rmdirSync(abs);
      return true;
    }
    return false;
  };
  for (const root of ['datasets', 'artifacts']) prune(root);
}

/**
 * Removes leftovers of interrupted work (see the file comment). Returns what was removed (paths
 * relative to the lab folder). Does nothing on a read-only lab.
 */
export function sweepLeftovers(store: LabStore, opts: SweepOptions = {}): string[] {
  if (store.readOnly) return [];
  const removed: string[] = [];
  for (const rel of findLeftovers(store, cutoff(store, opts), uploadsCutoff(store, opts))) {
    try {
      remove(store.labDir, rel);
      removed.push(rel);
    } catch {
      // In use or not ours to remove: the next open tries again.
    }
  }
  return removed;
}

export interface LabCheck {
  /** PRAGMA integrity_check: ['ok'] when the database file is sound. */
  integrity: string[];
  /** Rows whose file is missing: the path and which row needs it. */
  missing: { file: string; owner: string }[];
  /** Files under datasets/, artifacts/ and checkpoints/ that no row points at. */
  unreferenced: string[];
  /** Leftovers of interrupted work (temp files and folders, stale uploads). */
  leftovers: string[];
  /** With repair: what was removed. */
  removed: string[];
  ok: boolean;
}

/** The store's health, and with `repair` the removal of leftovers and unreferenced files. */
export function checkLab(store: LabStore, opts: SweepOptions & { repair?: boolean } = {}): LabCheck {
  if (opts.repair && store.readOnly) throw new LabError('bad_input', readOnlyMessage(store.labDir));
  const lab = store.labDir;
  const integrity = store.integrityCheck();
  const refs = store.fileReferences();
  const needed = new Set(refs.map((r) => r.rel));
  const missing = refs
    .filter((r) => !r.optional && !fs.existsSync(path.join(lab, ...r.rel.split('/'))))
    .map((r) => ({ file: r.rel, owner: r.owner }));
  const before = cutoff(store, opts);
  const leftovers = findLeftovers(store, Number.POSITIVE_INFINITY);
  const isLeftover = (rel: string) => TMP_NAME.test(rel) || rel.startsWith('datasets/.tmp-');
  const unreferenced = ROOTS.flatMap((root) => walk(lab, root)).filter((rel) => !needed.has(rel) && !isLeftover(rel));
  const removed: string[] = [];
  if (opts.repair) {
    for (const rel of findLeftovers(store, before, uploadsCutoff(store, opts))) {
      remove(lab, rel);
      removed.push(rel);
    }
    for (const rel of unreferenced) {
      // A file written moments ago may be waiting for its row (another process is importing).
      if (needed.has(rel) || newestMtime(path.join(lab, rel)) >= before) continue;
      remove(lab, rel);
      removed.push(rel);
    }
    pruneEmptyDirs(lab);
  }
  const ok = integrity.length === 1 && integrity[0] === 'ok' && missing.length === 0 && unreferenced.length === 0 && leftovers.length === 0;
  return { integrity, missing, unreferenced, leftovers, removed, ok };
}
