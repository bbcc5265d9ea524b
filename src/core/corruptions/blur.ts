/**
 * Blur corruptions of ImageNet-C / CIFAR-10-C: defocus, frosted glass, motion and zoom blur, plus
 * the extra Gaussian blur. Severity values are the published ones; the filters are hand-written
 * (see filters.ts, geometry.ts).
 */
import type { Rng } from '../engine/random';
import type { ImageCorruption } from './types';
import { PRESET_PARAM, describeLevels, pick, strengthOr, strengthParam } from './common';
import { diskKernel, filter2d, gaussianBlurPlane, motionBlurPlane } from './filters';
import { clippedZoomPlane } from './geometry';
import { mapPlanes, type FloatImage } from './image';

export const GAUSSIAN_BLUR = { small: [0.4, 0.6, 0.7, 0.8, 1], large: [1, 2, 3, 4, 6] } as const;
/** (sigma, max shift, iterations) */
export const GLASS_BLUR = {
  small: [
    [0.05, 1, 1],
    [0.25, 1, 1],
    [0.4, 1, 1],
    [0.25, 1, 2],
    [0.4, 1, 2],
  ],
  large: [
    [0.7, 1, 2],
    [0.9, 2, 1],
    [1, 2, 3],
    [1.1, 3, 2],
    [1.5, 4, 2],
  ],
} as const;
/** (disk radius, anti-alias sigma) */
export const DEFOCUS_BLUR = {
  small: [
    [0.3, 0.4],
    [0.4, 0.5],
    [0.5, 0.6],
    [1, 0.2],
    [1.5, 0.1],
  ],
  large: [
    [3, 0.1],
    [4, 0.5],
    [6, 0.5],
    [8, 0.5],
    [10, 0.5],
  ],
} as const;
/** (radius, sigma) of the motion kernel */
export const MOTION_BLUR = {
  small: [
    [6, 1],
    [6, 1.5],
    [6, 2],
    [8, 2],
    [9, 2.5],
  ],
  large: [
    [10, 3],
    [15, 5],
    [15, 8],
    [15, 12],
    [20, 15],
  ],
} as const;

function range(start: number, count: number, step: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.round((start + i * step) * 100) / 100);
}
/** Zoom factors averaged at each severity (numpy.arange(1, end, step) as published, end included where arange includes it). */
export const ZOOM_BLUR = {
  small: [range(1, 7, 0.01), range(1, 12, 0.01), range(1, 16, 0.01), range(1, 21, 0.01), range(1, 26, 0.01)],
  large: [range(1, 12, 0.01), range(1, 16, 0.01), range(1, 11, 0.02), range(1, 13, 0.02), range(1, 11, 0.03)],
};

export const gaussianBlur: ImageCorruption = {
  kind: 'image',
  name: 'gaussian_blur',
  title: 'Gaussian blur',
  description: `Softens the whole image evenly, like a slightly out-of-focus lens: a Gaussian blur of standard deviation σ pixels. ${describeLevels('σ =', GAUSSIAN_BLUR.small, GAUSSIAN_BLUR.large)}`,
  family: 'blur',
  suite: 'imagenet-c-extra',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Blur σ', help: 'Standard deviation of the blur in pixels.', max: 20, step: 0.1, unit: 'px' }), PRESET_PARAM],
  apply(img, severity, params) {
    const sigma = strengthOr(params, pick(GAUSSIAN_BLUR.small, GAUSSIAN_BLUR.large, img, params, severity));
    return mapPlanes(img, (p, h, w) => gaussianBlurPlane(p, h, w, sigma, { mode: 'nearest' }));
  },
};

/**
 * Frosted-glass blur: blur, quantise to 8 bits, swap each pixel with a random neighbour up to
 * `delta` away (bottom-right to top-left, `iterations` times), blur again. With `swapChance` < 1
 * (MNIST-C) each swap happens only with that probability. `axes: 'vertical'` blurs along the
 * image's height only (each column on its own), which is what the MNIST-C code does to a grey
 * H×W image: skimage's `gaussian(x, sigma, multichannel=True)` takes the last axis (the width)
 * for colour channels and blurs the first axis alone.
 */
export function glassBlurImage(
  img: FloatImage,
  sigma: number,
  delta: number,
  iterations: number,
  rng: Rng,
  swapChance = 1,
  axes: 'both' | 'vertical' = 'both',
): FloatImage {
  const { height: h, width: w, channels: c } = img;
  const blur = (p: Float32Array) => (axes === 'vertical' ? gaussianBlurPlane(p, h, w, sigma, { mode: 'nearest', axes: 'vertical' }) : gaussianBlurPlane(p, h, w, sigma, { mode: 'nearest' }));
  const blurred = mapPlanes(img, blur);
  const d = blurred.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.floor(Math.min(1, Math.max(0, d[i])) * 255) / 255;
  for (let it = 0; it < iterations; it++) {
    for (let y = h - delta; y > delta; y--) {
      for (let x = w - delta; x > delta; x--) {
        if (swapChance < 1 && rng.next() >= swapChance) continue;
        const dx = rng.int(2 * delta) - delta;
        const dy = rng.int(2 * delta) - delta;
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const a = (y * w + x) * c;
        const b = (yy * w + xx) * c;
        for (let k = 0; k < c; k++) {
          const t = d[a + k];
          d[a + k] = d[b + k];
          d[b + k] = t;
        }
      }
    }
  }
  return mapPlanes(blurred, blur);
}

export const glassBlur: ImageCorruption = {
  kind: 'image',
  name: 'glass_blur',
  title: 'Glass blur',
  description:
    'Looking through frosted glass: the image is blurred, then pixels are swapped with random close neighbours and blurred again. Severities set the blur σ, the largest swap distance and the number of passes (published CIFAR-10-C / ImageNet-C values).',
  family: 'blur',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [sigma, delta, iterations] = pick(GLASS_BLUR.small, GLASS_BLUR.large, img, params, severity);
    return glassBlurImage(img, sigma, delta, iterations, rng);
  },
};

export const defocusBlur: ImageCorruption = {
  kind: 'image',
  name: 'defocus_blur',
  title: 'Defocus blur',
  description: `An out-of-focus camera: each point spreads into a small disk (bokeh). ${describeLevels('disk radius (px)', DEFOCUS_BLUR.small.map((v) => v[0]), DEFOCUS_BLUR.large.map((v) => v[0]))}`,
  family: 'blur',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Disk radius', help: 'Radius of the blur disk in pixels (anti-alias σ 0.5).', max: 30, step: 0.1, unit: 'px' }), PRESET_PARAM],
  apply(img, severity, params) {
    const [r0, alias0] = pick(DEFOCUS_BLUR.small, DEFOCUS_BLUR.large, img, params, severity);
    const s = params.strength as number;
    const [radius, alias] = s > 0 ? [s, 0.5] : [r0, alias0];
    const { k, size } = diskKernel(radius, alias);
    return mapPlanes(img, (p, h, w) => filter2d(p, h, w, k, size, size, 'mirror'));
  },
};

/** Motion blur of every channel along one random direction (angle in degrees). */
export function motionBlurImage(img: FloatImage, radius: number, sigma: number, angle: number): FloatImage {
  return mapPlanes(img, (p, h, w) => motionBlurPlane(p, h, w, radius, sigma, angle));
}

export const motionBlur: ImageCorruption = {
  kind: 'image',
  name: 'motion_blur',
  title: 'Motion blur',
  description: `A camera that moved during the exposure: the image is smeared along a random direction between −45° and 45°. ${describeLevels('smear radius (px)', MOTION_BLUR.small.map((v) => v[0]), MOTION_BLUR.large.map((v) => v[0]))}`,
  family: 'blur',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [radius, sigma] = pick(MOTION_BLUR.small, MOTION_BLUR.large, img, params, severity);
    return motionBlurImage(img, radius, sigma, rng.uniform(-45, 45));
  },
};

/** Averages the image with centred zooms of itself by each factor. */
export function zoomBlurImage(img: FloatImage, factors: readonly number[]): FloatImage {
  return mapPlanes(img, (p, h, w) => {
    const acc = new Float32Array(p);
    for (const z of factors) {
      const zp = clippedZoomPlane(p, h, w, z);
      for (let i = 0; i < acc.length; i++) acc[i] += zp[i];
    }
    for (let i = 0; i < acc.length; i++) acc[i] /= factors.length + 1;
    return acc;
  });
}

export const zoomBlur: ImageCorruption = {
  kind: 'image',
  name: 'zoom_blur',
  title: 'Zoom blur',
  description:
    'A camera zooming in quickly during the exposure: the image is averaged with zoomed-in copies of itself (factors from 1 up to 1.06–1.25 on small images, 1.11–1.30 on large ones).',
  family: 'blur',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params) {
    return zoomBlurImage(img, pick(ZOOM_BLUR.small, ZOOM_BLUR.large, img, params, severity));
  },
};
