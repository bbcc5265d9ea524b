/**
 * One training step of any method: prepare (outside the gradient) → optional weight perturbation
 * → gradient of the method's loss → restore the weights → optimizer update → batch norm running
 * statistics (model.commitBufferUpdates: the first training-mode forward of the step, applied
 * once, outside the tape; see models/model.ts). Returns plain numbers.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { shardedParamGrads } from '../engine/parallel';
import type { Model } from '../models/model';
import type { ParamValues } from '../params';
import type { MethodStepContext, TrainMethod } from './methods/method';
import type { Optimizer } from './optim';

export interface StepResult {
  loss: number;
  correct: number;
  metrics: Record<string, number>;
}

export async function trainStep(o: {
  model: Model;
  method: TrainMethod;
  params: ParamValues;
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  ctx: MethodStepContext;
  optimizer: Optimizer;
  lr: number;
}): Promise<StepResult> {
  const { model, method, params, x, y, ctx } = o;
  const varNames = new Map<string, string>();
  for (const [name, v] of model.params) varNames.set(v.name, name);
  let xTrain = x;
  model.discardBufferUpdates(); // batch statistics recorded outside a step are not this step's
  try {
    if (method.prepare) xTrain = await method.prepare(model, x, y, params, ctx);
    if (method.shardable === 'cross-entropy' && !method.perturbWeights) {
      // On every core when it helps (engine/parallel); null means: compute it here below.
      const labels = Int32Array.from(y.dataSync() as unknown as ArrayLike<number>);
      const r = shardedParamGrads(model, xTrain, labels);
      if (r) {
        o.optimizer.step(Object.fromEntries(r.grads), o.lr);
        model.commitBufferUpdates();
        const k = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(r.logits, 1), tf.cast(y, 'int32')), 'int32')));
        const correct = k.dataSync()[0];
        tf.dispose([k, r.logits, ...r.grads.values()]);
        return { loss: r.loss, correct, metrics: {} };
      }
    }
    const restore = method.perturbWeights ? method.perturbWeights(model, () => method.loss(model, xTrain, y, params, ctx).loss, params, ctx) : null;
    let logitsKept: tf.Tensor2D | null = null;
    let metricsKept: Record<string, tf.Scalar> = {};
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    try {
      ({ value, grads } = tf.variableGrads(() => {
        const out = method.loss(model, xTrain, y, params, ctx);
        logitsKept = tf.keep(out.logits);
        metricsKept = Object.fromEntries(Object.entries(out.metrics ?? {}).map(([k, t]) => [k, tf.keep(t)]));
        return out.loss;
      }, model.variables()));
    } finally {
      restore?.();
    }
    const byParam: Record<string, tf.Tensor> = {};
    for (const [vn, g] of Object.entries(grads)) byParam[varNames.get(vn) ?? vn] = g;
    o.optimizer.step(byParam, o.lr);
    model.commitBufferUpdates();
    const loss = value.dataSync()[0];
    const k = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logitsKept!, 1), tf.cast(y, 'int32')), 'int32')));
    const correct = k.dataSync()[0];
    const metrics: Record<string, number> = {};
    for (const [key, t] of Object.entries(metricsKept)) metrics[key] = t.dataSync()[0];
    tf.dispose([k, value, logitsKept!, ...Object.values(grads), ...Object.values(metricsKept)]);
    return { loss, correct, metrics };
  } finally {
    if (xTrain !== x) xTrain.dispose();
  }
}
