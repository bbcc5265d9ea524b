/**
 * A network as a chain of bound operators, built from an architecture's layer-graph view
 * (Architecture.layers) and the model's parameters. The operators hold the model's variables
 * (not copies), so bounds computed inside a gradient tape are differentiable in the weights.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { InputShape, LayerOp } from '../models/architecture';
import type { Model } from '../models/model';
import { certifiableArchitectures } from '../models/registry';
import { makeOperator } from './operators';
import type { BoundOp } from './types';

export class BoundGraph {
  private constructor(
    readonly ops: BoundOp[],
    readonly inShape: number[],
  ) {}

  static fromLayers(layers: LayerOp[], params: Record<string, tf.Tensor> | Map<string, tf.Tensor>, input: InputShape): BoundGraph {
    const get = (name: string | undefined): tf.Tensor | null => {
      if (name === undefined) return null;
      const t = params instanceof Map ? params.get(name) : params[name];
      if (!t) throw new LabError('shape_mismatch', `The layer list names a parameter "${name}" that the model does not have.`);
      return t;
    };
    let shape = [input.height, input.width, input.channels];
    const ops: BoundOp[] = [];
    for (const layer of layers) {
      const op = makeOperator(layer, get, shape);
      ops.push(op);
      shape = op.outShape;
    }
    if (ops.length === 0) throw new LabError('bad_input', 'The layer list is empty.');
    return new BoundGraph(ops, [input.height, input.width, input.channels]);
  }

  /** The graph of a model, or a LabError if its architecture has no layer-graph view. */
  static fromModel(model: Model): BoundGraph {
    if (!model.arch.layers) {
      throw new LabError(
        'bad_input',
        model.arch.certifyBlocker
          ? `Bound propagation cannot follow the ${model.archName} architecture: its ${model.arch.certifyBlocker}; certify a model of one of these architectures: ${certifiableArchitectures().join(', ')}.`
          : `The ${model.archName} architecture has no layer list, so its bounds cannot be computed; certify a model of one of these architectures: ${certifiableArchitectures().join(', ')}.`,
      );
    }
    // Parameters and batch norm running statistics (eval-mode batch norm reads both).
    return BoundGraph.fromLayers(model.arch.layers(model.input, model.numClasses), model.tensorsByName(), model.input);
  }

  get outShape(): number[] {
    return this.ops[this.ops.length - 1].outShape;
  }

  /** The plain forward pass through the operators (equals the architecture's forward). */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.ops.reduce((h, op) => op.forward(h), x));
  }
}
