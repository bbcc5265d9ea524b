/** The `train` job kind: what may be submitted (dataset, architecture, method, resume) and the trainer. */
import { LabError } from '../../shared/errors';
import type { TrainSpec } from '../../shared/schemas';
import { registerJobKind } from '../jobs/registry';
import { certifiableArchitectures, getArchitecture } from '../models/registry';
import { resumeProblem } from './checkpoint';
import { resolveMethod } from './methods/registry';
import { selectionMetric } from './monitor';
import { runTraining } from './trainer';

export const trainJob = registerJobKind<TrainSpec>({
  kind: 'train',
  check(store, spec, runId) {
    const ds = store.getDataset(spec.dataset);
    if (!ds.splits.train) throw new LabError('bad_input', `Dataset "${ds.name}" has no train split; import training images to train on it.`);
    const arch = getArchitecture(spec.arch);
    arch.params({ height: ds.height, width: ds.width, channels: ds.channels }, ds.numClasses);
    const { method, params } = resolveMethod(spec.method, spec.methodParams);
    selectionMetric(spec, method, params);
    if (method.needsLayers && !arch.layers) {
      throw new LabError('bad_input', `Method ${spec.method} needs an architecture with a layer list (${certifiableArchitectures().join(', ')}); ${arch.name} has none.`);
    }
    if (spec.initModel) store.getModel(spec.initModel);
    // A resumed run continues the run it resumes, so it keeps that run's name unless given another.
    let resumedName: string | null = null;
    if (spec.resumeFrom) {
      const from = store.getRun(spec.resumeFrom);
      const problem = resumeProblem(store.labDir, from);
      if (problem) throw new LabError(from.kind !== 'train' ? 'bad_input' : 'not_found', problem);
      resumedName = from.name;
    }
    const full = { ...spec, methodParams: params };
    return {
      spec: full,
      name: spec.name || resumedName || `${spec.arch}-${ds.name}-${spec.method}-${runId.slice(-4)}`,
      datasetId: ds.id,
      modelId: null,
    };
  },
  run: (ctx, spec) => runTraining(ctx, spec),
});
