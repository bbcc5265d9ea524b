/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
 *
 *   0x00 0x00 <type> <ndims>   then ndims big-endian uint32 sizes, then the data (C order).
 *
 * Only type 0x08 (unsigned byte) is supported: that is what image and label files use.
 *
 * Files are read with a bound: the header says how many bytes the file needs, and nothing beyond
 * that is read or inflated (a gzip file is inflated as a stream and stopped as soon as it gives
 * more than its header declared), nor anything over the global cap (./fsutil maxFileBytes).
 * Messages never quote the file's bytes.
 */
import fs from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { LabError } from '../../shared/errors';
import { checkUnderCap, fileErrorFor, formatBytes, maxFileBytes, openRegularFile, readAt } from './fsutil';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: '16-bit integer',
  0x0c: '32-bit integer',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** The longest IDX header: 4 bytes, then 4 per dimension (at most 255). */
const MAX_HEADER = 4 + 4 * 255;

const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

interface IdxHeader {
  shape: number[];
  headerLen: number;
  /** headerLen + the data bytes the shape needs. */
  expected: number;
}

/**
 * Checks an IDX header. `bytes` holds the start of the content (at least its first
 * min(total, MAX_HEADER) bytes, or everything when `total` is null); `total` is the content's
 * length when known (null while a gzip stream is still inflating). `unpacked` is appended to
 * sizes (" after unzipping").
 */
function readIdxHeader(bytes: Uint8Array, total: number | null, what: string, unpacked: string): IdxHeader {
  const have = total ?? bytes.length;
  if (have < 4) {
    throw new LabError('bad_file', `${what} is too short to be an IDX file (${have} bytes${unpacked}); choose an MNIST-style IDX file.`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new LabError(
      'bad_file',
      `${what} is not an IDX file (IDX files start with two zero bytes, this one does not); choose an MNIST-style file such as train-images-idx3-ubyte.gz.`,
    );
  }
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  const magic = (type << 8) | ndims;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new LabError(
      'bad_file',
      name
        ? `${what} holds ${name} values (IDX type 0x${type.toString(16).padStart(2, '0')}); only unsigned-byte IDX files (type 0x08) are supported.`
        : `${what} is not an IDX file (its value type is none of the IDX types); choose an MNIST-style IDX file.`,
    );
  }
  if (ndims === 0) {
    throw new LabError('bad_file', `${what} is not a usable IDX file (magic ${hex8(magic)} declares 0 dimensions); choose an MNIST-style IDX file.`);
  }
  const headerLen = 4 + 4 * ndims;
  if (have < headerLen) {
    throw new LabError(
      'bad_file',
      `${what} is truncated: its header alone needs ${headerLen} bytes but the file has ${have}${unpacked}; download it again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const expected = headerLen + count;
  if (total !== null) {
    if (total < expected) {
      throw new LabError(
        'bad_file',
        `${what} is truncated: shape ${shape.join('×')} needs ${expected} bytes but the file has ${total}${unpacked}; download it again.`,
      );
    }
    if (total > expected) {
      throw new LabError(
        'bad_file',
        `${what} has ${total - expected} unexpected bytes after the data (shape ${shape.join('×')} needs ${expected} bytes, the file has ${total}${unpacked}); download it again.`,
      );
    }
  }
  return { shape, headerLen, expected };
}

/** Refuses a declared shape whose data is over the global cap, before reading it. */
function checkDeclaredSize(h: IdxHeader, what: string): void {
  const cap = maxFileBytes();
  if (h.expected > cap) {
    throw new LabError(
      'bad_file',
      `${what} declares shape ${h.shape.join('×')}, which needs ${formatBytes(h.expected)}, more than the ${formatBytes(cap)} this lab reads from one file; ` +
        'check the file, or raise the limit with ROBUSTLAB_MAX_FILE_BYTES.',
    );
  }
}

function damagedGzip(what: string, err: unknown): LabError {
  const reason = err instanceof Error ? err.message : String(err);
  return new LabError('bad_file', `${what} is a damaged gzip file (${reason}); download it again.`);
}

/**
 * Parses an IDX file held in memory (gunzipping it first if it starts with the gzip signature;
 * the inflated size is bounded by the global cap). `what` names the file in error messages, e.g.
 * `Train images file "train-images-idx3-ubyte.gz"`.
 */
export function parseIdx(buf: Uint8Array, what: string): IdxArray {
  let bytes = buf;
  const gz = isGzip(buf);
  if (gz) {
    try {
      bytes = gunzipSync(buf, { maxOutputLength: maxFileBytes() });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new LabError('bad_file', `${what} unzips to more than ${formatBytes(maxFileBytes())}, the most this lab reads from one file; check the file.`);
      }
      throw damagedGzip(what, err);
    }
  }
  const h = readIdxHeader(bytes, bytes.length, what, gz ? ' after unzipping' : '');
  return { shape: h.shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + h.headerLen, h.expected - h.headerLen) };
}

/**
 * Inflates a gzip file as a stream into exactly the bytes its IDX header declares: the header is
 * read from the first inflated bytes, then at most that many bytes are kept; one byte more stops
 * the stream. Peak memory is what the file legitimately needs plus one stream chunk.
 */
function inflateIdx(fd: number, what: string): Promise<IdxArray> {
  return new Promise<IdxArray>((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: 1 << 16 });
    let head: Buffer[] = [];
    let headBytes = 0;
    let header: IdxHeader | null = null;
    let out: Buffer | null = null;
    let written = 0;
    let settled = false;
    const finish = (err: unknown, value?: IdxArray) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const take = (chunk: Buffer) => {
      if (!header) {
        head.push(chunk);
        headBytes += chunk.length;
        const all = Buffer.concat(head);
        if (all.length < 4) return;
        const ndims = all[3]!;
        if (all[0] === 0 && all[1] === 0 && all.length < 4 + 4 * ndims && all.length < MAX_HEADER) return;
        header = readIdxHeader(all, null, what, ' after unzipping');
        checkDeclaredSize(header, what);
        // allocUnsafeSlow: pages are only touched as data arrives, so a short file costs little.
        out = Buffer.allocUnsafeSlow(header.expected);
        head = [];
        headBytes = 0;
        chunk = all;
      }
      const room = header.expected - written;
      if (chunk.length > room) {
        throw new LabError(
          'bad_file',
          `${what} has unexpected bytes after the data (shape ${header.shape.join('×')} needs ${header.expected} bytes, the file unzips to more); download it again.`,
        );
      }
      chunk.copy(out!, written);
      written += chunk.length;
    };
    gunzip.on('data', (chunk: Buffer) => {
      try {
        take(chunk);
      } catch (err) {
        finish(err);
      }
    });
    gunzip.on('end', () => {
      try {
        if (!header) {
          // The whole content fitted in the first bytes (or is too short for its header).
          const all = Buffer.concat(head, headBytes);
          const h = readIdxHeader(all, all.length, what, ' after unzipping');
          finish(null, { shape: h.shape, data: new Uint8Array(all.buffer, all.byteOffset + h.headerLen, h.expected - h.headerLen) });
          return;
        }
        readIdxHeader(out!.subarray(0, Math.min(written, MAX_HEADER)), written, what, ' after unzipping');
        finish(null, { shape: header.shape, data: new Uint8Array(out!.buffer, out!.byteOffset + header.headerLen, header.expected - header.headerLen) });
      } catch (err) {
        finish(err);
      }
    });
    gunzip.on('error', (err) => finish(damagedGzip(what, err)));
    // Feed the file in 64 KiB pieces, waiting whenever the inflater asks to (backpressure).
    let pos = 0;
    const pump = (): void => {
      try {
        while (!settled) {
          const piece = readAt(fd, pos, 1 << 16);
          if (piece.length === 0) {
            gunzip.end();
            return;
          }
          pos += piece.length;
          if (!gunzip.write(piece)) {
            gunzip.once('drain', pump);
            return;
          }
        }
      } catch (err) {
        finish(fileErrorFor(err, what) ?? err);
      }
    };
    pump();
  });
}

/**
 * Reads an IDX file from disk, plain or gzipped, with a bound: only regular files; a plain file
 * must have exactly the size its header declares (checked before the data is read); a gzip file
 * is inflated as a stream and stopped at the declared size. Nothing over the global cap is read.
 */
export async function readIdxFile(path: string, what: string): Promise<IdxArray> {
  const { fd, size } = openRegularFile(path, what);
  try {
    checkUnderCap(size, what);
    const start = readAt(fd, 0, Math.min(size, MAX_HEADER));
    if (isGzip(start)) return await inflateIdx(fd, what);
    const h = readIdxHeader(start, size, what, '');
    checkDeclaredSize(h, what);
    const bytes = readAt(fd, 0, h.expected);
    if (bytes.length !== h.expected) readIdxHeader(bytes, bytes.length, what, ''); // shrank meanwhile
    return { shape: h.shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + h.headerLen, h.expected - h.headerLen) };
  } catch (err) {
    throw fileErrorFor(err, what) ?? err;
  } finally {
    fs.closeSync(fd);
  }
}

function describeDims(ndims: number): string {
  if (ndims === 1) return 'labels';
  if (ndims === 3) return 'images';
  return `a ${ndims}-dimensional array`;
}

/**
 * Reads a pair of IDX files (images N×H×W, labels N) for one split, checking that they are of
 * the right kind and agree in count. Errors name the split and the file.
 */
export async function readIdxImagesAndLabels(
  imagesPath: string,
  labelsPath: string,
  split: 'train' | 'test',
): Promise<{ images: Uint8Array; labels: Uint8Array; count: number; height: number; width: number; channels: 1 }> {
  const Split = split === 'train' ? 'Train' : 'Test';
  const imgWhat = `${Split} images file "${imagesPath}"`;
  const lblWhat = `${Split} labels file "${labelsPath}"`;

  const img = await readIdxFile(imagesPath, imgWhat);
  if (img.shape.length !== 3) {
    const m = 0x800 + img.shape.length;
    throw new LabError(
      'bad_file',
      `${imgWhat} is not an IDX images file (magic ${hex8(m)} means ${describeDims(img.shape.length)}; expected 0x00000803)` +
        (img.shape.length === 1 ? '; check that the images and labels files are not swapped.' : '; choose a file of N×H×W images.'),
    );
  }
  const [count, height, width] = img.shape as [number, number, number];
  if (count === 0) throw new LabError('bad_file', `${imgWhat} contains no images; choose a file with at least one image.`);
  if (height === 0 || width === 0) {
    throw new LabError('bad_file', `${imgWhat} declares empty ${height}×${width} images; choose a file with real images.`);
  }

  const lbl = await readIdxFile(labelsPath, lblWhat);
  if (lbl.shape.length !== 1) {
    const m = 0x800 + lbl.shape.length;
    throw new LabError(
      'bad_file',
      `${lblWhat} is not an IDX labels file (magic ${hex8(m)} means ${describeDims(lbl.shape.length)}; expected 0x00000801)` +
        (lbl.shape.length === 3 ? '; check that the images and labels files are not swapped.' : '; choose a file with one label per image.'),
    );
  }
  if (lbl.shape[0] !== count) {
    throw new LabError(
      'shape_mismatch',
      `${lblWhat} has ${lbl.shape[0]} labels but the images file has ${count} images; choose the labels file that belongs to these images.`,
    );
  }
  return { images: img.data, labels: lbl.data, count, height, width, channels: 1 };
}
