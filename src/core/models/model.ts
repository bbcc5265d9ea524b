/**
 * A model: an architecture, the input size and class count it was built for, and its parameters
 * as tfjs variables (tfjs layouts) keyed by PyTorch names.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { Rng } from '../engine/random';
import { LabError } from '../../shared/errors';
import { formatInput, formatShape, type Architecture, type InputShape, type ParamDef } from './architecture';
import { tfjsShape, tfjsToTorch, torchToTfjs } from './layout';
import { getArchitecture } from './registry';

export type TorchTensor = { shape: number[]; data: Float32Array };

function size(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function makeVariable(def: ParamDef, tfjsValues: Float32Array): tf.Variable {
  const t = tf.tensor(tfjsValues, tfjsShape(def.kind, def.torchShape), 'float32');
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

export class Model {
  readonly archName: string;
  readonly arch: Architecture;
  readonly input: InputShape;
  readonly numClasses: number;
  /** tfjs layout, keyed by PyTorch name, in ParamDef order. */
  readonly params: Map<string, tf.Variable>;
  private readonly defs: ParamDef[];
  private readonly record: Record<string, tf.Tensor>;
  private disposed = false;

  private constructor(arch: Architecture, input: InputShape, numClasses: number, defs: ParamDef[], params: Map<string, tf.Variable>) {
    this.archName = arch.name;
    this.arch = arch;
    this.input = { ...input };
    this.numClasses = numClasses;
    this.defs = defs;
    this.params = params;
    this.record = Object.fromEntries(params);
  }

  /**
   * A fresh model with PyTorch's default initialisation: every weight and bias uniform in
   * ±1/sqrt(fanIn) (what kaiming_uniform(a=√5) gives for nn.Conv2d and nn.Linear weights).
   * Deterministic: each parameter draws from the seed's stream forked by the parameter's name.
   */
  static init(archName: string, input: InputShape, numClasses: number, seed: number): Model {
    const arch = getArchitecture(archName);
    const defs = arch.params(input, numClasses);
    const rng = new Rng(seed);
    const params = new Map<string, tf.Variable>();
    try {
      for (const def of defs) {
        const bound = 1 / Math.sqrt(def.fanIn);
        const torchValues = rng.fork(def.name).fillUniform(new Float32Array(size(def.torchShape)), -bound, bound);
        params.set(def.name, makeVariable(def, torchToTfjs(def.kind, def.torchShape, torchValues)));
      }
    } catch (err) {
      for (const v of params.values()) v.dispose();
      throw err;
    }
    return new Model(arch, input, numClasses, defs, params);
  }

  /**
   * A model from PyTorch-layout tensors (a state_dict). Missing, extra or wrongly shaped tensors
   * throw LabError('shape_mismatch') naming the tensor; broken values throw LabError('bad_file').
   */
  static fromTorchTensors(
    archName: string,
    tensors: Record<string, TorchTensor>,
    input: InputShape,
    numClasses: number,
  ): Model {
    const arch = getArchitecture(archName);
    const defs = arch.params(input, numClasses);
    const what = `the ${arch.name} architecture with ${formatInput(input)} images and ${numClasses} classes`;
    for (const def of defs) {
      if (!Object.prototype.hasOwnProperty.call(tensors, def.name)) {
        throw new LabError(
          'shape_mismatch',
          `The weights have no tensor "${def.name}", which ${what} needs with shape ${formatShape(def.torchShape)}. ` +
            'Check that you chose the architecture the weights were saved from.',
        );
      }
    }
    const known = new Set(defs.map((d) => d.name));
    for (const [name, t] of Object.entries(tensors)) {
      if (!known.has(name)) {
        throw new LabError(
          'shape_mismatch',
          `The weights have a tensor "${name}" ${formatShape(t.shape)} that the ${arch.name} architecture does not use. ` +
            'Check that you chose the architecture the weights were saved from.',
        );
      }
    }
    for (const def of defs) {
      const t = tensors[def.name];
      if (!sameShape(t.shape, def.torchShape)) {
        throw new LabError(
          'shape_mismatch',
          `Tensor "${def.name}" has shape ${formatShape(t.shape)}, but ${what} needs ${formatShape(def.torchShape)}. ` +
            'Check the architecture, the image size and the number of classes.',
        );
      }
      if (t.data.length !== size(t.shape)) {
        throw new LabError(
          'bad_file',
          `Tensor "${def.name}" holds ${t.data.length} values but its shape ${formatShape(t.shape)} needs ${size(t.shape)}; the weights are broken.`,
        );
      }
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) {
          throw new LabError(
            'bad_file',
            `Tensor "${def.name}" contains NaN or infinite values, so the model cannot be used. Re-export the weights from a model that trained without diverging.`,
          );
        }
      }
    }
    const params = new Map<string, tf.Variable>();
    for (const def of defs) {
      params.set(def.name, makeVariable(def, torchToTfjs(def.kind, def.torchShape, tensors[def.name].data)));
    }
    return new Model(arch, input, numClasses, defs, params);
  }

  /** Parameters in PyTorch names and layouts, in ParamDef order. */
  toTorchTensors(): Record<string, TorchTensor> {
    this.checkAlive();
    const out: Record<string, TorchTensor> = {};
    for (const def of this.defs) {
      const values = this.params.get(def.name)!.dataSync() as Float32Array;
      out[def.name] = { shape: [...def.torchShape], data: tfjsToTorch(def.kind, def.torchShape, values) };
    }
    return out;
  }

  /** The parameter definitions (PyTorch names and shapes), in order. */
  paramDefs(): ParamDef[] {
    return this.defs.map((d) => ({ ...d, torchShape: [...d.torchShape] }));
  }

  /** x: float32 [N, H, W, C] in [0, 1]. Returns logits [N, numClasses]. */
  forward(x: tf.Tensor4D, opts?: { training?: boolean }): tf.Tensor2D {
    this.checkAlive();
    return this.arch.forward(this.record, x, this.input, opts);
  }

  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  paramCount(): number {
    return this.defs.reduce((n, d) => n + size(d.torchShape), 0);
  }

  /** An independent copy (new variables with the same values). */
  clone(): Model {
    this.checkAlive();
    const params = new Map<string, tf.Variable>();
    for (const [name, v] of this.params) params.set(name, tf.variable(v, true));
    return new Model(this.arch, this.input, this.numClasses, this.paramDefs(), params);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('Internal error: this model was disposed.');
  }
}
