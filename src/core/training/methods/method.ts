/**
 * The interface of a training method (ERM, PGD-AT, TRADES, ...): one file each, one registry line.
 *
 * A training step runs, in order:
 *   1. prepare        (optional, outside the parameter gradient): craft the inputs the loss uses,
 *                     e.g. adversarial examples; may also update the method's per-run state;
 *   2. perturbWeights (optional): move the weights before the gradient (SAM, ASAM, AWP) and
 *                     return how to put them back;
 *   3. loss           the gradient of this loss with respect to the weights is taken (at the
 *                     perturbed weights if step 2 moved them);
 *   4. the weights are restored (step 2) and the optimizer applies the gradient.
 */
import type { tf } from '../../engine/backend';
import type { Rng } from '../../engine/random';
import type { Model } from '../../models/model';
import type { MethodEntry } from '../../../shared/schemas';
import type { ParamValues } from '../../params';

export interface MethodStepContext {
  /** This step's own random stream (forked from the run's seed by the global step number). */
  rng: Rng;
  epoch: number; // 1-based
  epochs: number;
  step: number; // global step, 0-based
  stepsPerEpoch: number;
  totalSteps: number;
  numClasses: number;
  /**
   * State a method keeps between steps of one run (e.g. Group DRO's group weights). Plain JSON
   * values only: it is saved with each checkpoint so a resumed run continues exactly.
   */
  state: Record<string, unknown>;
}

export interface MethodLoss {
  loss: tf.Scalar;
  /** The logits the running training accuracy is measured on (the inputs the method trains on). */
  logits: tf.Tensor2D;
  /**
   * Extra per-batch values to chart, averaged over each epoch and logged as `train/<key>`
   * (e.g. adv_accuracy, certified_accuracy, eps, kappa).
   */
  metrics?: Record<string, tf.Scalar>;
}

export interface TrainMethod {
  entry: MethodEntry;
  /** Needs the architecture's layer-graph view (certified training). */
  needsLayers?: boolean;
  /**
   * 'cross-entropy': loss() is exactly the mean cross-entropy of model.forward(x, { training:
   * true }) against y, returning those logits and no metrics. The trainer may then compute its
   * gradient on every core (engine/parallel), with the same numbers up to float summation order.
   */
  shardable?: 'cross-entropy';
  /**
   * The radius this method trains for, used as the default radius of the per-epoch robust
   * monitoring (test/pgd_accuracy, test/certified_accuracy); null when the method has none.
   */
  monitorEps?(params: ParamValues): number | null;
  /** Checks parameter combinations beyond each one's range. */
  check?(params: ParamValues): void;
  /**
   * Optional work before the gradient step, outside the parameter gradient (e.g. crafting
   * adversarial examples). Returns the inputs the loss is computed on; the caller disposes them
   * if they differ from x.
   */
  prepare?(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, params: ParamValues, ctx: MethodStepContext): Promise<tf.Tensor4D>;
  /**
   * Optional weight perturbation before the gradient (SAM, ASAM, AWP). `lossAt` evaluates this
   * method's loss on the prepared batch at the current weights (the caller wraps it in a
   * gradient). Returns the function that puts the weights back, or null if nothing moved.
   */
  perturbWeights?(model: Model, lossAt: () => tf.Scalar, params: ParamValues, ctx: MethodStepContext): (() => void) | null;
  /** The training loss of a batch and the logits it used (for the running accuracy). */
  loss(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, params: ParamValues, ctx: MethodStepContext): MethodLoss;
}
