/**
 * Gradient kernels the JavaScript backends lack or run slowly, registered so that tfjs's own
 * gradient functions (tf.grad through tf.conv2d, tf.gather, ...) work and run fast unchanged.
 *
 * wasm (@tensorflow/tfjs-backend-wasm 4.22) has no Conv2DBackpropFilter and no
 * UnsortedSegmentSum, so tf.grad through a convolution's weights, or through tf.gather, fails:
 * - Conv2DBackpropFilter (the weight gradient of every convolution) is composed from kernels the
 *   backend has:
 *     dW[a,b,ci,co] = sum_{n,i,j} xpad[n, i*s+a, j*s+b, ci] * dy[n,i,j,co]
 *   is a stride-1 convolution, dilated by the forward stride s, of x transposed to [ci,H,W,N]
 *   with dy transposed to [oh,ow,N,co] used as the filter; its output [ci,kh',kw',co] is cut to
 *   [ci,kh,kw,co] and transposed to [kh,kw,ci,co]. On wasm XNNPACK runs it fast.
 * - UnsortedSegmentSum (the gradient of tf.gather) is a plain loop in JavaScript.
 * - Conv2DBackpropInput (the input gradient, which attacks need) exists but is a slow reference
 *   loop; for stride 1 it is replaced by a convolution of dy, zero-padded by (k-1-pad), with the
 *   filter flipped in both spatial axes and its in/out channels swapped (5-6x faster). Other
 *   strides keep the original kernel.
 * cpu (@tensorflow/tfjs-backend-cpu) has Conv2DBackpropFilter, but as a loop 15-45x slower than
 * the composition above on the same backend, so it is replaced by the composition too.
 *
 * Runs in: Node (job workers, CLI, tests).
 */
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelConfig,
  GradConfig,
  KernelFunc,
  NamedAttrMap,
  Tensor,
  TensorInfo,
  UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { tf } from './tf';
import * as fast from './wasm-kernels';

type Shape4 = [number, number, number, number];

/** The minimal surface of the wasm and cpu backends that these kernels use. */
interface BackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

const MARK = Symbol.for('robustlab.kernelSupplement');

/** Calls registered kernels of one backend directly and remembers their outputs for disposal. */
class KernelCalls {
  readonly temps: TensorInfo[] = [];
  constructor(
    private readonly backendName: string,
    private readonly backend: unknown,
  ) {}

  run(name: string, inputs: Record<string, TensorInfo>, attrs: object, keep = false): TensorInfo {
    const k = tf.getKernel(name, this.backendName);
    if (!k) throw new Error(`Internal error: the ${this.backendName} kernel ${name} is not registered.`);
    const out = k.kernelFunc({
      inputs,
      backend: this.backend as never,
      attrs: attrs as unknown as NamedAttrMap,
    }) as TensorInfo;
    if (!keep) this.temps.push(out);
    return out;
  }

  disposeTemps(): void {
    const b = this.backend as BackendLike;
    for (const t of this.temps) b.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function makeConv2dBackpropFilter(backendName: string, original?: KernelConfig): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC') {
      if (original) return original.kernelFunc(args);
      throw new Error(`Internal error: Conv2DBackpropFilter on ${backendName} supports NHWC only, got ${dataFormat}.`);
    }
    const info = tf.backend_util.computeConv2DInfo(
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
    const calls = new KernelCalls(backendName, backend);
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
        throw new Error(`Internal error: Conv2DBackpropFilter on ${backendName} got a ${full.shape[1]}x${full.shape[2]} window for a ${kh}x${kw} filter.`);
      }
      const cut = sameShape(full.shape, [ci, kh, kw, co])
        ? full
        : calls.run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
      return calls.run('Transpose', { x: cut }, { perm: [1, 2, 0, 3] }, true);
    } finally {
      calls.disposeTemps();
    }
  };
}

function makeConv2dBackpropInput(original: KernelConfig): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC') return original.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(
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
    const calls = new KernelCalls('wasm', backend);
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
        (backend as BackendLike).disposeData(out.dataId);
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
  const b = backend as BackendLike;
  const xv = b.readSync(x.dataId);
  const ids = b.readSync(segmentIds.dataId);
  const nIds = segmentIds.shape.reduce((p, d) => p * d, 1);
  const tail = x.shape.slice(segmentIds.shape.length);
  const inner = tail.reduce((p, d) => p * d, 1);
  const outShape = [numSegments, ...tail];
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

/** Which kernels this module added or replaced, per backend (for reports and `robustlab doctor`). */
export const KERNEL_SUPPLEMENTS = {
  wasm: {
    added: ['Conv2DBackpropFilter', 'UnsortedSegmentSum'],
    replaced: [
      'Conv2DBackpropFilter and Conv2DBackpropInput (im2col/col2im + XNNPACK GEMM, a flipped-filter convolution for stride 1 with ≥ 8 input channels, a SIMD loop for one input channel)',
      'MaxPoolGrad (SIMD for 2×2 stride 2, else one JavaScript pass)',
      'BatchMatMul with transposes (explicit transpose, then XNNPACK)',
      'Sum over leading axes (SIMD column sums)',
      'Identity and same-dtype Cast (share the buffer); Cast to bool (nonzero)',
      'the ReLU gradient (one SIMD kernel)',
      'the Adam update (one fused SIMD kernel, RobustlabAdam, used by training/optim.ts)',
      'Sign (exact: ±1 for every nonzero x; the original returned 0 for |x| < 1.19e-7)',
      'ClipByValue (keeps NaN; the original returned the lower bound)',
      'Softmax (the cpu kernel\'s float32 steps; the original flushed results below 1.2e-38 to 0)',
      'Sigmoid (1 / (1 + e^-x) as on cpu; the original flushed results below 1.2e-38 to 0)',
    ],
  },
  cpu: {
    added: [],
    replaced: ['Conv2DBackpropFilter (runs as a dilated convolution)'],
  },
  /** Gradient functions replaced on every backend. */
  gradients: ['Abs: dy · sign(x), 0 at x = 0 as in PyTorch (tfjs gave −dy)'],
} as const;

type Marked = KernelConfig & { [MARK]?: true };
const originals = new Map<string, KernelConfig>();

/** The kernel a supplement replaced (for tests that compare against it). */
export function originalKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return originals.get(`${backendName}/${kernelName}`);
}

function add(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(kernelName, backendName)) return; // a newer build has its own: keep it
  tf.registerKernel({ kernelName, backendName, kernelFunc, [MARK]: true } as Marked);
}

function replace(kernelName: string, backendName: string, make: (original: KernelConfig) => KernelFunc): void {
  const original = tf.getKernel(kernelName, backendName) as Marked | undefined;
  if (!original || original[MARK]) return;
  originals.set(`${backendName}/${kernelName}`, original);
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: make(original),
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    [MARK]: true,
  } as Marked);
}

/**
 * The ReLU gradient as one kernel (dy where x > 0) on wasm and cpu, instead of tfjs's
 * dy · cast(step(x)); other backends keep tfjs's gradient. Its own gradient (for second-order
 * derivatives) is the same mask applied to the incoming gradient.
 */
function installReluGrad(): void {
  const original = tf.getGradient('Relu') as GradConfig | undefined;
  if (!original || (original as GradConfig & { [MARK]?: true })[MARK]) return;
  tf.registerKernel({ kernelName: fast.RELU_GRAD, backendName: 'wasm', kernelFunc: fast.reluGradWasm });
  tf.registerKernel({ kernelName: fast.RELU_GRAD, backendName: 'cpu', kernelFunc: fast.reluGradCpu });
  const mask = (dy: Tensor, x: Tensor): Tensor => tf.engine().runKernel(fast.RELU_GRAD, { dy, x }) as Tensor;
  tf.registerGradient({
    kernelName: fast.RELU_GRAD,
    inputsToSave: ['x'],
    gradFunc: (g, saved) => ({ dy: () => mask(g as Tensor, saved[0]), x: () => tf.engine().runKernel('ZerosLike', { x: saved[0] }) as Tensor }),
  });
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const b = tf.getBackend();
      if (b !== 'wasm' && b !== 'cpu') return original.gradFunc(dy, saved, attrs);
      return { x: () => mask(dy as Tensor, saved[0]) };
    },
    [MARK]: true,
  } as GradConfig);
}

/**
 * The gradient of |x| as dy · sign(x), on every backend: tfjs's own is dy · step(x, −1), which is
 * −dy at x = 0 (PyTorch and the usual subgradient convention give 0). It matters where a weight
 * or a difference is exactly zero, e.g. |W| in interval bound propagation. With the exact sign
 * (see wasm-kernels.ts) every nonzero x, however small, gets ±dy.
 */
function installAbsGrad(): void {
  const original = tf.getGradient('Abs') as (GradConfig & { [MARK]?: true }) | undefined;
  if (!original || original[MARK]) return;
  tf.registerGradient({
    kernelName: 'Abs',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () => {
        const x = saved[0].dtype === 'float32' ? saved[0] : (tf.engine().runKernel('Cast', { x: saved[0] }, { dtype: 'float32' }) as Tensor);
        const s = tf.engine().runKernel('Sign', { x }) as Tensor;
        return tf.engine().runKernel('Multiply', { a: dy as Tensor, b: s }) as Tensor;
      },
    }),
    [MARK]: true,
  } as GradConfig);
}

let installed = false;

/** Registers the supplements once; safe to call again. */
export function installKernelSupplements(): void {
  if (installed) return;
  installed = true;
  const legacy = process.env.ROBUSTLAB_WASM_KERNELS === 'legacy';
  if (legacy) {
    add('Conv2DBackpropFilter', 'wasm', makeConv2dBackpropFilter('wasm'));
    replace('Conv2DBackpropInput', 'wasm', makeConv2dBackpropInput);
  } else {
    add('Conv2DBackpropFilter', 'wasm', fast.makeConv2dBackpropFilter());
    replace('Conv2DBackpropInput', 'wasm', (original) => fast.makeConv2dBackpropInput(original, makeConv2dBackpropInput(original)));
    replace('Identity', 'wasm', () => fast.identityShared);
    replace('Cast', 'wasm', fast.makeCast);
    replace('BatchMatMul', 'wasm', fast.makeBatchMatMul);
    replace('Sum', 'wasm', fast.makeSum);
    replace('MaxPoolGrad', 'wasm', fast.makeMaxPoolGrad);
    installReluGrad();
    if (!tf.getKernel(fast.ADAM, 'wasm')) tf.registerKernel({ kernelName: fast.ADAM, backendName: 'wasm', kernelFunc: fast.adamWasm });
  }
  add('UnsortedSegmentSum', 'wasm', unsortedSegmentSum);
  // Correctness, not speed: installed with the legacy kernels too (see wasm-kernels.ts).
  installAbsGrad();
  replace('Sign', 'wasm', () => fast.signExact);
  replace('ClipByValue', 'wasm', fast.makeClipByValue);
  replace('Softmax', 'wasm', fast.makeSoftmax);
  replace('Sigmoid', 'wasm', () => fast.sigmoidExact);
  replace('Conv2DBackpropFilter', 'cpu', (original) => makeConv2dBackpropFilter('cpu', original));
}
