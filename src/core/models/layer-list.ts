/**
 * Layer-list architectures: a network written as an ordered list of layers (JSON, checked by
 * LayerListSpecSchema in shared/byo), turned into an Architecture like the built-in ones.
 *
 * It is PyTorch's nn.Sequential: parameter names are the layer's index (`0.weight`, `3.bias`),
 * a residual layer is an nn.Sequential subclass whose forward returns x + body(x), so its
 * layers are named `4.0.weight`, `4.1.running_mean`, …; layouts are PyTorch's (conv
 * [out, in, kh, kw], linear [out, in]) on disk; flatten is torch.flatten(x, 1) on the C×H×W
 * tensor (C, H, W order). Layers:
 *   conv2d(in, out, kernel, stride=1, padding=0, bias=true)   nn.Conv2d (symmetric zero padding)
 *   linear(in, out, bias=true)                                nn.Linear
 *   relu, gelu (exact, erf), tanh                             nn.ReLU, nn.GELU, nn.Tanh
 *   maxpool / avgpool(kernel, stride=kernel)                  nn.MaxPool2d / nn.AvgPool2d, no padding
 *   batchnorm(features, eps=1e-5)                             nn.BatchNorm2d on images, nn.BatchNorm1d on features
 *   dropout(p=0.5)                                            nn.Dropout (identity when evaluating)
 *   flatten                                                   nn.Flatten
 *   residual(layers)                                          x + Sequential(layers)(x); same shape in and out
 * The last layer's output is the logits, so its size is the number of classes.
 *
 * Bound propagation (IBP/CROWN) reads `layers()`: offered when every layer has an operator in
 * src/core/certify/operators (conv2d with any padding, linear, relu, tanh, gelu, pools, batch norm,
 * flatten, residual sub-lists; dropout is the identity there). Every layer list has `layers()`;
 * `certifyBlocker` stays for layer kinds added later without an operator.
 *
 * Runs in: Node (core) and the engine's worker threads.
 */
import { tf } from '../engine/backend';
import { flattenTorchOrder, linear, maxPool2d } from '../engine/ops';
import { LabError } from '../../shared/errors';
import { LayerListSpecSchema, type ArchitectureSummary, type LayerListSpec, type LayerSpec, type LayerSummaryRow } from '../../shared/byo';
import { describeZodIssues } from '../../shared/validation';
import { checkBatch, formatInput, type Architecture, type BufferDef, type ConvPad, type ForwardOptions, type InputShape, type LayerOp, type ParamDef } from './architecture';
import { batchNorm2d, batchNormBufferDefs, batchNormParamDefs, convDefs, convOutSide, convTorch, linearDefs } from './blocks';

/** The activation shape between layers, per image: an image H×W×C or a feature vector. */
type Shape = { kind: 'image'; h: number; w: number; c: number } | { kind: 'flat'; f: number };

function torchShape(s: Shape): number[] {
  return s.kind === 'image' ? [s.c, s.h, s.w] : [s.f];
}

function shapeText(s: Shape): string {
  return s.kind === 'image' ? `${s.c}×${s.h}×${s.w} (C×H×W)` : `${s.f} features`;
}

interface Walked {
  params: ParamDef[];
  buffers: BufferDef[];
  rows: LayerSummaryRow[];
  out: Shape;
}

/** Walks the layers, checking that each one fits the shape before it; names as PyTorch would. */
function walk(layers: readonly LayerSpec[], start: Shape, prefix: string, archName: string, acc: Walked): Shape {
  let s = start;
  layers.forEach((layer, i) => {
    const path = prefix ? `${prefix}.${i}` : String(i);
    const where = `Layer ${path} (${layer.type}) of architecture "${archName}"`;
    const needImage = (): { h: number; w: number; c: number } => {
      if (s.kind !== 'image') throw new LabError('bad_input', `${where} needs an image input, but gets ${shapeText(s)} after a flatten; move it before the flatten.`);
      return s;
    };
    let params = 0;
    let flops = 0;
    switch (layer.type) {
      case 'conv2d': {
        const { h, w, c } = needImage();
        if (c !== layer.in) throw new LabError('bad_input', `${where} takes ${layer.in} input channels, but the layer before gives ${c}; set "in" to ${c}.`);
        const oh = convOutSide(h, layer.kernel, layer.stride, layer.padding);
        const ow = convOutSide(w, layer.kernel, layer.stride, layer.padding);
        if (oh < 1 || ow < 1) throw new LabError('bad_input', `${where} gets ${h}×${w} pixels, too small for a ${layer.kernel}×${layer.kernel} kernel with padding ${layer.padding}.`);
        const defs = convDefs(path, layer.in, layer.out, layer.kernel, layer.bias);
        acc.params.push(...defs);
        params = layer.out * layer.in * layer.kernel * layer.kernel + (layer.bias ? layer.out : 0);
        flops = 2 * layer.out * oh * ow * layer.in * layer.kernel * layer.kernel;
        s = { kind: 'image', h: oh, w: ow, c: layer.out };
        break;
      }
      case 'linear': {
        if (s.kind !== 'flat') throw new LabError('bad_input', `${where} needs a flat input, but gets ${shapeText(s)}; add a {"type": "flatten"} layer before it.`);
        if (s.f !== layer.in) throw new LabError('bad_input', `${where} takes ${layer.in} inputs, but the layer before gives ${s.f}; set "in" to ${s.f}.`);
        const defs = linearDefs(path, layer.in, layer.out);
        acc.params.push(...(layer.bias ? defs : defs.slice(0, 1)));
        params = layer.in * layer.out + (layer.bias ? layer.out : 0);
        flops = 2 * layer.in * layer.out;
        s = { kind: 'flat', f: layer.out };
        break;
      }
      case 'relu':
      case 'gelu':
      case 'tanh':
      case 'dropout':
        break;
      case 'flatten':
        if (s.kind === 'image') s = { kind: 'flat', f: s.c * s.h * s.w };
        break;
      case 'maxpool':
      case 'avgpool': {
        const { h, w, c } = needImage();
        const stride = layer.stride ?? layer.kernel;
        const oh = convOutSide(h, layer.kernel, stride, 0);
        const ow = convOutSide(w, layer.kernel, stride, 0);
        if (oh < 1 || ow < 1) throw new LabError('bad_input', `${where} gets ${h}×${w} pixels, smaller than its ${layer.kernel}×${layer.kernel} window.`);
        s = { kind: 'image', h: oh, w: ow, c };
        break;
      }
      case 'batchnorm': {
        const features = s.kind === 'image' ? s.c : s.f;
        if (features !== layer.features) {
          throw new LabError('bad_input', `${where} normalizes ${layer.features} features, but the layer before gives ${features}; set "features" to ${features}.`);
        }
        acc.params.push(...batchNormParamDefs(path, features));
        acc.buffers.push(...batchNormBufferDefs(path, features));
        params = 2 * features;
        break;
      }
      case 'residual': {
        const before = s;
        const rowAt = acc.rows.length;
        const after = walk(layer.layers, s, path, archName, acc);
        if (JSON.stringify(torchShape(after)) !== JSON.stringify(torchShape(before)) || after.kind !== before.kind) {
          throw new LabError(
            'bad_input',
            `${where} adds its input (${shapeText(before)}) to its layers' output (${shapeText(after)}); the two must have the same shape.`,
          );
        }
        params = acc.rows.slice(rowAt).reduce((t, r) => t + r.params, 0);
        flops = acc.rows.slice(rowAt).reduce((t, r) => t + r.flops, 0);
        // The rows of the sub-list stay; this row adds the addition itself.
        acc.rows.push({ path, type: 'residual (add)', outShape: torchShape(s), params: 0, flops: s.kind === 'image' ? s.c * s.h * s.w : s.f });
        return;
      }
    }
    acc.rows.push({ path, type: layer.type, outShape: torchShape(s), params, flops });
  });
  return s;
}

/** Parses and checks a layer-list JSON (object or text); LabError with the first problem. */
export function parseLayerList(raw: unknown, nameOverride?: string): LayerListSpec {
  let obj = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      throw new LabError('bad_input', `The architecture file is not valid JSON (${(err as Error).message}).`);
    }
  }
  if (nameOverride !== undefined && obj && typeof obj === 'object') obj = { ...(obj as object), name: nameOverride };
  const r = LayerListSpecSchema.safeParse(obj);
  if (!r.success) throw new LabError('bad_input', `The architecture is not a valid layer list: ${describeZodIssues(r.error.issues)}`);
  const spec = r.data;
  summarize(spec); // shape checks
  return spec;
}

function inputShape(spec: LayerListSpec): InputShape {
  return { height: spec.input[0], width: spec.input[1], channels: spec.input[2] };
}

function walkSpec(spec: LayerListSpec): Walked {
  const acc: Walked = { params: [], buffers: [], rows: [], out: { kind: 'flat', f: 0 } };
  const [h, w, c] = spec.input;
  acc.out = walk(spec.layers, { kind: 'image', h, w, c }, '', spec.name, acc);
  if (acc.out.kind !== 'flat') {
    throw new LabError('bad_input', `Architecture "${spec.name}" ends with ${shapeText(acc.out)}; end it with a flatten and a linear layer that gives one output per class.`);
  }
  if (acc.out.f < 2) throw new LabError('bad_input', `Architecture "${spec.name}" gives ${acc.out.f} output; a classifier needs one output per class, at least 2.`);
  return acc;
}

/** Layers, output shapes, parameters and FLOPs per image (2 per multiply-add). */
export function summarize(spec: LayerListSpec): ArchitectureSummary {
  const acc = walkSpec(spec);
  const params = acc.rows.filter((r) => r.type !== 'residual (add)').reduce((t, r) => t + r.params, 0);
  const flops = acc.rows.reduce((t, r) => t + r.flops, 0);
  return { input: spec.input, numClasses: (acc.out as { f: number }).f, layers: acc.rows, params, flops };
}

/** Eval-mode-identity dropout in training: a fresh mask per call, from a per-process counter. */
let dropoutCalls = 0;

function forwardLayers(layers: readonly LayerSpec[], p: Record<string, tf.Tensor>, x: tf.Tensor, prefix: string, opts: ForwardOptions | undefined): tf.Tensor {
  let h = x;
  layers.forEach((layer, i) => {
    const path = prefix ? `${prefix}.${i}` : String(i);
    switch (layer.type) {
      case 'conv2d':
        h = convTorch(h as tf.Tensor4D, p[`${path}.weight`] as tf.Tensor4D, layer.bias ? (p[`${path}.bias`] as tf.Tensor1D) : null, layer.stride, layer.padding);
        break;
      case 'linear':
        h = linear(h as tf.Tensor2D, p[`${path}.weight`] as tf.Tensor2D, layer.bias ? (p[`${path}.bias`] as tf.Tensor1D) : null);
        break;
      case 'relu':
        h = tf.relu(h);
        break;
      case 'gelu':
        // nn.GELU(): x · Φ(x) = x/2 · (1 + erf(x/√2)).
        h = tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.mul(h, Math.SQRT1_2))));
        break;
      case 'tanh':
        h = tf.tanh(h);
        break;
      case 'dropout':
        if (opts?.training && layer.p > 0) h = tf.dropout(h, layer.p, undefined, ++dropoutCalls);
        break;
      case 'flatten':
        if (h.rank === 4) h = flattenTorchOrder(h as tf.Tensor4D);
        break;
      case 'maxpool':
        h = maxPool2d(h as tf.Tensor4D, layer.kernel, layer.stride ?? layer.kernel);
        break;
      case 'avgpool':
        h = tf.avgPool(h as tf.Tensor4D, layer.kernel, layer.stride ?? layer.kernel, 'valid');
        break;
      case 'batchnorm':
        if (h.rank === 4) h = batchNorm2d(p, path, h as tf.Tensor4D, opts);
        else {
          const [n, f] = h.shape as [number, number];
          h = tf.reshape(batchNorm2d(p, path, tf.reshape(h, [n, 1, 1, f]) as tf.Tensor4D, opts), [n, f]);
        }
        break;
      case 'residual':
        h = tf.add(h, forwardLayers(layer.layers, p, h, path, opts));
        break;
    }
  });
  return h;
}

/** The layer-graph view for bound propagation, or the first layer that has no operator. */
function boundLayers(layers: readonly LayerSpec[], start: Shape, prefix = ''): { ops: LayerOp[] } | { blocker: string } {
  const ops: LayerOp[] = [];
  let s = start;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const path = prefix ? `${prefix}.${i}` : String(i);
    switch (layer.type) {
      case 'conv2d': {
        const im = s as { h: number; w: number; c: number };
        // 'valid' and 'same' where they equal PyTorch's padding; otherwise PyTorch's own symmetric padding.
        let pad: ConvPad;
        if (layer.padding === 0) pad = 'valid';
        else if (layer.stride === 1 && layer.kernel % 2 === 1 && layer.padding === (layer.kernel - 1) / 2) pad = 'same';
        else pad = layer.padding;
        ops.push({ op: 'conv2d', weight: `${path}.weight`, bias: layer.bias ? `${path}.bias` : undefined, stride: layer.stride, pad });
        s = { kind: 'image', h: convOutSide(im.h, layer.kernel, layer.stride, layer.padding), w: convOutSide(im.w, layer.kernel, layer.stride, layer.padding), c: layer.out };
        break;
      }
      case 'linear':
        ops.push({ op: 'linear', weight: `${path}.weight`, bias: layer.bias ? `${path}.bias` : undefined });
        s = { kind: 'flat', f: layer.out };
        break;
      case 'relu':
        ops.push({ op: 'relu' });
        break;
      case 'dropout':
        break;
      case 'flatten':
        if (s.kind === 'image') {
          ops.push({ op: 'flatten-chw' });
          s = { kind: 'flat', f: s.c * s.h * s.w };
        }
        break;
      case 'maxpool':
      case 'avgpool': {
        const im = s as { h: number; w: number; c: number };
        const stride = layer.stride ?? layer.kernel;
        ops.push({ op: layer.type, size: layer.kernel, stride });
        s = { kind: 'image', h: convOutSide(im.h, layer.kernel, stride, 0), w: convOutSide(im.w, layer.kernel, stride, 0), c: im.c };
        break;
      }
      case 'batchnorm':
        ops.push({ op: 'batchnorm', weight: `${path}.weight`, bias: `${path}.bias`, runningMean: `${path}.running_mean`, runningVar: `${path}.running_var`, eps: layer.eps });
        break;
      case 'gelu':
      case 'tanh':
        ops.push({ op: layer.type });
        break;
      case 'residual': {
        // x + body(x): the body keeps the shape (checked when the list was read).
        const body = boundLayers(layer.layers, s, path);
        if ('blocker' in body) return body;
        ops.push({ op: 'residual', body: body.ops });
        break;
      }
    }
  }
  return { ops };
}

/** The Architecture of a (checked) layer-list spec. The spec travels with it as `layerList`. */
export function layerListArchitecture(spec: LayerListSpec): Architecture & { layerList: LayerListSpec } {
  const acc = walkSpec(spec);
  const fixed = inputShape(spec);
  const numOut = (acc.out as { f: number }).f;
  const check = (input: InputShape, numClasses: number) => {
    if (input.height !== fixed.height || input.width !== fixed.width || input.channels !== fixed.channels) {
      throw new LabError(
        'shape_mismatch',
        `The layer-list architecture "${spec.name}" takes ${formatInput(fixed)} images (height×width×channels), but these are ${formatInput(input)}; ` +
          'choose a dataset with that image size, or add the architecture again with another "input".',
      );
    }
    if (numClasses !== numOut) {
      throw new LabError(
        'shape_mismatch',
        `The layer-list architecture "${spec.name}" gives ${numOut} outputs, but the dataset has ${numClasses} classes; set the last layer's "out" to ${numClasses}.`,
      );
    }
  };
  const bound = boundLayers(spec.layers, { kind: 'image', h: fixed.height, w: fixed.width, c: fixed.channels });
  const arch: Architecture & { layerList: LayerListSpec } = {
    name: spec.name,
    title: spec.title || `${spec.name} (layer list)`,
    description:
      spec.description ||
      `A network defined as a list of ${spec.layers.length} layers, for ${formatInput(fixed)} images and ${numOut} classes ` +
        `(${summarize(spec).params.toLocaleString('en-US')} parameters).`,
    layerList: spec,
    params(input, numClasses) {
      check(input, numClasses);
      return acc.params;
    },
    buffers() {
      return acc.buffers;
    },
    forward(p, x, input, opts) {
      checkBatch(spec.name, x, input);
      return tf.tidy(() => forwardLayers(spec.layers, p, x, '', opts) as tf.Tensor2D);
    },
    inferFromTorchShapes() {
      return { input: fixed, numClasses: numOut };
    },
  };
  if ('ops' in bound) {
    const ops = bound.ops;
    arch.layers = () => ops;
  } else {
    arch.certifyBlocker = bound.blocker;
  }
  return arch;
}

declare module './architecture' {
  interface Architecture {
    /** Why `layers()` is absent (layer-list architectures whose layers have no bound operator). */
    certifyBlocker?: string;
  }
}

/** PyTorch code that builds the same module (indices match the state-dict names). */
export function pytorchSnippet(spec: LayerListSpec, weightsFile = 'model.safetensors'): string {
  const hasResidual = JSON.stringify(spec.layers).includes('"residual"');
  const mod = (layer: LayerSpec, indent: string): string => {
    switch (layer.type) {
      case 'conv2d':
        return `nn.Conv2d(${layer.in}, ${layer.out}, kernel_size=${layer.kernel}, stride=${layer.stride}, padding=${layer.padding}${layer.bias ? '' : ', bias=False'})`;
      case 'linear':
        return `nn.Linear(${layer.in}, ${layer.out}${layer.bias ? '' : ', bias=False'})`;
      case 'relu':
        return 'nn.ReLU()';
      case 'gelu':
        return 'nn.GELU()';
      case 'tanh':
        return 'nn.Tanh()';
      case 'dropout':
        return `nn.Dropout(p=${layer.p})`;
      case 'flatten':
        return 'nn.Flatten()';
      case 'maxpool':
        return `nn.MaxPool2d(${layer.kernel}, stride=${layer.stride ?? layer.kernel})`;
      case 'avgpool':
        return `nn.AvgPool2d(${layer.kernel}, stride=${layer.stride ?? layer.kernel})`;
      case 'batchnorm':
        return `nn.BatchNorm${isImageBn(layer) ? '2d' : '1d'}(${layer.features}, eps=${layer.eps})`;
      case 'residual': {
        const inner = indent + '    ';
        return `Residual(\n${layer.layers.map((l) => `${inner}${mod(l, inner)},`).join('\n')}\n${indent})`;
      }
    }
  };
  // Batch norm is 2-D before the first flatten, 1-D after it.
  const bnKinds = new Map<LayerSpec, boolean>();
  const mark = (layers: readonly LayerSpec[], image: boolean): boolean => {
    let img = image;
    for (const l of layers) {
      if (l.type === 'batchnorm') bnKinds.set(l, img);
      if (l.type === 'flatten') img = false;
      if (l.type === 'linear') img = false;
      if (l.type === 'residual') mark(l.layers, img);
    }
    return img;
  };
  mark(spec.layers, true);
  function isImageBn(l: LayerSpec): boolean {
    return bnKinds.get(l) ?? true;
  }
  const lines = [
    '# Rebuilds the layer-list architecture "' + spec.name + '" as a PyTorch module and loads the lab\'s exported weights.',
    'import torch',
    'from torch import nn',
    'from safetensors.torch import load_file',
    '',
  ];
  if (hasResidual) {
    lines.push('class Residual(nn.Sequential):', '    """x + body(x), with the body\'s layers named 0, 1, … as in the lab."""', '    def forward(self, x):', '        return x + super().forward(x)', '');
  }
  lines.push(
    'model = nn.Sequential(',
    ...spec.layers.map((l) => `    ${mod(l, '    ')},`),
    ')',
    `state = load_file(${JSON.stringify(weightsFile)})`,
    'model.load_state_dict(state)',
    'model.eval()',
    `# Input: float32 N×${spec.input[2]}×${spec.input[0]}×${spec.input[1]} (N×C×H×W) in [0, 1]; output: logits.`,
    '',
  );
  return lines.join('\n');
}
