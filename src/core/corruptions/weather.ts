/**
 * Weather corruptions of ImageNet-C / CIFAR-10-C: snow, frost, fog, and the extra spatter.
 * Severity values are the published ones. Frost draws a procedural ice texture (textures.ts)
 * instead of the photographs the original uses.
 */
import type { Rng } from '../engine/random';
import type { ImageCorruption } from './types';
import { PRESET_PARAM, pick } from './common';
import { boxBlurPlane, cannyPlane, distanceTransform, equalizeHist, filter2d, gaussianBlurPlane, motionBlurPlane } from './filters';
import { clippedZoomPlane } from './geometry';
import { LUMA, greyPlane, type FloatImage } from './image';
import { frostTexture, nextPowerOfTwo, plasmaWindow } from './textures';

/** (mean, std, zoom, threshold, motion radius, motion sigma, blend) */
export const SNOW = {
  small: [
    [0.1, 0.2, 1, 0.6, 8, 3, 0.95],
    [0.1, 0.2, 1, 0.5, 10, 4, 0.9],
    [0.15, 0.3, 1.75, 0.55, 10, 4, 0.9],
    [0.25, 0.3, 2.25, 0.6, 12, 6, 0.85],
    [0.3, 0.3, 1.25, 0.65, 14, 12, 0.8],
  ],
  large: [
    [0.1, 0.3, 3, 0.5, 10, 4, 0.8],
    [0.2, 0.3, 2, 0.5, 12, 4, 0.7],
    [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
    [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65],
    [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55],
  ],
} as const;
/** (image weight, frost weight) */
export const FROST = {
  small: [
    [1, 0.2],
    [1, 0.3],
    [0.9, 0.4],
    [0.85, 0.4],
    [0.75, 0.45],
  ],
  large: [
    [1, 0.4],
    [0.8, 0.6],
    [0.7, 0.7],
    [0.65, 0.7],
    [0.6, 0.75],
  ],
} as const;
/** (fog amount, fractal decay) */
export const FOG = {
  small: [
    [0.2, 3],
    [0.5, 3],
    [0.75, 2.5],
    [1, 2],
    [1.5, 1.75],
  ],
  large: [
    [1.5, 2],
    [2, 2],
    [2.5, 1.7],
    [2.5, 1.5],
    [3, 1.4],
  ],
} as const;
/** (mean, std, blur sigma, threshold, intensity or mud sigma, 0 water / 1 mud) */
export const SPATTER = {
  small: [
    [0.62, 0.1, 0.7, 0.7, 0.5, 0],
    [0.65, 0.1, 0.8, 0.7, 0.5, 0],
    [0.65, 0.3, 1, 0.69, 0.5, 0],
    [0.65, 0.1, 0.7, 0.69, 0.6, 1],
    [0.65, 0.1, 0.5, 0.68, 0.6, 1],
  ],
  large: [
    [0.65, 0.3, 4, 0.69, 0.6, 0],
    [0.65, 0.3, 3, 0.68, 0.6, 0],
    [0.65, 0.3, 2, 0.68, 0.5, 0],
    [0.65, 0.3, 1, 0.65, 1.5, 1],
    [0.67, 0.4, 1, 0.65, 1.5, 1],
  ],
} as const;

function rot180(p: Float32Array): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[p.length - 1 - i];
  return out;
}

export const snow: ImageCorruption = {
  kind: 'image',
  name: 'snow',
  title: 'Snow',
  description:
    'Falling snow: bright flakes streaked by wind along a random direction, over a slightly whitened image. Severities add more, larger and longer flakes (published CIFAR-10-C / ImageNet-C values).',
  family: 'weather',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [mean, std, zoom, threshold, radius, sigma, blend] = pick(SNOW.small, SNOW.large, img, params, severity);
    const { height: h, width: w, channels: c } = img;
    let layer: Float32Array = new Float32Array(h * w);
    for (let i = 0; i < layer.length; i++) layer[i] = mean + std * rng.normal();
    layer = clippedZoomPlane(layer, h, w, zoom);
    for (let i = 0; i < layer.length; i++) {
      const v = layer[i] < threshold ? 0 : Math.min(1, layer[i]);
      layer[i] = Math.floor(v * 255) / 255;
    }
    layer = motionBlurPlane(layer, h, w, radius, sigma, rng.uniform(-135, -45));
    for (let i = 0; i < layer.length; i++) layer[i] = Math.round(Math.min(1, Math.max(0, layer[i])) * 255) / 255;
    const flakes = rot180(layer);
    const grey = greyPlane(img);
    const d = img.data;
    for (let p = 0; p < h * w; p++) {
      const bright = grey[p] * 1.5 + 0.5;
      for (let k = 0; k < c; k++) {
        const x = d[p * c + k];
        d[p * c + k] = blend * x + (1 - blend) * Math.max(x, bright) + layer[p] + flakes[p];
      }
    }
    return img;
  },
};

export const frost: ImageCorruption = {
  kind: 'image',
  name: 'frost',
  title: 'Frost',
  description:
    'Looking through a frosted window: the image is dimmed and overlaid with ice crystals. The crystals are generated procedurally (no photographs), with the published weights of image and frost per severity.',
  family: 'weather',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [a, b] = pick(FROST.small, FROST.large, img, params, severity);
    const { height: h, width: w, channels: c } = img;
    const tex = frostTexture(h, w, rng);
    const tint = c === 3 ? [0.86, 0.93, 1] : [1];
    const d = img.data;
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = a * d[p * c + k] + b * tex[p] * tint[k];
    return img;
  },
};

/** Adds a fractal haze of the given amount and rescales so the brightest value stays where it was. */
export function fogImage(img: FloatImage, amount: number, decay: number, rng: Rng, mapSize?: number): FloatImage {
  const { height: h, width: w, channels: c } = img;
  const size = mapSize ?? nextPowerOfTwo(Math.max(h, w));
  const haze = plasmaWindow(size, decay, rng, h, w);
  const d = img.data;
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  const scale = max / (max + amount);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = (d[p * c + k] + amount * haze[p]) * scale;
  return img;
}

export const fog: ImageCorruption = {
  kind: 'image',
  name: 'fog',
  title: 'Fog',
  description:
    'Patchy fog: a cloudy fractal haze is added and the contrast drops. Severities thicken the fog and make it smoother (published CIFAR-10-C / ImageNet-C values).',
  family: 'weather',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [amount, decay] = pick(FOG.small, FOG.large, img, params, severity);
    return fogImage(img, amount, decay, rng);
  },
};

const WATER_RGB = [175 / 255, 238 / 255, 238 / 255];
const MUD_RGB = [63 / 255, 42 / 255, 20 / 255];
const EMBOSS = [-2, -1, 0, -1, 1, 1, 0, 1, 2];

/** The liquid layer: smoothed normal noise, zero below the threshold. */
export function liquidLayer(h: number, w: number, mean: number, std: number, sigma: number, threshold: number, rng: Rng): Float32Array {
  let l: Float32Array = new Float32Array(h * w);
  for (let i = 0; i < l.length; i++) l[i] = mean + std * rng.normal();
  l = gaussianBlurPlane(l, h, w, sigma, { mode: 'nearest' });
  for (let i = 0; i < l.length; i++) if (l[i] < threshold) l[i] = 0;
  return l;
}

/** Mud drops: where the liquid is above the threshold, softened by `sigma`, kept where ≥ 0.8. */
export function mudMask(liquid: Float32Array, h: number, w: number, threshold: number, sigma: number): Float32Array {
  const m = new Float32Array(h * w);
  for (let i = 0; i < m.length; i++) m[i] = liquid[i] > threshold ? 1 : 0;
  const s = gaussianBlurPlane(m, h, w, sigma, { mode: 'nearest' });
  for (let i = 0; i < s.length; i++) if (s[i] < 0.8) s[i] = 0;
  return s;
}

export const spatter: ImageCorruption = {
  kind: 'image',
  name: 'spatter',
  title: 'Spatter',
  description:
    'Drops on the lens: pale water drops with glossy edges at severities 1–3, opaque brown mud splashes at 4–5 (published CIFAR-10-C / ImageNet-C values).',
  family: 'weather',
  suite: 'imagenet-c-extra',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [mean, std, sigma, threshold, intensity, mud] = pick(SPATTER.small, SPATTER.large, img, params, severity);
    const { height: h, width: w, channels: c } = img;
    const liquid = liquidLayer(h, w, mean, std, sigma, threshold, rng);
    const d = img.data;
    if (mud === 0) {
      // Water: brightness grows towards the inside of each drop, with an embossed rim.
      const l8 = new Float32Array(h * w);
      for (let i = 0; i < l8.length; i++) l8[i] = Math.floor(Math.min(255, Math.max(0, liquid[i] * 255)));
      const edges = cannyPlane(l8, h, w, { sigma: 0, low: 50, high: 150, magnitude: 'l1' });
      const feature = new Uint8Array(h * w);
      for (let i = 0; i < feature.length; i++) feature[i] = edges[i] > 0 ? 1 : 0;
      let dist: Float32Array = distanceTransform(feature, h, w);
      for (let i = 0; i < dist.length; i++) dist[i] = Math.min(20, dist[i]);
      dist = boxBlurPlane(dist, h, w, 3);
      for (let i = 0; i < dist.length; i++) dist[i] = Math.floor(dist[i]);
      dist = equalizeHist(dist);
      dist = filter2d(dist, h, w, EMBOSS, 3, 3, 'mirror');
      for (let i = 0; i < dist.length; i++) dist[i] = Math.min(255, Math.max(0, Math.round(dist[i])));
      dist = boxBlurPlane(dist, h, w, 3);
      const m = new Float32Array(h * w);
      let max = 0;
      for (let i = 0; i < m.length; i++) {
        m[i] = l8[i] * dist[i];
        if (m[i] > max) max = m[i];
      }
      const scale = max > 0 ? intensity / max : 0;
      for (let p = 0; p < h * w; p++) {
        const mv = m[p] * scale;
        if (c === 3) {
          for (let k = 0; k < 3; k++) d[p * 3 + k] += mv * WATER_RGB[k];
        } else {
          let g = 0;
          for (let k = 0; k < 3; k++) g += LUMA[k] * Math.min(1, mv * WATER_RGB[k]);
          d[p] += g;
        }
      }
    } else {
      const m = mudMask(liquid, h, w, threshold, intensity);
      const greyMud = LUMA[0] * MUD_RGB[0] + LUMA[1] * MUD_RGB[1] + LUMA[2] * MUD_RGB[2];
      for (let p = 0; p < h * w; p++) {
        for (let k = 0; k < c; k++) {
          const col = c === 3 ? MUD_RGB[k] : greyMud;
          d[p * c + k] = d[p * c + k] * (1 - m[p]) + col * m[p];
        }
      }
    }
    return img;
  },
};
