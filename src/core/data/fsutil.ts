/**
 * Small file helpers shared by the data readers. Runs in any Node process (main, worker, cli).
 */
import { readFileSync } from 'node:fs';
import { LabError } from '../../shared/errors';

/**
 * Reads a whole file a person pointed at, turning the usual failures into LabErrors whose
 * message starts with `what` (e.g. `Train images file "a.gz"`).
 */
export function readFileChecked(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LabError('not_found', `${what} was not found; check the path and try again.`);
    }
    if (code === 'EISDIR') {
      throw new LabError('bad_file', `${what} is a folder, not a file; choose the file inside it.`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new LabError('bad_file', `${what} cannot be read (permission denied); check its permissions.`);
    }
    if (code === 'ERR_FS_FILE_TOO_LARGE') {
      throw new LabError('bad_file', `${what} is too large to load into memory.`);
    }
    throw err;
  }
}
