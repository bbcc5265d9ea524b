/**
 * Recipes: an ordered list of corruption steps plus a seed, applied to one split.
 *
 * Determinism: every random choice comes from the lab's Rng. Step k on split S uses the stream
 * `Rng(seed).fork("step:k:S")`; an image step forks it again by the image's index in the source
 * split, and a split step forks it by "plan". So the same recipe and seed give bit-identical
 * arrays, and corrupting a few images (a preview) gives exactly the pixels those images get in
 * the full run.
 *
 * Order: split steps (label noise, imbalance, backdoor) decide from the labels alone; the pixels
 * of each kept image then go through the image steps and backdoor stamps in recipe order.
 */
import { LabError } from '../../shared/errors';
import type { Recipe, RecipeInput } from '../../shared/schemas';
import { Rng } from '../engine/random';
import type { ParamValues } from '../params';
import { validateSplit, type SplitArrays, type SplitName } from '../data/dataset';
import { clip01InPlace, imageFromBytes, imageToBytes, joinAlpha, splitAlpha, type FloatImage } from './image';
import { labelNoiseRate } from './labels';
import { resolveStep, type StepInput } from './registry';
import type { Corruption, PlanState, StampPlan } from './types';

/** Images corrupted together (bounds the float copies held at once). */
export const RECIPE_CHUNK = 256;

export interface ResolvedStep {
  index: number;
  corruption: Corruption;
  severity: number;
  params: ParamValues;
  classMap?: number[];
  matrix?: number[][];
  splits?: SplitName[];
}

/** Validates every step of a recipe for images of this many channels. Throws a LabError naming the step. */
export function resolveRecipe(recipe: RecipeInput | Recipe, shape: { channels: number }): ResolvedStep[] {
  if (!recipe || !Array.isArray(recipe.steps) || recipe.steps.length === 0) {
    throw new LabError('bad_input', 'A recipe needs at least one step: a corruption with its severity.');
  }
  return recipe.steps.map((s, index) => {
    try {
      const { corruption, severity, params } = resolveStep(s as StepInput, shape);
      return { index, corruption, severity, params, classMap: s.classMap, matrix: s.matrix, splits: s.splits as SplitName[] | undefined };
    } catch (err) {
      if (err instanceof LabError && recipe.steps.length > 1) throw new LabError(err.code, `Step ${index + 1}: ${err.message}`);
      throw err;
    }
  });
}

export interface SplitPlan {
  splitName: SplitName;
  seed: number;
  steps: ResolvedStep[];
  /** Source index of every example of the result, ascending. */
  origins: Int32Array;
  /** Labels of the result. */
  labels: Int32Array;
  /** The source labels of the kept examples. */
  trueLabels: Int32Array;
  /** Backdoor stamps by step index. */
  stamps: Map<number, StampPlan>;
  /** Per-step notes (class counts, poisoned counts). */
  notes: { step: number; corruption: string; note: Record<string, unknown> }[];
  /** Per-step random streams. */
  streams: Rng[];
  changesLabels: boolean;
  subsamples: boolean;
}

/** Runs the split steps on the labels and fixes which examples the result has. */
export function planSplit(
  source: SplitArrays,
  recipe: RecipeInput | Recipe,
  opts: { splitName?: SplitName; numClasses?: number; seed?: number } = {},
): SplitPlan {
  validateSplit(source, `The ${opts.splitName ?? 'test'} split`);
  const splitName = opts.splitName ?? 'test';
  const seed = opts.seed ?? recipe.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new LabError('bad_input', `The seed must be a whole number of at least 0, got ${seed}.`);
  const steps = resolveRecipe(recipe, source).filter((s) => !s.splits || s.splits.includes(splitName));
  let maxLabel = 0;
  for (let i = 0; i < source.count; i++) if (source.labels[i] > maxLabel) maxLabel = source.labels[i];
  const numClasses = Math.max(opts.numClasses ?? 0, maxLabel + 1);
  const root = new Rng(seed);
  const streams: Rng[] = [];
  const stamps = new Map<number, StampPlan>();
  const notes: SplitPlan['notes'] = [];
  let state: PlanState = {
    origins: Int32Array.from({ length: source.count }, (_, i) => i),
    labels: Int32Array.from(source.labels),
    numClasses,
    height: source.height,
    width: source.width,
    channels: source.channels,
  };
  let changesLabels = false;
  let subsamples = false;
  for (const s of steps) {
    const stream = root.fork(`step:${s.index}:${splitName}`);
    streams[s.index] = stream;
    if (s.corruption.kind !== 'split') continue;
    try {
      const r = s.corruption.plan(state, s.severity, s.params, { classMap: s.classMap, matrix: s.matrix }, stream.fork('plan'));
      if (r.state.labels !== state.labels) changesLabels = true;
      if (r.state.origins !== state.origins) subsamples = true;
      state = r.state;
      if (r.stamp) stamps.set(s.index, r.stamp);
      if (r.note) notes.push({ step: s.index, corruption: s.corruption.name, note: r.note });
    } catch (err) {
      if (err instanceof LabError && recipe.steps.length > 1) throw new LabError(err.code, `Step ${s.index + 1}: ${err.message}`);
      throw err;
    }
  }
  const trueLabels = Int32Array.from(state.origins, (o) => source.labels[o]);
  return { splitName, seed, steps, origins: state.origins, labels: state.labels, trueLabels, stamps, notes, streams, changesLabels, subsamples };
}

/**
 * The corrupted pixels (float, clipped to [0, 1]) of several source images, step by step. Each
 * image's result depends only on its own pixels and random streams, so it is the same whatever
 * other images are processed with it.
 */
export function corruptImages(plan: SplitPlan, source: SplitArrays, origins: ArrayLike<number>): FloatImage[] {
  let imgs: FloatImage[] = Array.from(origins, (o) => imageFromBytes(source.images, o, source.height, source.width, source.channels));
  for (const s of plan.steps) {
    const c = s.corruption;
    if (c.kind === 'image') {
      const parts = imgs.map(splitAlpha);
      const rngs = Array.from(origins, (o) => plan.streams[s.index].fork(o));
      const outs = c.applyBatch
        ? c.applyBatch(parts.map((p) => p.colour), s.severity, s.params, rngs)
        : parts.map((p, i) => c.apply(p.colour, s.severity, s.params, rngs[i]));
      imgs = outs.map((out, i) => {
        if (out.height !== source.height || out.width !== source.width || out.channels !== parts[i].colour.channels) {
          throw new LabError('internal', `Internal error: corruption ${c.name} changed the image shape.`);
        }
        return joinAlpha(clip01InPlace(out), parts[i].alpha);
      });
    } else {
      const stamp = plan.stamps.get(s.index);
      if (!stamp) continue;
      imgs = imgs.map((img, i) => {
        const o = origins[i];
        if (o >= stamp.marked.length || !stamp.marked[o]) return img;
        const { colour, alpha } = splitAlpha(img);
        stamp.stamp(colour, plan.streams[s.index].fork(o));
        return joinAlpha(clip01InPlace(colour), alpha);
      });
    }
  }
  return imgs;
}

/** The corrupted pixels of source image `origin` (float, clipped to [0, 1]). */
export function corruptImage(plan: SplitPlan, source: SplitArrays, origin: number): FloatImage {
  return corruptImages(plan, source, [origin])[0];
}

/** Whether the pixels change at all (some image step, or a stamp). */
export function touchesPixels(plan: SplitPlan): boolean {
  return plan.steps.some((s) => s.corruption.kind === 'image' || plan.stamps.has(s.index));
}

export interface RecipeResult {
  split: SplitArrays;
  /** The labels before the recipe, when it changed any. */
  trueLabels: Int32Array | null;
  /** Indices (in the result) of images that got a backdoor trigger. */
  poisoned: Int32Array | null;
  /** Index in the source split of every result example, when examples were dropped. */
  sourceIndices: Int32Array | null;
  report: SplitReport;
}

export interface SplitReport {
  count: number;
  sourceCount: number;
  /** Share of labels that differ from the true labels (null when no step changes labels). */
  labelNoiseRate: number | null;
  classCounts: number[];
  poisoned: number | null;
  steps: { step: number; corruption: string; note: Record<string, unknown> }[];
}

function labelArray(labels: Int32Array, like: SplitArrays['labels']): Uint8Array | Int32Array {
  if (like instanceof Uint8Array) {
    let max = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
    if (max <= 255) return Uint8Array.from(labels);
  }
  return labels;
}

/** Allocates the result split of a plan (pixels copied from the source where no step touches them). */
export function allocateResult(plan: SplitPlan, source: SplitArrays): SplitArrays {
  const per = source.height * source.width * source.channels;
  const images = new Uint8Array(plan.origins.length * per);
  if (!touchesPixels(plan)) {
    for (let i = 0; i < plan.origins.length; i++) {
      images.set(source.images.subarray(plan.origins[i] * per, (plan.origins[i] + 1) * per), i * per);
    }
  }
  return {
    images,
    labels: labelArray(plan.labels, source.labels),
    count: plan.origins.length,
    height: source.height,
    width: source.width,
    channels: source.channels,
  };
}

/** Corrupts result images [start, end) of a plan into `out`. */
export function corruptRange(plan: SplitPlan, source: SplitArrays, out: SplitArrays, start: number, end: number): void {
  if (!touchesPixels(plan)) return;
  const imgs = corruptImages(plan, source, plan.origins.subarray(start, end));
  for (let i = start; i < end; i++) imageToBytes(imgs[i - start], out.images, i);
}

/** What the new split holds besides images and labels, and a summary for the dataset's record. */
export function finishResult(plan: SplitPlan, source: SplitArrays, out: SplitArrays, numClasses?: number): RecipeResult {
  let poisoned: Int32Array | null = null;
  if (plan.stamps.size) {
    const idx: number[] = [];
    for (let i = 0; i < plan.origins.length; i++) {
      const o = plan.origins[i];
      for (const st of plan.stamps.values()) {
        if (o < st.marked.length && st.marked[o]) {
          idx.push(i);
          break;
        }
      }
    }
    poisoned = Int32Array.from(idx);
  }
  let C = Math.max(numClasses ?? 0, 1);
  for (let i = 0; i < plan.labels.length; i++) if (plan.labels[i] + 1 > C) C = plan.labels[i] + 1;
  const classCounts = new Array<number>(C).fill(0);
  for (let i = 0; i < plan.labels.length; i++) classCounts[plan.labels[i]]++;
  return {
    split: out,
    trueLabels: plan.changesLabels ? plan.trueLabels : null,
    poisoned,
    sourceIndices: plan.subsamples ? plan.origins : null,
    report: {
      count: out.count,
      sourceCount: source.count,
      labelNoiseRate: plan.changesLabels ? labelNoiseRate(plan.labels, plan.trueLabels) : null,
      classCounts,
      poisoned: poisoned ? poisoned.length : null,
      steps: plan.notes,
    },
  };
}

/** Applies a recipe to a whole split; the full result (true labels, poisoned indices, report). */
export function runRecipe(
  source: SplitArrays,
  recipe: RecipeInput | Recipe,
  opts: { splitName?: SplitName; numClasses?: number; seed?: number } = {},
): RecipeResult {
  const plan = planSplit(source, recipe, opts);
  const out = allocateResult(plan, source);
  for (let start = 0; start < out.count; start += RECIPE_CHUNK) corruptRange(plan, source, out, start, Math.min(out.count, start + RECIPE_CHUNK));
  return finishResult(plan, source, out, opts.numClasses);
}

/**
 * Applies a recipe to a split and returns the new split (uint8 NHWC images and labels).
 * Same recipe, seed and split name → bit-identical arrays.
 */
export function applyRecipe(
  source: SplitArrays,
  recipe: RecipeInput | Recipe,
  opts: { splitName?: SplitName; numClasses?: number; seed?: number } = {},
): SplitArrays {
  return runRecipe(source, recipe, opts).split;
}
