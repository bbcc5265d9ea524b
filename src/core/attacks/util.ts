/**
 * Building blocks shared by the attacks: gradients of per-point losses, logits, projections onto
 * L-inf and L2 balls, per-point norms, row gathering. Per-point state that is cheap to keep in
 * JavaScript (labels, logits, losses, flags) lives in typed arrays; images stay tensors.
 */
import { tf } from '../engine/backend';
import { forwardEval, localValueAndGrad, valueAndInputGrad } from '../engine/parallel';
import { crossEntropy } from '../engine/ops';
import { timeModel } from '../engine/model-time';
import type { Model } from '../models/model';
import type { Norm } from './attack';

/**
 * The gradient of the summed cross-entropy with respect to the input, and whether each point is
 * currently misclassified. One forward and one backward pass.
 */
export function lossGradient(model: Model, x: tf.Tensor4D, y: tf.Tensor1D): { grad: tf.Tensor4D; wrong: Uint8Array } {
  // On every core when it helps (engine/parallel); the same numbers on one.
  const labels = labelsOf(y);
  const { grad, z } = shardable(model)
    ? valueAndInputGrad(model, x, 'ce', labels)
    : valueAndGrad(model, x, (logits) => crossEntropy(logits, tf.tensor1d(labels, 'int32'), 'none') as tf.Tensor1D);
  const n = labels.length;
  const pred = argmaxRows(z, n, n ? z.length / n : 0);
  const wrong = new Uint8Array(n);
  for (let i = 0; i < n; i++) wrong[i] = pred[i] !== labels[i] ? 1 : 0;
  return { grad, wrong };
}

/**
 * Whether the data-parallel executor (engine/parallel) can run this model: a registered
 * architecture with its parameters. Anything else that only has `forward` (a model wrapped to
 * return probabilities, add noise or change its gradient, as the masking checks and the tests
 * do) runs through its own `forward` on one thread, so the wrapper is never bypassed.
 */
export function shardable(model: Model): boolean {
  const m = model as unknown as { arch?: { forward?: unknown }; params?: unknown; input?: unknown };
  return typeof m.arch?.forward === 'function' && m.params instanceof Map && !!m.input && Object.getPrototypeOf(model) !== Object.prototype;
}

/**
 * A per-point loss built from the logits tensor (differentiable) and a copy of its values `z`
 * (row-major [n, k], for choices such as "the largest other logit" that are constant almost
 * everywhere). Returns one value per point; attacks maximise it.
 */
export type LossOf = (logits: tf.Tensor2D, z: Float32Array) => tf.Tensor1D;

/**
 * One forward and one backward pass: the gradient of the summed per-point loss with respect to
 * the input, the logits and the per-point loss values.
 */
export function valueAndGrad(model: Model, x: tf.Tensor4D, lossOf: LossOf): { grad: tf.Tensor4D; z: Float32Array; loss: Float32Array } {
  // Losses built by lossFor (./losses) carry their name and labels: the data-parallel executor
  // can then compute them on every core (engine/parallel), with the same numbers.
  const tag = (lossOf as LossOf & { shard?: { objective: string; y: Int32Array; t: Int32Array | null } }).shard;
  if (tag && tag.y.length === x.shape[0] && shardable(model)) return valueAndInputGrad(model, x, tag.objective, tag.y, tag.t);
  // Otherwise the same single-thread computation a shard does, on the model in eval mode.
  return timeModel('grad', x.shape[0], () => localValueAndGrad((xi) => model.forward(xi, { training: false }), x, lossOf));
}

/** The logits at x, as a row-major [n, k] array (one forward pass, no gradient). */
export function logitsOf(model: Model, x: tf.Tensor4D): Float32Array {
  const t = shardable(model) ? forwardEval(model, x) : timeModel('forward', x.shape[0], () => tf.tidy(() => model.forward(x, { training: false })));
  const z = Float32Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return z;
}

/** Index of the largest value of each row of a row-major [n, k] array. */
export function argmaxRows(z: Float32Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < k; c++) {
      const v = z[i * k + c];
      if (v > best) {
        best = v;
        arg = c;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** Which points the model gets wrong at x. */
export function misclassified(model: Model, x: tf.Tensor4D, y: tf.Tensor1D): Uint8Array {
  const t = tf.tidy(() => tf.notEqual(tf.argMax(model.forward(x, { training: false }), 1), tf.cast(y, 'int32')));
  const out = new Uint8Array(t.dataSync() as unknown as ArrayLike<number>);
  t.dispose();
  return out;
}

/** An [n,1,1,1] tensor of per-point values, for broadcasting against images. */
export function perPoint(values: Float32Array | number[]): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);
}

/**
 * Projects onto the L-inf ball of radius eps around x0 (a number, or an [n,1,1,1] tensor of
 * per-point radii), then onto the pixel range [0,1].
 */
export function projectLinf(xAdv: tf.Tensor4D, x0: tf.Tensor4D, eps: number | tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.minimum(tf.maximum(xAdv, tf.sub(x0, eps)), tf.add(x0, eps)), 0, 1) as tf.Tensor4D);
}

/** Per-point L2 norms of a batch, as an [n,1,1,1] tensor. */
export function l2NormsT(t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D);
}

/**
 * Projects onto the L2 ball of radius eps (an [n,1,1,1] tensor) around x0, then onto the pixel
 * range. Clipping to the pixel range only shrinks each coordinate of the perturbation, so the
 * result stays inside the ball.
 */
export function projectL2(xAdv: tf.Tensor4D, x0: tf.Tensor4D, eps: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const d = tf.sub(xAdv, x0) as tf.Tensor4D;
    const norm = l2NormsT(d);
    const scale = tf.minimum(1, tf.div(eps, tf.add(norm, 1e-12)));
    return tf.clipByValue(tf.add(x0, tf.mul(d, scale)), 0, 1) as tf.Tensor4D;
  });
}

/** Projection for either norm; eps is an [n,1,1,1] tensor. */
export function project(norm: Norm, xAdv: tf.Tensor4D, x0: tf.Tensor4D, eps: tf.Tensor): tf.Tensor4D {
  return norm === 'linf' ? projectLinf(xAdv, x0, eps) : projectL2(xAdv, x0, eps);
}

/**
 * The steepest-ascent direction of a gradient under a norm: its sign (L-inf; the engine's sign is
 * exact, ±1 for every nonzero entry however small) or the gradient scaled to unit L2 length (L2;
 * a zero gradient stays zero). For L2 each row is first divided by its largest |entry|, so that a
 * tiny gradient (say 1e-20 per pixel, whose squares underflow float32) still gives a unit step
 * instead of one shrunk by the 1e-12 guard; for ordinary gradients the result is the same as
 * g / (‖g‖ + 1e-12) up to float32 rounding.
 */
export function ascentDirection(norm: Norm, grad: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (norm === 'linf') return tf.sign(grad) as tf.Tensor4D;
    const m = tf.max(tf.abs(grad), [1, 2, 3], true);
    const scaled = tf.div(grad, tf.where(tf.greater(m, 0), m, tf.onesLike(m))) as tf.Tensor4D;
    return tf.div(scaled, tf.add(l2NormsT(scaled), 1e-12)) as tf.Tensor4D;
  });
}

/** Size of each row of a row-major [n, d] array of perturbations, in the given norm. */
export function rowNorms(delta: Float32Array, n: number, norm: Norm): Float32Array {
  const d = n ? delta.length / n : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const v = delta[j];
      if (norm === 'linf') s = Math.max(s, Math.abs(v));
      else s += v * v;
    }
    out[i] = norm === 'linf' ? s : Math.sqrt(s);
  }
  return out;
}

/** Perturbation sizes of a batch of adversarial images against the originals. */
export function perturbationNorms(xAdv: tf.Tensor4D, x0: tf.Tensor4D, norm: Norm): Float32Array {
  const d = tf.tidy(() => tf.sub(xAdv, x0));
  const out = rowNorms(d.dataSync() as Float32Array, xAdv.shape[0], norm);
  d.dispose();
  return out;
}

/** A random start inside the ball of each point (uniform in the L-inf box, uniform in the L2 ball), clipped to [0,1]. */
export function randomStart(norm: Norm, x0: tf.Tensor4D, eps: Float32Array, rng: { next(): number; normal(): number }): tf.Tensor4D {
  const n = x0.shape[0];
  const d = n ? x0.size / n : 0;
  const noise = new Float32Array(x0.size);
  for (let i = 0; i < n; i++) {
    if (norm === 'linf') {
      for (let j = i * d; j < (i + 1) * d; j++) noise[j] = eps[i] * (2 * rng.next() - 1);
    } else {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) {
        noise[j] = rng.normal();
        s += noise[j] * noise[j];
      }
      // Uniform in the ball: a uniform direction and a radius eps * U^(1/d).
      const r = (eps[i] * Math.pow(rng.next(), 1 / Math.max(1, d))) / Math.max(Math.sqrt(s), 1e-12);
      for (let j = i * d; j < (i + 1) * d; j++) noise[j] *= r;
    }
  }
  return tf.tidy(() => tf.clipByValue(tf.add(x0, tf.tensor(noise, x0.shape)), 0, 1) as tf.Tensor4D);
}

/** Rows `idx` of a tensor (along the first axis). */
export function gatherRows<T extends tf.Tensor>(t: T, idx: ArrayLike<number>): T {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(Int32Array.from(idx), 'int32')) as T);
}

/** Replaces rows of `base` by rows of `update` where mask is 1. */
export function selectRows(mask: Uint8Array, update: tf.Tensor4D, base: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.tensor1d(Array.from(mask), 'bool').reshape([mask.length, 1, 1, 1]);
    return tf.where(tf.broadcastTo(m, base.shape), update, base) as tf.Tensor4D;
  });
}

/** Copies row i of a row-major batch `src` (d values per row) into row j of `dst`. */
export function copyRow(src: ArrayLike<number>, i: number, dst: Float32Array, j: number, d: number): void {
  for (let q = 0; q < d; q++) dst[j * d + q] = src[i * d + q];
}

/** The indices where a mask is 0 (the points still to attack). */
export function remaining(done: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < done.length; i++) if (!done[i]) out.push(i);
  return out;
}

/** Reads an int32 label tensor into an array. */
export function labelsOf(y: tf.Tensor1D): Int32Array {
  return Int32Array.from(y.dataSync() as unknown as ArrayLike<number>);
}
