/**
 * Datasets on disk and in memory. A split is uint8 images N×H×W×C plus one label per image;
 * on disk each split is two .npy files under `${labDir}/datasets/${datasetId}/`. Metadata lives
 * in SQLite (the store): this module only returns plain objects and relative paths.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../shared/errors';
import { readIdxImagesAndLabels } from './idx';
import { readNpy, writeNpyAtomic, type NpyArray } from './npy';

export interface SplitArrays {
  /** uint8 pixels, N×H×W×C (NHWC), row-major. */
  images: Uint8Array;
  /** One class index per image. */
  labels: Uint8Array | Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export type SplitName = 'train' | 'test';

/**
 * Paths relative to the lab folder, always with '/' separators. Besides images and labels a
 * split may list extra arrays (e.g. `trueLabels`, `poisoned`, `sourceIndices` of a corrupted
 * dataset), each stored as `${split}-${kebab-case key}.npy`.
 */
export interface DatasetFiles {
  train?: { images: string; labels: string; [extra: string]: string };
  test?: { images: string; labels: string; [extra: string]: string };
}

/** Extra arrays to store with each split, by key (see DatasetFiles). */
export type SplitExtras = Partial<Record<SplitName, Record<string, NpyArray>>>;

function extraFileName(key: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key) || key === 'images' || key === 'labels') {
    throw new LabError('internal', `Internal error: "${key}" cannot name an extra dataset array.`);
  }
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The most classes a dataset may have (labels 0 .. MAX_CLASSES-1). */
export const MAX_CLASSES = 100_000;

const SPLITS: readonly SplitName[] = ['train', 'test'];

function checkDatasetId(datasetId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(datasetId) || datasetId.includes('..') || datasetId.length > 200) {
    throw new LabError(
      'bad_input',
      `Dataset id "${datasetId}" cannot be used as a folder name; use letters, digits, '.', '_' and '-' only.`,
    );
  }
}

/**
 * Checks a split's sizes and labels and returns the number of classes (max label + 1).
 * `what` names the split in messages, e.g. `The train split`.
 */
export function validateSplit(s: SplitArrays, what: string): { numClasses: number } {
  const dims = { count: s.count, height: s.height, width: s.width, channels: s.channels };
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new LabError('bad_input', `${what} has ${k} ${String(v)}; it must be a whole number of at least 1.`);
    }
  }
  if (s.channels > 4) {
    throw new LabError('bad_input', `${what} has ${s.channels} channels per pixel; images must have 1 (grey), 3 (RGB) or 4 channels.`);
  }
  if (!(s.images instanceof Uint8Array)) {
    throw new LabError('bad_input', `${what} images must be uint8 pixels (0..255).`);
  }
  const perImage = s.height * s.width * s.channels;
  if (s.images.length !== s.count * perImage) {
    throw new LabError(
      'shape_mismatch',
      `${what} has ${s.images.length} pixel values but ${s.count} images of ${s.height}×${s.width}×${s.channels} need ${s.count * perImage}.`,
    );
  }
  if (!(s.labels instanceof Uint8Array || s.labels instanceof Int32Array)) {
    throw new LabError('bad_input', `${what} labels must be uint8 or int32 class numbers.`);
  }
  if (s.labels.length !== s.count) {
    throw new LabError('shape_mismatch', `${what} has ${s.labels.length} labels but ${s.count} images; give exactly one label per image.`);
  }
  let max = 0;
  for (let i = 0; i < s.labels.length; i++) {
    const y = s.labels[i]!;
    if (y < 0 || y >= MAX_CLASSES) {
      throw new LabError(
        'bad_input',
        `${what} has label ${y} at example ${i}; labels must be class numbers from 0 to ${MAX_CLASSES - 1}.`,
      );
    }
    if (y > max) max = y;
  }
  return { numClasses: max + 1 };
}

function splitFileNames(datasetId: string, split: SplitName): { images: string; labels: string } {
  return { images: `datasets/${datasetId}/${split}-images.npy`, labels: `datasets/${datasetId}/${split}-labels.npy` };
}

function labelsToNpy(labels: Uint8Array | Int32Array): NpyArray {
  if (labels instanceof Uint8Array) return { dtype: 'uint8', shape: [labels.length], data: labels };
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  if (max <= 255) return { dtype: 'uint8', shape: [labels.length], data: Uint8Array.from(labels) };
  return { dtype: 'int32', shape: [labels.length], data: labels };
}

/** Writes the splits' files into `dir` (absolute); returns paths relative to the lab as `datasets/${datasetId}/…`. */
function writeSplitsInto(dir: string, datasetId: string, splits: { train?: SplitArrays; test?: SplitArrays }, extras: SplitExtras = {}): DatasetFiles {
  const files: DatasetFiles = {};
  const given = SPLITS.filter((k) => splits[k]);
  if (given.length === 0) throw new LabError('bad_input', 'A dataset needs at least one split (train or test) to save.');
  for (const k of given) validateSplit(splits[k]!, `The ${k} split`);
  mkdirSync(dir, { recursive: true });
  for (const k of given) {
    const s = splits[k]!;
    const names = splitFileNames(datasetId, k);
    writeNpyAtomic(join(dir, `${k}-images.npy`), {
      dtype: 'uint8',
      shape: [s.count, s.height, s.width, s.channels],
      data: s.images,
    });
    writeNpyAtomic(join(dir, `${k}-labels.npy`), labelsToNpy(s.labels));
    files[k] = names;
    for (const [key, arr] of Object.entries(extras[k] ?? {})) {
      const file = `${k}-${extraFileName(key)}.npy`;
      writeNpyAtomic(join(dir, file), arr);
      files[k]![key] = `datasets/${datasetId}/${file}`;
    }
  }
  return files;
}

/**
 * Writes splits as .npy files (each atomically) into `${labDir}/datasets/${datasetId}/` and
 * returns their paths relative to the lab folder. Labels are stored as uint8 when they fit,
 * else int32.
 */
export function writeDatasetSplits(labDir: string, datasetId: string, splits: { train?: SplitArrays; test?: SplitArrays }): DatasetFiles {
  checkDatasetId(datasetId);
  return writeSplitsInto(join(labDir, 'datasets', datasetId), datasetId, splits);
}

/**
 * Writes the whole dataset folder at once: files go to `${labDir}/datasets/.tmp-${datasetId}`,
 * which is renamed to `${labDir}/datasets/${datasetId}` when complete. On any error the temp
 * folder is removed, so a failed import leaves nothing behind. Fails with 'conflict' if the
 * dataset folder already exists. `extras` are further per-split arrays written into the same
 * folder (listed under their key in the returned files).
 */
export function writeDatasetDirAtomic(
  labDir: string,
  datasetId: string,
  splits: { train?: SplitArrays; test?: SplitArrays },
  extras: SplitExtras = {},
): DatasetFiles {
  checkDatasetId(datasetId);
  const root = join(labDir, 'datasets');
  const finalDir = join(root, datasetId);
  const tmpDir = join(root, `.tmp-${datasetId}`);
  if (existsSync(finalDir)) {
    throw new LabError('conflict', `Dataset folder "${finalDir}" already exists; choose another dataset id.`);
  }
  rmSync(tmpDir, { recursive: true, force: true }); // leftover of an earlier crash
  try {
    const files = writeSplitsInto(tmpDir, datasetId, splits, extras);
    renameSync(tmpDir, finalDir);
    return files;
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

function toLabels(a: NpyArray, what: string): Uint8Array | Int32Array {
  if (a.data instanceof Uint8Array || a.data instanceof Int32Array) return a.data;
  if (a.data instanceof BigInt64Array) {
    const out = new Int32Array(a.data.length);
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i]!;
      if (v < 0n || v >= BigInt(MAX_CLASSES)) {
        throw new LabError('bad_file', `${what} has label ${v} at example ${i}; labels must be class numbers from 0 to ${MAX_CLASSES - 1}.`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  throw new LabError('bad_file', `${what} holds ${a.dtype} values; labels must be uint8 or int32 class numbers.`);
}

/**
 * Loads one split of a dataset from the lab folder and checks that its files agree.
 * LabError('not_found') if the dataset has no such split.
 */
export function readSplit(labDir: string, files: DatasetFiles, split: SplitName): SplitArrays {
  const f = files[split];
  if (!f) {
    const other = SPLITS.find((k) => k !== split && files[k]);
    throw new LabError(
      'not_found',
      other
        ? `This dataset has no ${split} split; use its ${other} split instead.`
        : `This dataset has no ${split} split; import it again with ${split} files.`,
    );
  }
  const imgWhat = `Dataset file "${f.images}"`;
  const lblWhat = `Dataset file "${f.labels}"`;
  const img = readNpy(join(labDir, ...f.images.split('/')), imgWhat);
  if (img.dtype !== 'uint8' || !(img.shape.length === 4 || img.shape.length === 3)) {
    throw new LabError(
      'bad_file',
      `${imgWhat} holds ${img.dtype} values of shape [${img.shape.join(', ')}]; dataset images must be uint8 N×H×W×C; import the dataset again.`,
    );
  }
  const [count, height, width, channels = 1] = img.shape as [number, number, number, number?];
  const lbl = readNpy(join(labDir, ...f.labels.split('/')), lblWhat);
  if (lbl.shape.length !== 1) {
    throw new LabError('bad_file', `${lblWhat} has shape [${lbl.shape.join(', ')}]; labels must be a 1-dimensional array; import the dataset again.`);
  }
  if (lbl.shape[0] !== count) {
    throw new LabError(
      'shape_mismatch',
      `${lblWhat} has ${lbl.shape[0]} labels but "${f.images}" has ${count} images; import the dataset again.`,
    );
  }
  const s: SplitArrays = { images: img.data as Uint8Array, labels: toLabels(lbl, lblWhat), count, height, width, channels };
  try {
    validateSplit(s, `The ${split} split`);
  } catch (err) {
    if (err instanceof LabError) throw new LabError('bad_file', `${err.message.replace(/\.$/, '')} (in "${f.images}"); import the dataset again.`);
    throw err;
  }
  return s;
}

const BYTE_TO_UNIT = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 255;
  return t;
})();

/**
 * A float batch for the engine: images[indices] as float32 in [0,1] (v/255), NHWC, and their
 * labels as int32. Plain typed arrays; the caller makes tensors.
 */
export function gatherBatch(s: SplitArrays, indices: ArrayLike<number>): { x: Float32Array; y: Int32Array; n: number } {
  const n = indices.length;
  const per = s.height * s.width * s.channels;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const i = indices[b]!;
    if (!Number.isInteger(i) || i < 0 || i >= s.count) {
      throw new LabError('bad_input', `Example index ${i} is out of range; this split has examples 0 to ${s.count - 1}.`);
    }
    const src = i * per;
    const dst = b * per;
    for (let p = 0; p < per; p++) x[dst + p] = BYTE_TO_UNIT[s.images[src + p]!]!;
    y[b] = s.labels[i]!;
  }
  return { x, y, n };
}

/** The first k examples of a split as views (no copy); the whole split when k is undefined or ≥ count. */
export function limitSplit(s: SplitArrays, k?: number): SplitArrays {
  if (k === undefined || k >= s.count) return s;
  if (!Number.isInteger(k) || k < 1) {
    throw new LabError('bad_input', `The example limit ${k} is not valid; give a whole number of at least 1.`);
  }
  const per = s.height * s.width * s.channels;
  return { ...s, images: s.images.subarray(0, k * per), labels: s.labels.subarray(0, k), count: k };
}

export interface ImportIdxRequest {
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  /** The number of classes, when the person states it (CLI --num-classes): labels must be below it. */
  numClasses?: number;
  /** The person confirmed the class count inferred from the labels (the import form's checkbox). */
  confirmClasses?: boolean;
}

/** More classes than this, inferred from labels alone, need the person's confirmation. */
export const UNCONFIRMED_MAX_CLASSES = 100;

/**
 * The class count of imported splits. Inferred as largest label + 1, unless that looks like a
 * mistake (more than UNCONFIRMED_MAX_CLASSES classes, or classes with no example in between,
 * e.g. a stray 255 in MNIST labels): then the person must state the count (`numClasses`) or
 * confirm the inferred one (`confirmClasses`). A stated count must exceed every label.
 */
export function decideNumClasses(
  splits: { train?: SplitArrays; test?: SplitArrays },
  opts: { numClasses?: number; confirmClasses?: boolean } = {},
): number {
  let inferred = 0;
  for (const k of SPLITS) {
    const s = splits[k];
    if (s) inferred = Math.max(inferred, validateSplit(s, `The ${k} split`).numClasses);
  }
  if (opts.numClasses !== undefined) {
    if (!Number.isSafeInteger(opts.numClasses) || opts.numClasses < 1 || opts.numClasses > MAX_CLASSES) {
      throw new LabError('bad_input', `The number of classes must be a whole number from 1 to ${MAX_CLASSES}, got ${opts.numClasses}.`);
    }
    if (opts.numClasses < inferred) {
      throw new LabError(
        'bad_input',
        `The labels go up to ${inferred - 1}, so there are at least ${inferred} classes, but ${opts.numClasses} were stated; check the labels file or the number of classes.`,
      );
    }
    return opts.numClasses;
  }
  if (opts.confirmClasses) return inferred;
  const seen = new Uint8Array(inferred);
  for (const k of SPLITS) {
    const s = splits[k];
    if (s) for (let i = 0; i < s.labels.length; i++) seen[s.labels[i]!] = 1;
  }
  let empty = 0;
  let firstEmpty = -1;
  for (let c = 0; c < inferred; c++) {
    if (!seen[c]) {
      empty++;
      if (firstEmpty < 0) firstEmpty = c;
    }
  }
  if (inferred > UNCONFIRMED_MAX_CLASSES || empty > 0) {
    const why =
      empty > 0
        ? `${empty} of them with no example (the first is class ${firstEmpty})`
        : `more than ${UNCONFIRMED_MAX_CLASSES}`;
    throw new LabError(
      'bad_input',
      `The largest label is ${inferred - 1}, which makes ${inferred} classes, ${why}; ` +
        `if that is right, state the number of classes (--num-classes ${inferred}, or confirm it in the import form), otherwise check the labels file.`,
    );
  }
  return inferred;
}

/**
 * Reads IDX files for the train and/or test split (nothing is written) and checks that both
 * splits have the same image size. numClasses: see decideNumClasses.
 */
export async function importIdx(req: ImportIdxRequest): Promise<{
  train?: SplitArrays;
  test?: SplitArrays;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
}> {
  const out: { train?: SplitArrays; test?: SplitArrays } = {};
  for (const k of SPLITS) {
    const images = k === 'train' ? req.trainImages : req.testImages;
    const labels = k === 'train' ? req.trainLabels : req.testLabels;
    if (!!images !== !!labels) {
      throw new LabError('bad_input', `Give both the ${k} images and the ${k} labels file, or neither.`);
    }
  }
  for (const k of SPLITS) {
    const images = k === 'train' ? req.trainImages : req.testImages;
    const labels = k === 'train' ? req.trainLabels : req.testLabels;
    if (images && labels) out[k] = await readIdxImagesAndLabels(images, labels, k);
  }
  const first = out.train ?? out.test;
  if (!first) {
    throw new LabError('bad_input', 'Give at least one split: train images and labels, or test images and labels.');
  }
  if (out.train && out.test && (out.train.height !== out.test.height || out.train.width !== out.test.width)) {
    throw new LabError(
      'shape_mismatch',
      `Train images are ${out.train.height}×${out.train.width} but test images are ${out.test.height}×${out.test.width}; both splits must have the same image size.`,
    );
  }
  const numClasses = decideNumClasses(out, req);
  return { ...out, height: first.height, width: first.width, channels: first.channels, numClasses };
}
