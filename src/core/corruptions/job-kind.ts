/** The `corrupt` job kind: a recipe applied to a dataset's splits, written as a new dataset. */
import type { CorruptSpec } from '../../shared/schemas';
import { registerJobKind } from '../jobs/registry';
import { runCorruptJob } from './job';
import { checkCorruptSpec } from './service';

export const corruptJob = registerJobKind<CorruptSpec>({
  kind: 'corrupt',
  check(store, spec) {
    const full = checkCorruptSpec(store, spec);
    return { spec: full as CorruptSpec, name: full.name, datasetId: full.dataset, modelId: null };
  },
  run: (ctx, spec) => runCorruptJob(ctx, spec),
});
