/**
 * Small file helpers shared by the data and model readers. Runs in any Node process (main,
 * worker, cli).
 *
 * Every file a person points at is read with a bound: it must be a regular file (not a folder,
 * a device such as /dev/zero, a pipe or a socket), and no reader takes more bytes than the
 * file's own header says it needs, nor more than the global cap `maxFileBytes()`
 * (ROBUSTLAB_MAX_FILE_BYTES, default 4 GiB). Messages never quote a file's bytes: they name the
 * file and say what is wrong with it.
 */
import fs from 'node:fs';
import { LabError } from '../../shared/errors';

/** The default cap on any one file the lab reads, and on what a gzip file may inflate to. */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3;

/** The cap on one file (or one gzip file's inflated content): ROBUSTLAB_MAX_FILE_BYTES, else 4 GiB. */
export function maxFileBytes(): number {
  const raw = process.env.ROBUSTLAB_MAX_FILE_BYTES;
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (Number.isSafeInteger(n) && n > 0) return n;
  }
  return DEFAULT_MAX_FILE_BYTES;
}

/** 1536 → "1.5 KiB": sizes in messages. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded number of bytes';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} bytes`;
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** The LabError for a failed open/stat/read, by errno code; null for codes a person cannot cause. */
export function fileErrorFor(err: unknown, what: string): LabError | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new LabError('not_found', `${what} was not found; check the path and try again.`);
  }
  if (code === 'EISDIR') {
    return new LabError('bad_file', `${what} is a folder, not a file; choose the file inside it.`);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new LabError('bad_file', `${what} cannot be read (permission denied); check its permissions.`);
  }
  if (code === 'ELOOP') {
    return new LabError('bad_file', `${what} is a loop of symbolic links; choose the real file.`);
  }
  if (code === 'ERR_FS_FILE_TOO_LARGE') {
    return new LabError('bad_file', `${what} is too large to load into memory.`);
  }
  return null;
}

/** Refuses files larger than the global cap, with one sentence. */
export function checkUnderCap(size: number, what: string, kind = 'is'): void {
  const cap = maxFileBytes();
  if (size > cap) {
    throw new LabError(
      'bad_file',
      `${what} ${kind} ${formatBytes(size)}, more than the ${formatBytes(cap)} this lab reads from one file; ` +
        'choose a smaller file, or raise the limit with ROBUSTLAB_MAX_FILE_BYTES.',
    );
  }
}

export interface OpenFile {
  fd: number;
  size: number;
}

/**
 * Opens a file a person pointed at for reading, after checking that it is a regular file.
 * Folders, devices (/dev/zero), pipes and sockets are refused before anything is read (a pipe is
 * not even opened, which would block). The caller closes `fd`.
 */
export function openRegularFile(path: string, what: string): OpenFile {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (err) {
    throw fileErrorFor(err, what) ?? err;
  }
  if (st.isDirectory()) throw new LabError('bad_file', `${what} is a folder, not a file; choose the file inside it.`);
  if (!st.isFile()) {
    const kind = st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new LabError('bad_file', `${what} is ${kind}, not a regular file; choose a file saved on disk.`);
  }
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw fileErrorFor(err, what) ?? err;
  }
  try {
    const fst = fs.fstatSync(fd);
    // Replaced between stat and open: check what was actually opened.
    if (!fst.isFile()) throw new LabError('bad_file', `${what} is not a regular file; choose a file saved on disk.`);
    return { fd, size: fst.size };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Reads up to `length` bytes at `position` (fewer only at the end of the file). */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/**
 * Reads a whole regular file of at most `limit` bytes (default: the global cap). `limit` is what
 * the caller's format allows; larger files are refused before their data is read.
 */
export function readFileBounded(path: string, what: string, limit?: number): Buffer {
  const { fd, size } = openRegularFile(path, what);
  try {
    checkUnderCap(size, what);
    if (limit !== undefined && size > limit) {
      throw new LabError('bad_file', `${what} is ${formatBytes(size)}, more than the ${formatBytes(limit)} such a file can need; choose the right file.`);
    }
    return readAt(fd, 0, size);
  } catch (err) {
    throw fileErrorFor(err, what) ?? err;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a whole file a person pointed at (regular files only, at most the global cap), turning
 * the usual failures into LabErrors whose message starts with `what` (e.g. `Train images file
 * "a.gz"`).
 */
export function readFileChecked(path: string, what: string): Buffer {
  return readFileBounded(path, what);
}
