/**
 * The `corrupt` job: reads the parent dataset's splits, applies the recipe image by image with
 * progress events and cancellation between chunks, then writes the new dataset folder atomically
 * (temp folder renamed when complete) and inserts its row with parent_id and recipe. A cancelled
 * or failed job leaves no folder and no row.
 *
 * Runs in: the job worker process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type { CorruptSpec } from '../../shared/schemas';
import { readSplit, writeDatasetDirAtomic, type DatasetFiles, type SplitArrays, type SplitName } from '../data/dataset';
import type { NpyArray } from '../data/npy';
import type { JobContext } from '../jobs/context';
import { newId, type LabStore } from '../store/store';
import { allocateResult, corruptRange, finishResult, planSplit, type RecipeResult, type SplitReport } from './recipe';

/** What the dataset row's `recipe` column holds for a corrupted dataset. */
export interface StoredRecipe {
  steps: CorruptSpec['recipe']['steps'];
  seed: number;
  splits: SplitName[];
  parent: { id: string; name: string };
  runId: string | null;
  /** Per split: sizes, measured label-noise rate, class counts, poisoned count. */
  report: Partial<Record<SplitName, SplitReport>>;
  createdBy: string;
}

/** Images per chunk between progress events and cancellation checks. */
const CHUNK = 256;

export interface CorruptOptions {
  tick: () => Promise<void>;
  onProgress?: (done: number, total: number, split: SplitName) => void;
  /** Called after the folder is written and before the row is inserted (tests use it to cancel at the last moment). */
  beforeInsert?: () => void;
  runId?: string | null;
}

/** The spec with its defaults filled from the parent dataset (seed, splits, name). */
export function resolveCorruptSpec(store: LabStore, spec: CorruptSpec): CorruptSpec & { seed: number; splits: SplitName[]; name: string } {
  const parent = store.getDataset(spec.dataset);
  const available = (['train', 'test'] as const).filter((s) => parent.splits[s]);
  const splits = spec.splits ? [...new Set(spec.splits)] : available;
  for (const s of splits) {
    if (!parent.splits[s]) throw new LabError('bad_input', `Dataset "${parent.name}" has no ${s} split; choose ${available.join(' or ')}.`);
  }
  const seed = spec.seed ?? spec.recipe.seed ?? 0;
  const first = spec.recipe.steps[0];
  const name = spec.name ?? `${parent.name}-${first.corruption.replace('/', '-')}${first.severity ? `-s${first.severity}` : ''}${spec.recipe.steps.length > 1 ? `-plus${spec.recipe.steps.length - 1}` : ''}`;
  return { ...spec, dataset: parent.id, seed, splits, name, recipe: { ...spec.recipe, seed } };
}

/** Corrupts the parent's splits and stores the new dataset. Returns its id. */
export async function corruptDataset(store: LabStore, specIn: CorruptSpec, opts: CorruptOptions): Promise<string> {
  const spec = resolveCorruptSpec(store, specIn);
  const parent = store.getDataset(spec.dataset);
  if (store.findDatasetByName(spec.name)) {
    throw new LabError('conflict', `A dataset named "${spec.name}" already exists; choose another name.`);
  }
  const results: Partial<Record<SplitName, RecipeResult>> = {};
  const sources: Partial<Record<SplitName, SplitArrays>> = {};
  const plans = spec.splits.map((s) => {
    const source = readSplit(store.labDir, parent.files as unknown as DatasetFiles, s);
    sources[s] = source;
    return { s, plan: planSplit(source, spec.recipe, { splitName: s, numClasses: parent.numClasses, seed: spec.seed }) };
  });
  const total = plans.reduce((a, p) => a + p.plan.origins.length, 0);
  let done = 0;
  for (const { s, plan } of plans) {
    const source = sources[s]!;
    const out = allocateResult(plan, source);
    for (let start = 0; start < out.count; start += CHUNK) {
      await opts.tick();
      const end = Math.min(out.count, start + CHUNK);
      corruptRange(plan, source, out, start, end);
      done += end - start;
      opts.onProgress?.(done, total, s);
    }
    if (out.count === 0) {
      throw new LabError('bad_input', `The recipe leaves no examples in the ${s} split; lower the imbalance ratio or choose another split.`);
    }
    results[s] = finishResult(plan, source, out, parent.numClasses);
  }
  // Last chance to stop: after this, writing the folder and the row happens without a break.
  await opts.tick();
  const id = newId('ds');
  const extras: Partial<Record<SplitName, Record<string, NpyArray>>> = {};
  for (const s of spec.splits) {
    const r = results[s]!;
    const e: Record<string, NpyArray> = {};
    if (r.trueLabels) e.trueLabels = { dtype: 'int32', shape: [r.trueLabels.length], data: r.trueLabels };
    if (r.poisoned) e.poisoned = { dtype: 'int32', shape: [r.poisoned.length], data: r.poisoned };
    if (r.sourceIndices) e.sourceIndices = { dtype: 'int32', shape: [r.sourceIndices.length], data: r.sourceIndices };
    extras[s] = e;
  }
  const files = writeDatasetDirAtomic(store.labDir, id, { train: results.train?.split, test: results.test?.split }, extras);
  try {
    opts.beforeInsert?.();
    const recipe: StoredRecipe = {
      steps: spec.recipe.steps,
      seed: spec.seed,
      splits: spec.splits,
      parent: { id: parent.id, name: parent.name },
      runId: opts.runId ?? null,
      report: Object.fromEntries(spec.splits.map((s) => [s, results[s]!.report])),
      createdBy: 'corrupt',
    };
    store.insertDataset({
      id,
      name: spec.name,
      source: `corrupted:${parent.name}`,
      height: parent.height,
      width: parent.width,
      channels: parent.channels,
      numClasses: parent.numClasses,
      classNames: parent.classNames,
      splits: Object.fromEntries(spec.splits.map((s) => [s, { count: results[s]!.split.count }])),
      files: files as unknown as Record<string, unknown>,
      parentId: parent.id,
      recipe,
    });
  } catch (err) {
    fs.rmSync(path.join(store.labDir, 'datasets', id), { recursive: true, force: true });
    throw err;
  }
  return id;
}

export async function runCorruptJob(ctx: JobContext, spec: CorruptSpec): Promise<string> {
  const t0 = Date.now();
  const id = await corruptDataset(ctx.store, spec, {
    runId: ctx.run.id,
    tick: () => ctx.tick(),
    onProgress: (done, total, split) => {
      const secs = (Date.now() - t0) / 1000;
      ctx.progress({
        phase: 'corrupt',
        epoch: 0,
        epochs: 0,
        step: done,
        steps: total,
        fraction: total ? done / total : 1,
        imagesPerSec: secs > 0 ? done / secs : undefined,
        message: `${done} of ${total} images (${split})`,
      });
    },
  });
  const ds = ctx.store.getDataset(id);
  const secs = (Date.now() - t0) / 1000;
  const count = (ds.splits.train?.count ?? 0) + (ds.splits.test?.count ?? 0);
  const metrics = [
    { key: 'images', step: 0, value: count },
    { key: 'time/seconds', step: 0, value: secs },
    { key: 'images_per_s', step: 0, value: secs > 0 ? count / secs : 0 },
  ];
  const report = (ds.recipe as StoredRecipe).report;
  for (const s of ['train', 'test'] as const) {
    const r = report[s];
    if (r?.labelNoiseRate != null) metrics.push({ key: `${s}/label_noise_rate`, step: 0, value: r.labelNoiseRate });
    if (r?.poisoned != null) metrics.push({ key: `${s}/poisoned`, step: 0, value: r.poisoned });
  }
  ctx.log(metrics);
  ctx.progress({ phase: 'corrupt', epoch: 0, epochs: 0, step: count, steps: count, fraction: 1, message: `Saved dataset "${ds.name}" (${ds.id})` });
  return id;
}
