/**
 * The interface of a training method (ERM, PGD-AT, TRADES, ...): one file each, one registry line.
 */
import type { tf } from '../../engine/backend';
import type { Rng } from '../../engine/random';
import type { Model } from '../../models/model';
import type { RegistryEntry } from '../../../shared/schemas';
import type { ParamValues } from '../../params';

export interface MethodStepContext {
  rng: Rng;
  epoch: number; // 1-based
  step: number; // global step, 0-based
  totalSteps: number;
  numClasses: number;
}

export interface TrainMethod {
  entry: RegistryEntry;
  /**
   * Optional work before the gradient step, outside the parameter gradient (e.g. crafting
   * adversarial examples). Returns the inputs the loss is computed on; the caller disposes them
   * if they differ from x.
   */
  prepare?(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, params: ParamValues, ctx: MethodStepContext): Promise<tf.Tensor4D>;
  /** The training loss of a batch and the logits it used (for the running accuracy). */
  loss(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, params: ParamValues, ctx: MethodStepContext): { loss: tf.Scalar; logits: tf.Tensor2D };
}
