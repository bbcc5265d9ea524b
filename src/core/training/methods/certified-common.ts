/**
 * Shared parts of the certified-training methods (IBP, CROWN-IBP, CC-IBP): margin lower bounds
 * of the model inside a gradient tape, the worst-case cross-entropy, and the batch's certified
 * fraction.
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import { computeBounds, inputBox } from '../../certify/bounds';
import { BoundGraph } from '../../certify/graph';
import { marginSpec, minMargin, worstCaseLogits } from '../../certify/spec';
import type { Model } from '../../models/model';
import { ce } from '../losses/common';

export function graphOf(model: Model): BoundGraph {
  if (!model.arch.layers) {
    throw new LabError('bad_input', `Certified training needs an architecture with a layer list; ${model.archName} has none. Choose mlp or mnist-cnn.`);
  }
  return BoundGraph.fromModel(model);
}

/** Lower bounds of the margins (IBP, and CROWN-IBP when asked for), [N, K], differentiable in the weights. */
export function marginBounds(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, eps: number, crownIbp: boolean): { ibp: tf.Tensor2D; crownIbp: tf.Tensor2D | null } {
  const b = computeBounds(graphOf(model), inputBox(x, eps), marginSpec(y, model.numClasses), { method: crownIbp ? 'crown-ibp' : 'ibp', intersectIbp: false });
  return { ibp: b.ibp.lower, crownIbp: crownIbp ? b.lower : null };
}

/** Mean cross-entropy of the worst-case logits −lb (an upper bound of the loss anywhere in the box). */
export function robustCe(marginLower: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.mean(ce(worstCaseLogits(marginLower), y)) as tf.Scalar;
}

/** Fraction of the batch whose every margin lower bound is positive. */
export function certifiedFraction(marginLower: tf.Tensor2D, y: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.mean(tf.step(minMargin(marginLower, y, numClasses), 0)) as tf.Scalar;
}
