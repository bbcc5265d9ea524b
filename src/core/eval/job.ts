/**
 * The `eval` job kind: an attack evaluation, a certification or a corruption benchmark of one model
 * on one dataset. The model-fits-dataset rule lives here once.
 */
import { LabError } from '../../shared/errors';
import { checkModelFitsDataset } from '../../shared/model-fit';
import type { EvalSpec } from '../../shared/schemas';
import { checkClasses, resolveAttack } from '../attacks/registry';
import { certifierForSpec } from '../certify/certify';
import { registerJobKind } from '../jobs/registry';
import { getArchitecture } from '../models/registry';
import type { DatasetRecord, LabStore, ModelRecord } from '../store/store';
import { checkCorruptionBenchmark, runCorruptionBenchmark } from './corruption-benchmark';
import { runEvaluation } from './evaluate';
import { checkEpsGrid } from './suite';

// The model-fits-dataset rule itself is in src/shared/model-fit.ts (the UI applies it too).
export { checkModelFitsDataset };

export function checkEvalSpec(store: LabStore, spec: EvalSpec): { spec: EvalSpec; dataset: DatasetRecord; model: ModelRecord; certifierName: string | null } {
  const ds = store.getDataset(spec.dataset);
  const model = store.getModel(spec.model);
  if (!ds.splits[spec.split]) throw new LabError('bad_input', `Dataset "${ds.name}" has no ${spec.split} split.`);
  checkModelFitsDataset(model, ds);
  const certifier = certifierForSpec(spec, getArchitecture(model.arch));
  const { attack, params } = resolveAttack(spec.attack);
  if (attack) checkClasses(attack, params, model.numClasses);
  if (!certifier) checkEpsGrid(attack, spec.attack.name, params, spec.epsGrid);
  const bench = spec.benchmark === 'corruptions' ? checkCorruptionBenchmark(store, spec, ds) : {};
  const full = { ...spec, ...bench, attack: { name: spec.attack.name, params } } as EvalSpec;
  return { spec: full, dataset: ds, model, certifierName: certifier ? certifier.entry.name : null };
}

export const evalJob = registerJobKind<EvalSpec>({
  kind: 'eval',
  check(store, spec, runId) {
    const { spec: full, dataset, model, certifierName } = checkEvalSpec(store, spec);
    const what = spec.benchmark ? 'corruptions' : certifierName ? certifierName : spec.attack.name === 'none' ? 'clean' : spec.attack.name;
    return {
      spec: full,
      name: spec.name || `${what}-${model.name}-${runId.slice(-4)}`,
      datasetId: dataset.id,
      modelId: model.id,
      extraParams: { model: model.id },
    };
  },
  run: (ctx, spec) => (spec.benchmark === 'corruptions' ? runCorruptionBenchmark(ctx, spec) : runEvaluation(ctx, spec)),
});
