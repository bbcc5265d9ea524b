/**
 * CIFAR-10 / CIFAR-100 binary batches (the "binary version" of the datasets, not the python
 * pickles). Pure Node; no tfjs.
 *
 *   CIFAR-10:  data_batch_1.bin … data_batch_5.bin, test_batch.bin, batches.meta.txt
 *              each record: <1 byte label> <3072 bytes: 1024 red, 1024 green, 1024 blue, row-major 32×32>
 *   CIFAR-100: train.bin, test.bin, fine_label_names.txt, coarse_label_names.txt
 *              each record: <1 byte coarse label> <1 byte fine label> <3072 bytes as above>
 *
 * The lab stores images NHWC, so reading transposes each record from planar (C, H, W) to
 * interleaved (H, W, C); writing does the reverse. Both are exact (bytes in, same bytes out).
 * CIFAR-100's fine labels become the dataset's labels; its coarse labels are kept as the split's
 * extra array `coarseLabels`, and are written back when the dataset is exported.
 *
 * Runs in: Node (core).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type { SplitArrays, SplitName } from './dataset';
import { readFileBounded } from './fsutil';
import { writeFileAtomic } from './npy';

export const CIFAR_SIDE = 32;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const PIXELS = PLANE * 3;
/** Records per batch file in the published CIFAR-10 training set (also what export writes). */
export const CIFAR_BATCH = 10_000;

export type CifarVariant = 'cifar10' | 'cifar100';

export interface CifarSplit extends SplitArrays {
  /** CIFAR-100 only: the 20 superclass labels, one per image. */
  coarseLabels?: Uint8Array;
}

export interface CifarDataset {
  variant: CifarVariant;
  train?: CifarSplit;
  test?: CifarSplit;
  classNames: string[] | null;
  coarseClassNames: string[] | null;
  numClasses: number;
  /** The batch files read, per split (names only). */
  files: Partial<Record<SplitName, string[]>>;
}

/** The batch files of a CIFAR folder by split and variant; null when the folder holds none. */
export function findCifarFiles(dir: string): { variant: CifarVariant; train: string[]; test: string[] } | null {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const has = (n: string) => names.includes(n);
  const batches = names
    .filter((n) => /^data_batch_\d+\.bin$/.test(n))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  if (batches.length > 0 || has('test_batch.bin')) {
    return { variant: 'cifar10', train: batches, test: has('test_batch.bin') ? ['test_batch.bin'] : [] };
  }
  if (has('train.bin') || has('test.bin')) {
    return { variant: 'cifar100', train: has('train.bin') ? ['train.bin'] : [], test: has('test.bin') ? ['test.bin'] : [] };
  }
  return null;
}

function readNames(file: string): string[] | null {
  if (!fs.existsSync(file)) return null;
  const text = readFileBounded(file, `Class names file "${path.basename(file)}"`, 1 << 20).toString('utf8');
  const names = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names.length > 0 ? names : null;
}

/** Decodes the records of one batch file into NHWC images and labels (appending to `out`). */
function decodeBatch(buf: Uint8Array, variant: CifarVariant, what: string): { images: Uint8Array; labels: Uint8Array; coarse: Uint8Array | null } {
  const head = variant === 'cifar100' ? 2 : 1;
  const rec = head + PIXELS;
  if (buf.length === 0) throw new LabError('bad_file', `${what} is empty; a CIFAR batch holds records of ${rec} bytes.`);
  if (buf.length % rec !== 0) {
    throw new LabError(
      'bad_file',
      `${what} is ${buf.length} bytes, not a whole number of ${rec}-byte ${variant === 'cifar100' ? 'CIFAR-100' : 'CIFAR-10'} records ` +
        `(the last record is cut after ${buf.length % rec} bytes); the file is truncated or is not a CIFAR binary batch.`,
    );
  }
  const n = buf.length / rec;
  const images = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  const coarse = variant === 'cifar100' ? new Uint8Array(n) : null;
  for (let i = 0; i < n; i++) {
    const r = i * rec;
    if (coarse) coarse[i] = buf[r]!;
    labels[i] = buf[r + head - 1]!;
    const src = r + head;
    const dst = i * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      images[dst + 3 * p] = buf[src + p]!;
      images[dst + 3 * p + 1] = buf[src + PLANE + p]!;
      images[dst + 3 * p + 2] = buf[src + 2 * PLANE + p]!;
    }
  }
  return { images, labels, coarse };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Reads a folder of CIFAR-10 or CIFAR-100 binary batches. Nothing is written. Labels are checked
 * against the class names file when there is one (CIFAR-10: 10 classes, CIFAR-100: 100 fine).
 */
export function readCifarDir(dir: string): CifarDataset {
  const what = `Folder "${dir}"`;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new LabError('not_found', `${what} was not found; check the path and try again.`);
  }
  if (!st.isDirectory()) throw new LabError('bad_input', `${what} is not a folder; give the folder that holds the CIFAR .bin batches.`);
  const found = findCifarFiles(dir);
  if (!found || found.train.length + found.test.length === 0) {
    throw new LabError(
      'bad_input',
      `${what} holds no CIFAR binary batches (data_batch_1.bin … and test_batch.bin for CIFAR-10, train.bin and test.bin for CIFAR-100).`,
    );
  }
  const { variant } = found;
  const classNames = variant === 'cifar10' ? readNames(path.join(dir, 'batches.meta.txt')) : readNames(path.join(dir, 'fine_label_names.txt'));
  const coarseClassNames = variant === 'cifar100' ? readNames(path.join(dir, 'coarse_label_names.txt')) : null;
  const out: CifarDataset = { variant, classNames, coarseClassNames, numClasses: 0, files: {} };
  let maxLabel = -1;
  for (const split of ['train', 'test'] as const) {
    const files = found[split];
    if (files.length === 0) continue;
    const imgs: Uint8Array[] = [];
    const lbls: Uint8Array[] = [];
    const coarse: Uint8Array[] = [];
    for (const f of files) {
      const fileWhat = `CIFAR batch "${path.join(dir, f)}"`;
      const b = decodeBatch(readFileBounded(path.join(dir, f), fileWhat), variant, fileWhat);
      const limit = variant === 'cifar100' ? 100 : 10;
      const declared = classNames ? classNames.length : limit;
      for (let i = 0; i < b.labels.length; i++) {
        if (b.labels[i]! >= declared) {
          throw new LabError(
            'bad_file',
            `${fileWhat} has label ${b.labels[i]} at record ${i}, out of range for ${declared} classes; the file is damaged or is not a ${variant === 'cifar100' ? 'CIFAR-100' : 'CIFAR-10'} batch.`,
          );
        }
        if (b.labels[i]! > maxLabel) maxLabel = b.labels[i]!;
      }
      if (b.coarse && coarseClassNames) {
        for (let i = 0; i < b.coarse.length; i++) {
          if (b.coarse[i]! >= coarseClassNames.length) {
            throw new LabError('bad_file', `${fileWhat} has coarse label ${b.coarse[i]} at record ${i}, but coarse_label_names.txt names only ${coarseClassNames.length} superclasses.`);
          }
        }
      }
      imgs.push(b.images);
      lbls.push(b.labels);
      if (b.coarse) coarse.push(b.coarse);
    }
    const labels = concat(lbls);
    const s: CifarSplit = { images: concat(imgs), labels, count: labels.length, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3 };
    if (variant === 'cifar100') s.coarseLabels = concat(coarse);
    out[split] = s;
    out.files[split] = files;
  }
  out.numClasses = classNames ? classNames.length : Math.max(maxLabel + 1, variant === 'cifar100' ? 100 : 10);
  return out;
}

/** Planar CIFAR records for the images i0..i1 of a split. */
function encodeRecords(s: SplitArrays, coarse: Uint8Array | undefined, i0: number, i1: number): Uint8Array {
  const head = coarse ? 2 : 1;
  const rec = head + PIXELS;
  const buf = new Uint8Array((i1 - i0) * rec);
  for (let i = i0; i < i1; i++) {
    const r = (i - i0) * rec;
    if (coarse) buf[r] = coarse[i]!;
    buf[r + head - 1] = s.labels[i]!;
    const src = i * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      buf[r + head + p] = s.images[src + 3 * p]!;
      buf[r + head + PLANE + p] = s.images[src + 3 * p + 1]!;
      buf[r + head + 2 * PLANE + p] = s.images[src + 3 * p + 2]!;
    }
  }
  return buf;
}

/** Why a dataset cannot be written as CIFAR binary, or null when it can. */
export function cifarExportProblem(d: { height: number; width: number; channels: number; numClasses: number }): string | null {
  if (d.height !== CIFAR_SIDE || d.width !== CIFAR_SIDE || d.channels !== 3) {
    return `CIFAR binary holds 32×32 colour images only, and this dataset's are ${d.height}×${d.width}×${d.channels}; export it as a folder or .npz instead.`;
  }
  if (d.numClasses > 256) return `CIFAR binary stores each label in one byte, and this dataset has ${d.numClasses} classes; export it as a folder or .npz instead.`;
  return null;
}

/**
 * Writes splits as CIFAR binary batches into `outDir` (created if missing): CIFAR-10 layout
 * (data_batch_1.bin … with 10,000 records each, test_batch.bin, batches.meta.txt), or CIFAR-100
 * layout (train.bin, test.bin, fine_label_names.txt, coarse_label_names.txt) when the splits carry
 * coarse labels. Each file is written atomically. Returns the file names written.
 */
export function writeCifarDir(
  outDir: string,
  d: { train?: SplitArrays; test?: SplitArrays; classNames: string[]; numClasses: number; coarse?: Partial<Record<SplitName, Uint8Array>>; coarseClassNames?: string[] },
): string[] {
  const first = d.train ?? d.test;
  if (!first) throw new LabError('bad_input', 'The dataset has no split to export.');
  const problem = cifarExportProblem({ height: first.height, width: first.width, channels: first.channels, numClasses: d.numClasses });
  if (problem) throw new LabError('bad_input', problem);
  fs.mkdirSync(outDir, { recursive: true });
  const hundred = !!d.coarse && (!d.train || !!d.coarse.train) && (!d.test || !!d.coarse.test);
  const written: string[] = [];
  const put = (name: string, data: Uint8Array) => {
    writeFileAtomic(path.join(outDir, name), data);
    written.push(name);
  };
  if (hundred) {
    if (d.train) put('train.bin', encodeRecords(d.train, d.coarse!.train, 0, d.train.count));
    if (d.test) put('test.bin', encodeRecords(d.test, d.coarse!.test, 0, d.test.count));
    put('fine_label_names.txt', Buffer.from(d.classNames.join('\n') + '\n'));
    if (d.coarseClassNames) put('coarse_label_names.txt', Buffer.from(d.coarseClassNames.join('\n') + '\n'));
  } else {
    if (d.train) {
      for (let b = 0, i = 0; i < d.train.count; b++, i += CIFAR_BATCH) {
        put(`data_batch_${b + 1}.bin`, encodeRecords(d.train, undefined, i, Math.min(d.train.count, i + CIFAR_BATCH)));
      }
    }
    if (d.test) put('test_batch.bin', encodeRecords(d.test, undefined, 0, d.test.count));
    put('batches.meta.txt', Buffer.from(d.classNames.join('\n') + '\n'));
  }
  return written;
}
