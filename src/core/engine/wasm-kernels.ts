/**
 * Faster wasm kernels, registered over tfjs-backend-wasm 4.22's own where its profile says they
 * dominate a training or attack step (batch 128, mnist-cnn / mlp; see README "Performance"):
 *
 * - Identity and same-dtype Cast share the input's buffer (as the cpu backend does) instead of
 *   copying it. tfjs clones every tensor a gradient needs through Identity, so each recorded
 *   activation used to be copied once per step. Cast to bool means "not zero" (the wasm kernel
 *   copied the raw numbers: −2 became 254).
 * - BatchMatMul with transposeA/transposeB: the wasm kernel sends every transposed product to a
 *   scalar reference loop (10-20x slower than XNNPACK's GEMM). Here the operand is transposed
 *   explicitly and the product runs on the XNNPACK path. Those products are the weight and input
 *   gradients of every linear layer.
 * - Sum over leading axes (bias gradients: [N,H,W,C] summed to [C]): one pass over the data in
 *   JavaScript, accumulating in float64, instead of a 4-D transpose followed by a reduction.
 * - MaxPoolGrad: tfjs-backend-wasm's loop is very slow (~60 ms for a [128,26,26,32] input); this
 *   one recomputes each window's argmax (first maximum wins, as in tfjs's cpu kernel and
 *   PyTorch) and routes the gradient there, in one pass.
 * - Conv2DBackpropFilter (which wasm lacks) as im2col + one GEMM:
 *       dW[K, co] = colsᵀ[K, P] · dy[P, co],  K = kh·kw·ci,  P = N·oh·ow
 *   where colsᵀ is built from x in JavaScript and the product runs on XNNPACK.
 * - Conv2DBackpropInput as one GEMM + col2im:
 *       dcols[P, K] = dy[P, co] · Wᵀ[co, K],  then dx[n, ih, iw, ci] += dcols[p, (a, b, ci)]
 *   which works for every stride and padding.
 *
 * Every kernel here reads and writes the wasm heap in place (no copies through JavaScript
 * arrays) and frees its temporaries before it returns. Each falls back to the kernel it replaced
 * for cases it does not handle (other dtypes, NCHW, dilations).
 *
 * Runs in: Node (job workers, CLI, tests, the engine's parallel workers).
 */
import type {
  backend_util,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DataType,
  KernelConfig,
  KernelFunc,
  MaxPoolGradAttrs,
  NamedAttrMap,
  SumAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { tf } from './tf';
import { simdKernels, type SimdKernels } from './simd';

type Shape4 = [number, number, number, number];

/** The surface of tfjs-backend-wasm's BackendWasm that these kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

function f32(b: WasmBackendLike, t: TensorInfo): Float32Array {
  return b.typedArrayFromHeap(t) as Float32Array;
}

/** Internals of BackendWasm: where a tensor's bytes are, and the module's memory. */
interface WasmInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { asm?: { memory?: WebAssembly.Memory } };
}

/** Byte address of a tensor's data in the wasm memory. */
function ptr(b: WasmBackendLike, t: TensorInfo): number {
  return (b as unknown as WasmInternals).dataIdMap.get(t.dataId).memoryOffset;
}

/** The SIMD kernels of ./simd bound to this backend's memory, or null. */
function simd(b: WasmBackendLike): SimdKernels | null {
  const mem = (b as unknown as WasmInternals).wasm?.asm?.memory;
  return mem instanceof WebAssembly.Memory ? simdKernels(mem) : null;
}

/** Runs a registered kernel of the wasm backend (the original ones, or ours). */
function run(name: string, backend: WasmBackendLike, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`Internal error: the wasm kernel ${name} is not registered.`);
  return k.kernelFunc({ inputs, backend: backend as never, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
}

// ---------------------------------------------------------------------------------------------
// Identity, Cast

export const identityShared: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as unknown as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

export function makeCast(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as { dtype: DataType };
    if (x.dtype === dtype && dtype !== 'string' && dtype !== 'complex64') return identityShared(args);
    if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
      // tfjs-backend-wasm copies the raw numbers into the bool buffer (2 → 2, −2 → 254); a bool
      // is "not zero", as on the cpu backend and in PyTorch.
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput([...x.shape], 'bool');
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      return out;
    }
    return original.kernelFunc(args);
  };
}

// ---------------------------------------------------------------------------------------------
// Exact element-wise kernels: Sign and ClipByValue
//
// tfjs-backend-wasm 4.22's Sign returns 0 for every |x| < 1.19e-7 (float32 epsilon), where the
// cpu backend, TensorFlow and PyTorch return ±1. Every signed-gradient step (FGSM, PGD, the
// training-time adversaries) then leaves the pixels with tiny gradients where they are, and on a
// confident model, whose input gradients are tiny, attacks stall and robustness is overestimated.
// Its ClipByValue turns NaN into the lower bound, hiding a NaN gradient or image. These two are
// written here as plain loops over the wasm heap (one comparison per element: no library has
// them for a tfjs backend); they match the cpu backend bit for bit, including ±0 and NaN
// (sign(NaN) = 0 as on cpu; clip keeps NaN).

export const signExact: KernelFunc = ({ inputs, backend: b }) => {
  const { x } = inputs as { x: TensorInfo };
  const backend = b as unknown as WasmBackendLike;
  const out = backend.makeOutput([...x.shape], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  // Branch-free: (x > 0) − (x < 0); 0 for ±0 and NaN.
  for (let i = 0; i < src.length; i++) dst[i] = +(src[i] > 0) - +(src[i] < 0);
  return out;
};

/**
 * Sigmoid as the cpu kernel computes it, 1 / (1 + e^−x) in double then rounded: the wasm kernel
 * flushed results below 1.2e-38 to 0 (sigmoid(−100) = 3.7e-44 became 0). Not used by the lab's
 * own losses today; replaced so that a model or loss that uses it gets the same on both backends.
 */
export const sigmoidExact: KernelFunc = ({ inputs, backend: b }) => {
  const { x } = inputs as { x: TensorInfo };
  const backend = b as unknown as WasmBackendLike;
  const out = backend.makeOutput([...x.shape], 'float32');
  const src = backend.typedArrayFromHeap(x);
  const dst = f32(backend, out);
  for (let i = 0; i < src.length; i++) dst[i] = 1 / (1 + Math.exp(-src[i]));
  return out;
};

export function makeClipByValue(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return original.kernelFunc(args);
    const { clipValueMin: lo, clipValueMax: hi } = args.attrs as unknown as { clipValueMin: number; clipValueMax: number };
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput([...x.shape], 'float32');
    const src = f32(backend, x);
    const dst = f32(backend, out);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      dst[i] = v > hi ? hi : v < lo ? lo : v;
    }
    return out;
  };
}

/**
 * Softmax over the last axis. tfjs-backend-wasm's kernel flushes results below 1.2e-38 (float32
 * denormals) to zero, so a saturated softmax had exactly-zero entries (and gradients) where the
 * cpu backend and PyTorch have tiny ones. This follows the cpu kernel's steps (max, x − max, exp,
 * sum, divide), each rounded to float32 as there, so the two backends agree bit for bit.
 */
export function makeSoftmax(original: KernelConfig): KernelFunc {
  return (args) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const { dim } = args.attrs as unknown as { dim: number };
    const rank = logits.shape.length;
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput([...logits.shape], 'float32');
    const x = f32(backend, logits);
    const o = f32(backend, out);
    const k = logits.shape[rank - 1];
    const fr = Math.fround;
    for (let r = 0; r + k <= x.length && k > 0; r += k) {
      let m = x[r];
      for (let j = 1; j < k; j++) if (x[r + j] > m || Number.isNaN(x[r + j])) m = x[r + j];
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const e = fr(Math.exp(fr(x[r + j] - m)));
        o[r + j] = e;
        sum += e;
      }
      const s = fr(sum);
      for (let j = 0; j < k; j++) o[r + j] = fr(o[r + j] / s);
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// BatchMatMul

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Swaps the last two axes of a tensor (a Transpose kernel call). */
function transposeLast2(backend: WasmBackendLike, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = t.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return run('Transpose', backend, { x: t }, { perm });
}

export function makeBatchMatMul(original: KernelConfig): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    // XNNPACK serves only untransposed products of one matrix pair; everything else in the wasm
    // kernel is a scalar loop. Batched products (leading dims > 1) are left to the original.
    const single = (t: TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2)) === 1;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || !single(a) || !single(b)) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as unknown as WasmBackendLike;
    const temps: TensorInfo[] = [];
    try {
      if (transposeB && !transposeA) {
        // a [M, K] · bᵀ, b [N, K]. XNNPACK packs its right operand on every call with new data
        // (~7 ns a value): packing bᵀ costs K·N. When the batch is small next to the weight (the
        // input gradient of a wide layer, M = 64, N = 1600), compute outᵀ = b · aᵀ instead,
        // which packs aᵀ (K·M) and transposes the [N, M] result (M·N).
        const [M, K] = a.shape.slice(-2);
        const N = b.shape[b.shape.length - 2];
        if (M * K + M * N < K * N) {
          const at = transposeLast2(backend, a);
          temps.push(at);
          const ot = original.kernelFunc({ ...args, inputs: { a: b, b: at }, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as TensorInfo;
          temps.push(ot);
          const out = transposeLast2(backend, ot);
          // Leading dims are all 1 here; the output has as many as the longer operand.
          const want = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2).map(() => 1), M, N];
          return sameShape(out.shape, want) ? out : { ...out, shape: want };
        }
      }
      const a2 = transposeA ? transposeLast2(backend, a) : a;
      if (transposeA) temps.push(a2);
      const b2 = transposeB ? transposeLast2(backend, b) : b;
      if (transposeB) temps.push(b2);
      return original.kernelFunc({ ...args, inputs: { a: a2, b: b2 }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Sum over leading axes

const SUM_BLOCK = 256;

export function makeSum(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 2) return original.kernelFunc(args);
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    // Only a proper leading prefix of the axes: [0], [0,1], ... (a bias gradient).
    const k = axes.length;
    if (k === 0 || k >= rank || axes.some((v, i) => v !== i)) return original.kernelFunc(args);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
    const cols = tf.util.sizeFromShape(x.shape.slice(k));
    if (rows < 2 || cols < 1 || rows * cols < 4096) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const out = backend.makeOutput(outShape, 'float32');
    const acc = new Float64Array(cols);
    const kernels = cols % 4 === 0 ? simd(backend) : null;
    if (kernels) {
      // Blocks of SUM_BLOCK rows summed in float32 with SIMD, the blocks added in float64.
      const part = backend.makeOutput([cols], 'float32');
      try {
        const base = ptr(backend, x);
        for (let r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
          const pv = f32(backend, part);
          pv.fill(0);
          kernels.colSums(base + 4 * r0 * cols, ptr(backend, part), Math.min(SUM_BLOCK, rows - r0), cols);
          for (let c = 0; c < cols; c++) acc[c] += pv[c];
        }
      } finally {
        backend.disposeData(part.dataId);
      }
    } else {
      const xv = f32(backend, x);
      for (let r = 0, o = 0; r < rows; r++, o += cols) {
        for (let c = 0; c < cols; c++) acc[c] += xv[o + c];
      }
    }
    f32(backend, out).set(acc);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad

export function makeMaxPoolGrad(original: KernelConfig): KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) return original.kernelFunc(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    const backend = args.backend as unknown as WasmBackendLike;
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    const dx = backend.makeOutput([...input.shape], 'float32');
    const kernels = simd(backend);
    if (kernels && fh === 2 && fw === 2 && sh === 2 && sw === 2 && pt === 0 && pl === 0 && C % 4 === 0 && OH === H >> 1 && OW === W >> 1) {
      // Every covered element is written; an odd last row or column is not covered.
      if (H % 2 || W % 2) f32(backend, dx).fill(0);
      kernels.maxPoolGrad2x2(ptr(backend, input), ptr(backend, dy), ptr(backend, dx), N, H, W, C);
      return dx;
    }
    const xv = f32(backend, input);
    const gv = f32(backend, dy);
    const dv = f32(backend, dx);
    dv.fill(0);
    const best = new Float32Array(C);
    const where = new Int32Array(C);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const h0 = oh * sh - pt;
        for (let ow = 0; ow < OW; ow++) {
          const w0 = ow * sw - pl;
          best.fill(-Infinity);
          where.fill(-1);
          for (let a = 0; a < fh; a++) {
            const ih = h0 + a;
            if (ih < 0 || ih >= H) continue;
            for (let b = 0; b < fw; b++) {
              const iw = w0 + b;
              if (iw < 0 || iw >= W) continue;
              const base = ((n * H + ih) * W + iw) * C;
              for (let c = 0; c < C; c++) {
                const v = xv[base + c];
                if (v > best[c]) {
                  best[c] = v;
                  where[c] = base + c;
                }
              }
            }
          }
          const g = ((n * OH + oh) * OW + ow) * C;
          for (let c = 0; c < C; c++) {
            const i = where[c];
            if (i >= 0) dv[i] += gv[g + c];
          }
        }
      }
    }
    return dx;
  };
}

// ---------------------------------------------------------------------------------------------
// Convolution gradients through GEMM

type ConvGeom = {
  N: number;
  H: number;
  W: number;
  ci: number;
  OH: number;
  OW: number;
  co: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
};

function geometry(info: backend_util.Conv2DInfo): ConvGeom {
  return {
    N: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    ci: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    co: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
  };
}

/** colsᵀ[(a, b, c), p] = x[n, oh·s + a − pad, ow·s + b − pad, c] (0 outside), p = (n, oh, ow). */
function im2colT(x: Float32Array, out: Float32Array, g: ConvGeom): void {
  const { N, H, W, ci, OH, OW, kh, kw, sh, sw, pt, pl } = g;
  const P = N * OH * OW;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const row0 = (a * kw + b) * ci * P;
      let p = 0;
      for (let n = 0; n < N; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh + a - pt;
          const inH = ih >= 0 && ih < H;
          const rowBase = (n * H + ih) * W;
          if (ci === 1) {
            for (let ow = 0; ow < OW; ow++, p++) {
              const iw = ow * sw + b - pl;
              out[row0 + p] = inH && iw >= 0 && iw < W ? x[rowBase + iw] : 0;
            }
            continue;
          }
          for (let ow = 0; ow < OW; ow++, p++) {
            const iw = ow * sw + b - pl;
            if (inH && iw >= 0 && iw < W) {
              const src = (rowBase + iw) * ci;
              for (let c = 0, d = row0 + p; c < ci; c++, d += P) out[d] = x[src + c];
            } else {
              for (let c = 0, d = row0 + p; c < ci; c++, d += P) out[d] = 0;
            }
          }
        }
      }
    }
  }
}

/** dx[n, ih, iw, c] = Σ dcols[p, (a, b, c)] over the windows that cover the pixel. */
function col2im(dcols: Float32Array, dx: Float32Array, g: ConvGeom): void {
  const { N, H, W, ci, OH, OW, kh, kw, sh, sw, pt, pl } = g;
  const K = kh * kw * ci;
  dx.fill(0);
  let p = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, p++) {
        const row = p * K;
        for (let a = 0; a < kh; a++) {
          const ih = oh * sh + a - pt;
          if (ih < 0 || ih >= H) continue;
          for (let b = 0; b < kw; b++) {
            const iw = ow * sw + b - pl;
            if (iw < 0 || iw >= W) continue;
            const dst = ((n * H + ih) * W + iw) * ci;
            const src = row + (a * kw + b) * ci;
            for (let c = 0; c < ci; c++) dx[dst + c] += dcols[src + c];
          }
        }
      }
    }
  }
}

/** out[M, N] = a[M, K] · b[K, N] on XNNPACK (through the BatchMatMul kernel, no transposes). */
function gemm(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo): TensorInfo {
  return run('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
}

function reshaped(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, dtype: t.dtype, shape };
}

export function makeConv2dBackpropFilter(original?: KernelConfig): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      if (original) return original.kernelFunc(args);
      throw new Error(`Internal error: Conv2DBackpropFilter on wasm supports float32 NHWC only, got ${dataFormat}.`);
    }
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const g = geometry(info);
    const backend = args.backend as unknown as WasmBackendLike;
    if (g.ci === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.co % 8 === 0 && info.dilationHeight === 1 && info.dilationWidth === 1) {
      // A first layer: one input channel, so the GEMM's K is tiny and XNNPACK would spend its
      // time packing dy. A direct SIMD loop instead (./simd).
      const kernel = simd(backend)?.convFilterGrad1(g.kh, g.kw);
      if (kernel) {
        const out = backend.makeOutput([...filterShape], 'float32');
        f32(backend, out).fill(0);
        kernel(ptr(backend, x), ptr(backend, dy), ptr(backend, out), g.N, g.H, g.W, g.OH, g.OW, g.co);
        return out;
      }
    }
    const P = g.N * g.OH * g.OW;
    const K = g.kh * g.kw * g.ci;
    const cols = backend.makeOutput([1, K, P], 'float32');
    try {
      const kernels = g.ci % 4 === 0 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 ? simd(backend) : null;
      if (kernels) kernels.im2colT4(ptr(backend, x), ptr(backend, cols), g.N, g.H, g.W, g.ci, g.OH, g.OW, g.kh, g.kw);
      else im2colT(f32(backend, x), f32(backend, cols), g);
      const out = gemm(backend, cols, reshaped(dy, [1, P, g.co]));
      return reshaped(out, [...filterShape]);
    } finally {
      backend.disposeData(cols.dataId);
    }
  };
}

export function makeConv2dBackpropInput(original: KernelConfig, flippedConv?: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const g = geometry(info);
    // With stride 1 and many input channels XNNPACK's convolution of the padded dy with the
    // flipped filter is faster than GEMM + col2im (measured: 26 vs 32 ms for [128,11,11,64] →
    // [128,13,13,32]); with few input channels (a first layer) GEMM + col2im wins (7 vs 20 ms).
    if (flippedConv && g.sh === 1 && g.sw === 1 && g.ci >= 8) return flippedConv(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const P = g.N * g.OH * g.OW;
    const K = g.kh * g.kw * g.ci;
    const temps: TensorInfo[] = [];
    try {
      const wt = run('Transpose', backend, { x: reshaped(filter, [K, g.co]) }, { perm: [1, 0] }); // [co, K]
      temps.push(wt);
      const dcols = gemm(backend, reshaped(dy, [1, P, g.co]), reshaped(wt, [1, g.co, K])); // [1, P, K]
      temps.push(dcols);
      const dx = backend.makeOutput([...inputShape], 'float32');
      col2im(f32(backend, dcols), f32(backend, dx), g);
      return dx;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// ReLU gradient: dy where x > 0 (tfjs computes dy · cast(step(x)): three kernels, two passes)

export const RELU_GRAD = 'RobustlabReluGrad';

export const reluGradWasm: KernelFunc = ({ inputs, backend: b }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const backend = b as unknown as WasmBackendLike;
  const out = backend.makeOutput([...x.shape], 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  const kernels = n % 4 === 0 ? simd(backend) : null;
  if (kernels) {
    kernels.reluGrad(ptr(backend, dy), ptr(backend, x), ptr(backend, out), n);
  } else {
    const g = f32(backend, dy);
    const xv = f32(backend, x);
    const o = f32(backend, out);
    for (let i = 0; i < n; i++) o[i] = xv[i] > 0 ? g[i] : 0;
  }
  return out;
};

export const reluGradCpu: KernelFunc = ({ inputs, backend: b }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const backend = b as unknown as { readSync(d: object): Float32Array; makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array): TensorInfo };
  const g = backend.readSync(dy.dataId);
  const xv = backend.readSync(x.dataId);
  const o = new Float32Array(xv.length);
  for (let i = 0; i < o.length; i++) o[i] = xv[i] > 0 ? g[i] : 0;
  return backend.makeTensorInfo([...x.shape], 'float32', o);
};

// ---------------------------------------------------------------------------------------------
// Adam, fused: one pass over a parameter, its two moments and its gradient instead of thirteen
// element-wise kernels (on small models the per-kernel overhead dominated the optimizer step).

export const ADAM = 'RobustlabAdam';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  /** 1 − beta2^t */
  bc2: number;
  eps: number;
  /** lr / (1 − beta1^t) */
  stepSize: number;
  weightDecay: number;
}

export const adamWasm: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const { p, m, v, g } = inputs as { p: TensorInfo; m: TensorInfo; v: TensorInfo; g: TensorInfo };
  const a = attrs as unknown as AdamAttrs;
  const backend = b as unknown as WasmBackendLike;
  const n = tf.util.sizeFromShape(p.shape);
  const outs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const fr = Math.fround;
  const c = { b1: fr(a.beta1), omb1: fr(1 - a.beta1), b2: fr(a.beta2), omb2: fr(1 - a.beta2), bc2: fr(a.bc2), eps: fr(a.eps), step: fr(a.stepSize), wd: fr(a.weightDecay) };
  const decay = a.weightDecay > 0;
  const head = n - (n % 4);
  const kernels = head > 0 ? simd(backend) : null;
  const done = kernels ? head : 0;
  if (kernels) {
    kernels.adamStep(
      ptr(backend, p), ptr(backend, m), ptr(backend, v), ptr(backend, g),
      ptr(backend, outs[0]), ptr(backend, outs[1]), ptr(backend, outs[2]),
      head, decay ? 1 : 0, c.b1, c.omb1, c.b2, c.omb2, c.bc2, c.eps, c.step, c.wd,
    );
  }
  // The rest (or all, without SIMD) in JavaScript, rounding to float32 after every operation.
  const [pv, mv, vv, gv] = [p, m, v, g].map((t) => f32(backend, t));
  const [po, mo, vo] = outs.map((t) => f32(backend, t));
  for (let i = done; i < n; i++) {
    const gi = decay ? fr(gv[i] + fr(pv[i] * c.wd)) : gv[i];
    const mi = fr(fr(mv[i] * c.b1) + fr(gi * c.omb1));
    const vi = fr(fr(vv[i] * c.b2) + fr(fr(gi * gi) * c.omb2));
    mo[i] = mi;
    vo[i] = vi;
    const denom = fr(fr(Math.sqrt(fr(vi / c.bc2))) + c.eps);
    po[i] = fr(pv[i] - fr(fr(mi / denom) * c.step));
  }
  return outs;
};
