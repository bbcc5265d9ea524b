/**
 * A model: an architecture, the input size and class count it was built for, and its parameters
 * as tfjs variables (tfjs layouts) keyed by PyTorch names.
 *
 * Buffers (batch norm's running_mean, running_var and num_batches_tracked) are kept apart from
 * the parameters: float buffers are non-trainable variables in `buffers`, int64 counters plain
 * numbers; optimizers and gradients only ever see `params` / `variables()`. Both are saved
 * (toTorchTensors, safetensors) in PyTorch's state_dict order.
 *
 * The buffer contract. `forward(x, { training: true })` normalizes with the batch's statistics
 * and records them as a pending update; it never changes a buffer, so it is safe inside a
 * gradient tape (tf.variableGrads) and may run several times in one step. The trainer calls
 * `commitBufferUpdates()` once per step, after the optimizer step and outside any tape: each
 * batch-norm layer's running estimates move by momentum 0.1 towards the batch statistics
 * (running = 0.9·running + 0.1·batch, with the unbiased variance, as PyTorch does) and
 * num_batches_tracked grows by 1. When a step runs several training-mode forward passes (SAM,
 * ASAM and AWP evaluate the loss at the current and at the moved weights), the first one since
 * the last commit is kept and later ones are ignored. `discardBufferUpdates()` drops pending
 * updates (the trainer's step starts with it; a training forward that throws drops them too).
 * Eval mode (the default, used by attacks and evaluation) uses the running estimates and
 * records nothing.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { Rng } from '../engine/random';
import { LabError } from '../../shared/errors';
import {
  formatInput,
  formatShape,
  type Architecture,
  type BatchStatsSink,
  type BufferDef,
  type InputShape,
  type ParamDef,
} from './architecture';
import { BN_MOMENTUM } from './blocks';
import { tfjsShape, tfjsToTorch, torchToTfjs } from './layout';
import { getArchitecture } from './registry';

/**
 * A tensor in PyTorch layout. Floats: `data` (float32). Integer buffers (PyTorch's int64
 * num_batches_tracked) have dtype 'I64': `int64` holds the exact values and `data` the same
 * values as float32 (exact below 2^24); files write them back as I64.
 */
export type TorchTensor = { shape: number[]; data: Float32Array; dtype?: 'I64' | 'U8'; int64?: BigInt64Array; uint8?: Uint8Array };

type PendingStats = { mean: tf.Tensor1D; unbiasedVar: tf.Tensor1D };

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

/** A float buffer: a variable no optimizer or gradient picks up (trainable = false). */
function makeBuffer(def: BufferDef, values: Float32Array): tf.Variable {
  const t = tf.tensor(values, def.torchShape, 'float32');
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}

/** The value of a scalar counter tensor (I64 exact where given, else the float). */
function counterValue(t: TorchTensor): number {
  return t.int64 && t.int64.length === 1 ? Number(t.int64[0]) : t.data[0];
}

/** PyTorch's state_dict order: each buffer right after the last parameter of its module. */
function stateOrder(defs: ParamDef[], bufDefs: BufferDef[]): string[] {
  const order = defs.map((d) => d.name);
  const moduleOf = (name: string) => name.slice(0, name.lastIndexOf('.') + 1);
  for (const b of bufDefs) {
    const mod = moduleOf(b.name);
    let at = -1;
    order.forEach((name, i) => {
      if (moduleOf(name) === mod) at = i;
    });
    if (at < 0) order.push(b.name);
    else order.splice(at + 1, 0, b.name);
  }
  return order;
}

export class Model {
  readonly archName: string;
  readonly arch: Architecture;
  readonly input: InputShape;
  readonly numClasses: number;
  /** tfjs layout, keyed by PyTorch name, in ParamDef order. The trainable parameters only. */
  readonly params: Map<string, tf.Variable>;
  /** Float buffers (running_mean, running_var): non-trainable variables, by PyTorch name. */
  readonly buffers: Map<string, tf.Variable>;
  /** Integer buffers (num_batches_tracked), by PyTorch name. */
  private readonly counters: Map<string, number>;
  private readonly defs: ParamDef[];
  private readonly bufDefs: BufferDef[];
  /** Params and float buffers by name: what the architecture's forward reads. */
  private readonly record: Record<string, tf.Tensor>;
  /** Batch statistics of the first training-mode forward since the last commit, by layer. */
  private readonly pending = new Map<string, PendingStats>();
  private readonly sink: BatchStatsSink;
  private disposed = false;

  private constructor(
    arch: Architecture,
    input: InputShape,
    numClasses: number,
    defs: ParamDef[],
    params: Map<string, tf.Variable>,
    bufDefs: BufferDef[] = [],
    buffers: Map<string, tf.Variable> = new Map(),
    counters: Map<string, number> = new Map(),
  ) {
    this.archName = arch.name;
    this.arch = arch;
    this.input = { ...input };
    this.numClasses = numClasses;
    this.defs = defs;
    this.params = params;
    this.bufDefs = bufDefs;
    this.buffers = buffers;
    this.counters = counters;
    this.record = { ...Object.fromEntries(buffers), ...Object.fromEntries(params) };
    this.sink = (layer, mean, unbiasedVar) => {
      if (this.pending.has(layer)) return;
      this.pending.set(layer, { mean: tf.keep(mean.clone()), unbiasedVar: tf.keep(unbiasedVar.clone()) });
    };
  }

  /**
   * A fresh model with PyTorch's default initialisation: every weight and bias uniform in
   * ±1/sqrt(fanIn) (what kaiming_uniform(a=√5) gives for nn.Conv2d and nn.Linear weights);
   * batch norm weight 1 and bias 0, running_mean 0, running_var 1, num_batches_tracked 0.
   * Deterministic: each parameter draws from the seed's stream forked by the parameter's name.
   */
  static init(archName: string, input: InputShape, numClasses: number, seed: number): Model {
    const arch = getArchitecture(archName);
    const defs = arch.params(input, numClasses);
    const bufDefs = arch.buffers?.(input, numClasses) ?? [];
    const rng = new Rng(seed);
    const params = new Map<string, tf.Variable>();
    const buffers = new Map<string, tf.Variable>();
    const counters = new Map<string, number>();
    try {
      for (const def of defs) {
        const n = size(def.torchShape);
        let torchValues: Float32Array;
        if (def.kind === 'batchnorm.weight') torchValues = new Float32Array(n).fill(1);
        else if (def.kind === 'batchnorm.bias') torchValues = new Float32Array(n);
        else {
          const bound = 1 / Math.sqrt(def.fanIn);
          torchValues = rng.fork(def.name).fillUniform(new Float32Array(n), -bound, bound);
        }
        params.set(def.name, makeVariable(def, torchToTfjs(def.kind, def.torchShape, torchValues)));
      }
      for (const def of bufDefs) {
        if (def.dtype === 'int64') counters.set(def.name, def.init);
        else buffers.set(def.name, makeBuffer(def, new Float32Array(size(def.torchShape)).fill(def.init)));
      }
    } catch (err) {
      for (const v of params.values()) v.dispose();
      for (const v of buffers.values()) v.dispose();
      throw err;
    }
    return new Model(arch, input, numClasses, defs, params, bufDefs, buffers, counters);
  }

  /**
   * A model from PyTorch-layout tensors (a state_dict, buffers included). Missing, extra or
   * wrongly shaped tensors throw LabError('shape_mismatch') naming the tensor; broken values
   * throw LabError('bad_file'). A missing num_batches_tracked counts as 0 (PyTorch does the same
   * for state_dicts saved before it had that buffer); it never changes the outputs.
   */
  static fromTorchTensors(
    archName: string,
    tensors: Record<string, TorchTensor>,
    input: InputShape,
    numClasses: number,
  ): Model {
    const arch = getArchitecture(archName);
    const defs = arch.params(input, numClasses);
    const bufDefs = arch.buffers?.(input, numClasses) ?? [];
    const what = `the ${arch.name} architecture with ${formatInput(input)} images and ${numClasses} classes`;
    const required: (ParamDef | BufferDef)[] = [...defs, ...bufDefs.filter((b) => b.dtype !== 'int64')];
    const present = [...required, ...bufDefs.filter((b) => b.dtype === 'int64' && Object.prototype.hasOwnProperty.call(tensors, b.name))];
    for (const def of required) {
      if (!Object.prototype.hasOwnProperty.call(tensors, def.name)) {
        throw new LabError(
          'shape_mismatch',
          `The weights have no tensor "${def.name}", which ${what} needs with shape ${formatShape(def.torchShape)}. ` +
            'Check that you chose the architecture the weights were saved from.',
        );
      }
    }
    const known = new Set([...defs, ...bufDefs].map((d) => d.name));
    for (const [name, t] of Object.entries(tensors)) {
      if (!known.has(name)) {
        throw new LabError(
          'shape_mismatch',
          `The weights have a tensor "${name}" ${formatShape(t.shape)} that the ${arch.name} architecture does not use. ` +
            'Check that you chose the architecture the weights were saved from.',
        );
      }
    }
    for (const def of present) {
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
      if (t.dtype === 'U8') {
        throw new LabError('bad_file', `Tensor "${def.name}" is stored as bytes (U8), but weights must be floating point; this is not a model file.`);
      }
      if (t.dtype === 'I64' && !('dtype' in def && def.dtype === 'int64')) {
        throw new LabError(
          'bad_file',
          `Tensor "${def.name}" is stored as integers (I64), but it must be floating point. Save the weights as float32 and try again.`,
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
    const counters = new Map<string, number>();
    for (const def of bufDefs) {
      if (def.dtype !== 'int64') continue;
      const t = tensors[def.name];
      const n = t ? counterValue(t) : def.init;
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new LabError(
          'bad_file',
          `Tensor "${def.name}" should count batches (a whole number of at least 0) but holds ${n}; the weights are broken.`,
        );
      }
      counters.set(def.name, n);
    }
    const params = new Map<string, tf.Variable>();
    const buffers = new Map<string, tf.Variable>();
    for (const def of defs) {
      params.set(def.name, makeVariable(def, torchToTfjs(def.kind, def.torchShape, tensors[def.name].data)));
    }
    for (const def of bufDefs) {
      if (def.dtype !== 'int64') buffers.set(def.name, makeBuffer(def, Float32Array.from(tensors[def.name].data)));
    }
    return new Model(arch, input, numClasses, defs, params, bufDefs, buffers, counters);
  }

  /**
   * The state_dict: parameters and buffers in PyTorch names, layouts and order (each module's
   * buffers after its parameters). num_batches_tracked comes as dtype 'I64'. With
   * `{ buffers: false }`, the parameters only, in ParamDef order.
   */
  toTorchTensors(opts: { buffers?: boolean } = {}): Record<string, TorchTensor> {
    this.checkAlive();
    const withBuffers = opts.buffers !== false;
    const out: Record<string, TorchTensor> = {};
    const defsByName = new Map(this.defs.map((d) => [d.name, d]));
    const bufByName = new Map(this.bufDefs.map((d) => [d.name, d]));
    for (const name of withBuffers ? stateOrder(this.defs, this.bufDefs) : this.defs.map((d) => d.name)) {
      const def = defsByName.get(name);
      if (def) {
        const values = this.params.get(name)!.dataSync() as Float32Array;
        out[name] = { shape: [...def.torchShape], data: tfjsToTorch(def.kind, def.torchShape, values) };
        continue;
      }
      const b = bufByName.get(name)!;
      if (b.dtype === 'int64') {
        const n = this.counters.get(name) ?? b.init;
        out[name] = { shape: [...b.torchShape], data: Float32Array.of(n), dtype: 'I64', int64: BigInt64Array.of(BigInt(n)) };
      } else {
        out[name] = { shape: [...b.torchShape], data: Float32Array.from(this.buffers.get(name)!.dataSync() as Float32Array) };
      }
    }
    return out;
  }

  /** The parameter definitions (PyTorch names and shapes), in order. */
  paramDefs(): ParamDef[] {
    return this.defs.map((d) => ({ ...d, torchShape: [...d.torchShape] }));
  }

  /** The buffer definitions (PyTorch names and shapes), in order; empty without batch norm. */
  bufferDefs(): BufferDef[] {
    return this.bufDefs.map((d) => ({ ...d, torchShape: [...d.torchShape] }));
  }

  /** Params and float buffers by name (tfjs layouts): what the architecture's forward reads. */
  tensorsByName(): Record<string, tf.Tensor> {
    return { ...this.record };
  }

  /**
   * x: float32 [N, H, W, C] in [0, 1]. Returns logits [N, numClasses]. `training: true` uses
   * batch statistics in batch norm and records them for commitBufferUpdates() (see the top of
   * this file); without it (the default) the running statistics are used.
   */
  forward(x: tf.Tensor4D, opts?: { training?: boolean }): tf.Tensor2D {
    this.checkAlive();
    const training = opts?.training === true;
    if (!training || this.bufDefs.length === 0) return this.arch.forward(this.record, x, this.input, { training });
    try {
      return this.arch.forward(this.record, x, this.input, { training, batchStats: this.sink });
    } catch (err) {
      this.discardBufferUpdates(); // no half-recorded step
      throw err;
    }
  }

  /**
   * Every buffer as a plain array by name (float buffers; counters as one value of shape []),
   * for checkpoints that keep the state in memory or next to the optimizer's; empty without
   * batch norm.
   */
  bufferArrays(): Record<string, { shape: number[]; data: Float32Array }> {
    this.checkAlive();
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const def of this.bufDefs) {
      out[def.name] =
        def.dtype === 'int64'
          ? { shape: [], data: Float32Array.of(this.counters.get(def.name) ?? def.init) }
          : { shape: [...def.torchShape], data: Float32Array.from(this.buffers.get(def.name)!.dataSync() as Float32Array) };
    }
    return out;
  }

  /** Sets every buffer from bufferArrays()'s output (extra names are ignored); drops pending updates. */
  loadBufferArrays(arrays: Record<string, { shape: number[]; data: Float32Array }>): void {
    this.checkAlive();
    for (const def of this.bufDefs) {
      const a = Object.prototype.hasOwnProperty.call(arrays, def.name) ? arrays[def.name] : undefined;
      if (!a || a.data.length !== size(def.torchShape)) {
        throw new LabError('bad_file', `There are no usable values for the buffer "${def.name}"; they do not belong to this model.`);
      }
      if (def.dtype === 'int64') {
        this.counters.set(def.name, Math.max(0, Math.round(a.data[0])));
      } else {
        const t = tf.tensor(a.data, def.torchShape, 'float32');
        this.buffers.get(def.name)!.assign(t);
        t.dispose();
      }
    }
    this.discardBufferUpdates();
  }

  /** Whether a training-mode forward pass has recorded batch statistics not yet committed. */
  get hasPendingBufferUpdates(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Applies the pending batch statistics to the running estimates (momentum 0.1, PyTorch's
   * rule) and counts one batch in each updated layer's num_batches_tracked. Call it once per
   * training step, after the optimizer step, outside any gradient tape. Returns the number of
   * layers updated (0 when nothing was pending, e.g. a model without batch norm).
   */
  commitBufferUpdates(): number {
    this.checkAlive();
    const updated = this.pending.size;
    for (const [layer, { mean, unbiasedVar }] of this.pending) {
      const rm = this.buffers.get(`${layer}.running_mean`);
      const rv = this.buffers.get(`${layer}.running_var`);
      if (!rm || !rv) throw new Error(`Internal error: batch norm layer ${layer} has no running statistics.`);
      tf.tidy(() => {
        rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
        rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(unbiasedVar, BN_MOMENTUM)));
      });
      const counter = `${layer}.num_batches_tracked`;
      if (this.counters.has(counter)) this.counters.set(counter, this.counters.get(counter)! + 1);
    }
    this.discardBufferUpdates();
    return updated;
  }

  /** Drops the pending batch statistics without applying them. */
  discardBufferUpdates(): void {
    for (const { mean, unbiasedVar } of this.pending.values()) tf.dispose([mean, unbiasedVar]);
    this.pending.clear();
  }

  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  paramCount(): number {
    return this.defs.reduce((n, d) => n + size(d.torchShape), 0);
  }

  /** An independent copy (new variables with the same values, buffers included, nothing pending). */
  clone(): Model {
    this.checkAlive();
    const params = new Map<string, tf.Variable>();
    for (const [name, v] of this.params) params.set(name, tf.variable(v, true));
    const buffers = new Map<string, tf.Variable>();
    for (const [name, v] of this.buffers) buffers.set(name, tf.variable(v, false));
    return new Model(this.arch, this.input, this.numClasses, this.paramDefs(), params, this.bufferDefs(), buffers, new Map(this.counters));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.discardBufferUpdates();
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('Internal error: this model was disposed.');
  }
}
