/**
 * Bound propagation over a BoundGraph, auto_LiRPA style:
 *
 * - IBP (interval bound propagation): a box is pushed forward through every operator.
 * - CROWN: linear bounds are pulled backward from the specification to the input, each
 *   non-linear operator relaxed by two lines within the bounds of its input; the result is
 *   concretized over the input box. Intermediate bounds (the inputs of non-linear operators)
 *   come from CROWN itself ('crown', layer by layer; for layers with more than maxCrownNeurons
 *   neurons, e.g. the convolutions of mnist-cnn, from IBP) or from IBP for every layer
 *   ('crown-ibp', the cheap variant used for training).
 *
 * Every bound is sound. With intersectIbp (default) each layer's box and the output keep the
 * tighter of the CROWN and IBP bounds, so CROWN is never looser than IBP.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import type { BoundGraph } from './graph';
import type { BoundOp, Box, BoundMode } from './types';
import { addBias, centerRadius, concretize, numel, perRow } from './util';

export type BoundMethod = 'ibp' | 'crown' | 'crown-ibp';

export interface BoundOptions {
  method: BoundMethod;
  /** Also compute upper bounds (one more backward pass for CROWN). Default false. */
  upper?: boolean;
  /** 'crown': layers with more neurons than this get IBP intermediate bounds. Default 4096. */
  maxCrownNeurons?: number;
  /** Largest coefficient tensor (elements) per chunk of intermediate CROWN bounds. Default 2^23. */
  chunkElements?: number;
  /** Keep the tighter of CROWN and IBP at every layer and at the output. Default true. */
  intersectIbp?: boolean;
}

export interface SpecBounds {
  /** Lower bounds of C·z, [N, S]. */
  lower: tf.Tensor2D;
  /** Upper bounds of C·z, [N, S] (null unless asked for, except for IBP which has them free). */
  upper: tf.Tensor2D | null;
  /** The IBP bounds of the same specification (computed on the way). */
  ibp: { lower: tf.Tensor2D; upper: tf.Tensor2D };
}

/** The input box [max(x − eps, 0), min(x + eps, 1)]. */
export function inputBox(x: tf.Tensor, eps: number): Box {
  return { lower: tf.clipByValue(tf.sub(x, eps), 0, 1), upper: tf.clipByValue(tf.add(x, eps), 0, 1) };
}

/** Bounds of C·z for a box of z (interval arithmetic): C [N, S, K], z box [N, K]. */
function specOfBox(spec: tf.Tensor, box: Box): { lower: tf.Tensor2D; upper: tf.Tensor2D } {
  const { c, r } = centerRadius(box);
  const center = tf.sum(tf.mul(spec, perRow(c)), -1);
  const spread = tf.sum(tf.mul(tf.abs(spec), perRow(r)), -1);
  return { lower: tf.sub(center, spread) as tf.Tensor2D, upper: tf.add(center, spread) as tf.Tensor2D };
}

/**
 * IBP bounds of the specification from the box of the last operator's input. When the last
 * operator is a dense layer, it is merged with the specification first (C·W), which is tighter
 * than bounding the logits and then the margins.
 */
function ibpSpec(graph: BoundGraph, boxes: Box[], spec: tf.Tensor): { lower: tf.Tensor2D; upper: tf.Tensor2D } {
  const L = graph.ops.length;
  const last = graph.ops[L - 1] as BoundOp & { weight?: tf.Tensor2D; bias?: tf.Tensor1D | null };
  if (last.kind === 'linear' && last.weight) {
    const [n, s, k] = spec.shape;
    const W = last.weight;
    const effT = tf.reshape(tf.matMul(tf.reshape(spec, [n * s, k]) as tf.Tensor2D, W, false, true), [n, s, W.shape[0]]);
    const { c, r } = centerRadius(boxes[L - 1]);
    let center = tf.sum(tf.mul(effT, perRow(c)), -1);
    if (last.bias) center = tf.add(center, tf.sum(tf.mul(spec, last.bias), -1));
    const spread = tf.sum(tf.mul(tf.abs(effT), perRow(r)), -1);
    return { lower: tf.sub(center, spread) as tf.Tensor2D, upper: tf.add(center, spread) as tf.Tensor2D };
  }
  return specOfBox(spec, graph.ops[L - 1].ibp(boxes[L - 1]));
}

/**
 * Pulls coefficients A on the output of operator j back to the input and concretizes: the
 * bound (lower or upper) of A·(output of op j), [N, S].
 */
function backwardFrom(graph: BoundGraph, j: number, A0: tf.Tensor, mode: BoundMode, boxes: Box[], outBox: (k: number) => Box): tf.Tensor {
  let A = A0;
  let acc: tf.Tensor | null = null;
  for (let k = j; k >= 0; k--) {
    const res = graph.ops[k].backward(A, mode, boxes[k]);
    if (!res) return addBias(acc, concretize(A, outBox(k), mode))!;
    A = res.A;
    acc = addBias(acc, res.bias);
  }
  return addBias(acc, concretize(A, boxes[0], mode))!;
}

/**
 * CROWN bounds of the neurons of boxes[i] (the input of op i), by backward passes from op i − 1
 * in chunks of neurons. Before a ReLU only the neurons that `ibpBox` leaves unstable (lower < 0 <
 * upper for some point of the batch) are bounded again: the relaxation of a stable ReLU does not
 * depend on its bounds. The others keep `ibpBox`.
 */
function crownLayerBox(graph: BoundGraph, i: number, boxes: Box[], ibpBox: Box, outBox: (k: number) => Box, chunkElements: number): Box {
  const shape = graph.ops[i].inShape;
  const M = numel(shape);
  const n = boxes[0].lower.shape[0];
  let rowsToBound: number[];
  if (graph.ops[i].kind === 'relu') {
    const l = ibpBox.lower.dataSync();
    const u = ibpBox.upper.dataSync();
    const need = new Uint8Array(M);
    for (let k = 0; k < n * M; k++) if (l[k] < 0 && u[k] > 0) need[k % M] = 1;
    rowsToBound = [];
    for (let k = 0; k < M; k++) if (need[k]) rowsToBound.push(k);
    if (rowsToBound.length === 0) return ibpBox;
  } else {
    rowsToBound = Array.from({ length: M }, (_, k) => k);
  }
  let widest = numel(graph.inShape);
  for (let k = 0; k < i; k++) widest = Math.max(widest, numel(graph.ops[k].outShape));
  const R = rowsToBound.length;
  const rows = Math.max(1, Math.min(R, Math.floor(chunkElements / Math.max(1, n * widest))));
  const lowers: tf.Tensor[] = [];
  const uppers: tf.Tensor[] = [];
  for (let r0 = 0; r0 < R; r0 += rows) {
    const ids = tf.tensor1d(rowsToBound.slice(r0, r0 + rows), 'int32');
    const m = ids.shape[0];
    const A = tf.tile(tf.reshape(tf.cast(tf.oneHot(ids, M), 'float32'), [1, m, ...shape]), [n, 1, ...shape.map(() => 1)]);
    lowers.push(backwardFrom(graph, i - 1, A, 'lower', boxes, outBox));
    uppers.push(backwardFrom(graph, i - 1, A, 'upper', boxes, outBox));
  }
  const cat = (ts: tf.Tensor[]) => (ts.length === 1 ? ts[0] : tf.concat(ts, 1)) as tf.Tensor2D;
  if (R === M) return { lower: tf.reshape(cat(lowers), [n, ...shape]), upper: tf.reshape(cat(uppers), [n, ...shape]) };
  // Scatter the bounded rows back: P [R, M] selects them; the rest come from the IBP box.
  const P = tf.cast(tf.oneHot(tf.tensor1d(rowsToBound, 'int32'), M), 'float32') as tf.Tensor2D;
  const keep = tf.sub(1, tf.sum(P, 0));
  const merge = (t: tf.Tensor2D, ibp: tf.Tensor) => tf.add(tf.reshape(tf.matMul(t, P), [n, ...shape]), tf.mul(ibp, tf.reshape(keep, shape)));
  return { lower: merge(cat(lowers), ibpBox.lower), upper: merge(cat(uppers), ibpBox.upper) };
}

/**
 * Bounds of C·z over the input box for the logits z of the graph. `spec` is C [N, S, K]
 * (see ./spec: marginSpec, identitySpec). Call inside tf.tidy (or a gradient tape).
 */
export function computeBounds(graph: BoundGraph, box: Box, spec: tf.Tensor3D, opts: BoundOptions): SpecBounds {
  const ops = graph.ops;
  const L = ops.length;
  const intersect = opts.intersectIbp ?? true;
  const maxNeurons = opts.maxCrownNeurons ?? 4096;
  const chunkElements = opts.chunkElements ?? 2 ** 23;
  const boxes: Box[] = [box];
  const outBox = (k: number): Box => (k + 1 < boxes.length ? boxes[k + 1] : ops[k].ibp(boxes[k]));
  // Per-neuron IBP bounds are tight until a second feature-mixing layer (or one after a box that
  // is no longer a product of independent intervals).
  let independent = true;
  let tight = true;
  for (let i = 0; i < L; i++) {
    if (i > 0) {
      let b = ops[i - 1].ibp(boxes[i - 1]);
      const relaxed = !ops[i].affine;
      if (opts.method === 'crown' && relaxed && !tight && ops[i - 1].affine && numel(ops[i].inShape) <= maxNeurons) {
        const c = crownLayerBox(graph, i, boxes, b, outBox, chunkElements);
        b = intersect ? { lower: tf.maximum(c.lower, b.lower), upper: tf.minimum(c.upper, b.upper) } : c;
      }
      boxes.push(b);
    }
    if (ops[i].mixing) {
      tight = independent;
      independent = false;
    }
  }
  const ibp = ibpSpec(graph, boxes, spec);
  if (opts.method === 'ibp') return { lower: ibp.lower, upper: ibp.upper, ibp };
  let lower = backwardFrom(graph, L - 1, spec, 'lower', boxes, outBox) as tf.Tensor2D;
  let upper = opts.upper ? (backwardFrom(graph, L - 1, spec, 'upper', boxes, outBox) as tf.Tensor2D) : null;
  if (intersect) {
    lower = tf.maximum(lower, ibp.lower) as tf.Tensor2D;
    if (upper) upper = tf.minimum(upper, ibp.upper) as tf.Tensor2D;
  }
  return { lower, upper, ibp };
}
