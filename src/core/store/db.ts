/**
 * Opening the lab database: WAL mode, foreign keys, numbered migrations.
 * Runs in any Node process (host or worker); never imports electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LabError } from '../../shared/errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export const DB_FILE = 'lab.db';

export function openDb(labDir: string, migrations: Migration[] = MIGRATIONS): Db {
  fs.mkdirSync(labDir, { recursive: true });
  const file = path.join(labDir, DB_FILE);
  const nativeBinding = process.env.ROBUSTLAB_SQLITE_BINDING;
  let db: Db;
  try {
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
  } catch (err) {
    throw new LabError(
      'bad_file',
      `The lab database ${file} could not be opened (${(err as Error).message}); check the folder is writable and the file is a Robustness Lab database.`,
    );
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  migrate(db, migrations);
  return db;
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
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null } | undefined;
  return row?.v ?? 0;
}

export { LATEST_SCHEMA_VERSION };
