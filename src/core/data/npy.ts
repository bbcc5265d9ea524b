/**
 * NumPy .npy files: the lab's on-disk format for arrays (images as uint8 NHWC, labels as uint8 or
 * int32). Pure Node; no tfjs. Format reference: numpy/lib/format.py ("NPY format").
 *
 *   \x93NUMPY <major> <minor> <header_len: u16 (v1) | u32 (v2, v3)> <header: python dict literal>
 *   <raw data, C order>
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { LabError } from '../../shared/errors';
import { checkUnderCap, fileErrorFor, openRegularFile, readAt } from './fsutil';

export type NpyDtype = 'uint8' | 'int32' | 'float32' | 'int64' | 'float64';
export type NpyData = Uint8Array | Int32Array | Float32Array | BigInt64Array | Float64Array;
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const HOST_LE = endianness() === 'LE';

const DESCR: Record<NpyDtype, string> = {
  uint8: '|u1',
  int32: '<i4',
  float32: '<f4',
  int64: '<i8',
  float64: '<f8',
};

const ITEMSIZE: Record<NpyDtype, number> = { uint8: 1, int32: 4, float32: 4, int64: 8, float64: 8 };

/** numpy type chars (after the byte-order char) that we read, and what they become. */
const READABLE: Record<string, NpyDtype> = {
  u1: 'uint8',
  b1: 'uint8', // bool: stored as one byte 0/1
  i4: 'int32',
  f4: 'float32',
  i8: 'int64',
  f8: 'float64',
};

function typedArrayFits(dtype: NpyDtype, data: NpyData): boolean {
  switch (dtype) {
    case 'uint8':
      return data instanceof Uint8Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'float32':
      return data instanceof Float32Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'float64':
      return data instanceof Float64Array;
  }
}

function checkShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new LabError('bad_input', `Array shape [${shape.join(', ')}] is invalid: every dimension must be a whole number of at least 0.`);
    }
    n *= d;
  }
  return n;
}

function swapBytes(bytes: Uint8Array, itemsize: number): void {
  if (itemsize === 1) return;
  for (let i = 0; i < bytes.length; i += itemsize) {
    for (let a = i, b = i + itemsize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** The header (magic through padding and '\n') and a little-endian view/copy of the data. */
function encodeParts(a: NpyArray): [Uint8Array, Uint8Array] {
  if (!(a.dtype in DESCR)) {
    throw new LabError('bad_input', `Array type "${String(a.dtype)}" cannot be saved as .npy; use uint8, int32, float32, int64 or float64.`);
  }
  if (!typedArrayFits(a.dtype, a.data)) {
    throw new LabError('bad_input', `Array data is a ${a.data.constructor.name} but its type says ${a.dtype}.`);
  }
  const n = checkShape(a.shape);
  if (a.data.length !== n) {
    throw new LabError(
      'shape_mismatch',
      `Array has ${a.data.length} values but its shape [${a.shape.join(', ')}] needs ${n}.`,
    );
  }
  const shapeStr = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // v1.0: 6 magic + 2 version + 2 header length, then the dict, spaces and '\n' up to a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLen = total - 10;
  if (headerLen > 0xffff) {
    throw new LabError('bad_input', `Array shape [${a.shape.join(', ')}] is too long to save as .npy.`);
  }
  const header = new Uint8Array(total);
  header.set(MAGIC, 0);
  header[6] = 1;
  header[7] = 0;
  header[8] = headerLen & 0xff;
  header[9] = headerLen >> 8;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  for (let i = 0; i < text.length; i++) header[10 + i] = text.charCodeAt(i);

  let body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  if (!HOST_LE && ITEMSIZE[a.dtype] > 1) {
    body = body.slice();
    swapBytes(body, ITEMSIZE[a.dtype]);
  }
  return [header, body];
}

/** Encodes an array as NPY v1.0 (little-endian, C order, header padded to 64 bytes, ending in '\n'). */
export function encodeNpy(a: NpyArray): Buffer {
  const [header, body] = encodeParts(a);
  return Buffer.concat([header, body]);
}

// ---------------------------------------------------------------------------------------------
// Header parsing: a tiny reader for the Python literal numpy writes
// ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }).
// ---------------------------------------------------------------------------------------------
type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

class HeaderSyntaxError extends Error {}

function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new HeaderSyntaxError(`${what} at character ${i}`);
  };
  const value = (depth: number): PyValue => {
    if (depth > 16) fail('nesting too deep');
    ws();
    const c = src[i];
    if (c === undefined) return fail('unexpected end');
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '{') {
      i++;
      const obj: { [k: string]: PyValue } = {};
      for (;;) {
        ws();
        if (src[i] === '}') {
          i++;
          return obj;
        }
        const k = value(depth + 1);
        if (typeof k !== 'string') fail('dictionary key is not a string');
        ws();
        if (src[i] !== ':') fail("expected ':'");
        i++;
        obj[k as string] = value(depth + 1);
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const arr: PyValue[] = [];
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          return arr;
        }
        arr.push(value(depth + 1));
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(?:True|False|None|-?\d+L?)/.exec(src.slice(i, i + 32));
    if (!m) return fail('unexpected text');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  };
  const v = value(0);
  ws();
  if (i !== src.length) fail('unexpected text after the dictionary');
  return v;
}

function makeTyped(dtype: NpyDtype, buffer: ArrayBufferLike, byteOffset: number, length: number): NpyData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** Where a .npy file's data is and what it holds, from its header. */
interface NpyLayout {
  dtype: NpyDtype;
  /** numpy's type chars after the byte order (u1, b1, i4, ...). */
  code: string;
  order: string;
  shape: number[];
  count: number;
  itemsize: number;
  dataStart: number;
  /** Data bytes the shape needs. */
  expected: number;
}

/** numpy itself refuses headers over 10000 bytes by default; anything past 1 MiB is not a .npy header. */
const MAX_NPY_HEADER = 1024 * 1024;

/** A dtype string safe to repeat in a message (it is short and looks like one); else a neutral word. */
function quoteDescr(descr: string): string {
  return /^[<>|=]?[a-zA-Z][0-9]{0,2}$/.test(descr) ? `'${descr}'` : 'of this kind';
}

/**
 * Reads a .npy header. `buf` holds at least the header (or all there is); `total` is the file's
 * size, so that the data's size can be checked before the data is read.
 */
function npyLayout(buf: Uint8Array, total: number, what: string): NpyLayout {
  const bad = (msg: string): LabError => new LabError('bad_file', `${what}: ${msg}`);
  if (buf.length < 10 || MAGIC.some((b, k) => buf[k] !== b)) {
    throw bad('this is not a .npy file (it does not start with "\\x93NUMPY"); save arrays with numpy.save.');
  }
  const major = buf[6]!;
  const minor = buf[7]!;
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf[8]! | (buf[9]! << 8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('the file is truncated inside its header; save it again.');
    headerLen = (buf[8]! | (buf[9]! << 8) | (buf[10]! << 16)) + buf[11]! * 0x1000000;
    headerStart = 12;
  } else {
    throw bad(`.npy format version ${major}.${minor} is not supported (only 1.0, 2.0 and 3.0); save it with numpy.save.`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > total) {
    throw bad(`the file is truncated inside its header (the header needs ${dataStart} bytes, the file has ${total}); save it again.`);
  }
  if (headerLen > MAX_NPY_HEADER) {
    throw bad(`the header claims ${headerLen} bytes, far more than a .npy header uses; the file is broken.`);
  }
  if (dataStart > buf.length) throw new Error('Internal error: npyLayout was given less than the header.');
  const headerBytes = buf.subarray(headerStart, dataStart);
  const headerText =
    major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : Buffer.from(headerBytes).toString('latin1');

  let dict: PyValue;
  try {
    dict = parsePyLiteral(headerText);
  } catch (err) {
    if (err instanceof HeaderSyntaxError) throw bad(`the header is not readable (${err.message}); save it again with numpy.save.`);
    throw err;
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw bad('the header is not a dictionary; save it again with numpy.save.');
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in dict)) throw bad(`the header has no '${key}' entry; save it again with numpy.save.`);
  }
  const { descr, fortran_order: fortran, shape: shapeV } = dict;
  if (typeof descr !== 'string') {
    throw bad('structured (record) arrays are not supported; save a plain numeric array.');
  }
  const order = descr[0] ?? '';
  const code = descr.slice(1);
  const dtype = Object.prototype.hasOwnProperty.call(READABLE, code) ? READABLE[code] : undefined;
  if (!dtype || !(order === '<' || order === '>' || order === '|' || order === '=')) {
    throw bad(`array type ${quoteDescr(descr)} is not supported; convert it with .astype(numpy.uint8), int32, float32, int64 or float64 first.`);
  }
  if (!Array.isArray(shapeV) || shapeV.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw bad('the shape in the header is not a tuple of whole numbers; save it again with numpy.save.');
  }
  const shape = shapeV as number[];
  if (typeof fortran !== 'boolean') throw bad("the header's 'fortran_order' is not True or False; save it again.");
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw bad('the array is stored in Fortran order; save numpy.ascontiguousarray(a) instead.');
  }
  const count = shape.reduce((p, d) => p * d, 1);
  const itemsize = code === 'u1' || code === 'b1' ? 1 : ITEMSIZE[dtype];
  const expected = count * itemsize;
  const actual = total - dataStart;
  if (actual < expected) {
    throw bad(
      `the file is truncated: shape [${shape.join(', ')}] of ${quoteDescr(descr)} needs ${expected} data bytes but only ${actual} are present; copy or save it again.`,
    );
  }
  if (actual > expected) {
    throw bad(
      `the file has ${actual - expected} unexpected bytes after the data (shape [${shape.join(', ')}] of ${quoteDescr(descr)} needs ${expected}, found ${actual}); save it again.`,
    );
  }
  return { dtype, code, order, shape: [...shape], count, itemsize, dataStart, expected };
}

/**
 * Decodes a .npy file held in memory. Reads v1.0, v2.0 and v3.0 headers; dtypes '|u1', '<i4',
 * '<f4', '<i8', '<f8' (big-endian variants are byte-swapped) and '|b1' (read as uint8 0/1);
 * C order only (Fortran order is accepted when it means the same layout, i.e. at most one
 * dimension larger than 1). The returned data is a view on `buf` when it is aligned for its
 * type, else a copy. Every problem is a LabError('bad_file', `${what}: ...`).
 */
export function decodeNpy(buf: Uint8Array, what = 'The .npy data'): NpyArray {
  const { dtype, code, order, shape, count, itemsize, dataStart, expected } = npyLayout(buf, buf.length, what);
  const fileLE = order === '<' || order === '|' || (order === '=' && HOST_LE);
  const needSwap = itemsize > 1 && fileLE !== HOST_LE;
  const absOffset = buf.byteOffset + dataStart;
  let data: NpyData;
  if (code === 'b1') {
    const out = new Uint8Array(count);
    for (let k = 0; k < count; k++) out[k] = buf[dataStart + k] ? 1 : 0;
    data = out;
  } else if (!needSwap && absOffset % itemsize === 0) {
    data = makeTyped(dtype, buf.buffer, absOffset, count);
  } else {
    // A fresh buffer at offset 0 is aligned. (Not buf.slice: on a Node Buffer that is a view.)
    const copy = new Uint8Array(expected);
    copy.set(buf.subarray(dataStart, dataStart + expected));
    if (needSwap) swapBytes(copy, itemsize);
    data = makeTyped(dtype, copy.buffer, 0, count);
  }
  return { dtype, shape, data };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** Writes the chunks to a temp file next to `path`, fsyncs it and renames it over `path`. */
function writeChunksAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const dir = dirname(path);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fd = fs.openSync(tmp, 'wx');
  try {
    try {
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  // Make the rename itself durable where the platform allows syncing a directory.
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Windows cannot open directories; the rename is still atomic there.
  }
}

/** Writes `${path}.tmp-<random>`, fsyncs and renames it to `path`, so a crash never leaves a half file. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  writeChunksAtomic(path, [data]);
}

/** Encodes and writes an array atomically (header and data written without joining them in memory). */
export function writeNpyAtomic(path: string, a: NpyArray): void {
  writeChunksAtomic(path, encodeParts(a));
}

/**
 * Reads and decodes a .npy file; errors name the file (`what`, default `File "<path>"`). Only
 * regular files; the header is read first and the file must have exactly the size it declares
 * (at most the global cap) before its data is read.
 */
export function readNpy(path: string, what = `File "${path}"`): NpyArray {
  const { fd, size } = openRegularFile(path, what);
  try {
    const start = readAt(fd, 0, Math.min(size, 12));
    let prefix = start;
    if (start.length >= 10 && MAGIC.every((b, k) => start[k] === b)) {
      const major = start[6]!;
      const headerLen =
        major === 1 ? start[8]! | (start[9]! << 8) : start.length >= 12 ? (start[8]! | (start[9]! << 8) | (start[10]! << 16)) + start[11]! * 0x1000000 : 0;
      const dataStart = (major === 1 ? 10 : 12) + headerLen;
      if (dataStart <= size && headerLen <= MAX_NPY_HEADER) prefix = readAt(fd, 0, dataStart);
    }
    // Every header problem, and a size that differs from what the header declares, is refused
    // here, before the data is read.
    const layout = npyLayout(prefix, size, what);
    checkUnderCap(layout.dataStart + layout.expected, what);
    return decodeNpy(readAt(fd, 0, size), what);
  } catch (err) {
    throw fileErrorFor(err, what) ?? err;
  } finally {
    fs.closeSync(fd);
  }
}
