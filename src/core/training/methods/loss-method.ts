/**
 * A training method that is just a per-example loss on the clean images (the noisy-label losses:
 * GCE, SCE, NCE+RCE, ...). The loss itself lives in ../losses; this wraps it as a method.
 */
import { tf } from '../../engine/backend';
import type { MethodEntry } from '../../../shared/schemas';
import type { ParamValues } from '../../params';
import type { TrainMethod } from './method';

export function lossMethod(entry: MethodEntry, perExample: (logits: tf.Tensor2D, y: tf.Tensor1D, p: ParamValues) => tf.Tensor1D): TrainMethod {
  return {
    entry,
    loss(model, x, y, p) {
      const logits = model.forward(x, { training: true });
      return { loss: tf.mean(perExample(logits, y, p)) as tf.Scalar, logits };
    },
  };
}

export const NOISY_TRADE =
  'Made for training sets with wrong labels: it learns the clean pattern instead of memorizing the mistakes. On clean labels it usually trains a little slower and ends slightly below cross-entropy; same time per step as standard training.';
