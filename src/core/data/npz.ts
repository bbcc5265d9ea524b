/**
 * NumPy arrays in: `.npz` archives (np.savez / np.savez_compressed) with x_train, y_train, x_test,
 * y_test, and plain `.npy` image/label pairs. NumPy arrays out: `.npz` with the same four names.
 *
 * Images may be uint8 (kept), or float in [0, 1] or [0, 255] (scaled and rounded to uint8); the
 * layout may be N×H×W, N×H×W×C or N×C×H×W (C in 1, 3, 4: detected, or stated when both readings
 * fit). Labels are integers (any integer dtype, or floats holding whole numbers), N or N×1.
 * The zip container is read with fflate (a maintained zip/deflate library), each entry bounded by
 * the lab's file cap before it is inflated; the arrays inside with the lab's own .npy reader.
 *
 * Runs in: Node (core).
 */
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { LabError } from '../../shared/errors';
import { MAX_CLASSES, type SplitArrays, type SplitName } from './dataset';
import { checkUnderCap, formatBytes, maxFileBytes, readFileBounded } from './fsutil';
import { decodeNpy, encodeNpy, readNpy, writeFileAtomic, type NpyArray } from './npy';

export type ArrayLayout = 'nhwc' | 'nchw';

export interface NumpyImportOptions {
  /** Images' layout when the shape allows both readings (e.g. 3×32×32×3); otherwise detected. */
  layout?: ArrayLayout;
}

export interface NumpySplitInfo {
  /** Layout found (or stated), dtype and value range of the images as given. */
  layout: ArrayLayout | 'nhw';
  dtype: string;
  scale: 'uint8' | 'unit' | '255';
}

export interface NumpyDataset {
  train?: SplitArrays;
  test?: SplitArrays;
  info: Partial<Record<SplitName, NumpySplitInfo>>;
}

const SPLITS: readonly SplitName[] = ['train', 'test'];
/** Channel counts a layout axis is read as (4, RGBA, is refused after detection anyway). */
const CHANNELS = new Set([1, 3]);

/** Which reading of a 4-D image shape fits: NHWC when the last axis looks like channels, NCHW when the second does. */
export function detectLayout(shape: readonly number[], stated: ArrayLayout | undefined, what: string): ArrayLayout | 'nhw' {
  if (shape.length === 3) return 'nhw';
  if (shape.length !== 4) {
    throw new LabError('bad_file', `${what} has shape [${shape.join(', ')}]; images must be N×H×W, N×H×W×C or N×C×H×W.`);
  }
  const nhwc = CHANNELS.has(shape[3]!);
  const nchw = CHANNELS.has(shape[1]!);
  if (stated) {
    if ((stated === 'nhwc' && !nhwc) || (stated === 'nchw' && !nchw)) {
      throw new LabError('bad_input', `${what} has shape [${shape.join(', ')}], which is not ${stated.toUpperCase()} with 1 or 3 channels.`);
    }
    return stated;
  }
  if (nhwc && nchw) {
    throw new LabError(
      'bad_input',
      `${what} has shape [${shape.join(', ')}], which reads as N×H×W×C and as N×C×H×W; state the layout (--layout nhwc or nchw).`,
    );
  }
  if (nhwc) return 'nhwc';
  if (nchw) return 'nchw';
  throw new LabError(
    'bad_file',
    `${what} has shape [${shape.join(', ')}]; neither its second nor its last axis is 1 or 3 channels, so it is not N×H×W×C or N×C×H×W.`,
  );
}

/** float/int image values → uint8, with the range detected from the data. */
function toUint8(a: NpyArray, what: string): { data: Uint8Array; scale: NumpySplitInfo['scale'] } {
  if (a.dtype === 'uint8') return { data: a.data as Uint8Array, scale: 'uint8' };
  if (a.dtype === 'int64') throw new LabError('bad_file', `${what} holds int64 values; images must be uint8, or float in [0, 1] or [0, 255].`);
  const src = a.data as Float32Array | Float64Array | Int32Array;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (Number.isNaN(v)) throw new LabError('bad_file', `${what} holds NaN at element ${i}; images must be numbers in [0, 1] or [0, 255].`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < 0) throw new LabError('bad_file', `${what} holds ${lo}, below 0; images must be in [0, 1] or [0, 255] (normalised images must be un-normalised first).`);
  if (hi > 255) throw new LabError('bad_file', `${what} holds ${hi}, above 255; images must be in [0, 1] or [0, 255].`);
  const unit = a.dtype !== 'int32' && hi <= 1;
  const k = unit ? 255 : 1;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.round(src[i]! * k);
  return { data: out, scale: unit ? 'unit' : '255' };
}

function toLabels(a: NpyArray, count: number, what: string): Uint8Array | Int32Array {
  const flat = a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1);
  if (!flat) throw new LabError('bad_file', `${what} has shape [${a.shape.join(', ')}]; labels must be one class number per image (N or N×1).`);
  if (a.shape[0] !== count) throw new LabError('shape_mismatch', `${what} has ${a.shape[0]} labels but the images are ${count}; give one label per image.`);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const raw = a.data[i]!;
    const v = typeof raw === 'bigint' ? Number(raw) : raw;
    if (!Number.isInteger(v) || v < 0 || v >= MAX_CLASSES) {
      throw new LabError('bad_file', `${what} has label ${String(raw)} at example ${i}; labels must be whole class numbers from 0 to ${MAX_CLASSES - 1}.`);
    }
    out[i] = v;
  }
  return out;
}

/** One split from an images array and a labels array (layout and range detected). */
export function splitFromArrays(
  x: NpyArray,
  y: NpyArray,
  what: { x: string; y: string },
  opts: NumpyImportOptions = {},
): { split: SplitArrays; info: NumpySplitInfo } {
  const layout = detectLayout(x.shape, opts.layout, what.x);
  const [n, a, b, c = 1] = x.shape as [number, number, number, number?];
  if (n === 0) throw new LabError('bad_file', `${what.x} holds no images (its first axis is 0).`);
  const { data, scale } = toUint8(x, what.x);
  let images = data;
  let height = a;
  let width = b;
  let channels = c;
  if (layout === 'nchw') {
    // [N, C, H, W] → [N, H, W, C]
    channels = a;
    height = b;
    width = c;
    images = new Uint8Array(data.length);
    const plane = height * width;
    const per = plane * channels;
    for (let i = 0; i < n; i++) {
      const o = i * per;
      for (let ch = 0; ch < channels; ch++) for (let p = 0; p < plane; p++) images[o + p * channels + ch] = data[o + ch * plane + p]!;
    }
  }
  if (channels === 4) throw new LabError('bad_file', `${what.x} has 4 channels (colour with transparency); save the images as RGB (3 channels) or grey (1).`);
  const labels = toLabels(y, n, what.y);
  return { split: { images, labels, count: n, height, width, channels }, info: { layout, dtype: x.dtype, scale } };
}

/** The .npy entries of an .npz file (names without `.npy`), each bounded before it is inflated. */
export function readNpzEntries(file: string, what = `File "${path.basename(file)}"`): Record<string, NpyArray> {
  const buf = readFileBounded(file, what);
  if (buf.length < 4 || buf[0] !== 0x50 || buf[1] !== 0x4b) {
    throw new LabError('bad_file', `${what} is not an .npz archive (it does not start like a zip file); save it with numpy.savez.`);
  }
  const cap = maxFileBytes();
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(buf, {
      filter: (f) => {
        if (f.originalSize > cap) {
          throw new LabError('bad_file', `${what}: entry "${f.name}" unpacks to ${formatBytes(f.originalSize)}, more than the ${formatBytes(cap)} this lab reads; raise ROBUSTLAB_MAX_FILE_BYTES if that is right.`);
        }
        return f.name.endsWith('.npy');
      },
    });
  } catch (err) {
    if (err instanceof LabError) throw err;
    throw new LabError('bad_file', `${what} is a damaged .npz archive (${(err as Error).message}); save it again with numpy.savez.`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, data] of Object.entries(entries)) {
    checkUnderCap(data.length, `${what}: entry "${name}"`);
    out[name.replace(/\.npy$/, '')] = decodeNpy(data, `${what}: array "${name.replace(/\.npy$/, '')}"`);
  }
  return out;
}

/** An .npz file with x_train, y_train and/or x_test, y_test. Nothing is written. */
export function readNpzDataset(file: string, opts: NumpyImportOptions = {}): NumpyDataset {
  const what = `File "${path.basename(file)}"`;
  const arrays = readNpzEntries(file, what);
  const out: NumpyDataset = { info: {} };
  for (const s of SPLITS) {
    const x = arrays[`x_${s}`];
    const y = arrays[`y_${s}`];
    if (!x && !y) continue;
    if (!x || !y) {
      throw new LabError('bad_file', `${what} has ${x ? `x_${s}` : `y_${s}`} but no ${x ? `y_${s}` : `x_${s}`}; give both the images and the labels of the ${s} split.`);
    }
    const r = splitFromArrays(x, y, { x: `${what}: x_${s}`, y: `${what}: y_${s}` }, opts);
    out[s] = r.split;
    out.info[s] = r.info;
  }
  if (!out.train && !out.test) {
    const names = Object.keys(arrays);
    throw new LabError(
      'bad_file',
      `${what} has no x_train/y_train or x_test/y_test arrays (it has ${names.length ? names.join(', ') : 'no arrays'}); save it with numpy.savez(f, x_train=…, y_train=…, x_test=…, y_test=…).`,
    );
  }
  return out;
}

/** .npy image and label files per split. Nothing is written. */
export function readNpyPairs(
  files: Partial<Record<SplitName, { images: string; labels: string }>>,
  opts: NumpyImportOptions = {},
): NumpyDataset {
  const out: NumpyDataset = { info: {} };
  for (const s of SPLITS) {
    const f = files[s];
    if (!f) continue;
    const xw = `File "${path.basename(f.images)}"`;
    const yw = `File "${path.basename(f.labels)}"`;
    const r = splitFromArrays(readNpy(f.images, xw), readNpy(f.labels, yw), { x: xw, y: yw }, opts);
    out[s] = r.split;
    out.info[s] = r.info;
  }
  if (!out.train && !out.test) throw new LabError('bad_input', 'Give the images and labels .npy files of at least one split.');
  return out;
}

/**
 * Writes splits as an .npz (stored, not compressed: np.load reads both) with x_train (uint8
 * N×H×W×C), y_train (int64 N) and the same for test, plus any extra arrays given. Atomic.
 */
export function writeNpz(file: string, splits: Partial<Record<SplitName, SplitArrays>>, extra: Record<string, NpyArray> = {}): void {
  const entries: Record<string, Uint8Array> = {};
  for (const s of SPLITS) {
    const d = splits[s];
    if (!d) continue;
    entries[`x_${s}.npy`] = encodeNpy({ dtype: 'uint8', shape: [d.count, d.height, d.width, d.channels], data: d.images });
    const y = new BigInt64Array(d.count);
    for (let i = 0; i < d.count; i++) y[i] = BigInt(d.labels[i]!);
    entries[`y_${s}.npy`] = encodeNpy({ dtype: 'int64', shape: [d.count], data: y });
  }
  for (const [k, a] of Object.entries(extra)) entries[`${k}.npy`] = encodeNpy(a);
  writeFileAtomic(file, zipSync(entries, { level: 0 }));
}
