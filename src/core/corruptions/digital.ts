/**
 * Digital corruptions of ImageNet-C / CIFAR-10-C: brightness, contrast, elastic transform,
 * pixelate, JPEG compression, and the extra saturate. Severity values are the published ones.
 * JPEG uses the pure-JS `jpeg-js` codec (IJG quality scaling, no chroma subsampling).
 */
import { lazyModule } from '../engine/lazy-require';

// Loaded at the first JPEG corruption, not by every command.
const jpegJs = lazyModule<typeof import('jpeg-js')>('jpeg-js');
import type { ImageCorruption } from './types';
import { PRESET_PARAM, describeLevels, pick, regimeOf, strengthOr, strengthParam } from './common';
import { gaussianBlurPlane } from './filters';
import { affineFromPoints, displacePlane, invertAffine, resizeBoxPlane, warpPlane } from './geometry';
import { LUMA, hsvToRgb, mapPlanes, rgbToHsv, type FloatImage } from './image';

export const BRIGHTNESS = { small: [0.05, 0.1, 0.15, 0.2, 0.3], large: [0.1, 0.2, 0.3, 0.4, 0.5] } as const;
export const CONTRAST = { small: [0.75, 0.5, 0.4, 0.3, 0.15], large: [0.4, 0.3, 0.2, 0.1, 0.05] } as const;
/** (saturation factor, saturation offset) */
export const SATURATE = {
  small: [
    [0.3, 0],
    [0.1, 0],
    [1.5, 0],
    [2, 0.1],
    [2.5, 0.2],
  ],
  large: [
    [0.3, 0],
    [0.1, 0],
    [2, 0],
    [5, 0.1],
    [20, 0.2],
  ],
} as const;
export const PIXELATE = { small: [0.95, 0.9, 0.85, 0.75, 0.65], large: [0.6, 0.5, 0.4, 0.3, 0.25] } as const;
export const JPEG_QUALITY = { small: [80, 65, 58, 50, 40], large: [25, 18, 15, 10, 7] } as const;
/** (displacement alpha, displacement smoothing sigma, affine jitter), as fractions of the image side. */
export const ELASTIC = {
  small: [
    [0, 0, 0.08],
    [0.05, 0.2, 0.07],
    [0.08, 0.06, 0.06],
    [0.1, 0.04, 0.05],
    [0.1, 0.03, 0.03],
  ],
  /** ImageNet-C's values were written for a side of 244 on 224-pixel images; kept as published. */
  large: [
    [2, 0.7, 0.1],
    [2, 0.08, 0.2],
    [0.05, 0.01, 0.02],
    [0.07, 0.01, 0.02],
    [0.12, 0.01, 0.02],
  ],
} as const;

/** Raises the HSV value of every pixel by `amount` (clipped at 1), keeping hue and saturation. */
export function brightenImage(img: FloatImage, amount: number): FloatImage {
  const d = img.data;
  if (img.channels !== 3) {
    // Grey: value = the grey level.
    for (let i = 0; i < d.length; i++) d[i] = Math.min(1, Math.max(0, d[i]) + amount);
    return img;
  }
  for (let p = 0; p < d.length; p += 3) {
    const v = Math.max(d[p], d[p + 1], d[p + 2]);
    const nv = Math.min(1, Math.max(0, v + amount));
    if (v > 0) {
      const s = nv / v;
      d[p] *= s;
      d[p + 1] *= s;
      d[p + 2] *= s;
    } else {
      d[p] = d[p + 1] = d[p + 2] = nv;
    }
  }
  return img;
}

export const brightness: ImageCorruption = {
  kind: 'image',
  name: 'brightness',
  title: 'Brightness',
  description: `Over-exposure, like a photo in harsh sun: the HSV value (brightness) of every pixel goes up by c, keeping its colour. ${describeLevels('c =', BRIGHTNESS.small, BRIGHTNESS.large)}`,
  family: 'weather',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Brightness added', help: 'Amount added to the HSV value (0–1 scale).', max: 1, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params) {
    return brightenImage(img, strengthOr(params, pick(BRIGHTNESS.small, BRIGHTNESS.large, img, params, severity)));
  },
};

export const contrast: ImageCorruption = {
  kind: 'image',
  name: 'contrast',
  title: 'Contrast',
  description: `A washed-out image, as in haze or a poor screen: every value moves towards its channel's mean, (x − mean)·c + mean. ${describeLevels('c =', CONTRAST.small, CONTRAST.large)}`,
  family: 'digital',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: 'factor',
      label: 'Contrast factor',
      type: 'number',
      min: 0,
      max: 1,
      step: 0.01,
      default: 0,
      help: 'How much contrast is kept (1 = unchanged, near 0 = flat grey). 0 uses the value of the chosen severity.',
    },
    PRESET_PARAM,
  ],
  apply(img, severity, params) {
    const f = params.factor as number;
    const c = f > 0 ? f : pick(CONTRAST.small, CONTRAST.large, img, params, severity);
    const { channels: ch } = img;
    const n = img.height * img.width;
    const d = img.data;
    for (let k = 0; k < ch; k++) {
      let mean = 0;
      for (let p = 0; p < n; p++) mean += d[p * ch + k];
      mean /= n;
      for (let p = 0; p < n; p++) d[p * ch + k] = (d[p * ch + k] - mean) * c + mean;
    }
    return img;
  },
};

export const saturate: ImageCorruption = {
  kind: 'image',
  name: 'saturate',
  title: 'Saturate',
  description:
    'Wrong colour saturation, like a badly set camera or screen: the HSV saturation of every pixel becomes s·a + b, washed out at severities 1–2 and oversaturated at 3–5 (published CIFAR-10-C / ImageNet-C values).',
  family: 'digital',
  suite: 'imagenet-c-extra',
  defaultSeverity: 3,
  usesSeverity: true,
  colourOnly:
    'Saturate changes colour saturation, and grey images have none, so it would leave them unchanged; use it on a colour (RGB) dataset, or pick brightness or contrast.',
  params: [PRESET_PARAM],
  apply(img, severity, params) {
    const [a, b] = pick(SATURATE.small, SATURATE.large, img, params, severity);
    const d = img.data;
    for (let p = 0; p < d.length; p += 3) {
      const [h, s, v] = rgbToHsv(d[p], d[p + 1], d[p + 2]);
      const ns = Math.min(1, Math.max(0, s * a + b));
      const [r, g, bb] = hsvToRgb(h, ns, v);
      d[p] = r;
      d[p + 1] = g;
      d[p + 2] = bb;
    }
    return img;
  },
};

export const elasticTransform: ImageCorruption = {
  kind: 'image',
  name: 'elastic_transform',
  title: 'Elastic transform',
  description:
    'Wobbly glass or a stretched print: a small random affine distortion followed by smooth local warping of the pixels (published CIFAR-10-C / ImageNet-C values, scaled to the image size).',
  family: 'digital',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const regime = regimeOf(img, params);
    const { height: h, width: w } = img;
    const side = Math.min(h, w) * (regime === 'large' ? 244 / 224 : 1);
    const [fa, fs, fj] = pick(ELASTIC.small, ELASTIC.large, img, params, severity);
    const alpha = fa * side;
    const sigma = fs * side;
    const jitter = fj * side;
    const cx = Math.floor(w / 2);
    const cy = Math.floor(h / 2);
    const sq = Math.floor(Math.min(h, w) / 3);
    const src: [number, number][] = [
      [cx + sq, cy + sq],
      [cx + sq, cy - sq],
      [cx - sq, cy - sq],
    ];
    const dst = src.map(([x, y]) => [x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)] as [number, number]);
    const inv = invertAffine(affineFromPoints(src, dst));
    const field = () => {
      const f = new Float32Array(h * w);
      for (let i = 0; i < f.length; i++) f[i] = rng.uniform(-1, 1);
      const s = gaussianBlurPlane(f, h, w, sigma, { mode: 'reflect', truncate: 3 });
      for (let i = 0; i < s.length; i++) s[i] *= alpha;
      return s;
    };
    const dx = field();
    const dy = field();
    return mapPlanes(img, (p) => displacePlane(warpPlane(p, h, w, inv, 'mirror'), h, w, dx, dy, 'reflect'));
  },
};

export const pixelate: ImageCorruption = {
  kind: 'image',
  name: 'pixelate',
  title: 'Pixelate',
  description: `Low resolution blown up, as in a heavily zoomed video: the image is shrunk by a factor and enlarged back with box resampling. ${describeLevels('factor', PIXELATE.small, PIXELATE.large)}`,
  family: 'digital',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: 'factor',
      label: 'Size factor',
      type: 'number',
      min: 0,
      max: 1,
      step: 0.01,
      default: 0,
      help: 'Size of the shrunk image relative to the original (smaller = blockier). 0 uses the value of the chosen severity.',
    },
    PRESET_PARAM,
  ],
  apply(img, severity, params) {
    const f = params.factor as number;
    const c = f > 0 ? f : pick(PIXELATE.small, PIXELATE.large, img, params, severity);
    const { height: h, width: w } = img;
    const nh = Math.max(1, Math.trunc(h * c));
    const nw = Math.max(1, Math.trunc(w * c));
    return mapPlanes(img, (p) => resizeBoxPlane(resizeBoxPlane(p, h, w, nh, nw), nh, nw, h, w));
  },
};

/** JPEG works on 8×8 blocks: an image padded to whole blocks by repeating its edges codes exactly as the image itself. */
const BLOCK = 8;
/** Most pixels per JPEG file when several images are coded at once. */
const JPEG_MAX_PIXELS = 1 << 22;

/**
 * Encodes and decodes images as JPEGs of the given quality (1–100) with jpeg-js. Several images
 * go into one file as tiles on the 8×8 block grid, each padded by repeating its edge pixels as the
 * encoder pads a lone image: blocks are coded independently (no chroma subsampling), so every
 * tile decodes exactly as its image would alone, and the codec's set-up cost is paid once per file.
 */
export function jpegRoundTrip(imgs: FloatImage[], quality: number): FloatImage[] {
  if (imgs.length === 0) return [];
  const q = Math.max(1, Math.min(100, Math.round(quality)));
  const out: FloatImage[] = [];
  const { height: h, width: w, channels: c } = imgs[0];
  const ph = Math.ceil(h / BLOCK) * BLOCK;
  const pw = Math.ceil(w / BLOCK) * BLOCK;
  const tiles = Math.max(1, Math.floor(JPEG_MAX_PIXELS / (ph * pw)));
  for (let g = 0; g < imgs.length; g += tiles) {
    const group = imgs.slice(g, g + tiles);
    const cols = Math.ceil(Math.sqrt(group.length));
    const rows = Math.ceil(group.length / cols);
    const W = cols * pw;
    const H = rows * ph;
    const rgba = new Uint8Array(W * H * 4);
    group.forEach((img, t) => {
      const oy = Math.floor(t / cols) * ph;
      const ox = (t % cols) * pw;
      const d = img.data;
      for (let y = 0; y < ph; y++) {
        const sy = Math.min(y, h - 1);
        for (let x = 0; x < pw; x++) {
          const sx = Math.min(x, w - 1);
          const p = sy * w + sx;
          const o = ((oy + y) * W + ox + x) * 4;
          for (let k = 0; k < 3; k++) {
            const v = d[p * c + (c === 3 ? k : 0)];
            rgba[o + k] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
          }
          rgba[o + 3] = 255;
        }
      }
    });
    const jpeg = jpegJs();
    const encoded = jpeg.encode({ data: rgba, width: W, height: H }, q);
    const px = jpeg.decode(encoded.data, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 }).data;
    group.forEach((img, t) => {
      const oy = Math.floor(t / cols) * ph;
      const ox = (t % cols) * pw;
      const res = new Float32Array(h * w * c);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = ((oy + y) * W + ox + x) * 4;
          const p = y * w + x;
          if (c === 3) {
            for (let k = 0; k < 3; k++) res[p * 3 + k] = px[o + k] / 255;
          } else {
            // Back to grey as PIL's convert('L') does.
            res[p] = Math.round(LUMA[0] * px[o] + LUMA[1] * px[o + 1] + LUMA[2] * px[o + 2]) / 255;
          }
        }
      }
      out.push({ ...img, data: res });
    });
  }
  return out;
}

function jpegQuality(img: FloatImage, severity: number, params: Record<string, unknown>): number {
  const q = params.quality as number;
  return q > 0 ? q : pick(JPEG_QUALITY.small, JPEG_QUALITY.large, img, params as never, severity);
}

export const jpegCompression: ImageCorruption = {
  kind: 'image',
  name: 'jpeg_compression',
  title: 'JPEG compression',
  description: `Blocky compression artefacts of a heavily compressed photo: the image is saved as a JPEG of low quality and read back. ${describeLevels('quality', JPEG_QUALITY.small, JPEG_QUALITY.large)}`,
  family: 'digital',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: 'quality',
      label: 'JPEG quality',
      type: 'integer',
      min: 0,
      max: 100,
      step: 1,
      default: 0,
      help: 'JPEG quality from 1 (worst) to 100 (best). 0 uses the value of the chosen severity.',
    },
    PRESET_PARAM,
  ],
  apply(img, severity, params) {
    return jpegRoundTrip([img], jpegQuality(img, severity, params))[0];
  },
  applyBatch(imgs, severity, params) {
    if (!imgs.length) return [];
    return jpegRoundTrip(imgs, jpegQuality(imgs[0], severity, params));
  },
};
