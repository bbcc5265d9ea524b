/**
 * Tensor helpers shared by the bound operators.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import type { Box } from './types';


/** 1 where x > 0, else 0, with a zero gradient (tf.step), usable on a gradient path. */
export function positive(x: tf.Tensor): tf.Tensor {
  return tf.step(x, 0);
}

/** Center and radius of a box. */
export function centerRadius(box: Box): { c: tf.Tensor; r: tf.Tensor } {
  return { c: tf.mul(tf.add(box.lower, box.upper), 0.5), r: tf.mul(tf.sub(box.upper, box.lower), 0.5) };
}

/** A box from a center and a (non-negative) radius. */
export function fromCenterRadius(c: tf.Tensor, r: tf.Tensor): Box {
  return { lower: tf.sub(c, r), upper: tf.add(c, r) };
}

/** Reshapes a per-example tensor [N, ...shape] to [N, 1, ...shape] to broadcast over S rows. */
export function perRow(t: tf.Tensor): tf.Tensor {
  return tf.expandDims(t, 1);
}

/** Sums [N, S, ...] over every axis after the second → [N, S]. */
export function sumFeatures(t: tf.Tensor): tf.Tensor {
  const [n, s] = t.shape;
  return tf.sum(tf.reshape(t, [n, s, -1]), -1);
}

/**
 * The bound of A·x + const over a box of x (A: [N, S, ...shape], box: [N, ...shape]):
 * lower = A·c − |A|·r, upper = A·c + |A|·r. Returns [N, S].
 */
export function concretize(A: tf.Tensor, box: Box, mode: 'lower' | 'upper'): tf.Tensor {
  const { c, r } = centerRadius(box);
  const center = sumFeatures(tf.mul(A, perRow(c)));
  const spread = sumFeatures(tf.mul(tf.abs(A), perRow(r)));
  return mode === 'lower' ? tf.sub(center, spread) : tf.add(center, spread);
}

export function addBias(acc: tf.Tensor | null, b: tf.Tensor | null): tf.Tensor | null {
  if (!b) return acc;
  return acc ? tf.add(acc, b) : b;
}

/** [a, b, ...] → a·b·… */
export function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}
