/**
 * The corruption registry: adding a corruption is one definition in its family's file and one
 * line here. Lists what the UI shows (title, plain-language description, parameter descriptors,
 * family, severities) and resolves a recipe step into a validated corruption.
 */
import { LabError } from '../../shared/errors';
import type { CorruptionInfo } from '../../shared/schemas';
import { parseParams, type ParamValues } from '../params';
import type { Corruption } from './types';
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from './noise';
import { defocusBlur, gaussianBlur, glassBlur, motionBlur, zoomBlur } from './blur';
import { fog, frost, snow, spatter } from './weather';
import { brightness, contrast, elasticTransform, jpegCompression, pixelate, saturate } from './digital';
import { MNISTC_CORRUPTIONS } from './mnistc';
import { pairFlipLabelNoise, symmetricLabelNoise, transitionLabelNoise } from './labels';
import { backdoor, imbalance } from './data';
import { colourChannels } from './image';

import { IMAGENET_C_15 } from '../../shared/corruption-suites';
import { corruptionFamilyTitle, corruptionSuiteTitle } from '../../shared/corruption-families';

export { IMAGENET_C_15 };

/** The 4 extra corruptions published with ImageNet-C (for validation). */
export const IMAGENET_C_EXTRA = ['speckle_noise', 'gaussian_blur', 'spatter', 'saturate'] as const;

const ALL: Corruption[] = [
  gaussianNoise,
  shotNoise,
  impulseNoise,
  defocusBlur,
  glassBlur,
  motionBlur,
  zoomBlur,
  snow,
  frost,
  fog,
  brightness,
  contrast,
  elasticTransform,
  pixelate,
  jpegCompression,
  speckleNoise,
  gaussianBlur,
  spatter,
  saturate,
  ...MNISTC_CORRUPTIONS,
  symmetricLabelNoise,
  pairFlipLabelNoise,
  transitionLabelNoise,
  imbalance,
  backdoor,
];

export const CORRUPTIONS: ReadonlyMap<string, Corruption> = new Map(ALL.map((c) => [c.name, c]));

/** The 15 MNIST-C corruption names. */
export const MNIST_C_15 = MNISTC_CORRUPTIONS.map((c) => c.name);

export function listCorruptions(): CorruptionInfo[] {
  return ALL.map((c) => ({
    name: c.name,
    title: c.title,
    description: c.description,
    params: c.params,
    family: c.family,
    suite: c.suite,
    target: c.kind === 'image' ? 'images' : c.family === 'labels' ? 'labels' : 'dataset',
    severities: c.usesSeverity ? [1, 2, 3, 4, 5] : [],
    defaultSeverity: c.defaultSeverity,
    colourOnly: c.kind === 'image' && !!c.colourOnly,
    needs: c.needs,
    familyTitle: corruptionFamilyTitle(c.family),
    suiteTitle: corruptionSuiteTitle(c.suite),
  }));
}

function closest(name: string): string[] {
  const n = name.toLowerCase();
  return [...CORRUPTIONS.keys()].filter((k) => k.includes(n) || n.includes(k.replace(/^[a-z]+\//, ''))).slice(0, 4);
}

export function getCorruption(name: string): Corruption {
  const c = CORRUPTIONS.get(name);
  if (!c) {
    const near = closest(name);
    throw new LabError(
      'bad_input',
      `Unknown corruption "${name}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} Run \`robustlab corruptions list\` to see all ${CORRUPTIONS.size} corruptions.`,
    );
  }
  return c;
}

export interface StepInput {
  corruption: string;
  severity?: number;
  params?: Record<string, number | boolean | string>;
  classMap?: number[];
  matrix?: number[][];
}

/** Checks the severity (a whole number 1–5) and returns it, or the corruption's default. */
export function checkSeverity(c: Corruption, severity: number | undefined): number {
  if (severity === undefined || severity === null) return c.defaultSeverity;
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) {
    throw new LabError(
      'bad_input',
      `Severity of ${c.name} must be a whole number from 1 to 5, got ${String(severity)}; for a stronger or weaker effect use its parameters.`,
    );
  }
  return severity;
}

/**
 * Validates one step against the images it will see: known name, severity 1–5, parameters,
 * and colour-only corruptions refused on grey images.
 */
export function resolveStep(step: StepInput, shape: { channels: number }): { corruption: Corruption; severity: number; params: ParamValues } {
  const corruption = getCorruption(step.corruption);
  const severity = checkSeverity(corruption, step.severity);
  const params = parseParams(`corruption ${corruption.name}`, corruption.params, step.params ?? {});
  if (corruption.kind === 'image' && corruption.colourOnly && colourChannels(shape.channels).colour === 1) {
    throw new LabError('bad_input', corruption.colourOnly);
  }
  if (corruption.kind === 'image' && (step.matrix || step.classMap)) {
    throw new LabError('bad_input', `Corruption ${corruption.name} changes images; a class map or transition matrix only goes with label noise.`);
  }
  return { corruption, severity, params };
}
