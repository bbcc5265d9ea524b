/**
 * The `patch-sweep` job kind: the first signature's α over a grid (the others fixed), each point
 * measured on every chosen test set, and optionally under an attack on the first one. Metrics per
 * point i: `alpha`, `accuracy/<dataset name>` and, with an attack, `robust_accuracy/<dataset name>`
 * (step i); the run page and the Patching page chart them, and any point can be saved with the
 * `patchModel` call. Robust accuracy is the evaluation's own (eval/evaluate.ts), so a point equals
 * an evaluation of the saved model with the same attack, seed and images.
 *
 * Runs in: the job worker process (run); check runs in the facade.
 */
import { LabError } from '../../shared/errors';
import type { PatchSweepSpec } from '../../shared/patching';
import { limitSplit, readSplit } from '../data/dataset';
import type { JobContext } from '../jobs/context';
import { registerJobKind } from '../jobs/registry';
import { modelFromSafetensors } from '../models/safetensors';
import type { LabStore } from '../store/store';
import { resolveAttack } from '../attacks/registry';
import { evaluateModel } from '../eval/evaluate';
import { accuracy, checkAlpha, patchModel, reestimateBatchNorm } from './apply';
import { defaultDatasets, resolveBnDataset, resolveTerms } from './service';

export function checkSweep(store: LabStore, spec: PatchSweepSpec): PatchSweepSpec {
  const target = store.getModel(spec.target);
  const resolved = resolveTerms(store, target, spec.signatures);
  spec.alphas.forEach((a) => checkAlpha(a, `α = ${a} in the sweep`));
  const datasets = defaultDatasets(store, target, resolved.map((r) => r.sig), spec.datasets);
  for (const id of datasets) {
    const ds = store.getDataset(id);
    if (!ds.splits.test) throw new LabError('bad_input', `Dataset "${ds.name}" has no test split to measure on.`);
  }
  const bn = resolveBnDataset(store, target, spec);
  // Refuses an unknown attack, bad parameters or too few classes now, not after the first α.
  if (spec.attack && spec.attack.name !== 'none') resolveAttack(spec.attack, target.numClasses);
  return { ...spec, target: target.id, signatures: resolved.map((r, i) => ({ signature: r.sig.id, alpha: spec.signatures[i].alpha })), datasets, ...(bn ? { bnDataset: bn.id } : {}) };
}

export async function runSweep(ctx: JobContext, spec: PatchSweepSpec): Promise<void> {
  const { store } = ctx;
  const target = store.getModel(spec.target);
  const resolved = resolveTerms(store, target, spec.signatures);
  const sets = (spec.datasets ?? []).map((id) => {
    const ds = store.getDataset(id);
    return { name: ds.name, split: limitSplit(readSplit(store.labDir, ds.files as never, 'test'), spec.limit) };
  });
  const bn = resolveBnDataset(store, target, spec);
  const attacked = spec.attack && spec.attack.name !== 'none' ? { ...resolveAttack(spec.attack, target.numClasses), set: sets[0] } : null;
  const [height, width, channels] = target.inputShape;
  const original = modelFromSafetensors(store.readArtifact(target.artifact), target.arch, { input: { height, width, channels }, numClasses: target.numClasses, archFromRecord: true });
  try {
    for (let i = 0; i < spec.alphas.length; i++) {
      await ctx.tick();
      const alpha = spec.alphas[i];
      const terms = resolved.map((r, k) => ({ ...r.term, alpha: k === 0 ? alpha : r.term.alpha }));
      const patched = patchModel(original, terms);
      try {
        if (bn) reestimateBatchNorm(patched, bn.split, spec.bnImages);
        const values = [{ key: 'alpha', step: i, value: alpha }];
        for (const s of sets) {
          await ctx.tick();
          values.push({ key: `accuracy/${s.name}`, step: i, value: accuracy(patched, s.split, spec.limit) });
        }
        if (attacked?.attack && attacked.set) {
          const split = limitSplit(attacked.set.split, spec.attackLimit);
          const r = await evaluateModel(patched, split, target.numClasses, attacked.attack, attacked.params, { batchSize: 200, seed: 0, tick: () => ctx.tick() });
          values.push({ key: `robust_accuracy/${attacked.set.name}`, step: i, value: r.count ? (r.robustCorrect ?? 0) / r.count : 0 });
        }
        ctx.log(values);
      } finally {
        patched.dispose();
      }
      ctx.progress({ phase: 'sweep', epoch: 0, epochs: 0, step: i + 1, steps: spec.alphas.length, fraction: (i + 1) / spec.alphas.length });
    }
  } finally {
    original.dispose();
  }
}

export const patchSweepJob = registerJobKind<PatchSweepSpec>({
  kind: 'patch-sweep',
  check(store, spec, runId) {
    const full = checkSweep(store, spec);
    const target = store.getModel(full.target);
    return { spec: full, name: spec.name || `sweep-${target.name}-${runId.slice(-4)}`, datasetId: full.datasets?.[0] ?? null, modelId: target.id };
  },
  run: (ctx, spec) => runSweep(ctx, spec),
});
