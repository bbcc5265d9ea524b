/**
 * The operator registry: one entry per LayerOp kind. Supporting a new layer kind in IBP and
 * CROWN is one operator file and one line here.
 */
import type { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { LayerOp } from '../../models/architecture';
import type { BoundOp } from '../types';
import { avgpoolOp } from './avgpool';
import { batchnormOp } from './batchnorm';
import { conv2dOp } from './conv2d';
import { flattenChwOp } from './flatten';
import { linearOp } from './linear';
import { maxpoolOp } from './maxpool';
import { reluOp } from './relu';
import { tanhOp } from './tanh';
import { geluOp } from './gelu';
import { residualOp } from './residual';

type Params = (name: string | undefined) => tf.Tensor | null;

export const OPERATORS: { [K in LayerOp['op']]: (layer: Extract<LayerOp, { op: K }>, param: Params, inShape: number[]) => BoundOp } = {
  linear: (l, p, s) => linearOp(p(l.weight)!, p(l.bias), s),
  conv2d: (l, p, s) => conv2dOp(p(l.weight)!, p(l.bias), l.stride, l.pad, s),
  relu: (_l, _p, s) => reluOp(s),
  tanh: (_l, _p, s) => tanhOp(s),
  gelu: (_l, _p, s) => geluOp(s),
  residual: (l, p, s) => {
    const body: BoundOp[] = [];
    let shape = s;
    for (const inner of l.body) {
      const op = makeOperator(inner, p, shape);
      body.push(op);
      shape = op.outShape;
    }
    return residualOp(body, s);
  },
  maxpool: (l, _p, s) => maxpoolOp(l.size, l.stride, s),
  avgpool: (l, _p, s) => avgpoolOp(l.size, l.stride, s),
  'flatten-chw': (_l, _p, s) => flattenChwOp(s),
  batchnorm: (l, p, s) => batchnormOp({ weight: p(l.weight), bias: p(l.bias), mean: p(l.runningMean)!, variance: p(l.runningVar)!, eps: l.eps }, s),
};

export function makeOperator(layer: LayerOp, param: Params, inShape: number[]): BoundOp {
  const make = OPERATORS[layer.op] as ((l: LayerOp, p: Params, s: number[]) => BoundOp) | undefined;
  if (!make) throw new LabError('bad_input', `Bound propagation has no operator for layer "${(layer as { op: string }).op}".`);
  return make(layer, param, inShape);
}
