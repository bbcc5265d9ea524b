/**
 * What the Lab facade needs from the corruption studio: the preview of a recipe on a few images,
 * the check of a corrupt job before it is queued, and the spec that regenerates a corrupted
 * dataset from its stored recipe. Kept here so service.ts only wires the calls.
 *
 * Runs in: the host process (Electron main, web server, CLI).
 */
import { LabError } from '../../shared/errors';
import type { CorruptSpec, CorruptionPreview, PreviewCorruptionRequestSchema, RegenerateDatasetRequestSchema } from '../../shared/schemas';
import type { z } from 'zod';
import { readSplit, type DatasetFiles, type SplitArrays, type SplitName } from '../data/dataset';
import type { LabStore } from '../store/store';
import { corruptImage, planSplit, resolveRecipe } from './recipe';
import { resolveCorruptSpec, type StoredRecipe } from './job';
import { imageToBytes } from './image';

type PreviewRequest = z.output<typeof PreviewCorruptionRequestSchema>;
type RegenerateRequest = z.output<typeof RegenerateDatasetRequestSchema>;

/** The last split read for a preview: the studio previews the same split again and again. */
let cache: { key: string; split: SplitArrays } | null = null;

function readSplitCached(store: LabStore, ds: { id: string; files: Record<string, unknown> }, split: SplitName): SplitArrays {
  const files = ds.files as unknown as DatasetFiles;
  const key = `${store.labDir}|${ds.id}|${split}|${files[split]?.images ?? ''}`;
  if (cache?.key === key) return cache.split;
  const s = readSplit(store.labDir, files, split);
  cache = { key, split: s };
  return s;
}

function findSorted(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === v) return mid;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Before/after pixels of a few images under a recipe: exactly what the full run gives them. */
export function previewCorruption(store: LabStore, req: PreviewRequest): CorruptionPreview {
  const ds = store.getDataset(req.dataset);
  if (!ds.splits[req.split]) throw new LabError('not_found', `Dataset "${ds.name}" has no ${req.split} split.`);
  const source = readSplitCached(store, ds, req.split);
  const indices = req.indices ?? Array.from({ length: Math.min(req.count, source.count) }, (_, i) => i);
  for (const i of indices) {
    if (i >= source.count) throw new LabError('bad_input', `Image ${i} does not exist; the ${req.split} split has images 0 to ${source.count - 1}.`);
  }
  const t0 = performance.now();
  const seed = req.recipe.seed ?? 0;
  const plan = planSplit(source, req.recipe, { splitName: req.split, numClasses: ds.numClasses, seed });
  const per = source.height * source.width * source.channels;
  const buf = new Uint8Array(per);
  const items = indices.map((index) => {
    const pos = findSorted(plan.origins, index);
    const before = Buffer.from(source.images.buffer, source.images.byteOffset + index * per, per).toString('base64');
    if (pos < 0) return { index, label: source.labels[index], newLabel: null, dropped: true, poisoned: false, before, after: null };
    imageToBytes(corruptImage(plan, source, index), buf, 0);
    let poisoned = false;
    for (const st of plan.stamps.values()) if (index < st.marked.length && st.marked[index]) poisoned = true;
    return { index, label: source.labels[index], newLabel: plan.labels[pos], dropped: false, poisoned, before, after: Buffer.from(buf).toString('base64') };
  });
  return {
    datasetId: ds.id,
    split: req.split,
    height: source.height,
    width: source.width,
    channels: source.channels,
    seed,
    items,
    ms: performance.now() - t0,
  };
}

/**
 * Checks a corrupt job before it is queued: the parent and its splits, a free name, every step
 * (names, severities, parameters, colour), and split steps against the real labels (target
 * classes, class maps, transition matrices). Returns the spec with its defaults filled in.
 */
export function checkCorruptSpec(store: LabStore, spec: CorruptSpec): ReturnType<typeof resolveCorruptSpec> {
  const full = resolveCorruptSpec(store, spec);
  if (store.findDatasetByName(full.name)) {
    throw new LabError('conflict', `A dataset named "${full.name}" already exists; choose another name.`);
  }
  const parent = store.getDataset(full.dataset);
  const steps = resolveRecipe(full.recipe, parent);
  if (steps.some((s) => s.corruption.kind === 'split')) {
    for (const s of full.splits) {
      const source = readSplitCached(store, parent, s);
      const plan = planSplit(source, full.recipe, { splitName: s, numClasses: parent.numClasses, seed: full.seed });
      if (plan.origins.length === 0) {
        throw new LabError('bad_input', `The recipe leaves no examples in the ${s} split; lower the imbalance ratio or choose another split.`);
      }
    }
  }
  return full;
}

/** The corrupt spec that makes a corrupted dataset again from its parent and stored recipe. */
export function regenerateSpec(store: LabStore, req: RegenerateRequest): CorruptSpec {
  const ds = store.getDataset(req.dataset);
  const r = ds.recipe as StoredRecipe | null;
  if (!r || r.createdBy !== 'corrupt' || !ds.parentId) {
    throw new LabError('bad_input', `Dataset "${ds.name}" was not made by corrupting another dataset, so there is no recipe to run again.`);
  }
  return {
    kind: 'corrupt',
    dataset: ds.parentId,
    recipe: { steps: r.steps, seed: r.seed },
    splits: r.splits,
    seed: r.seed,
    name: req.name ?? `${ds.name} (regenerated)`,
  };
}
