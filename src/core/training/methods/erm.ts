/**
 * Empirical risk minimization: plain cross-entropy on the clean training images.
 */
import { crossEntropy } from '../../engine/ops';
import type { TrainMethod } from './method';

export const erm: TrainMethod = {
  entry: {
    name: 'erm',
    ...({ family: 'standard', tradeoff: { clean: 'highest for the time spent', robust: 'none against attacks', time: '1× (the reference)' }, monitor: 'none' } as const),
    title: 'Standard training (cross-entropy)',
    description:
      'Minimizes the average cross-entropy on the training images. Highest clean accuracy for the time spent, but no protection against attacks or label noise.',
    params: [],
  },
  shardable: 'cross-entropy',
  loss(model, x, y) {
    const logits = model.forward(x, { training: true });
    return { loss: crossEntropy(logits, y, 'mean') as never, logits };
  },
};
