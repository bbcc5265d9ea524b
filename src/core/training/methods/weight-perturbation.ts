/**
 * Shared machinery of the methods that move the weights before taking the gradient (SAM, ASAM,
 * AWP): the gradient at the current weights, an in-place move, and an exact restore (the old
 * values are kept, not recomputed, so no rounding drift accumulates).
 */
import { tf } from '../../engine/backend';
import type { Model } from '../../models/model';

/** Gradients of `lossAt` with respect to every variable of the model, in model.variables() order. */
export function gradientsAt(model: Model, lossAt: () => tf.Scalar): tf.Tensor[] {
  const vars = model.variables();
  const { value, grads } = tf.variableGrads(lossAt, vars);
  value.dispose();
  return vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
}

/** Adds `deltas[i]` to variable i and returns the function that restores the old values. */
export function moveWeights(model: Model, deltas: (tf.Tensor | null)[]): () => void {
  const vars = model.variables();
  const saved = vars.map((v, i) => (deltas[i] ? tf.keep(v.clone()) : null));
  tf.tidy(() => {
    vars.forEach((v, i) => {
      const d = deltas[i];
      if (d) v.assign(tf.add(v, d));
    });
  });
  return () => {
    vars.forEach((v, i) => {
      const s = saved[i];
      if (s) {
        v.assign(s);
        s.dispose();
      }
    });
  };
}

/** Global L2 norm of a list of tensors (a number). */
export function globalNorm(ts: tf.Tensor[]): number {
  const t = tf.tidy(() => tf.sqrt(tf.addN(ts.map((g) => tf.sum(tf.square(g))))));
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}
