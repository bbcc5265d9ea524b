/**
 * Image folders in and out, in torchvision's ImageFolder layout:
 *
 *   DIR/<class>/<image>              one sub-folder per class (a test split, or split by a fraction)
 *   DIR/train/<class>/…, DIR/test/<class>/…   separate splits
 *
 * Class names are the folder names, sorted (as ImageFolder sorts them); images are found
 * recursively inside each class folder by extension (PNG, JPEG, BMP, WebP). Decoding and
 * resizing use `sharp` (libvips, shipped as prebuilt npm binaries); BMP, which libvips does not
 * read, is decoded by `bmp-ts` and then handed to sharp as raw pixels. A chosen size H×W resizes
 * the shorter side and crops the centre (torchvision's Resize + CenterCrop; sharp's fit 'cover').
 * Grey conversion uses PIL's convert('L') weights (299/587/114 per mille); alpha is dropped, as
 * torchvision's loader does with convert('RGB').
 *
 * Runs in: Node (core).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { lazyModule } from '../engine/lazy-require';

// Loaded at the first image decoded: commands that never read an image folder skip its ≈60 ms.
type SharpFn = typeof import('sharp').default;
const sharpModule = lazyModule<SharpFn>('sharp');
const sharp: SharpFn = ((...args: Parameters<SharpFn>) => sharpModule()(...args)) as SharpFn;
import { decode as decodeBmp } from 'bmp-ts';
import { LabError } from '../../shared/errors';
import { Rng } from '../engine/random';
import type { SplitArrays, SplitName } from './dataset';
import { readFileBounded } from './fsutil';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.webp'] as const;

export type ColourMode = 'auto' | 'grey' | 'colour';

export interface FolderScan {
  layout: 'classes' | 'splits';
  classNames: string[];
  /** Files per split with their class index; the classes layout lists everything under 'test'. */
  files: Partial<Record<SplitName, { file: string; label: number }[]>>;
}

export interface FolderImportOptions {
  /** Resize + centre-crop every image to height×width; absent: keep (all images must then agree). */
  size?: { height: number; width: number };
  colour?: ColourMode;
  /** Classes layout only: the share of each class that goes to a train split (seeded), the rest to test. */
  trainFraction?: number;
  seed?: number;
  /** Leave out images that cannot be decoded (they are listed in the result); otherwise the first one fails the import. */
  skipUnreadable?: boolean;
  /** Images decoded at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called between images; throws to cancel. */
  tick?: () => Promise<void>;
}

export interface Unreadable {
  file: string;
  reason: string;
}

export interface FolderDataset {
  train?: SplitArrays;
  test?: SplitArrays;
  classNames: string[];
  height: number;
  width: number;
  channels: number;
  unreadable: Unreadable[];
}

function isImage(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

function subdirs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isImage(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function classFolders(dir: string, what: string): Map<string, string[]> {
  const names = subdirs(dir);
  if (names.length === 0) {
    throw new LabError('bad_input', `${what} has no class folders; put each class's images in a sub-folder named after the class.`);
  }
  const out = new Map<string, string[]>();
  for (const n of names) {
    const imgs = imagesUnder(path.join(dir, n));
    if (imgs.length === 0) {
      throw new LabError(
        'bad_input',
        `Class folder "${path.join(dir, n)}" has no images (${IMAGE_EXTENSIONS.join(', ')}); add images or remove the folder.`,
      );
    }
    out.set(n, imgs);
  }
  return out;
}

/** Finds the layout, classes and files of an image folder. Reads no image. */
export function scanImageFolder(dir: string): FolderScan {
  const what = `Folder "${dir}"`;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new LabError('not_found', `${what} was not found; check the path and try again.`);
  }
  if (!st.isDirectory()) throw new LabError('bad_input', `${what} is not a folder; give the folder that holds the class folders.`);
  const top = subdirs(dir);
  const splitDirs = top.filter((n) => n === 'train' || n === 'test');
  const isSplitLayout =
    splitDirs.length > 0 && splitDirs.every((n) => subdirs(path.join(dir, n)).length > 0 && imagesUnder(path.join(dir, n)).length > 0 && fs.readdirSync(path.join(dir, n)).filter(isImage).length === 0);
  if (isSplitLayout) {
    const per = new Map<SplitName, Map<string, string[]>>();
    for (const s of splitDirs as SplitName[]) per.set(s, classFolders(path.join(dir, s), `Folder "${path.join(dir, s)}"`));
    const classNames = [...new Set([...per.values()].flatMap((m) => [...m.keys()]))].sort();
    const files: FolderScan['files'] = {};
    for (const [s, m] of per) {
      files[s] = [...m.entries()].flatMap(([c, imgs]) => imgs.map((file) => ({ file, label: classNames.indexOf(c) })));
    }
    return { layout: 'splits', classNames, files };
  }
  const m = classFolders(dir, what);
  const classNames = [...m.keys()];
  if (classNames.length < 2) {
    throw new LabError('bad_input', `${what} has only one class folder ("${classNames[0]}"); a classifier needs at least two classes.`);
  }
  return { layout: 'classes', classNames, files: { test: classNames.flatMap((c, label) => m.get(c)!.map((file) => ({ file, label }))) } };
}

/** A decoded image: pixels HWC uint8 with 1 (grey) or 3 (colour) channels. */
interface Decoded {
  data: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Decodes one image (and resizes it when asked). Throws a plain Error with the decoder's reason. */
async function decodeImage(file: string, size: FolderImportOptions['size']): Promise<Decoded> {
  const buf = readFileBounded(file, `Image "${file}"`);
  let img: Sharp;
  if (path.extname(file).toLowerCase() === '.bmp') {
    const bmp = decodeBmp(buf, { toRGBA: true });
    img = sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: 4 } });
    // bmp-ts reports alpha 0 for files without an alpha channel; treat BMPs as opaque.
    img = img.removeAlpha();
  } else {
    img = sharp(buf, { failOn: 'error' });
  }
  if (size) img = img.resize(size.width, size.height, { fit: 'cover', position: 'centre' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const c = info.channels;
  if (c === 1) return { data, height: info.height, width: info.width, channels: 1 };
  if (c === 2) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = data[2 * i]!;
    return { data: out, height: info.height, width: info.width, channels: 1 };
  }
  if (c === 3) return { data, height: info.height, width: info.width, channels: 3 };
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = data[c * i]!;
    out[3 * i + 1] = data[c * i + 1]!;
    out[3 * i + 2] = data[c * i + 2]!;
  }
  return { data: out, height: info.height, width: info.width, channels: 3 };
}

/** Grey ↔ colour as PIL converts: L = (19595 R + 38470 G + 7471 B + 32768) >> 16; grey → RGB repeats L. */
function toChannels(d: Decoded, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const n = d.height * d.width;
  if (d.channels === channels) {
    out.set(d.data, offset);
  } else if (channels === 1) {
    for (let i = 0; i < n; i++) out[offset + i] = (19595 * d.data[3 * i]! + 38470 * d.data[3 * i + 1]! + 7471 * d.data[3 * i + 2]! + 32768) >> 16;
  } else {
    for (let i = 0; i < n; i++) {
      const v = d.data[i]!;
      out[offset + 3 * i] = v;
      out[offset + 3 * i + 1] = v;
      out[offset + 3 * i + 2] = v;
    }
  }
}

/**
 * One image as the import would store it (size and colour mode applied; 'auto' keeps the image's
 * own grey or colour), plus its own size before resizing. For previews.
 */
export async function decodeForPreview(
  file: string,
  opts: { size?: [number, number]; colour?: ColourMode },
): Promise<{ data: Uint8Array; height: number; width: number; channels: 1 | 3; ownSize: string }> {
  const own = await decodeImage(file, undefined);
  const d = opts.size ? await decodeImage(file, { height: opts.size[0], width: opts.size[1] }) : own;
  const channels: 1 | 3 = opts.colour === 'grey' ? 1 : opts.colour === 'colour' ? 3 : d.channels;
  const data = new Uint8Array(d.height * d.width * channels);
  toChannels(d, channels, data, 0);
  return { data, height: d.height, width: d.width, channels, ownSize: `${own.height}×${own.width}` };
}

function checkSize(size: FolderImportOptions['size']): void {
  if (!size) return;
  for (const [k, v] of Object.entries(size)) {
    if (!Number.isInteger(v) || v < 1 || v > 4096) throw new LabError('bad_input', `The image ${k} must be a whole number from 1 to 4096, got ${v}.`);
  }
}

/** Stratified seeded split of a class-folder tree: per class, the first round(F·n) of a shuffle go to train. */
function splitByFraction(files: { file: string; label: number }[], numClasses: number, fraction: number, seed: number) {
  const rng = new Rng(seed);
  const train: typeof files = [];
  const test: typeof files = [];
  for (let c = 0; c < numClasses; c++) {
    const mine = files.filter((f) => f.label === c);
    for (let i = mine.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [mine[i], mine[j]] = [mine[j]!, mine[i]!];
    }
    const k = Math.round(fraction * mine.length);
    train.push(...mine.slice(0, k));
    test.push(...mine.slice(k));
  }
  return { train, test };
}

/**
 * Reads an image folder into splits (nothing is written). Images are decoded `concurrency` at a
 * time. Every problem is a LabError naming the file: a class folder with no images, images of
 * different sizes without a chosen size, an image that cannot be decoded (unless skipUnreadable).
 */
export async function readImageFolder(dir: string, opts: FolderImportOptions = {}): Promise<FolderDataset> {
  checkSize(opts.size);
  const scan = scanImageFolder(dir);
  let files = scan.files;
  if (opts.trainFraction !== undefined) {
    if (scan.layout === 'splits') throw new LabError('bad_input', `Folder "${dir}" already has train/ and test/ folders, so a train fraction does not apply; leave it out.`);
    if (!(opts.trainFraction > 0 && opts.trainFraction < 1)) throw new LabError('bad_input', `The train fraction must be between 0 and 1 (exclusive), got ${opts.trainFraction}.`);
    files = splitByFraction(files.test!, scan.classNames.length, opts.trainFraction, opts.seed ?? 0);
  }
  const order: { split: SplitName; file: string; label: number }[] = [];
  for (const s of ['train', 'test'] as const) for (const f of files[s] ?? []) order.push({ split: s, ...f });
  const total = order.length;
  const decoded: (Decoded | null)[] = new Array(total).fill(null);
  const unreadable: Unreadable[] = [];
  let next = 0;
  let done = 0;
  let first: { file: string; d: Decoded } | null = null;
  let sizeProblem: LabError | null = null;
  const worker = async () => {
    while (next < total && !sizeProblem) {
      const i = next++;
      const { file } = order[i]!;
      try {
        const d = await decodeImage(file, opts.size);
        if (!first) first = { file, d };
        else if (!opts.size && (d.height !== first.d.height || d.width !== first.d.width)) {
          sizeProblem = new LabError(
            'shape_mismatch',
            `Image "${file}" is ${d.height}×${d.width} but "${first.file}" is ${first.d.height}×${first.d.width}; choose a size (height×width) to resize them all to.`,
          );
        }
        decoded[i] = d;
      } catch (err) {
        if (err instanceof LabError && err.code !== 'bad_file') throw err;
        unreadable.push({ file, reason: (err as Error).message.replace(/\s+/g, ' ').trim() });
      }
      done++;
      if (done % 256 === 0 || done === total) {
        opts.onProgress?.(done, total);
        await opts.tick?.();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, total)) }, worker));
  if (sizeProblem) throw sizeProblem;
  unreadable.sort((a, b) => (a.file < b.file ? -1 : 1));
  if (unreadable.length > 0 && !opts.skipUnreadable) {
    const u = unreadable[0]!;
    throw new LabError(
      'bad_file',
      `${unreadable.length} image${unreadable.length === 1 ? '' : 's'} cannot be read, the first "${u.file}" (${u.reason}); fix or remove ${unreadable.length === 1 ? 'it' : 'them'}, or import again choosing to skip unreadable images.`,
    );
  }
  const ok = decoded.filter((d): d is Decoded => d !== null);
  if (ok.length === 0) throw new LabError('bad_file', `No image in folder "${dir}" could be read.`);
  const mode = opts.colour ?? 'auto';
  const channels: 1 | 3 = mode === 'grey' ? 1 : mode === 'colour' ? 3 : ok.some((d) => d.channels === 3) ? 3 : 1;
  const { height, width } = ok[0]!;
  const per = height * width * channels;
  const out: FolderDataset = { classNames: scan.classNames, height, width, channels, unreadable };
  for (const s of ['train', 'test'] as const) {
    const idx = order.map((o, i) => i).filter((i) => order[i]!.split === s && decoded[i]);
    if (idx.length === 0) continue;
    const images = new Uint8Array(idx.length * per);
    const labels = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      toChannels(decoded[i]!, channels, images, k * per);
      labels[k] = order[i]!.label;
    });
    out[s] = { images, labels, count: idx.length, height, width, channels };
  }
  return out;
}

/** A folder-safe version of a class name (no separators, no leading dot), unique within the list. */
export function classFolderNames(classNames: string[]): string[] {
  const seen = new Set<string>();
  return classNames.map((n, i) => {
    let base = n.replace(/[/\\:*?"<>|\x00-\x1f]/g, '_').replace(/^\.+/, '_').trim() || `class_${i}`;
    if (seen.has(base)) base = `${base}_${i}`;
    seen.add(base);
    return base;
  });
}

/**
 * Writes splits as PNG files in the ImageFolder layout: OUT/train/<class>/<index>.png and
 * OUT/test/<class>/<index>.png (index: the image's position in its split, zero-padded). Returns
 * the number of images written.
 */
export async function writeImageFolder(
  outDir: string,
  splits: Partial<Record<SplitName, SplitArrays>>,
  classNames: string[],
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const folders = classFolderNames(classNames);
  const total = (splits.train?.count ?? 0) + (splits.test?.count ?? 0);
  let done = 0;
  for (const s of ['train', 'test'] as const) {
    const d = splits[s];
    if (!d) continue;
    for (const f of folders) fs.mkdirSync(path.join(outDir, s, f), { recursive: true });
    const per = d.height * d.width * d.channels;
    const digits = String(Math.max(0, d.count - 1)).length;
    const one = async (i: number) => {
      const label = d.labels[i]!;
      const file = path.join(outDir, s, folders[label] ?? `class_${label}`, `${String(i).padStart(digits, '0')}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const px = Buffer.from(d.images.buffer, d.images.byteOffset + i * per, per);
      await sharp(px, { raw: { width: d.width, height: d.height, channels: d.channels as 1 | 3 } })
        .png({ compressionLevel: 6 })
        .toFile(file);
    };
    let next = 0;
    const worker = async () => {
      while (next < d.count) {
        const i = next++;
        await one(i);
        done++;
        if (done % 256 === 0 || done === total) onProgress?.(done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, d.count) }, worker));
  }
  return total;
}
