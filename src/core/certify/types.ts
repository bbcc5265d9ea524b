/**
 * The contract of a bound operator. Every layer kind of an architecture's layer-graph view (see
 * LayerOp in ../models/architecture) has one operator file implementing it, so interval bound
 * propagation (IBP) and backward linear relaxation (CROWN) grow by adding operators.
 *
 * Shapes: `inShape` / `outShape` are per example (no batch axis); tensors carry the batch first.
 * Linear coefficient tensors in the backward pass have shape [N, S, ...shape]: S rows (one per
 * bounded quantity: a margin, a neuron) for each of the N examples.
 *
 * Runs in: Node (core).
 */
import type { tf } from '../engine/backend';
import type { LayerOp } from '../models/architecture';

/** Element-wise lower and upper bounds, same shape. */
export interface Box {
  lower: tf.Tensor;
  upper: tf.Tensor;
}

/** 'lower': the coefficients bound a quantity from below; 'upper': from above. */
export type BoundMode = 'lower' | 'upper';

export interface BackwardResult {
  /** Coefficients with respect to this operator's input, [N, S, ...inShape]. */
  A: tf.Tensor;
  /** Constant added to the bound, [N, S], or null for none. */
  bias: tf.Tensor | null;
}

export interface BoundOp {
  readonly kind: LayerOp['op'];
  readonly inShape: number[];
  readonly outShape: number[];
  /** Affine in its input (the backward pass is exact for it). */
  readonly affine: boolean;
  /** Mixes features (a dense or convolutional map); element-wise and reshaping ops do not. */
  readonly mixing: boolean;
  /** The plain forward pass, [N, ...inShape] → [N, ...outShape]. */
  forward(x: tf.Tensor): tf.Tensor;
  /** Interval bound propagation: a box on the input → a box on the output. */
  ibp(box: Box): Box;
  /**
   * One step of the backward linear bound pass: coefficients on this operator's output → on its
   * input. `inBox` bounds this operator's input (non-linear operators relax within it). Returns
   * null when the operator has no sound linear relaxation here; the caller then concretizes the
   * coefficients with the box of this operator's output (IBP for this layer).
   */
  backward(A: tf.Tensor, mode: BoundMode, inBox: Box): BackwardResult | null;
}
