/**
 * What an architecture is: its parameters by PyTorch name and shape, and its forward pass.
 * Parameters are stored in PyTorch layouts on disk (conv [out, in, kh, kw], linear [out, in]) and
 * in tfjs layouts in memory (conv [kh, kw, in, out], linear [in, out]); see ./layout.
 *
 * Runs in: Node (core).
 */
import type { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';

export interface InputShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * 'batchnorm.weight' / 'batchnorm.bias': a normalization layer's per-channel scale and shift
 * (1-D, same layout in PyTorch and tfjs; initialised to 1 and 0 as PyTorch does).
 */
export type ParamKind = 'conv2d.weight' | 'linear.weight' | 'bias' | 'batchnorm.weight' | 'batchnorm.bias';

export interface ParamDef {
  /** PyTorch state_dict name, e.g. 'conv1.weight'. */
  name: string;
  /** Shape in PyTorch layout. */
  torchShape: number[];
  kind: ParamKind;
  /** Inputs per output unit (in * kh * kw for conv, in for linear); PyTorch's init bound is 1/sqrt(fanIn). */
  fanIn: number;
}

/**
 * A buffer: state saved with the weights but not trained (batch norm's running_mean,
 * running_var and num_batches_tracked). Same layout in PyTorch and tfjs. 'int64' buffers
 * (PyTorch saves num_batches_tracked as int64) are counters kept as numbers, not tensors.
 */
export interface BufferDef {
  /** PyTorch state_dict name, e.g. 'bn1.running_mean'. */
  name: string;
  torchShape: number[];
  dtype: 'float32' | 'int64';
  /** The value every element starts at (PyTorch: running_mean 0, running_var 1, num_batches_tracked 0). */
  init: number;
}

/**
 * Batch statistics a training-mode forward pass reports for one batch-norm layer: the batch
 * mean and the unbiased batch variance per channel (what PyTorch folds into the running
 * estimates). The Model collects them and applies them in commitBufferUpdates() (see model.ts).
 */
export type BatchStatsSink = (layer: string, mean: tf.Tensor1D, unbiasedVar: tf.Tensor1D) => void;

export interface ForwardOptions {
  /** Batch norm uses the batch's statistics (true) or the running ones (false, the default). */
  training?: boolean;
  /** Training mode only: where batch-norm layers report their batch statistics. */
  batchStats?: BatchStatsSink;
}

export interface Architecture {
  name: string;
  title: string;
  /** Plain language, for people who do not program. */
  description: string;
  /** Parameters in order. Throws LabError('shape_mismatch') if the input does not fit. */
  params(input: InputShape, numClasses: number): ParamDef[];
  /** Buffers (batch norm running statistics) in order; absent or empty when there are none. */
  buffers?(input: InputShape, numClasses: number): BufferDef[];
  /**
   * Params and float buffers in tfjs layout (one record, by name), x float32 NHWC in [0, 1];
   * returns logits [N, numClasses]. Never changes the buffers itself: in training mode it
   * reports batch statistics through opts.batchStats.
   */
  forward(p: Record<string, tf.Tensor>, x: tf.Tensor4D, input: InputShape, opts?: ForwardOptions): tf.Tensor2D;
  /** What the tensor shapes of a PyTorch state_dict say about the input and the classes. */
  inferFromTorchShapes(shapes: Record<string, number[]>): { input?: InputShape; numClasses: number };
  /**
   * The same network as `forward`, as a sequential list of layer operations that name their
   * parameters (tfjs layouts, PyTorch names). Bound propagation (IBP, CROWN: src/core/certify)
   * and certified training read it; an architecture without it cannot be certified.
   */
  layers?(input: InputShape, numClasses: number): LayerOp[];
}

/**
 * One operation of an architecture's layer-graph view. Parameters are named (keys of the model's
 * parameter record, tfjs layouts: conv [kh, kw, in, out], linear [in, out]); activations are NHWC.
 */
export type ConvPad = 'valid' | 'same' | number;

export type LayerOp =
  /** pad: tfjs's 'valid' or 'same', or PyTorch's symmetric zero padding of that many pixels per side. */
  | { op: 'conv2d'; weight: string; bias?: string; stride: number; pad: ConvPad }
  | { op: 'linear'; weight: string; bias?: string }
  | { op: 'relu' }
  /** Element-wise tanh, and PyTorch's exact GELU x·Φ(x). */
  | { op: 'tanh' }
  | { op: 'gelu' }
  /** x + body(x), the body a layer list of its own that keeps the shape (a residual block). */
  | { op: 'residual'; body: LayerOp[] }
  | { op: 'maxpool'; size: number; stride: number }
  | { op: 'avgpool'; size: number; stride: number }
  /** NHWC → [N, C·H·W] in PyTorch's C, H, W order. */
  | { op: 'flatten-chw' }
  /** Batch norm in eval mode, over the last (channel) axis: (x − mean) / sqrt(var + eps) · weight + bias. */
  | { op: 'batchnorm'; weight?: string; bias?: string; runningMean: string; runningVar: string; eps: number };

export function formatInput(input: InputShape): string {
  return `${input.height}×${input.width}×${input.channels}`;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks that an input shape and class count are positive integers. */
export function checkInputAndClasses(archName: string, input: InputShape, numClasses: number): void {
  const { height, width, channels } = input;
  for (const [label, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new LabError('bad_input', `The image ${label} must be a whole number of at least 1, got ${v}.`);
    }
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new LabError(
      'bad_input',
      `The ${archName} architecture needs at least 2 classes, got ${numClasses}. Check the dataset's labels.`,
    );
  }
}

/** Checks that a batch has the image size a model was built for. */
export function checkBatch(archName: string, x: tf.Tensor, input: InputShape): void {
  const [, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== input.height || w !== input.width || c !== input.channels) {
    const got = x.rank === 4 ? `${h}×${w}×${c}` : `a tensor of shape ${formatShape(x.shape)}`;
    throw new LabError(
      'shape_mismatch',
      `This ${archName} model takes ${formatInput(input)} images (height×width×channels) but was given ${got}. ` +
        'Use a dataset with the same image size and channels as the one the model was built for.',
    );
  }
}

/**
 * For inferFromTorchShapes: the shape of tensor `name`, which must exist with `rank` dimensions,
 * else LabError('shape_mismatch') naming the tensor.
 */
export function requireShape(
  archName: string,
  shapes: Record<string, number[]>,
  name: string,
  rank: number,
): number[] {
  const shape = shapes[name];
  if (!shape) {
    throw new LabError(
      'shape_mismatch',
      `The weights have no tensor "${name}", which the ${archName} architecture needs. ` +
        'Check that the file was saved from a model of this architecture.',
    );
  }
  if (shape.length !== rank) {
    throw new LabError(
      'shape_mismatch',
      `Tensor "${name}" has shape ${formatShape(shape)}, but the ${archName} architecture needs ${rank} dimensions there. ` +
        'Check that the file was saved from a model of this architecture.',
    );
  }
  return shape;
}
