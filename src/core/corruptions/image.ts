/**
 * Float images for the corruption code: one image, H×W×C row-major (HWC), values in [0, 1].
 * Conversions from/to the uint8 NHWC arrays of a dataset split, colour helpers and small
 * per-pixel utilities. Pure JavaScript, no tfjs: the same numbers on every backend.
 *
 * Runs in: any Node process (worker, CLI, main) — no DOM, no electron.
 */
import { LabError } from '../../shared/errors';

export interface FloatImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

export function makeImage(height: number, width: number, channels: number, fill = 0): FloatImage {
  const data = new Float32Array(height * width * channels);
  if (fill !== 0) data.fill(fill);
  return { data, height, width, channels };
}

export function cloneImage(img: FloatImage): FloatImage {
  return { ...img, data: new Float32Array(img.data) };
}

const BYTE_TO_UNIT = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 255;
  return t;
})();

/** Image `index` of a uint8 NHWC array as a float image in [0, 1]. */
export function imageFromBytes(bytes: Uint8Array, index: number, height: number, width: number, channels: number): FloatImage {
  const per = height * width * channels;
  const out = new Float32Array(per);
  const off = index * per;
  for (let p = 0; p < per; p++) out[p] = BYTE_TO_UNIT[bytes[off + p]];
  return { data: out, height, width, channels };
}

/** Writes a float image into a uint8 NHWC array at `index`: clipped to [0, 1], scaled and rounded. */
export function imageToBytes(img: FloatImage, bytes: Uint8Array, index: number): void {
  const per = img.data.length;
  const off = index * per;
  const d = img.data;
  for (let p = 0; p < per; p++) {
    const v = d[p];
    // NaN counts as 0.
    bytes[off + p] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
  }
}

export function clip01InPlace(img: FloatImage): FloatImage {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    d[i] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
  return img;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

// ------------------------------------------------------------------------------ channels

/** How a corruption treats the channels: colour (1 grey or 3 RGB) plus an alpha channel passed through. */
export function colourChannels(channels: number): { colour: 1 | 3; alpha: boolean } {
  if (channels === 1) return { colour: 1, alpha: false };
  if (channels === 2) return { colour: 1, alpha: true };
  if (channels === 3) return { colour: 3, alpha: false };
  if (channels === 4) return { colour: 3, alpha: true };
  throw new LabError('shape_mismatch', `Images with ${channels} channels cannot be corrupted; use 1 (grey), 3 (RGB) or 4 (RGBA) channels.`);
}

/** Splits off an alpha channel (grey+alpha or RGBA). Returns the colour image and the alpha plane (or null). */
export function splitAlpha(img: FloatImage): { colour: FloatImage; alpha: Float32Array | null } {
  const { colour, alpha } = colourChannels(img.channels);
  if (!alpha) return { colour: img, alpha: null };
  const n = img.height * img.width;
  const c = img.channels;
  const col = makeImage(img.height, img.width, colour);
  const a = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < colour; k++) col.data[p * colour + k] = img.data[p * c + k];
    a[p] = img.data[p * c + colour];
  }
  return { colour: col, alpha: a };
}

/** Puts an alpha plane back behind a colour image. */
export function joinAlpha(colour: FloatImage, alpha: Float32Array | null): FloatImage {
  if (!alpha) return colour;
  const n = colour.height * colour.width;
  const cc = colour.channels;
  const out = makeImage(colour.height, colour.width, cc + 1);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < cc; k++) out.data[p * (cc + 1) + k] = colour.data[p * cc + k];
    out.data[p * (cc + 1) + cc] = alpha[p];
  }
  return out;
}

/** One plane (H×W) of channel k. */
export function getPlane(img: FloatImage, k: number): Float32Array {
  const n = img.height * img.width;
  const c = img.channels;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = img.data[p * c + k];
  return out;
}

export function setPlane(img: FloatImage, k: number, plane: Float32Array): void {
  const n = img.height * img.width;
  const c = img.channels;
  for (let p = 0; p < n; p++) img.data[p * c + k] = plane[p];
}

/** Applies fn to each channel plane separately (filters that work on one plane). */
export function mapPlanes(img: FloatImage, fn: (plane: Float32Array, h: number, w: number) => Float32Array): FloatImage {
  if (img.channels === 1) {
    return { ...img, data: fn(img.data, img.height, img.width) };
  }
  const out = makeImage(img.height, img.width, img.channels);
  for (let k = 0; k < img.channels; k++) setPlane(out, k, fn(getPlane(img, k), img.height, img.width));
  return out;
}

// -------------------------------------------------------------------------------- colour

/** ITU-R 601 luma weights (OpenCV's RGB2GRAY and PIL's convert('L')). */
export const LUMA = [0.299, 0.587, 0.114] as const;

/** Grey plane of an image: the single channel, or the luma of RGB. */
export function greyPlane(img: FloatImage): Float32Array {
  if (img.channels === 1) return new Float32Array(img.data);
  const n = img.height * img.width;
  const out = new Float32Array(n);
  const d = img.data;
  for (let p = 0; p < n; p++) out[p] = LUMA[0] * d[p * 3] + LUMA[1] * d[p * 3 + 1] + LUMA[2] * d[p * 3 + 2];
  return out;
}

/** RGB → HSV (h in [0, 1), s and v in [0, 1]); hue 0 where the pixel is grey, as skimage does. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  const v = max;
  const s = max === 0 ? 0 : delta / max;
  let h = 0;
  if (delta > 0) {
    if (max === r) h = ((g - b) / delta) / 6;
    else if (max === g) h = (2 + (b - r) / delta) / 6;
    else h = (4 + (r - g) / delta) / 6;
    if (h < 0) h += 1;
  }
  return [h, s, v];
}

export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const h6 = (h - Math.floor(h)) * 6;
  const i = Math.floor(h6) % 6;
  const f = h6 - Math.floor(h6);
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (i) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** Mean absolute difference between two images of the same shape (a simple corruption distance). */
export function meanAbsDiff(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): number {
  if (a.length !== b.length) throw new LabError('shape_mismatch', 'Images of different sizes cannot be compared.');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return a.length ? s / a.length : 0;
}
