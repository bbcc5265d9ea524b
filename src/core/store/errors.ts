/**
 * Storage failures as one sentence: a read-only lab folder, a full disk, a damaged database.
 * The facade (every call) and the job runner (a job's final status) pass unknown errors through
 * `storageError` before they would become "Internal error: …".
 */
import { LabError } from '../../shared/errors';
import { isCorruptionError } from './db';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const READ_ONLY = new Set(['EROFS', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_READONLY_RECOVERY', 'SQLITE_READONLY_ROLLBACK', 'SQLITE_READONLY_CANTINIT', 'SQLITE_READONLY_CANTLOCK']);

export function diskFullMessage(labDir: string): string {
  return `The disk holding the lab folder "${labDir}" is full; free some space and run it again (nothing half-written was kept).`;
}

export function readOnlyMessage(labDir: string): string {
  return `The lab folder "${labDir}" is read-only here: it can be listed and browsed, but not changed; to import, train or edit, use a folder you can write to (--lab).`;
}

/**
 * The LabError for a storage failure inside the lab folder, or null when `err` is something else.
 * `readOnly`: the store was opened read-only, so permission errors mean "read-only lab" too.
 */
export function storageError(err: unknown, labDir: string, readOnly = false): LabError | null {
  if (err instanceof LabError) return null;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (FULL.has(code)) return new LabError('unavailable', diskFullMessage(labDir));
  if (READ_ONLY.has(code) || (readOnly && (code === 'EACCES' || code === 'EPERM'))) {
    return new LabError('bad_input', readOnlyMessage(labDir));
  }
  if (isCorruptionError(err)) {
    return new LabError(
      'bad_file',
      `The lab database in "${labDir}" is damaged; run "robustlab doctor --check", and restore lab.db from a backup if it reports problems.`,
    );
  }
  return null;
}
