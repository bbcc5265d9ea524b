/**
 * Bring-your-own datasets: read any supported source (image folder, CIFAR binary, .npz, .npy
 * pairs) into splits, preview it before anything is written, store it as a lab dataset, and
 * export any lab dataset as an image folder, .npz or CIFAR binary.
 *
 * Runs in: Node (core): the preview and export in the facade's process, the import in a job worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type { DatasetImportPreview, DatasetSource, ExportDatasetRequest, ExportedDataset, ImportSpec } from '../../shared/byo';
import { newId, type LabStore } from '../store/store';
import { decideNumClasses, readSplit, writeDatasetDirAtomic, type DatasetFiles, type SplitArrays, type SplitName } from './dataset';
import { cifarExportProblem, readCifarDir, writeCifarDir } from './cifar';
import { decodeForPreview, readImageFolder, scanImageFolder, writeImageFolder, type Unreadable } from './folder';
import { readNpyPairs, readNpzDataset, writeNpz, type NumpySplitInfo } from './npz';
import { readNpy, type NpyArray } from './npy';

export interface SourceData {
  train?: SplitArrays;
  test?: SplitArrays;
  height: number;
  width: number;
  channels: number;
  /** Names from the source (folder names, CIFAR meta files), or null when it has none. */
  classNames: string[] | null;
  /** At least the labels' range; the folder and CIFAR formats fix it. */
  numClasses: number | null;
  detected: string;
  unreadable: Unreadable[];
  extras: Partial<Record<SplitName, Record<string, NpyArray>>>;
}

export interface ReadOptions {
  onProgress?: (done: number, total: number) => void;
  tick?: () => Promise<void>;
}

function need(p: string | undefined, what: string): string {
  if (!p) throw new LabError('bad_input', `Give the ${what}.`);
  return path.resolve(p);
}

function describeNumpy(info: Partial<Record<SplitName, NumpySplitInfo>>): string {
  const i = info.train ?? info.test!;
  const range = i.scale === 'uint8' ? 'uint8' : i.scale === 'unit' ? `${i.dtype} in [0, 1]` : `${i.dtype} in [0, 255]`;
  return `${i.layout.toUpperCase()} ${range}`;
}

/** Reads a source into splits; nothing is written. */
export async function readDatasetSource(src: DatasetSource, opts: ReadOptions = {}): Promise<SourceData> {
  switch (src.format) {
    case 'folder': {
      const dir = need(src.path, 'image folder');
      const d = await readImageFolder(dir, {
        size: src.size ? { height: src.size[0], width: src.size[1] } : undefined,
        colour: src.colour,
        trainFraction: src.trainFraction,
        seed: src.seed,
        skipUnreadable: src.skipUnreadable,
        onProgress: opts.onProgress,
        tick: opts.tick,
      });
      const layout = d.train && d.test && src.trainFraction === undefined ? 'train/ and test/ folders' : src.trainFraction !== undefined ? `class folders split ${src.trainFraction} for training` : 'class folders';
      return { ...d, numClasses: d.classNames.length, detected: `image folder (${layout})`, extras: {} };
    }
    case 'cifar': {
      const dir = need(src.path, 'CIFAR folder');
      const d = readCifarDir(dir);
      const extras: SourceData['extras'] = {};
      for (const s of ['train', 'test'] as const) {
        const c = d[s]?.coarseLabels;
        if (c) extras[s] = { coarseLabels: { dtype: 'uint8', shape: [c.length], data: c } };
      }
      const n = (d.files.train?.length ?? 0) + (d.files.test?.length ?? 0);
      return {
        train: d.train,
        test: d.test,
        height: 32,
        width: 32,
        channels: 3,
        classNames: d.classNames,
        numClasses: d.numClasses,
        detected: `${d.variant === 'cifar100' ? 'CIFAR-100' : 'CIFAR-10'} binary (${n} batch file${n === 1 ? '' : 's'})`,
        unreadable: [],
        extras,
      };
    }
    case 'npz':
    case 'npy': {
      const d =
        src.format === 'npz'
          ? readNpzDataset(need(src.path, '.npz file'), { layout: src.layout })
          : readNpyPairs(
              {
                ...(src.trainImages || src.trainLabels ? { train: { images: need(src.trainImages, 'train images .npy file'), labels: need(src.trainLabels, 'train labels .npy file') } } : {}),
                ...(src.testImages || src.testLabels ? { test: { images: need(src.testImages, 'test images .npy file'), labels: need(src.testLabels, 'test labels .npy file') } } : {}),
              },
              { layout: src.layout },
            );
      const first = (d.train ?? d.test)!;
      if (d.train && d.test && (d.train.height !== d.test.height || d.train.width !== d.test.width || d.train.channels !== d.test.channels)) {
        throw new LabError(
          'shape_mismatch',
          `Train images are ${d.train.height}×${d.train.width}×${d.train.channels} but test images are ${d.test.height}×${d.test.width}×${d.test.channels}; both splits must have the same image size.`,
        );
      }
      return {
        train: d.train,
        test: d.test,
        height: first.height,
        width: first.width,
        channels: first.channels,
        classNames: null,
        numClasses: null,
        detected: `NumPy ${src.format === 'npz' ? '.npz' : '.npy pair'} (${describeNumpy(d.info)})`,
        unreadable: [],
        extras: {},
      };
    }
  }
}

/** Detects the format of a path: a CIFAR folder, an image folder, or an .npz file. */
export function detectFormat(p: string): DatasetSource['format'] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new LabError('not_found', `"${p}" was not found; check the path and try again.`);
  }
  if (st.isFile()) {
    if (p.toLowerCase().endsWith('.npz')) return 'npz';
    throw new LabError('bad_input', `"${path.basename(p)}" is not a dataset this lab reads; give an .npz file, a CIFAR folder or an image folder.`);
  }
  const names = fs.readdirSync(p);
  if (names.some((n) => /^(data_batch_\d+|test_batch|train|test)\.bin$/.test(n))) return 'cifar';
  return 'folder';
}

/**
 * What an import would give: format, sizes, classes with counts and a few sample images per
 * class (at the import size). Folders are scanned and only the samples decoded, so this is fast.
 */
export async function previewDatasetSource(src: DatasetSource, perClass: number): Promise<DatasetImportPreview> {
  if (src.format === 'folder') {
    const dir = need(src.path, 'image folder');
    const scan = scanImageFolder(dir);
    const classes = scan.classNames.map((name, label) => ({
      label,
      name,
      train: scan.files.train?.filter((f) => f.label === label).length ?? 0,
      test: scan.files.test?.filter((f) => f.label === label).length ?? 0,
      images: [] as string[],
    }));
    if (src.trainFraction !== undefined && scan.layout === 'classes') {
      for (const c of classes) {
        c.train = Math.round(src.trainFraction * c.test);
        c.test -= c.train;
      }
    }
    // Decode a few images per class through the same reader as the import.
    const sample = await sampleFolder(scan, src, perClass);
    for (const c of classes) c.images = sample.images[c.label] ?? [];
    const notes: string[] = [];
    if (!src.size && sample.sizes.size > 1) {
      notes.push(`The images have different sizes (${[...sample.sizes].slice(0, 4).join(', ')}${sample.sizes.size > 4 ? ', …' : ''}); choose a size to resize them all to.`);
    }
    return {
      format: 'folder',
      detected: `image folder (${scan.layout === 'splits' ? 'train/ and test/ folders' : 'class folders'})`,
      height: sample.height,
      width: sample.width,
      channels: sample.channels,
      numClasses: scan.classNames.length,
      classNames: scan.classNames,
      counts: { train: classes.reduce((t, c) => t + c.train, 0), test: classes.reduce((t, c) => t + c.test, 0) },
      classes,
      unreadable: sample.unreadable,
      notes,
    };
  }
  const d = await readDatasetSource(src);
  const numClasses = d.numClasses ?? decideNumClasses({ train: d.train, test: d.test }, { confirmClasses: true });
  const names = d.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  const per = d.height * d.width * d.channels;
  const classes = names.map((name, label) => ({ label, name, train: 0, test: 0, images: [] as string[] }));
  for (const s of ['train', 'test'] as const) {
    const sp = d[s];
    if (!sp) continue;
    for (let i = 0; i < sp.count; i++) {
      const c = classes[sp.labels[i]!];
      if (!c) continue;
      c[s]++;
      if (c.images.length < perClass) c.images.push(Buffer.from(sp.images.buffer, sp.images.byteOffset + i * per, per).toString('base64'));
    }
  }
  const notes: string[] = [];
  if (!d.classNames) notes.push('The file has no class names; classes are numbered (name them after the import).');
  return {
    format: src.format,
    detected: d.detected,
    height: d.height,
    width: d.width,
    channels: d.channels,
    numClasses,
    classNames: names,
    counts: { train: d.train?.count ?? 0, test: d.test?.count ?? 0 },
    classes,
    unreadable: [],
    notes,
  };
}

async function sampleFolder(scan: ReturnType<typeof scanImageFolder>, src: DatasetSource, perClass: number) {
  const images: Record<number, string[]> = {};
  const sizes = new Set<string>();
  const unreadable: Unreadable[] = [];
  let height: number | null = null;
  let width: number | null = null;
  let channels: number | null = null;
  const all = [...(scan.files.train ?? []), ...(scan.files.test ?? [])];
  const picked: { file: string; label: number }[] = [];
  const count: Record<number, number> = {};
  for (const f of all) {
    if ((count[f.label] ?? 0) >= perClass) continue;
    count[f.label] = (count[f.label] ?? 0) + 1;
    picked.push(f);
  }
  for (const f of picked) {
    try {
      const d = await decodeForPreview(f.file, src);
      sizes.add(d.ownSize);
      height ??= d.height;
      width ??= d.width;
      channels ??= d.channels;
      (images[f.label] ??= []).push(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.length).toString('base64'));
    } catch (err) {
      unreadable.push({ file: f.file, reason: (err as Error).message.replace(/\s+/g, ' ').trim() });
    }
  }
  return { images, sizes, unreadable, height, width, channels };
}

/** Stores read splits as a new dataset (folder written atomically, then the row). Returns its id. */
export function storeImported(store: LabStore, spec: ImportSpec, d: SourceData): string {
  if (store.findDatasetByName(spec.name)) throw new LabError('conflict', `A dataset named "${spec.name}" already exists; choose another name.`);
  const numClasses = decideNumClasses(
    { train: d.train, test: d.test },
    { numClasses: spec.numClasses ?? d.numClasses ?? undefined, confirmClasses: spec.confirmClasses },
  );
  const given = spec.classNames ?? d.classNames;
  if (given && given.length < numClasses) {
    throw new LabError('bad_input', `The data has ${numClasses} classes but only ${given.length} class names were given.`);
  }
  const id = newId('ds');
  const files = writeDatasetDirAtomic(store.labDir, id, { train: d.train, test: d.test }, d.extras);
  try {
    store.insertDataset({
      id,
      name: spec.name,
      source: spec.format,
      height: d.height,
      width: d.width,
      channels: d.channels,
      numClasses,
      classNames: given?.slice(0, numClasses) ?? Array.from({ length: numClasses }, (_, i) => String(i)),
      splits: {
        ...(d.train ? { train: { count: d.train.count } } : {}),
        ...(d.test ? { test: { count: d.test.count } } : {}),
      },
      files: files as unknown as Record<string, unknown>,
      parentId: null,
      recipe: null,
    });
  } catch (err) {
    fs.rmSync(path.join(store.labDir, 'datasets', id), { recursive: true, force: true });
    throw err;
  }
  return id;
}

/** Refuses to write into a non-empty folder or over an existing file. */
function checkOut(out: string, kind: 'folder' | 'file'): void {
  if (!fs.existsSync(out)) return;
  const st = fs.statSync(out);
  if (kind === 'file') {
    if (st.isDirectory()) throw new LabError('bad_input', `"${out}" is a folder; give a file name ending in .npz.`);
    throw new LabError('conflict', `"${out}" already exists; choose another file name (nothing was overwritten).`);
  }
  if (!st.isDirectory()) throw new LabError('bad_input', `"${out}" is a file; give a folder to export into.`);
  if (fs.readdirSync(out).length > 0) throw new LabError('conflict', `Folder "${out}" is not empty; choose an empty or new folder (nothing was overwritten).`);
}

/** Writes a lab dataset (any, corrupted ones included) as an image folder tree, .npz or CIFAR binary. */
export async function exportDataset(store: LabStore, req: ExportDatasetRequest, onProgress?: (done: number, total: number) => void): Promise<ExportedDataset> {
  const ds = store.getDataset(req.dataset);
  const out = path.resolve(req.out);
  const files = ds.files as unknown as DatasetFiles;
  const splits: Partial<Record<SplitName, SplitArrays>> = {};
  for (const s of ['train', 'test'] as const) if (ds.splits[s]) splits[s] = readSplit(store.labDir, files, s);
  const images = (splits.train?.count ?? 0) + (splits.test?.count ?? 0);
  if (req.format === 'npz') {
    if (!out.toLowerCase().endsWith('.npz')) throw new LabError('bad_input', `Give the .npz file a name ending in .npz (got "${path.basename(out)}").`);
    checkOut(out, 'file');
    writeNpz(out, splits);
    return { datasetId: ds.id, format: 'npz', out, files: [path.basename(out)], images };
  }
  checkOut(out, 'folder');
  if (req.format === 'cifar') {
    const problem = cifarExportProblem(ds);
    if (problem) throw new LabError('bad_input', problem);
    const coarse: Partial<Record<SplitName, Uint8Array>> = {};
    for (const s of ['train', 'test'] as const) {
      const f = files[s]?.coarseLabels;
      if (f) coarse[s] = readNpy(path.join(store.labDir, ...f.split('/'))).data as Uint8Array;
    }
    const written = writeCifarDir(out, { ...splits, classNames: ds.classNames, numClasses: ds.numClasses, coarse: Object.keys(coarse).length ? coarse : undefined });
    return { datasetId: ds.id, format: 'cifar', out, files: written, images };
  }
  await writeImageFolder(out, splits, ds.classNames, onProgress);
  return { datasetId: ds.id, format: 'folder', out, files: (['train', 'test'] as const).filter((s) => splits[s]), images };
}
