/**
 * Noise corruptions of ImageNet-C / CIFAR-10-C (Hendrycks & Dietterich, 2019): Gaussian, shot
 * (Poisson), impulse (salt and pepper) and speckle noise. Every pixel value (each channel) gets
 * its own draw. Severity values are the published ones.
 */
import type { ImageCorruption } from './types';
import { PRESET_PARAM, describeLevels, pick, strengthOr, strengthParam } from './common';
import { poisson } from './textures';

export const GAUSSIAN_NOISE = { small: [0.04, 0.06, 0.08, 0.09, 0.1], large: [0.08, 0.12, 0.18, 0.26, 0.38] } as const;
export const SHOT_NOISE = { small: [500, 250, 100, 75, 50], large: [60, 25, 12, 5, 3] } as const;
export const IMPULSE_NOISE = { small: [0.01, 0.02, 0.03, 0.05, 0.07], large: [0.03, 0.06, 0.09, 0.17, 0.27] } as const;
export const SPECKLE_NOISE = { small: [0.06, 0.1, 0.12, 0.16, 0.2], large: [0.15, 0.2, 0.35, 0.45, 0.6] } as const;

export const gaussianNoise: ImageCorruption = {
  kind: 'image',
  name: 'gaussian_noise',
  title: 'Gaussian noise',
  description: `Adds random grain like a dim, grainy photo: every pixel value moves by a normal random amount with standard deviation σ. ${describeLevels('σ =', GAUSSIAN_NOISE.small, GAUSSIAN_NOISE.large)}`,
  family: 'noise',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Noise σ', help: 'Standard deviation of the noise on the 0–1 scale.', max: 1, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params, rng) {
    const c = strengthOr(params, pick(GAUSSIAN_NOISE.small, GAUSSIAN_NOISE.large, img, params, severity));
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] += c * rng.normal();
    return img;
  },
};

export const shotNoise: ImageCorruption = {
  kind: 'image',
  name: 'shot_noise',
  title: 'Shot noise',
  description: `Photon noise of a camera in low light: each value becomes a Poisson count of x·λ photons, divided by λ. Fewer photons (smaller λ) means more noise. ${describeLevels('λ =', SHOT_NOISE.small, SHOT_NOISE.large)}`,
  family: 'noise',
  suite: 'imagenet-c',
  defaultSeverity: 3,
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
    PRESET_PARAM,
  ],
  apply(img, severity, params, rng) {
    const p = params.photons as number;
    const c = p > 0 ? p : pick(SHOT_NOISE.small, SHOT_NOISE.large, img, params, severity);
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] = poisson(rng, Math.max(0, d[i]) * c) / c;
    return img;
  },
};

export const impulseNoise: ImageCorruption = {
  kind: 'image',
  name: 'impulse_noise',
  title: 'Impulse noise',
  description: `Salt-and-pepper noise, like dead or stuck sensor pixels: a fraction of pixel values is set to black or white (half each). ${describeLevels('fraction', IMPULSE_NOISE.small, IMPULSE_NOISE.large)}`,
  family: 'noise',
  suite: 'imagenet-c',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Fraction of values', help: 'Share of pixel values replaced by black or white.', max: 1, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params, rng) {
    const amount = Math.min(1, strengthOr(params, pick(IMPULSE_NOISE.small, IMPULSE_NOISE.large, img, params, severity)));
    saltAndPepper(img.data, amount, rng);
    return img;
  },
};

/** Each value, with probability `amount`, becomes 1 (salt) or 0 (pepper) with equal chance. */
export function saltAndPepper(d: Float32Array, amount: number, rng: { next(): number }): void {
  for (let i = 0; i < d.length; i++) {
    if (rng.next() < amount) d[i] = rng.next() < 0.5 ? 1 : 0;
  }
}

export const speckleNoise: ImageCorruption = {
  kind: 'image',
  name: 'speckle_noise',
  title: 'Speckle noise',
  description: `Multiplicative grain (as in radar or ultrasound images): each value x becomes x + x·n with n normal of standard deviation σ, so bright areas get more noise. ${describeLevels('σ =', SPECKLE_NOISE.small, SPECKLE_NOISE.large)}`,
  family: 'noise',
  suite: 'imagenet-c-extra',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: 'Noise σ', help: 'Standard deviation of the multiplicative noise.', max: 2, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params, rng) {
    const c = strengthOr(params, pick(SPECKLE_NOISE.small, SPECKLE_NOISE.large, img, params, severity));
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] += d[i] * c * rng.normal();
    return img;
  },
};
