/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
 *
 *   0x00 0x00 <type> <ndims>   then ndims big-endian uint32 sizes, then the data (C order).
 *
 * Only type 0x08 (unsigned byte) is supported: that is what image and label files use.
 */
import { gunzipSync } from 'node:zlib';
import { LabError } from '../../shared/errors';
import { readFileChecked } from './fsutil';

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

const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Parses an IDX file held in memory (gunzipping it first if it starts with the gzip signature).
 * `what` names the file in error messages, e.g. `Train images file "train-images-idx3-ubyte.gz"`.
 */
export function parseIdx(buf: Uint8Array, what: string): IdxArray {
  let bytes = buf;
  const gz = isGzip(buf);
  if (gz) {
    try {
      bytes = gunzipSync(buf);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new LabError('bad_file', `${what} is a damaged gzip file (${reason}); download it again.`);
    }
  }
  const unpacked = gz ? ' after unzipping' : '';
  if (bytes.length < 4) {
    throw new LabError('bad_file', `${what} is too short to be an IDX file (${bytes.length} bytes${unpacked}); choose an MNIST-style IDX file.`);
  }
  const magic = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new LabError(
      'bad_file',
      `${what} is not an IDX file (it starts with ${hex8(magic)}, but IDX files start with 0x0000); choose an MNIST-style file such as train-images-idx3-ubyte.gz.`,
    );
  }
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new LabError(
      'bad_file',
      name
        ? `${what} holds ${name} values (IDX type 0x${type.toString(16).padStart(2, '0')}); only unsigned-byte IDX files (type 0x08) are supported.`
        : `${what} is not an IDX file (magic ${hex8(magic)} has unknown type 0x${type.toString(16).padStart(2, '0')}); choose an MNIST-style IDX file.`,
    );
  }
  if (ndims === 0) {
    throw new LabError('bad_file', `${what} is not a usable IDX file (magic ${hex8(magic)} declares 0 dimensions); choose an MNIST-style IDX file.`);
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new LabError(
      'bad_file',
      `${what} is truncated: its header alone needs ${headerLen} bytes but the file has ${bytes.length}${unpacked}; download it again.`,
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
  if (bytes.length < expected) {
    throw new LabError(
      'bad_file',
      `${what} is truncated: shape ${shape.join('×')} needs ${expected} bytes but the file has ${bytes.length}${unpacked}; download it again.`,
    );
  }
  if (bytes.length > expected) {
    throw new LabError(
      'bad_file',
      `${what} has ${bytes.length - expected} unexpected bytes after the data (shape ${shape.join('×')} needs ${expected} bytes, the file has ${bytes.length}${unpacked}); download it again.`,
    );
  }
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLen, count) };
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
export function readIdxImagesAndLabels(
  imagesPath: string,
  labelsPath: string,
  split: 'train' | 'test',
): { images: Uint8Array; labels: Uint8Array; count: number; height: number; width: number; channels: 1 } {
  const Split = split === 'train' ? 'Train' : 'Test';
  const imgWhat = `${Split} images file "${imagesPath}"`;
  const lblWhat = `${Split} labels file "${labelsPath}"`;

  const img = parseIdx(readFileChecked(imagesPath, imgWhat), imgWhat);
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

  const lbl = parseIdx(readFileChecked(labelsPath, lblWhat), lblWhat);
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
