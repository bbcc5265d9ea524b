/**
 * Resampling and geometric transforms on single H×W float planes: bilinear sampling with border
 * rules, affine warps, the centred "clipped zoom" of zoom blur and snow, and PIL-style box
 * resizing for pixelate. Hand-written: no pure-JS library offers scipy/PIL-compatible rules.
 *
 * Runs in: anywhere (no dependencies).
 */
import { borderIndex, type BorderMode } from './filters';

/** Bilinear value of a plane at fractional (y, x), reading outside through a border rule. */
export function bilinear(src: Float32Array, h: number, w: number, y: number, x: number, mode: BorderMode): number {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const ya = borderIndex(y0, h, mode);
  const yb = borderIndex(y0 + 1, h, mode);
  const xa = borderIndex(x0, w, mode);
  const xb = borderIndex(x0 + 1, w, mode);
  const v = (yy: number, xx: number) => (yy < 0 || xx < 0 ? 0 : src[yy * w + xx]);
  return (1 - fy) * ((1 - fx) * v(ya, xa) + fx * v(ya, xb)) + fy * ((1 - fx) * v(yb, xa) + fx * v(yb, xb));
}

/** Output pixel (x, y) takes the bilinear input value at (x + dx[p], y + dy[p]) (scipy's map_coordinates, order 1). */
export function displacePlane(src: Float32Array, h: number, w: number, dx: Float32Array, dy: Float32Array, mode: BorderMode): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const sx = x + dx[p];
      const sy = y + dy[p];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const fx = sx - x0;
        const fy = sy - y0;
        const q = y0 * w + x0;
        out[p] = (1 - fy) * ((1 - fx) * src[q] + fx * src[q + 1]) + fy * ((1 - fx) * src[q + w] + fx * src[q + w + 1]);
      } else {
        out[p] = bilinear(src, h, w, sy, sx, mode);
      }
    }
  }
  return out;
}

/** A 2×3 affine map [a, b, c, d, e, f]: (x, y) → (a·x + b·y + c, d·x + e·y + f). */
export type Affine = [number, number, number, number, number, number];

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) return [1, 0, 0, 0, 1, 0];
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** The affine map taking three source points to three destination points (OpenCV's getAffineTransform). */
export function affineFromPoints(src: [number, number][], dst: [number, number][]): Affine {
  // Solve [x y 1] · [a d; b e; c f] = [x' y'] for the three pairs (Cramer's rule).
  const [[x1, y1], [x2, y2], [x3, y3]] = src;
  const det = x1 * (y2 - y3) - y1 * (x2 - x3) + (x2 * y3 - x3 * y2);
  if (Math.abs(det) < 1e-12) return [1, 0, 0, 0, 1, 0];
  const solve = (u1: number, u2: number, u3: number): [number, number, number] => {
    const a = (u1 * (y2 - y3) - y1 * (u2 - u3) + (u2 * y3 - u3 * y2)) / det;
    const b = (x1 * (u2 - u3) - u1 * (x2 - x3) + (x2 * u3 - x3 * u2)) / det;
    const c = (x1 * (y2 * u3 - y3 * u2) - y1 * (x2 * u3 - x3 * u2) + u1 * (x2 * y3 - x3 * y2)) / det;
    return [a, b, c];
  };
  const [a, b, c] = solve(dst[0][0], dst[1][0], dst[2][0]);
  const [d, e, f] = solve(dst[0][1], dst[1][1], dst[2][1]);
  return [a, b, c, d, e, f];
}

/**
 * Warps a plane: output pixel (x, y) takes the bilinear input value at `inverse(x, y)`
 * (the map from output to input coordinates, as skimage's warp(inverse_map=…)).
 */
export function warpPlane(src: Float32Array, h: number, w: number, inverse: Affine, mode: BorderMode): Float32Array {
  const out = new Float32Array(h * w);
  const [a, b, c, d, e, f] = inverse;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        // Fast path: all four neighbours inside.
        const fx = sx - x0;
        const fy = sy - y0;
        const p = y0 * w + x0;
        out[y * w + x] = (1 - fy) * ((1 - fx) * src[p] + fx * src[p + 1]) + fy * ((1 - fx) * src[p + w] + fx * src[p + w + 1]);
      } else if (mode === 'constant' && (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h)) {
        out[y * w + x] = 0;
      } else {
        out[y * w + x] = bilinear(src, h, w, sy, sx, mode);
      }
    }
  }
  return out;
}

/** The factors of scipy.ndimage.zoom (order 1, corners aligned): a crop of size `n` to size round(n·z). */
function zoomAxis(n: number, z: number): { size: number; coord: Float64Array } {
  const size = Math.max(1, Math.round(n * z));
  const coord = new Float64Array(size);
  const f = size > 1 ? (n - 1) / (size - 1) : 0;
  for (let i = 0; i < size; i++) coord[i] = i * f;
  return { size, coord };
}

/**
 * Zooms into the centre of a plane by factor z ≥ 1 and keeps the original size: crop the centre
 * ceil(n / z) pixels, upsample them linearly by z, and cut the centre n pixels out of the result.
 */
export function clippedZoomPlane(src: Float32Array, h: number, w: number, z: number): Float32Array {
  const ch = Math.ceil(h / z);
  const cw = Math.ceil(w / z);
  const top = (h - ch) >> 1;
  const left = (w - cw) >> 1;
  const ay = zoomAxis(ch, z);
  const ax = zoomAxis(cw, z);
  const trimY = (ay.size - h) >> 1;
  const trimX = (ax.size - w) >> 1;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const yi = y + trimY;
    const sy = yi < ay.size ? ay.coord[yi] : ch - 1;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const y1 = Math.min(ch - 1, y0 + 1);
    for (let x = 0; x < w; x++) {
      const xi = x + trimX;
      const sx = xi < ax.size ? ax.coord[xi] : cw - 1;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const x1 = Math.min(cw - 1, x0 + 1);
      const v00 = src[(top + y0) * w + left + x0];
      const v01 = src[(top + y0) * w + left + x1];
      const v10 = src[(top + y1) * w + left + x0];
      const v11 = src[(top + y1) * w + left + x1];
      out[y * w + x] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
    }
  }
  return out;
}

/**
 * PIL's BOX resampling weights for one axis: output pixel i averages the input pixels whose
 * centres fall inside its footprint (at least the nearest one when enlarging).
 */
function boxWeights(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; w: Float64Array; stride: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 0.5 * filterscale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const w = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let k = 0; k < xmax && k < stride; k++) {
      const t = (k + xmin - center + 0.5) / filterscale;
      const v = t > -0.5 && t <= 0.5 ? 1 : 0;
      w[i * stride + k] = v;
      total += v;
    }
    if (total === 0) {
      // Cannot happen for valid sizes; fall back to the nearest pixel.
      w[i * stride] = 1;
      total = 1;
    }
    for (let k = 0; k < stride; k++) w[i * stride + k] /= total;
    start[i] = xmin;
    count[i] = Math.min(xmax, stride);
  }
  return { start, count, w, stride };
}

/** Resizes a plane with PIL's BOX filter (rows first, then columns). */
export function resizeBoxPlane(src: Float32Array, h: number, w: number, nh: number, nw: number): Float32Array {
  const bx = boxWeights(w, nw);
  const tmp = new Float32Array(h * nw);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < nw; x++) {
      let s = 0;
      for (let k = 0; k < bx.count[x]; k++) s += bx.w[x * bx.stride + k] * src[y * w + bx.start[x] + k];
      tmp[y * nw + x] = s;
    }
  }
  const by = boxWeights(h, nh);
  const out = new Float32Array(nh * nw);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      let s = 0;
      for (let k = 0; k < by.count[y]; k++) s += by.w[y * by.stride + k] * tmp[(by.start[y] + k) * nw + x];
      out[y * nw + x] = s;
    }
  }
  return out;
}
