/**
 * Opening the lab database: WAL mode, foreign keys, numbered migrations.
 * Runs in any Node process (host or worker); never imports electron.
 *
 * Problems with the lab folder itself are one sentence each (LabError): `--lab` naming a file or a
 * path under a file ('bad_input': the person's mistake), a damaged lab.db ('bad_file'). A lab
 * folder the process may not write to (permissions, a read-only disk) is opened read-only, so it
 * can still be listed and browsed; writing to it then fails with one sentence (./errors).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LabError } from '../../shared/errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export const DB_FILE = 'lab.db';

/** The nearest existing ancestor of `p` (itself included). */
function nearestExisting(p: string): string {
  let cur = p;
  while (!statOrNone(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

/** stat, or undefined when nothing is there (also when a part of the path is a file). */
function statOrNone(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure `labDir` is (or can become) a lab folder. Returns whether it must be opened
 * read-only. Throws one sentence for a path that cannot be a lab folder.
 */
export function checkLabDir(labDir: string): { readOnly: boolean } {
  const st = statOrNone(labDir);
  if (st && !st.isDirectory()) {
    throw new LabError('bad_input', `The lab folder "${labDir}" is a file, not a folder; give --lab a folder (a new name creates it).`);
  }
  if (!st) {
    const base = nearestExisting(path.dirname(labDir));
    const bst = statOrNone(base);
    if (bst && !bst.isDirectory()) {
      throw new LabError('bad_input', `The lab folder "${labDir}" cannot be created because "${base}" is a file; give --lab a folder path.`);
    }
    try {
      fs.mkdirSync(labDir, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new LabError(
          'bad_input',
          `The lab folder "${labDir}" cannot be created: "${base}" is ${code === 'EROFS' ? 'on a read-only disk' : 'not writable for you'}; give --lab a folder you can write to.`,
        );
      }
      if (code === 'ENOTDIR') {
        throw new LabError('bad_input', `The lab folder "${labDir}" cannot be created because a part of its path is a file; give --lab a folder path.`);
      }
      if (code === 'ENOSPC') {
        throw new LabError('unavailable', `The lab folder "${labDir}" cannot be created: the disk is full; free some space and try again.`);
      }
      throw err;
    }
    return { readOnly: false };
  }
  const file = path.join(labDir, DB_FILE);
  const dbExists = fs.existsSync(file);
  const readOnly = !writable(labDir) || (dbExists && !writable(file));
  if (readOnly && !dbExists) {
    throw new LabError('bad_input', `The folder "${labDir}" is read-only and holds no lab yet; give --lab a folder you can write to.`);
  }
  return { readOnly };
}

function damaged(file: string, err: unknown): LabError {
  const why = (err as { code?: string }).code === 'SQLITE_NOTADB' ? 'it is not an SQLite database' : 'SQLite reports it as damaged';
  return new LabError(
    'bad_file',
    `The lab database "${file}" cannot be read (${why}); restore it from a backup, run "robustlab doctor --check", or choose another lab folder with --lab.`,
  );
}

const CORRUPT = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function isCorruptionError(err: unknown): boolean {
  return CORRUPT.has(String((err as { code?: unknown } | null)?.code));
}

/** An open lab database, and whether it is read-only (and, then, a private snapshot to remove on close). */
export interface OpenedDb {
  db: Db;
  readOnly: boolean;
  /** A temporary copy of a read-only WAL database, removed on close. */
  snapshotDir: string | null;
}

/**
 * Opens a read-only lab database. SQLite cannot open a WAL database read-only in a folder where it
 * may not create the shared-memory file, so then the database (and its WAL) is copied to a private
 * temporary folder and the copy is opened, read-only. Nothing in the lab folder is changed.
 */
function openReadOnly(file: string, nativeBinding?: string): OpenedDb {
  const opts = { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) };
  try {
    const db = new Database(file, opts);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return { db, readOnly: true, snapshotDir: null };
    } catch (err) {
      db.close();
      if (isCorruptionError(err)) throw err;
    }
  } catch (err) {
    if (isCorruptionError(err)) throw damaged(file, err);
  }
  const snap = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-readonly-'));
  try {
    for (const suffix of ['', '-wal']) {
      if (fs.existsSync(file + suffix)) fs.copyFileSync(file + suffix, path.join(snap, DB_FILE + suffix));
    }
    const db = new Database(path.join(snap, DB_FILE), opts);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { db, readOnly: true, snapshotDir: snap };
  } catch (err) {
    fs.rmSync(snap, { recursive: true, force: true });
    if (isCorruptionError(err)) throw damaged(file, err);
    throw new LabError('bad_file', `The lab database "${file}" cannot be opened read-only (${(err as Error).message}); check its permissions.`);
  }
}

/** Opens (creating if needed) the lab database in `labDir`, read-only when the folder cannot be written. */
export function openLabDb(labDir: string, migrations: Migration[] = MIGRATIONS): OpenedDb {
  const { readOnly } = checkLabDir(labDir);
  const file = path.join(labDir, DB_FILE);
  const dbStat = statOrNone(file);
  if (dbStat && !dbStat.isFile()) {
    throw new LabError('bad_input', `"${file}" is not a file; this folder is not a Robustness Lab folder, choose another with --lab.`);
  }
  const nativeBinding = process.env.ROBUSTLAB_SQLITE_BINDING;
  if (readOnly) {
    const opened = openReadOnly(file, nativeBinding);
    const current = schemaVersion(opened.db);
    const newest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
    if (current !== newest) {
      opened.db.close();
      if (opened.snapshotDir) fs.rmSync(opened.snapshotDir, { recursive: true, force: true });
      throw new LabError(
        current > newest ? 'conflict' : 'bad_input',
        current > newest
          ? `This lab folder was written by a newer Robustness Lab (schema ${current}, this one knows ${newest}); update the app to open it.`
          : `This read-only lab folder needs an update (schema ${current} → ${newest}) that cannot be written; open it once where it is writable.`,
      );
    }
    return opened;
  }
  let db: Db;
  try {
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
  } catch (err) {
    if (isCorruptionError(err)) throw damaged(file, err);
    throw new LabError(
      'bad_file',
      `The lab database ${file} could not be opened (${(err as Error).message}); check the folder is writable and the file is a Robustness Lab database.`,
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    if (isCorruptionError(err)) throw damaged(file, err);
    throw err;
  }
  return { db, readOnly: false, snapshotDir: null };
}

export function openDb(labDir: string, migrations: Migration[] = MIGRATIONS): Db {
  return openLabDb(labDir, migrations).db;
}

/** Applies every migration newer than the database. Returns the versions applied. */
export function migrate(db: Db, migrations: Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  const newest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > newest) {
    throw new LabError(
      'conflict',
      `This lab folder was written by a newer Robustness Lab (schema ${current}, this one knows ${newest}); update the app to open it.`,
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    const run = db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
      applied.push(m.version);
    });
    // IMMEDIATE takes the write lock before reading, so two processes never both migrate.
    run.immediate();
  }
  return applied;
}

export function schemaVersion(db: Db): number {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!has) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null } | undefined;
  return row?.v ?? 0;
}

export { LATEST_SCHEMA_VERSION };
