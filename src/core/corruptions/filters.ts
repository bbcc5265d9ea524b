/**
 * Hand-written image filters on single H×W float planes: borders, separable Gaussian blur,
 * 2-D correlation, box blur, the anti-aliased disk of defocus blur, linear motion blur, Canny
 * edges, the Euclidean distance transform and histogram equalisation.
 *
 * No pure-JS library offers these with the border rules and parameters the published corruption
 * definitions use (scipy/skimage/OpenCV semantics), so they are written here; images are tiny
 * (28–224 px), so plain loops are fast enough.
 *
 * Runs in: anywhere (no dependencies).
 */

/**
 * Border rules for reading outside the image, named as in scipy.ndimage:
 * - 'nearest': repeat the edge pixel (a a a | a b c d | d d d)
 * - 'reflect': half-sample symmetric (b a | a b c d | d c)
 * - 'mirror': whole-sample symmetric, OpenCV's BORDER_REFLECT_101 (c b | a b c d | c b)
 * - 'constant': zero outside
 */
export type BorderMode = 'nearest' | 'reflect' | 'mirror' | 'constant';

/** Index inside [0, n) for a coordinate i under a border rule; -1 means "zero" (constant). */
export function borderIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'constant':
      return -1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * n;
      let k = i % period;
      if (k < 0) k += period;
      return k < n ? k : period - 1 - k;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const period = 2 * n - 2;
      let k = i % period;
      if (k < 0) k += period;
      return k < n ? k : period - k;
    }
  }
}

/** A normalised 1-D Gaussian of radius floor(truncate·sigma + 0.5) (scipy's rule). */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  const radius = Math.max(0, Math.floor(truncate * sigma + 0.5));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Correlates every row (axis 1) or column (axis 0) of a plane with a centred 1-D kernel. */
export function convolve1d(src: Float32Array, h: number, w: number, kernel: ArrayLike<number>, axis: 0 | 1, mode: BorderMode): Float32Array {
  const out = new Float32Array(h * w);
  const r = (kernel.length - 1) >> 1;
  const n = axis === 1 ? w : h;
  // Precomputed source index of every tap for every output position along the axis.
  const idx = new Int32Array(n * kernel.length);
  for (let i = 0; i < n; i++) for (let t = 0; t < kernel.length; t++) idx[i * kernel.length + t] = borderIndex(i + t - r, n, mode);
  const kl = kernel.length;
  if (axis === 1) {
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        let s = 0;
        const base = x * kl;
        for (let t = 0; t < kl; t++) {
          const j = idx[base + t];
          if (j >= 0) s += kernel[t] * src[row + j];
        }
        out[row + x] = s;
      }
    }
  } else {
    for (let y = 0; y < h; y++) {
      const base = y * kl;
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = 0; t < kl; t++) {
          const j = idx[base + t];
          if (j >= 0) s += kernel[t] * src[j * w + x];
        }
        out[y * w + x] = s;
      }
    }
  }
  return out;
}

/**
 * Gaussian blur of one plane (scipy.ndimage.gaussian_filter semantics). sigma 0 returns a copy.
 * `axes: 'vertical'` blurs along the height only (scipy's sigma = (σ, 0)).
 */
export function gaussianBlurPlane(
  src: Float32Array,
  h: number,
  w: number,
  sigma: number,
  opts: { mode?: BorderMode; truncate?: number; axes?: 'both' | 'vertical' } = {},
): Float32Array {
  if (!(sigma > 0)) return new Float32Array(src);
  const k = gaussianKernel1d(sigma, opts.truncate ?? 4);
  const mode = opts.mode ?? 'nearest';
  const vertical = convolve1d(src, h, w, k, 0, mode);
  return opts.axes === 'vertical' ? vertical : convolve1d(vertical, h, w, k, 1, mode);
}

/** 2-D correlation with a kernel (kh×kw, row-major) anchored at its centre, like OpenCV's filter2D. */
export function filter2d(src: Float32Array, h: number, w: number, kernel: ArrayLike<number>, kh: number, kw: number, mode: BorderMode = 'mirror'): Float32Array {
  const out = new Float32Array(h * w);
  const ry = (kh - 1) >> 1;
  const rx = (kw - 1) >> 1;
  const taps: { dy: number; dx: number; v: number }[] = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) if (kernel[i * kw + j] !== 0) taps.push({ dy: i - ry, dx: j - rx, v: kernel[i * kw + j] });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (const t of taps) {
        const yy = borderIndex(y + t.dy, h, mode);
        const xx = borderIndex(x + t.dx, w, mode);
        if (yy >= 0 && xx >= 0) s += t.v * src[yy * w + xx];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Mean over a size×size window (OpenCV's blur, border REFLECT_101). */
export function boxBlurPlane(src: Float32Array, h: number, w: number, size = 3): Float32Array {
  const k = new Float64Array(size).fill(1 / size);
  return convolve1d(convolve1d(src, h, w, k, 0, 'mirror'), h, w, k, 1, 'mirror');
}

/**
 * The defocus kernel: a disk of the given radius on a grid of at least 17×17, normalised, then
 * softened by a small Gaussian (3×3, or 5×5 for radii above 8) of sigma `aliasBlur`.
 * Returned cropped to its non-zero support.
 */
export function diskKernel(radius: number, aliasBlur: number): { k: Float32Array; size: number } {
  const half = radius <= 8 ? 8 : Math.ceil(radius);
  const size = 2 * half + 1;
  const disk = new Float32Array(size * size);
  let sum = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      if (x * x + y * y <= radius * radius) {
        disk[(y + half) * size + (x + half)] = 1;
        sum++;
      }
    }
  }
  for (let i = 0; i < disk.length; i++) disk[i] /= sum;
  // Small Gaussian with a fixed kernel size, as OpenCV's GaussianBlur with ksize given.
  const ks = radius <= 8 ? 3 : 5;
  const g = new Float64Array(ks);
  let gs = 0;
  for (let i = 0; i < ks; i++) {
    const d = i - (ks - 1) / 2;
    g[i] = Math.exp((-d * d) / (2 * aliasBlur * aliasBlur));
    gs += g[i];
  }
  for (let i = 0; i < ks; i++) g[i] /= gs;
  const blurred = convolve1d(convolve1d(disk, size, size, g, 0, 'mirror'), size, size, g, 1, 'mirror');
  // Crop to the smallest centred square that holds every non-negligible weight.
  let r = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (blurred[y * size + x] > 1e-12) r = Math.max(r, Math.abs(y - half), Math.abs(x - half));
    }
  }
  const cs = 2 * r + 1;
  const k = new Float32Array(cs * cs);
  let total = 0;
  for (let y = 0; y < cs; y++) for (let x = 0; x < cs; x++) total += k[y * cs + x] = blurred[(y + half - r) * size + (x + half - r)];
  // Renormalise: the softening reflects at the grid's edge, which can move the sum off 1 by ~1 %.
  for (let i = 0; i < k.length; i++) k[i] /= total;
  return { k, size: cs };
}

/**
 * Linear motion blur (the formulation of the `imagecorruptions` package, after ImageMagick's
 * -motion-blur): 2·radius+1 copies of the image shifted along `angleDeg`, weighted by a one-sided
 * Gaussian of `sigma`, edges repeated. Shifts that leave the image stop the sum, and the
 * weights of the shifts used are renormalised (the original darkens small images there).
 */
export function motionBlurPlane(src: Float32Array, h: number, w: number, radius: number, sigma: number, angleDeg: number): Float32Array {
  const width = 2 * Math.round(radius) + 1;
  const weights = new Float64Array(width);
  let sum = 0;
  for (let i = 0; i < width; i++) {
    weights[i] = Math.exp((-i * i) / (2 * sigma * sigma));
    sum += weights[i];
  }
  const a = (angleDeg * Math.PI) / 180;
  const sy = Math.sin(a);
  const sx = Math.cos(a);
  const out = new Float32Array(h * w);
  // Shifts past the image end the sum; the weights used are renormalised so brightness is kept.
  let used = 0;
  let taps = 0;
  for (; taps < width; taps++) {
    if (Math.abs(Math.ceil(taps * sy - 0.5)) >= h || Math.abs(Math.ceil(taps * sx - 0.5)) >= w) break;
    used += weights[taps];
  }
  sum = used;
  for (let i = 0; i < taps; i++) {
    const dy = -Math.ceil(i * sy - 0.5);
    const dx = -Math.ceil(i * sx - 0.5);
    const wt = weights[i] / sum;
    for (let y = 0; y < h; y++) {
      const yy = Math.min(h - 1, Math.max(0, y - dy));
      for (let x = 0; x < w; x++) {
        const xx = Math.min(w - 1, Math.max(0, x - dx));
        out[y * w + x] += wt * src[yy * w + xx];
      }
    }
  }
  return out;
}

/**
 * Canny edges of one plane: optional Gaussian smoothing, Sobel gradients, non-maximum
 * suppression along the gradient direction (4 sectors), and hysteresis (weak edges kept when
 * 8-connected to a strong one). Returns 1 on edges, 0 elsewhere. The outermost pixels are never edges.
 */
export function cannyPlane(
  src: Float32Array,
  h: number,
  w: number,
  opts: { sigma: number; low: number; high: number; magnitude: 'l1' | 'l2' },
): Float32Array {
  const s = opts.sigma > 0 ? gaussianBlurPlane(src, h, w, opts.sigma, { mode: 'nearest' }) : src;
  const gx = new Float32Array(h * w);
  const gy = new Float32Array(h * w);
  const mag = new Float32Array(h * w);
  const at = (y: number, x: number) => s[borderIndex(y, h, 'mirror') * w + borderIndex(x, w, 'mirror')];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = at(y - 1, x - 1);
      const b = at(y - 1, x);
      const c = at(y - 1, x + 1);
      const d = at(y, x - 1);
      const f = at(y, x + 1);
      const g = at(y + 1, x - 1);
      const hh = at(y + 1, x);
      const i = at(y + 1, x + 1);
      const vx = c + 2 * f + i - (a + 2 * d + g);
      const vy = g + 2 * hh + i - (a + 2 * b + c);
      const p = y * w + x;
      gx[p] = vx;
      gy[p] = vy;
      mag[p] = opts.magnitude === 'l1' ? Math.abs(vx) + Math.abs(vy) : Math.hypot(vx, vy);
    }
  }
  // Non-maximum suppression.
  const TAN22 = Math.tan(Math.PI / 8);
  const TAN67 = Math.tan((3 * Math.PI) / 8);
  const state = new Uint8Array(h * w); // 0 none, 1 weak, 2 strong
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      const m = mag[p];
      if (m < opts.low || m === 0) continue;
      const ax = Math.abs(gx[p]);
      const ay = Math.abs(gy[p]);
      let n1: number;
      let n2: number;
      if (ay <= ax * TAN22) {
        n1 = mag[p - 1];
        n2 = mag[p + 1];
      } else if (ay >= ax * TAN67) {
        n1 = mag[p - w];
        n2 = mag[p + w];
      } else if (gx[p] * gy[p] > 0) {
        n1 = mag[p - w - 1];
        n2 = mag[p + w + 1];
      } else {
        n1 = mag[p - w + 1];
        n2 = mag[p + w - 1];
      }
      if (m >= n1 && m >= n2) state[p] = m >= opts.high ? 2 : 1;
    }
  }
  // Hysteresis: flood from strong pixels through weak ones.
  const out = new Float32Array(h * w);
  const stack: number[] = [];
  for (let p = 0; p < h * w; p++) {
    if (state[p] === 2) {
      out[p] = 1;
      stack.push(p);
    }
  }
  while (stack.length) {
    const p = stack.pop()!;
    const y = (p / w) | 0;
    const x = p - y * w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const q = yy * w + xx;
        if (state[q] === 1 && out[q] === 0) {
          out[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  return out;
}

/** 1-D squared distance transform of sampled function f (Felzenszwalb & Huttenlocher). */
function dt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (f[v[k]] === Infinity) {
      v[k] = q;
      continue;
    }
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (k > 0 && s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = f[v[k]] === Infinity ? Infinity : dq * dq + f[v[k]];
  }
}

/** Exact Euclidean distance from every pixel to the nearest pixel where `isFeature` is true (Infinity if none). */
export function distanceTransform(isFeature: Uint8Array, h: number, w: number): Float32Array {
  const n = Math.max(h, w);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const tmp = new Float64Array(h * w);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = isFeature[y * w + x] ? 0 : Infinity;
    dt1d(f, h, d, v, z);
    for (let y = 0; y < h; y++) tmp[y * w + x] = d[y];
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = tmp[y * w + x];
    dt1d(f, w, d, v, z);
    for (let x = 0; x < w; x++) out[y * w + x] = Math.sqrt(d[x]);
  }
  return out;
}

/** Histogram equalisation of a plane of integers 0..255 (OpenCV's equalizeHist rule). */
export function equalizeHist(src: Float32Array): Float32Array {
  const hist = new Int32Array(256);
  const total = src.length;
  for (let i = 0; i < total; i++) hist[Math.max(0, Math.min(255, Math.round(src[i])))]++;
  let i0 = 0;
  while (i0 < 255 && hist[i0] === 0) i0++;
  const out = new Float32Array(total);
  if (hist[i0] === total) {
    out.fill(i0);
    return out;
  }
  const lut = new Float32Array(256);
  const scale = 255 / (total - hist[i0]);
  let sum = 0;
  for (let j = i0 + 1; j < 256; j++) {
    sum += hist[j];
    lut[j] = Math.min(255, Math.max(0, Math.round(sum * scale)));
  }
  for (let i = 0; i < total; i++) out[i] = lut[Math.max(0, Math.min(255, Math.round(src[i])))];
  return out;
}
