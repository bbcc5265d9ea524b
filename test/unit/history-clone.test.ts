import { describe, expect, it } from 'vitest';
import { listMethods } from '../../src/core/training/methods/registry';
import { trainFormFromSpec } from '../../src/renderer/components/history/clone';
import { buildSpec } from '../../src/renderer/components/train/trainForm';
import { TrainSpecSchema, type DatasetInfo, type MethodEntry } from '../../src/shared/schemas';

const datasets = [{ id: 'ds_1', name: 'mnist-digits', splits: { train: { count: 10 }, test: { count: 10 } } }] as unknown as DatasetInfo[];

describe('clone a run into the Train form', () => {
  it('the form built from a stored spec gives back the same spec (name aside)', () => {
    const methods = listMethods() as unknown as MethodEntry[];
    for (const input of [
      { kind: 'train', name: 'robust', dataset: 'ds_1', arch: 'mlp', method: 'trades', methodParams: { eps: 0.2, beta: 3, steps: 7 }, epochs: 4, batchSize: 32, optimizer: { name: 'sgd', lr: 0.02, momentum: 0.8, weightDecay: 0.0005 }, schedule: { name: 'step', stepEpochs: 2, gamma: 0.5 }, seed: 9, limit: 500, testLimit: 100, monitor: { count: 50, pgdSteps: 5, eps: 0.1 }, valFraction: 0.1, warmupEpochs: 1, earlyStopping: { metric: 'robust', patience: 2, minDelta: 0.01 }, keepBest: 'robust' },
      { kind: 'train', dataset: 'ds_1', arch: 'mnist-cnn', method: 'erm', epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 }, schedule: { name: 'cosine', minLr: 0.0001 } },
    ]) {
      const stored = TrainSpecSchema.parse(input);
      const form = trainFormFromSpec(stored, datasets);
      expect(form.name).toBe(stored.name ? `${stored.name} (copy)` : '');
      const again = TrainSpecSchema.parse(buildSpec(form, datasets, methods));
      const { name: _a, ...want } = stored;
      const { name: _b, ...got } = again;
      // The form names the dataset and states every method parameter (defaults included).
      const entry = methods.find((m) => m.name === stored.method)!;
      const defaults = Object.fromEntries(entry.params.map((p) => [p.key, p.default]));
      expect(JSON.parse(JSON.stringify(got))).toEqual(JSON.parse(JSON.stringify({ ...want, dataset: 'mnist-digits', methodParams: { ...defaults, ...want.methodParams } })));
    }
  });
});
