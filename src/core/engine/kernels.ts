/**
 * Kernels that @tensorflow/tfjs-backend-wasm (4.22) lacks but gradients need, registered for the
 * 'wasm' backend so that tfjs's own gradient functions (tf.grad through tf.conv2d, tf.gather, ...)
 * work there unchanged:
 *
 * - Conv2DBackpropFilter (the weight gradient of every convolution). Composed from wasm kernels:
 *     dW[a,b,ci,co] = sum_{n,i,j} xpad[n, i*s+a, j*s+b, ci] * dy[n,i,j,co]
 *   is a stride-1 convolution, dilated by the forward stride s, of x transposed to [ci,H,W,N]
 *   with dy transposed to [oh,ow,N,co] used as the filter; its output [ci,kh',kw',co] is cut to
 *   [ci,kh,kw,co] and transposed to [kh,kw,ci,co]. XNNPACK runs it fast.
 * - UnsortedSegmentSum (the gradient of tf.gather). A plain loop in JavaScript.
 *
 * And one replacement for speed: wasm's Conv2DBackpropInput (the input gradient, which attacks
 * need) is a slow reference loop. For stride 1 it equals a convolution of dy, zero-padded by
 * (k-1-pad), with the filter flipped in both spatial axes and its in/out channels swapped, which
 * XNNPACK runs 5-6x faster. Other strides keep the original kernel.
 *
 * Runs in: Node (job workers, CLI, tests).
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
// Imported for its side effect first: it registers the wasm kernels this file adds to or replaces.
import '@tensorflow/tfjs-backend-wasm';

type Shape4 = [number, number, number, number];

/** The minimal surface of BackendWasm that these kernels use. */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

const MARK = Symbol.for('robustlab.wasmKernel');

/** Calls one registered wasm kernel directly and remembers its output for disposal. */
class KernelCalls {
  readonly temps: TensorInfo[] = [];
  constructor(private readonly backend: unknown) {}

  run(name: string, inputs: Record<string, TensorInfo>, attrs: object, keep = false): TensorInfo {
    const k = getKernel(name, 'wasm');
    if (!k) throw new Error(`Internal error: the wasm kernel ${name} is not registered.`);
    const out = k.kernelFunc({
      inputs,
      backend: this.backend as never,
      attrs: attrs as unknown as NamedAttrMap,
    }) as TensorInfo;
    if (!keep) this.temps.push(out);
    return out;
  }

  disposeTemps(): void {
    const b = this.backend as WasmBackendLike;
    for (const t of this.temps) b.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') {
    throw new Error(`Internal error: Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}.`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw, ci, co] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  const calls = new KernelCalls(backend);
  try {
    const xt = calls.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, N]
    const dyt = calls.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, N, co]
    const full = calls.run(
      'Conv2D',
      { x: xt, filter: dyt },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
      },
    ); // [ci, kh', kw', co] with kh' >= kh, kw' >= kw
    if (full.shape[1] < kh || full.shape[2] < kw) {
      throw new Error(`Internal error: Conv2DBackpropFilter on wasm got a ${full.shape[1]}x${full.shape[2]} window for a ${kh}x${kw} filter.`);
    }
    const cut = sameShape(full.shape, [ci, kh, kw, co])
      ? full
      : calls.run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
    return calls.run('Transpose', { x: cut }, { perm: [1, 2, 0, 3] }, true);
  } finally {
    calls.disposeTemps();
  }
};

function makeConv2dBackpropInput(original: KernelConfig): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC') return original.kernelFunc(args);
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return original.kernelFunc(args);
    const [kh, kw] = filter.shape;
    const [, H, W] = inputShape;
    const [, oh, ow] = dy.shape;
    const pt = kh - 1 - info.padInfo.top;
    const pl = kw - 1 - info.padInfo.left;
    const pb = H + kh - 1 - pt - oh;
    const pr = W + kw - 1 - pl - ow;
    if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return original.kernelFunc(args);
    const calls = new KernelCalls(backend);
    try {
      const flipped = calls.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = calls.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }); // [kh, kw, co, ci]
      const out = calls.run(
        'Conv2D',
        { x: dy, filter: swapped },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [1, 1],
        },
        true,
      );
      if (!sameShape(out.shape, inputShape)) {
        (backend as WasmBackendLike).disposeData(out.dataId);
        throw new Error(`Internal error: Conv2DBackpropInput on wasm made shape [${out.shape}] for [${inputShape}].`);
      }
      return out;
    } finally {
      calls.disposeTemps();
    }
  };
}

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const b = backend as WasmBackendLike;
  const xv = b.readSync(x.dataId);
  const ids = b.readSync(segmentIds.dataId);
  const nIds = segmentIds.shape.reduce((p, d) => p * d, 1);
  const inner = nIds === 0 ? 0 : xv.length / nIds;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < nIds; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const xi = i * inner;
    for (let k = 0; k < inner; k++) out[o + k] += xv[xi + k];
  }
  return b.makeOutput(outShape, x.dtype === 'int32' ? 'int32' : 'float32', undefined, out);
};

/** Which kernels this module added to or replaced in the wasm backend (for reports). */
export const WASM_KERNEL_SUPPLEMENTS = {
  added: ['Conv2DBackpropFilter', 'UnsortedSegmentSum'],
  replaced: ['Conv2DBackpropInput (stride 1 runs as a flipped-filter convolution; other strides use the original)'],
} as const;

let installed = false;

/** Registers the supplements once; safe to call again. Keeps kernels a newer wasm build has. */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  const add = (kernelName: string, kernelFunc: KernelFunc) => {
    if (getKernel(kernelName, 'wasm')) return;
    registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  };
  add('Conv2DBackpropFilter', conv2dBackpropFilter);
  add('UnsortedSegmentSum', unsortedSegmentSum);

  const original = getKernel('Conv2DBackpropInput', 'wasm') as (KernelConfig & { [MARK]?: true }) | undefined;
  if (original && !original[MARK]) {
    const replacement: KernelConfig & { [MARK]: true } = {
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: makeConv2dBackpropInput(original),
      setupFunc: original.setupFunc,
      disposeFunc: original.disposeFunc,
      [MARK]: true,
    };
    unregisterKernel('Conv2DBackpropInput', 'wasm');
    registerKernel(replacement);
  }
}
