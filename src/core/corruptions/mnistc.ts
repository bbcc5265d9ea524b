/**
 * The 15 corruptions of MNIST-C (Mu & Gilmer, 2019), named `mnistc/<name>`. Each has the five
 * severities of its definition where the original has them; the default severity is the one the
 * published MNIST-C dataset used. Corruptions the original defines without a severity (stripe,
 * dotted line, zigzag, Canny edges) get five levels here with the published look at the default.
 * Pixel sizes are for 28×28 images and scale with the image on other sizes.
 */
import type { Rng } from '../engine/random';
import type { ImageCorruption } from './types';
import { level, strengthOr, strengthParam } from './common';
import { cannyPlane } from './filters';
import { warpPlane, type Affine } from './geometry';
import { greyPlane, mapPlanes, type FloatImage } from './image';
import { IMPULSE_NOISE, SHOT_NOISE, saltAndPepper } from './noise';
import { poisson } from './textures';
import { GLASS_BLUR, MOTION_BLUR, glassBlurImage, motionBlurImage } from './blur';
import { FOG, SPATTER, fogImage, liquidLayer, mudMask } from './weather';
import { brightenImage } from './digital';

export const MNISTC_SHEAR = [0.2, 0.4, 0.6, 0.8, 1] as const; // radians
export const MNISTC_ROTATE = [0.2, 0.4, 0.6, 0.8, 1] as const; // radians
export const MNISTC_SCALE = [0.9, 0.8, 0.7, 0.6, 0.5] as const; // size of the result
export const MNISTC_TRANSLATE = [1, 2, 3, 4, 5] as const; // pixels on 28×28
export const MNISTC_BRIGHTNESS = [0.1, 0.2, 0.3, 0.4, 0.5] as const;
/** Width of each inverted band as a share of the width; the published stripe (7 of 28 px) is severity 4. */
export const MNISTC_STRIPE = [0.07, 0.14, 0.2, 0.25, 0.32] as const;
export const MNISTC_LINES = [1, 2, 3, 4, 5] as const;
/** Weight of the edge image; the published Canny edges (edges only) is severity 5. */
export const MNISTC_CANNY = [0.2, 0.4, 0.6, 0.8, 1] as const;

const DEG = Math.PI / 180;

function unit(img: FloatImage): number {
  return img.width / 28;
}

/** A random ±1. */
function sign(rng: Rng): number {
  return rng.next() < 0.5 ? -1 : 1;
}

/**
 * Warps with a linear map [[a, b], [d, e]] around the image centre, read as skimage's warp with
 * `inverse_map`: output pixel (x, y) takes the input at the mapped point; outside is black.
 */
function warpAboutCentre(img: FloatImage, a: number, b: number, d: number, e: number, tx = 0, ty = 0): FloatImage {
  const { height: h, width: w } = img;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const inv: Affine = [a, b, cx - a * cx - b * cy + tx, d, e, cy - d * cx - e * cy + ty];
  return mapPlanes(img, (p) => warpPlane(p, h, w, inv, 'constant'));
}

/** MNIST-C's line: brightness log(1 − dist/2.3) + 1 by vertical distance to the line through two points, between their columns. */
function lineFromPoints(h: number, w: number, c0: number, r0: number, c1: number, r1: number, u: number): Float32Array {
  const out = new Float32Array(h * w);
  if (c1 === c0) return out;
  const m = (r1 - r0) / (c1 - c0);
  const reach = 2.3 * u;
  const left = Math.floor(c0);
  const right = Math.ceil(c1);
  for (let x = Math.max(0, left); x < Math.min(w, right); x++) {
    const f = m * (x - c0) + r0;
    for (let y = 0; y < h; y++) {
      const dist = Math.min(Math.abs(y - f), reach - 1e-10);
      const v = Math.log(1 - dist / reach) + 1;
      out[y * w + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

function addPlane(img: FloatImage, plane: Float32Array): void {
  const c = img.channels;
  const d = img.data;
  for (let p = 0; p < plane.length; p++) {
    if (plane[p] === 0) continue;
    for (let k = 0; k < c; k++) d[p * c + k] = Math.min(1, d[p * c + k] + plane[p]);
  }
}

const SHORT = 'mnistc/';

export const mnistcShotNoise: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}shot_noise`,
  title: 'MNIST-C: shot noise',
  description: 'Poisson photon noise as in ImageNet-C (λ = 60, 25, 12, 5, 3 for severities 1–5); MNIST-C uses severity 5.',
  family: 'noise',
  suite: 'mnist-c',
  defaultSeverity: 5,
  usesSeverity: true,
  params: [
    {
      key: 'photons',
      label: 'Photons λ',
      type: 'number',
      min: 0,
      max: 100000,
      step: 1,
      default: 0,
      help: 'Photons per unit brightness; fewer photons give more noise. 0 uses the value of the chosen severity.',
    },
  ],
  apply(img, severity, params, rng) {
    const p = params.photons as number;
    const c = p > 0 ? p : level(SHOT_NOISE.large, severity);
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] = poisson(rng, Math.max(0, d[i]) * c) / c;
    return img;
  },
};

export const mnistcImpulseNoise: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}impulse_noise`,
  title: 'MNIST-C: impulse noise',
  description: 'Salt-and-pepper noise as in ImageNet-C (fractions 0.03, 0.06, 0.09, 0.17, 0.27); MNIST-C uses severity 4.',
  family: 'noise',
  suite: 'mnist-c',
  defaultSeverity: 4,
  usesSeverity: true,
  params: [strengthParam({ label: 'Fraction of pixels', help: 'Share of pixel values set to black or white.', max: 1, step: 0.01 })],
  apply(img, severity, params, rng) {
    saltAndPepper(img.data, Math.min(1, strengthOr(params, level(IMPULSE_NOISE.large, severity))), rng);
    return img;
  },
};

export const mnistcGlassBlur: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}glass_blur`,
  title: 'MNIST-C: glass blur',
  description:
    'Frosted-glass blur with the ImageNet-C settings, where each pixel swap happens with probability ½; MNIST-C uses severity 1. As in the MNIST-C code, a grey image is blurred along its height only (vertical streaks that keep horizontal detail); colour images are blurred in both directions, as ImageNet-C glass_blur.',
  family: 'blur',
  suite: 'mnist-c',
  defaultSeverity: 1,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [sigma, delta, iterations] = level(GLASS_BLUR.large, severity);
    // MNIST-C applies skimage's gaussian(..., multichannel=True) to an H×W array: the width is
    // taken for channels, so only the height is blurred. Grey images follow it; colour images
    // (which MNIST-C never had) keep the two-axis blur.
    return glassBlurImage(img, sigma, delta, iterations, rng, 0.5, img.channels === 1 ? 'vertical' : 'both');
  },
};

export const mnistcMotionBlur: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}motion_blur`,
  title: 'MNIST-C: motion blur',
  description: 'Motion blur along a random direction between −45° and 45° with the ImageNet-C settings (radius 10–20 px); MNIST-C uses severity 1.',
  family: 'blur',
  suite: 'mnist-c',
  defaultSeverity: 1,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [radius, sigma] = level(MOTION_BLUR.large, severity);
    return motionBlurImage(img, radius, sigma, rng.uniform(-45, 45));
  },
};

export const mnistcShear: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}shear`,
  title: 'MNIST-C: shear',
  description: 'Slants the digit sideways about its centre, to the left or right at random. Shear angle 0.2, 0.4, 0.6, 0.8, 1.0 rad for severities 1–5; MNIST-C uses severity 2 (0.4 rad ≈ 23°).',
  family: 'geometric',
  suite: 'mnist-c',
  defaultSeverity: 2,
  usesSeverity: true,
  params: [strengthParam({ label: 'Shear angle', help: 'Shear angle in degrees.', max: 80, step: 1, unit: '°' })],
  apply(img, severity, params, rng) {
    const sv = params.strength as number;
    const s = (sv > 0 ? sv * DEG : level(MNISTC_SHEAR, severity)) * sign(rng);
    return warpAboutCentre(img, 1, -Math.sin(s), 0, Math.cos(s));
  },
};

export const mnistcScale: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}scale`,
  title: 'MNIST-C: scale',
  description: 'Shrinks the digit about its centre to 0.9, 0.8, 0.7, 0.6 or 0.5 of its size (severities 1–5); MNIST-C uses severity 3 (0.7).',
  family: 'geometric',
  suite: 'mnist-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: 'factor',
      label: 'Size factor',
      type: 'number',
      min: 0,
      max: 4,
      step: 0.05,
      default: 0,
      help: 'Size of the result relative to the original (below 1 shrinks, above 1 enlarges). 0 uses the value of the chosen severity.',
    },
  ],
  apply(img, severity, params) {
    const f = params.factor as number;
    const s = f > 0 ? f : level(MNISTC_SCALE, severity);
    return warpAboutCentre(img, 1 / s, 0, 0, 1 / s);
  },
};

export const mnistcRotate: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}rotate`,
  title: 'MNIST-C: rotate',
  description: 'Turns the digit about its centre, clockwise or anticlockwise at random, by 0.2, 0.4, 0.6, 0.8 or 1.0 rad (severities 1–5); MNIST-C uses severity 2 (0.4 rad ≈ 23°).',
  family: 'geometric',
  suite: 'mnist-c',
  defaultSeverity: 2,
  usesSeverity: true,
  params: [strengthParam({ label: 'Rotation angle', help: 'Rotation angle in degrees.', max: 180, step: 1, unit: '°' })],
  apply(img, severity, params, rng) {
    const sv = params.strength as number;
    const t = (sv > 0 ? sv * DEG : level(MNISTC_ROTATE, severity)) * sign(rng);
    return warpAboutCentre(img, Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t));
  },
};

export const mnistcBrightness: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}brightness`,
  title: 'MNIST-C: brightness',
  description: 'Raises the brightness of every pixel by 0.1–0.5 (severities 1–5), clipped at white; MNIST-C uses severity 5 (+0.5).',
  family: 'weather',
  suite: 'mnist-c',
  defaultSeverity: 5,
  usesSeverity: true,
  params: [strengthParam({ label: 'Brightness added', help: 'Amount added to every pixel (0–1 scale).', max: 1, step: 0.01 })],
  apply(img, severity, params) {
    return brightenImage(img, strengthOr(params, level(MNISTC_BRIGHTNESS, severity)));
  },
};

export const mnistcTranslate: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}translate`,
  title: 'MNIST-C: translate',
  description: 'Moves the digit by 1–5 pixels (severities 1–5) both across and up or down, each direction at random; MNIST-C uses severity 3 (3 px).',
  family: 'geometric',
  suite: 'mnist-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Shift', help: 'Shift along each axis in pixels of a 28×28 image.', max: 28, step: 1, unit: 'px' })],
  apply(img, severity, params, rng) {
    const c = strengthOr(params, level(MNISTC_TRANSLATE, severity)) * unit(img);
    const dx = c * sign(rng);
    const dy = c * sign(rng);
    return warpAboutCentre(img, 1, 0, 0, 1, dx, dy);
  },
};

export const mnistcStripe: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}stripe`,
  title: 'MNIST-C: stripe',
  description:
    'Inverts a vertical band at the left and right edges of the image (black becomes white). Band widths 2, 4, 6, 7, 9 px on 28×28 for severities 1–5; MNIST-C uses 7 px (severity 4).',
  family: 'overlay',
  suite: 'mnist-c',
  defaultSeverity: 4,
  usesSeverity: true,
  params: [strengthParam({ label: 'Band width', help: 'Width of each inverted band in pixels of a 28×28 image.', max: 14, step: 1, unit: 'px' })],
  apply(img, severity, params) {
    const { height: h, width: w, channels: c } = img;
    const sv = params.strength as number;
    const band = Math.min(Math.floor(w / 2), Math.round(sv > 0 ? sv * unit(img) : level(MNISTC_STRIPE, severity) * w));
    const d = img.data;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x >= band && x < w - band) continue;
        for (let k = 0; k < c; k++) d[(y * w + x) * c + k] = 1 - d[(y * w + x) * c + k];
      }
    }
    return img;
  },
};

export const mnistcFog: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}fog`,
  title: 'MNIST-C: fog',
  description: 'Fractal fog with the ImageNet-C settings, cut from a 256×256 fractal so it is smooth across the digit; MNIST-C uses severity 5.',
  family: 'weather',
  suite: 'mnist-c',
  defaultSeverity: 5,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [amount, decay] = level(FOG.large, severity);
    const size = Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(img.height, img.width))));
    return fogImage(img, amount, decay, rng, size);
  },
};

export const mnistcSpatter: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}spatter`,
  title: 'MNIST-C: spatter',
  description: 'Dark grey blots of mud over the digit, with the ImageNet-C spatter settings (always mud); MNIST-C uses severity 4.',
  family: 'weather',
  suite: 'mnist-c',
  defaultSeverity: 4,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [mean, std, sigma, threshold, mudSigma] = level(SPATTER.large, severity);
    const { height: h, width: w, channels: c } = img;
    const m = mudMask(liquidLayer(h, w, mean, std, sigma, threshold, rng), h, w, threshold, mudSigma);
    const mud = 63 / 255;
    const d = img.data;
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = d[p * c + k] * (1 - m[p]) + mud * m[p];
    return img;
  },
};

export const mnistcDottedLine: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}dotted_line`,
  title: 'MNIST-C: dotted line',
  description: 'Draws a dashed white line across the image between two random heights. Severities 1–5 draw 1–5 lines; MNIST-C uses one (severity 1).',
  family: 'overlay',
  suite: 'mnist-c',
  defaultSeverity: 1,
  usesSeverity: true,
  params: [strengthParam({ label: 'Lines', help: 'Number of dotted lines.', max: 20, step: 1 })],
  apply(img, severity, params, rng) {
    const { height: h, width: w } = img;
    const u = unit(img);
    const lines = Math.round(strengthOr(params, level(MNISTC_LINES, severity)));
    const dash = 2 * u;
    for (let l = 0; l < lines; l++) {
      const r0 = rng.int(27) * u;
      const r1 = rng.int(27) * u;
      const line = lineFromPoints(h, w, 0, r0, w - 1, r1, u);
      for (let x = 0; x < w; x++) {
        if (Math.floor(x / dash) % 2 === 0) for (let y = 0; y < h; y++) line[y * w + x] = 0;
      }
      addPlane(img, line);
    }
    return img;
  },
};

/** MNIST-C's zigzag: a zigzag of 2 px arms along a random, slightly tilted line across the digit. */
function drawZigzag(img: FloatImage, rng: Rng): void {
  const { height: h, width: w } = img;
  const u = unit(img);
  const a = 2;
  const b = 2;
  const c0 = 2;
  const c1 = 25;
  const r0 = rng.int(27);
  const r1 = r0 + rng.int(10) - 5;
  const theta = Math.atan((r1 - r0) / (c1 - c0));
  const d = (c1 - c0) / Math.cos(theta);
  const pts: [number, number][] = [[0, 0]];
  let ri = 0;
  const count = Math.floor((d - a) / (2 * a)) + 1;
  for (let i = 0; i < count; i++) {
    ri = (i % 2 === 0 ? 1 : -1) * b;
    pts.push([(2 * i + 1) * a, ri]);
  }
  const maxC = 2 * a * Math.floor(d / (2 * a));
  if (d !== maxC) pts.push([d, ri / (2 * (d - maxC))]);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const rotated = pts.map(([c, r]) => [(cos * c - sin * r + c0) * u, (sin * c + cos * r + r0) * u] as [number, number]);
  for (let i = 1; i < rotated.length; i++) {
    addPlane(img, lineFromPoints(h, w, rotated[i - 1][0], rotated[i - 1][1], rotated[i][0], rotated[i][1], u));
  }
}

export const mnistcZigzag: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}zigzag`,
  title: 'MNIST-C: zigzag',
  description: 'Draws a white zigzag line across the digit at a random height and slight tilt. Severities 1–5 draw 1–5 zigzags; MNIST-C uses one (severity 1).',
  family: 'overlay',
  suite: 'mnist-c',
  defaultSeverity: 1,
  usesSeverity: true,
  params: [strengthParam({ label: 'Zigzags', help: 'Number of zigzag lines.', max: 20, step: 1 })],
  apply(img, severity, params, rng) {
    const n = Math.round(strengthOr(params, level(MNISTC_LINES, severity)));
    for (let i = 0; i < n; i++) drawZigzag(img, rng);
    return img;
  },
};

export const mnistcCannyEdges: ImageCorruption = {
  kind: 'image',
  name: `${SHORT}canny_edges`,
  title: 'MNIST-C: Canny edges',
  description:
    'Replaces the digit by its outline (Canny edge detector, σ = 1). Severities 1–5 mix 20–100 % of the outline into the image; MNIST-C uses the outline alone (severity 5).',
  family: 'digital',
  suite: 'mnist-c',
  defaultSeverity: 5,
  usesSeverity: true,
  params: [strengthParam({ label: 'Outline weight', help: 'Share of the outline image in the result (1 = outline only).', max: 1, step: 0.05 })],
  apply(img, severity, params) {
    const a = Math.min(1, strengthOr(params, level(MNISTC_CANNY, severity)));
    const { height: h, width: w, channels: c } = img;
    const edges = cannyPlane(greyPlane(img), h, w, { sigma: 1, low: 0.1, high: 0.2, magnitude: 'l2' });
    const d = img.data;
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = (1 - a) * d[p * c + k] + a * edges[p];
    return img;
  },
};

export const MNISTC_CORRUPTIONS: ImageCorruption[] = [
  mnistcShotNoise,
  mnistcImpulseNoise,
  mnistcGlassBlur,
  mnistcMotionBlur,
  mnistcShear,
  mnistcScale,
  mnistcRotate,
  mnistcBrightness,
  mnistcTranslate,
  mnistcStripe,
  mnistcFog,
  mnistcSpatter,
  mnistcDottedLine,
  mnistcZigzag,
  mnistcCannyEdges,
];
