import * as tf from "@tensorflow/tfjs-core";
import { util, backend_util, getKernel, registerKernel, unregisterKernel, getGradient, registerGradient, engine, getBackend } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isMainThread, MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import { fileURLToPath } from "node:url";
class LabError extends Error {
  code;
  constructor(code, message) {
    super(message);
    this.name = "LabError";
    this.code = code;
  }
  toJSON() {
    return { code: this.code, message: this.message };
  }
  static from(err) {
    if (err instanceof LabError) return err;
    if (err && typeof err === "object" && "code" in err && "message" in err) {
      const e = err;
      if (typeof e.code === "string" && typeof e.message === "string" && isLabErrorCode(e.code)) {
        return new LabError(e.code, e.message);
      }
    }
    const message = err instanceof Error ? err.message : String(err);
    return new LabError("internal", `Internal error: ${message}`);
  }
}
const CODES = [
  "bad_input",
  "not_found",
  "bad_file",
  "shape_mismatch",
  "conflict",
  "cancelled",
  "unauthorized",
  "unavailable",
  "internal"
];
function isLabErrorCode(code) {
  return CODES.includes(code);
}
const I32 = 127;
const V128 = 123;
function uleb(n) {
  const out = [];
  do {
    let b = n & 127;
    n >>>= 7;
    if (n !== 0) b |= 128;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n) {
  const out = [];
  for (; ; ) {
    const b = n & 127;
    n >>= 7;
    if (n === 0 && (b & 64) === 0 || n === -1 && (b & 64) !== 0) {
      out.push(b);
      return out;
    }
    out.push(b | 128);
  }
}
function vec(items) {
  return [...uleb(items.length), ...items.flat()];
}
function section(id, body) {
  return [id, ...uleb(body.length), ...body];
}
class Fn {
  constructor(nParams) {
    this.nParams = nParams;
  }
  nParams;
  code = [];
  localTypes = [];
  i32() {
    this.localTypes.push(I32);
    return this.nParams + this.localTypes.length - 1;
  }
  v128() {
    this.localTypes.push(V128);
    return this.nParams + this.localTypes.length - 1;
  }
  op(...bytes) {
    this.code.push(...bytes);
    return this;
  }
  get(l) {
    return this.op(32, ...uleb(l));
  }
  set(l) {
    return this.op(33, ...uleb(l));
  }
  const(n) {
    return this.op(65, ...sleb(n));
  }
  add() {
    return this.op(106);
  }
  mul() {
    return this.op(108);
  }
  /** l = a + b (locals or constants given as { c: n }). */
  assignAdd(l, a, b) {
    this.get(a);
    if (typeof b === "number") this.get(b);
    else this.const(b.c);
    return this.add().set(l);
  }
  simd(op) {
    return this.op(253, ...uleb(op));
  }
  /** v128.load from the address on the stack plus a constant byte offset. */
  vload(offset = 0) {
    return this.simd(0).op(4, ...uleb(offset));
  }
  vstore(offset = 0) {
    return this.simd(11).op(4, ...uleb(offset));
  }
  f32load(offset = 0) {
    return this.op(42, 2, ...uleb(offset));
  }
  /** for (i = 0; i < n; i++) body — n a local. */
  loop(i, n, body) {
    this.const(0).set(i);
    this.op(2, 64, 3, 64);
    this.get(i).get(n).op(78).op(13, 1);
    body();
    this.get(i).const(1).add().set(i);
    this.op(12, 0).op(11, 11);
    return this;
  }
  body() {
    const groups = this.localTypes.map((t) => [1, t]);
    const b = [...vec(groups), ...this.code, 11];
    return [...uleb(b.length), ...b];
  }
}
const SIMD = {
  splat: 19,
  eq: 65,
  gt: 68,
  and: 78,
  andnot: 79,
  or: 80,
  add: 228,
  mul: 230,
  max: 233
};
function name(s) {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}
function assemble(fns) {
  const types = fns.map((f) => [96, ...vec(Array.from({ length: f.params }, () => [I32])), 0]);
  const bytes = [
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    ...section(1, vec(types)),
    // (import "env" "mem" (memory 0))
    ...section(2, vec([[...name("env"), ...name("mem"), 2, 0, 0]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.fn.body())))
  ];
  return new Uint8Array(bytes);
}
function maxPoolGrad2x2() {
  const f = new Fn(7);
  const [x, dy, dx, N, H, W, C] = [0, 1, 2, 3, 4, 5, 6];
  const [n, oh, ow, cv, OH, OW, CV, rowBytes, pixBytes, xr, g, p] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
  const [a, b, c, d, m, sa, sb, sc, taken, gv] = [f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128()];
  f.get(H).const(1).op(118).set(OH);
  f.get(W).const(1).op(118).set(OW);
  f.get(C).const(2).op(118).set(CV);
  f.get(C).const(4).mul().set(pixBytes);
  f.get(W).get(pixBytes).mul().set(rowBytes);
  f.get(dy).set(g);
  f.loop(n, N, () => {
    f.loop(oh, OH, () => {
      f.get(n).get(H).mul().get(oh).const(1).op(116).add().get(rowBytes).mul().set(xr);
      f.loop(ow, OW, () => {
        f.loop(cv, CV, () => {
          f.get(xr).get(ow).get(pixBytes).mul().const(1).op(116).add().get(cv).const(4).op(116).add().set(p);
          const load = (into, extra, rowStep) => {
            f.get(x).get(p).add();
            if (rowStep) f.get(rowBytes).add();
            if (extra !== null) f.get(pixBytes).add();
            f.vload().set(into);
          };
          load(a, null, false);
          load(b, 1, false);
          load(c, null, true);
          load(d, 1, true);
          f.get(a).get(b).simd(SIMD.max).get(c).get(d).simd(SIMD.max).simd(SIMD.max).set(m);
          f.get(a).get(m).simd(SIMD.eq).set(sa);
          f.get(b).get(m).simd(SIMD.eq).get(sa).simd(SIMD.andnot).set(sb);
          f.get(sa).get(sb).simd(SIMD.or).set(taken);
          f.get(c).get(m).simd(SIMD.eq).get(taken).simd(SIMD.andnot).set(sc);
          f.get(taken).get(sc).simd(SIMD.or).set(taken);
          f.get(g).vload().set(gv);
          const store = (mask, extra, rowStep) => {
            f.get(dx).get(p).add();
            if (rowStep) f.get(rowBytes).add();
            if (extra) f.get(pixBytes).add();
            if (mask === null) f.get(gv).get(taken).simd(SIMD.andnot);
            else f.get(gv).get(mask).simd(SIMD.and);
            f.vstore();
          };
          store(sa, false, false);
          store(sb, true, false);
          store(sc, false, true);
          store(null, true, true);
          f.get(g).const(16).add().set(g);
        });
      });
    });
  });
  return { name: "maxPoolGrad2x2", params: 7, fn: f };
}
function colSums() {
  const f = new Fn(4);
  const [x, out, rows, cols] = [0, 1, 2, 3];
  const [r, cv, CV, src, dst] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
  f.get(cols).const(2).op(118).set(CV);
  f.get(x).set(src);
  f.loop(r, rows, () => {
    f.get(out).set(dst);
    f.loop(cv, CV, () => {
      f.get(dst).get(dst).vload().get(src).vload().simd(SIMD.add).vstore();
      f.get(dst).const(16).add().set(dst);
      f.get(src).const(16).add().set(src);
    });
  });
  return { name: "colSums", params: 4, fn: f };
}
function reluGrad() {
  const f = new Fn(4);
  const [dy, x, out, n] = [0, 1, 2, 3];
  const [i, V, o] = [f.i32(), f.i32(), f.i32()];
  const zero = f.v128();
  f.get(n).const(2).op(118).set(V);
  f.loop(i, V, () => {
    f.get(i).const(4).op(116).set(o);
    f.get(out).get(o).add();
    f.get(dy).get(o).add().vload();
    f.get(x).get(o).add().vload().get(zero).simd(SIMD.gt);
    f.simd(SIMD.and).vstore();
  });
  return { name: "reluGrad", params: 4, fn: f };
}
function convFilterGrad1(kh, kw) {
  const f = new Fn(9);
  const [x, dy, out, N, H, W, OH, OW, CO] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [n, oh, cb, ow, CB, xrow, dyp, dyStep, t] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
  const rows = Array.from({ length: kh }, () => f.i32());
  const acc = Array.from({ length: kh * kw * 2 }, () => f.v128());
  const [g0, g1, xs] = [f.v128(), f.v128(), f.v128()];
  f.get(CO).const(3).op(118).set(CB);
  f.get(CO).const(4).mul().set(dyStep);
  f.loop(n, N, () => {
    f.loop(oh, OH, () => {
      f.get(n).get(H).mul().get(oh).add().get(W).mul().const(2).op(116).set(xrow);
      for (let a2 = 0; a2 < kh; a2++) f.get(x).get(xrow).add().get(W).const(4 * a2).mul().add().set(rows[a2]);
      f.loop(cb, CB, () => {
        for (const l of acc) f.op(253, 12, ...new Array(16).fill(0)).set(l);
        f.get(dy).get(n).get(OH).mul().get(oh).add().get(OW).mul().get(dyStep).mul().add().get(cb).const(5).op(116).add().set(dyp);
        f.loop(ow, OW, () => {
          f.get(dyp).vload(0).set(g0);
          f.get(dyp).vload(16).set(g1);
          f.get(ow).const(2).op(116).set(t);
          for (let a2 = 0; a2 < kh; a2++) {
            for (let b2 = 0; b2 < kw; b2++) {
              const k = (a2 * kw + b2) * 2;
              f.get(rows[a2]).get(t).add().f32load(4 * b2).simd(SIMD.splat).set(xs);
              f.get(acc[k]).get(xs).get(g0).simd(SIMD.mul).simd(SIMD.add).set(acc[k]);
              f.get(acc[k + 1]).get(xs).get(g1).simd(SIMD.mul).simd(SIMD.add).set(acc[k + 1]);
            }
          }
          f.get(dyp).get(dyStep).add().set(dyp);
        });
        for (let k = 0; k < kh * kw; k++) {
          for (const half of [0, 1]) {
            f.get(out).const(k).get(CO).mul().const(2).op(116).add().get(cb).const(5).op(116).add().set(t);
            f.get(t).get(t).vload(16 * half).get(acc[2 * k + half]).simd(SIMD.add).vstore(16 * half);
          }
        }
      });
    });
  });
  return { name: `convFilterGrad1_${kh}x${kw}`, params: 9, fn: f };
}
const MAX_TAPS = 25;
const instances = /* @__PURE__ */ new WeakMap();
function simdKernels(memory) {
  if (instances.has(memory)) return instances.get(memory);
  let k = null;
  if (process.env.ROBUSTLAB_SIMD_KERNELS !== "off") {
    try {
      const base = [maxPoolGrad2x2(), colSums(), reluGrad()];
      const inst = new WebAssembly.Instance(new WebAssembly.Module(assemble(base)), { env: { mem: memory } });
      const e = inst.exports;
      const convs = /* @__PURE__ */ new Map();
      k = {
        maxPoolGrad2x2: e.maxPoolGrad2x2,
        colSums: e.colSums,
        reluGrad: e.reluGrad,
        convFilterGrad1(kh, kw) {
          if (kh * kw > MAX_TAPS) return null;
          const key = `${kh}x${kw}`;
          if (!convs.has(key)) {
            const built = convFilterGrad1(kh, kw);
            const i = new WebAssembly.Instance(new WebAssembly.Module(assemble([built])), { env: { mem: memory } });
            convs.set(key, i.exports[built.name]);
          }
          return convs.get(key);
        }
      };
    } catch {
      k = null;
    }
  }
  instances.set(memory, k);
  return k;
}
function f32(b, t) {
  return b.typedArrayFromHeap(t);
}
function ptr(b, t) {
  return b.dataIdMap.get(t.dataId).memoryOffset;
}
function simd(b) {
  const mem = b.wasm?.asm?.memory;
  return mem instanceof WebAssembly.Memory ? simdKernels(mem) : null;
}
function run(name2, backend, inputs, attrs) {
  const k = getKernel(name2, "wasm");
  if (!k) throw new Error(`Internal error: the wasm kernel ${name2} is not registered.`);
  return k.kernelFunc({ inputs, backend, attrs });
}
const identityShared = ({ inputs, backend }) => {
  const { x } = inputs;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};
function makeCast(original) {
  return (args) => {
    const { x } = args.inputs;
    const { dtype } = args.attrs;
    if (x.dtype === dtype && dtype !== "string" && dtype !== "complex64") return identityShared(args);
    if (dtype === "bool" && (x.dtype === "float32" || x.dtype === "int32")) {
      const backend = args.backend;
      const out = backend.makeOutput([...x.shape], "bool");
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      return out;
    }
    return original.kernelFunc(args);
  };
}
function transposeLast2(backend, t) {
  const r = t.shape.length;
  const perm = t.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return run("Transpose", backend, { x: t }, { perm });
}
function makeBatchMatMul(original) {
  return (args) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs;
    const single = (t) => util.sizeFromShape(t.shape.slice(0, -2)) === 1;
    if (!transposeA && !transposeB || a.dtype !== "float32" || b.dtype !== "float32" || !single(a) || !single(b)) {
      return original.kernelFunc(args);
    }
    const backend = args.backend;
    const temps = [];
    try {
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
const SUM_BLOCK = 256;
function makeSum(original) {
  return (args) => {
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs;
    const rank = x.shape.length;
    if (x.dtype !== "float32" || rank < 2) return original.kernelFunc(args);
    const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const k = axes.length;
    if (k === 0 || k >= rank || axes.some((v, i) => v !== i)) return original.kernelFunc(args);
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    const cols = util.sizeFromShape(x.shape.slice(k));
    if (rows < 2 || cols < 1 || rows * cols < 4096) return original.kernelFunc(args);
    const backend = args.backend;
    const outShape = keepDims ? x.shape.map((d, i) => i < k ? 1 : d) : x.shape.slice(k);
    const out = backend.makeOutput(outShape, "float32");
    const acc = new Float64Array(cols);
    const kernels = cols % 4 === 0 ? simd(backend) : null;
    if (kernels) {
      const part = backend.makeOutput([cols], "float32");
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
function makeMaxPoolGrad(original) {
  return (args) => {
    const { dy, input } = args.inputs;
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
    if (input.dtype !== "float32" || dy.dtype !== "float32" || input.shape.length !== 4) return original.kernelFunc(args);
    const info = backend_util.computePool2DInfo(input.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const backend = args.backend;
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    const dx = backend.makeOutput([...input.shape], "float32");
    const kernels = simd(backend);
    if (kernels && fh === 2 && fw === 2 && sh === 2 && sw === 2 && pt === 0 && pl === 0 && C % 4 === 0 && OH === H >> 1 && OW === W >> 1) {
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
function geometry(info) {
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
    pl: info.padInfo.left
  };
}
function im2colT(x, out, g) {
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
function col2im(dcols, dx, g) {
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
function gemm(backend, a, b) {
  return run("BatchMatMul", backend, { a, b }, { transposeA: false, transposeB: false });
}
function reshaped(t, shape) {
  return { dataId: t.dataId, dtype: t.dtype, shape };
}
function makeConv2dBackpropFilter$1(original) {
  return (args) => {
    const { x, dy } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
    if (dataFormat !== "NHWC" || x.dtype !== "float32" || dy.dtype !== "float32") {
      throw new Error(`Internal error: Conv2DBackpropFilter on wasm supports float32 NHWC only, got ${dataFormat}.`);
    }
    const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
    const g = geometry(info);
    const backend = args.backend;
    if (g.ci === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.co % 8 === 0 && info.dilationHeight === 1 && info.dilationWidth === 1) {
      const kernel = simd(backend)?.convFilterGrad1(g.kh, g.kw);
      if (kernel) {
        const out = backend.makeOutput([...filterShape], "float32");
        f32(backend, out).fill(0);
        kernel(ptr(backend, x), ptr(backend, dy), ptr(backend, out), g.N, g.H, g.W, g.OH, g.OW, g.co);
        return out;
      }
    }
    const P = g.N * g.OH * g.OW;
    const K = g.kh * g.kw * g.ci;
    const cols = backend.makeOutput([1, K, P], "float32");
    try {
      im2colT(f32(backend, x), f32(backend, cols), g);
      const out = gemm(backend, cols, reshaped(dy, [1, P, g.co]));
      return reshaped(out, [...filterShape]);
    } finally {
      backend.disposeData(cols.dataId);
    }
  };
}
function makeConv2dBackpropInput$1(original, flippedConv) {
  return (args) => {
    const { dy, filter } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
    if (dataFormat !== "NHWC" || dy.dtype !== "float32" || filter.dtype !== "float32") return original.kernelFunc(args);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
    const g = geometry(info);
    if (flippedConv && g.sh === 1 && g.sw === 1 && g.ci >= 8) return flippedConv(args);
    const backend = args.backend;
    const P = g.N * g.OH * g.OW;
    const K = g.kh * g.kw * g.ci;
    const temps = [];
    try {
      const wt = run("Transpose", backend, { x: reshaped(filter, [K, g.co]) }, { perm: [1, 0] });
      temps.push(wt);
      const dcols = gemm(backend, reshaped(dy, [1, P, g.co]), reshaped(wt, [1, g.co, K]));
      temps.push(dcols);
      const dx = backend.makeOutput([...inputShape], "float32");
      col2im(f32(backend, dcols), f32(backend, dx), g);
      return dx;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}
const RELU_GRAD = "RobustlabReluGrad";
const reluGradWasm = ({ inputs, backend: b }) => {
  const { dy, x } = inputs;
  const backend = b;
  const out = backend.makeOutput([...x.shape], "float32");
  const n = util.sizeFromShape(x.shape);
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
const reluGradCpu = ({ inputs, backend: b }) => {
  const { dy, x } = inputs;
  const backend = b;
  const g = backend.readSync(dy.dataId);
  const xv = backend.readSync(x.dataId);
  const o = new Float32Array(xv.length);
  for (let i = 0; i < o.length; i++) o[i] = xv[i] > 0 ? g[i] : 0;
  return backend.makeTensorInfo([...x.shape], "float32", o);
};
const MARK = /* @__PURE__ */ Symbol.for("robustlab.kernelSupplement");
class KernelCalls {
  constructor(backendName, backend) {
    this.backendName = backendName;
    this.backend = backend;
  }
  backendName;
  backend;
  temps = [];
  run(name2, inputs, attrs, keep = false) {
    const k = getKernel(name2, this.backendName);
    if (!k) throw new Error(`Internal error: the ${this.backendName} kernel ${name2} is not registered.`);
    const out = k.kernelFunc({
      inputs,
      backend: this.backend,
      attrs
    });
    if (!keep) this.temps.push(out);
    return out;
  }
  disposeTemps() {
    const b = this.backend;
    for (const t of this.temps) b.disposeData(t.dataId);
    this.temps.length = 0;
  }
}
function sameShape(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
function makeConv2dBackpropFilter(backendName, original) {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    if (dataFormat !== "NHWC") {
      if (original) return original.kernelFunc(args);
      throw new Error(`Internal error: Conv2DBackpropFilter on ${backendName} supports NHWC only, got ${dataFormat}.`);
    }
    const info = backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      "channelsLast"
    );
    const [kh, kw, ci, co] = filterShape;
    const { top, bottom, left, right } = info.padInfo;
    const calls = new KernelCalls(backendName, backend);
    try {
      const xt = calls.run("Transpose", { x }, { perm: [3, 1, 2, 0] });
      const dyt = calls.run("Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
      const full = calls.run(
        "Conv2D",
        { x: xt, filter: dyt },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0]
          ],
          dataFormat: "NHWC",
          dilations: [info.strideHeight, info.strideWidth]
        }
      );
      if (full.shape[1] < kh || full.shape[2] < kw) {
        throw new Error(`Internal error: Conv2DBackpropFilter on ${backendName} got a ${full.shape[1]}x${full.shape[2]} window for a ${kh}x${kw} filter.`);
      }
      const cut = sameShape(full.shape, [ci, kh, kw, co]) ? full : calls.run("Slice", { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
      return calls.run("Transpose", { x: cut }, { perm: [1, 2, 0, 3] }, true);
    } finally {
      calls.disposeTemps();
    }
  };
}
function makeConv2dBackpropInput(original) {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    if (dataFormat !== "NHWC") return original.kernelFunc(args);
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      "channelsLast"
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
    const calls = new KernelCalls("wasm", backend);
    try {
      const flipped = calls.run("Reverse", { x: filter }, { dims: [0, 1] });
      const swapped = calls.run("Transpose", { x: flipped }, { perm: [0, 1, 3, 2] });
      const out = calls.run(
        "Conv2D",
        { x: dy, filter: swapped },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0]
          ],
          dataFormat: "NHWC",
          dilations: [1, 1]
        },
        true
      );
      if (!sameShape(out.shape, inputShape)) {
        backend.disposeData(out.dataId);
        throw new Error(`Internal error: Conv2DBackpropInput on wasm made shape [${out.shape}] for [${inputShape}].`);
      }
      return out;
    } finally {
      calls.disposeTemps();
    }
  };
}
const unsortedSegmentSum = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  const b = backend;
  const xv = b.readSync(x.dataId);
  const ids = b.readSync(segmentIds.dataId);
  const nIds = segmentIds.shape.reduce((p, d) => p * d, 1);
  const tail = x.shape.slice(segmentIds.shape.length);
  const inner = tail.reduce((p, d) => p * d, 1);
  const outShape = [numSegments, ...tail];
  const out = x.dtype === "int32" ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < nIds; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const xi = i * inner;
    for (let k = 0; k < inner; k++) out[o + k] += xv[xi + k];
  }
  return b.makeOutput(outShape, x.dtype === "int32" ? "int32" : "float32", void 0, out);
};
const originals = /* @__PURE__ */ new Map();
function add(kernelName, backendName, kernelFunc) {
  if (getKernel(kernelName, backendName)) return;
  registerKernel({ kernelName, backendName, kernelFunc, [MARK]: true });
}
function replace(kernelName, backendName, make) {
  const original = getKernel(kernelName, backendName);
  if (!original || original[MARK]) return;
  originals.set(`${backendName}/${kernelName}`, original);
  unregisterKernel(kernelName, backendName);
  registerKernel({
    kernelName,
    backendName,
    kernelFunc: make(original),
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    [MARK]: true
  });
}
function installReluGrad() {
  const original = getGradient("Relu");
  if (!original || original[MARK]) return;
  registerKernel({ kernelName: RELU_GRAD, backendName: "wasm", kernelFunc: reluGradWasm });
  registerKernel({ kernelName: RELU_GRAD, backendName: "cpu", kernelFunc: reluGradCpu });
  const mask = (dy, x) => engine().runKernel(RELU_GRAD, { dy, x });
  registerGradient({
    kernelName: RELU_GRAD,
    inputsToSave: ["x"],
    gradFunc: (g, saved) => ({ dy: () => mask(g, saved[0]), x: () => engine().runKernel("ZerosLike", { x: saved[0] }) })
  });
  registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const b = getBackend();
      if (b !== "wasm" && b !== "cpu") return original.gradFunc(dy, saved, attrs);
      return { x: () => mask(dy, saved[0]) };
    },
    [MARK]: true
  });
}
let installed = false;
function installKernelSupplements() {
  if (installed) return;
  installed = true;
  const legacy = process.env.ROBUSTLAB_WASM_KERNELS === "legacy";
  if (legacy) {
    add("Conv2DBackpropFilter", "wasm", makeConv2dBackpropFilter("wasm"));
    replace("Conv2DBackpropInput", "wasm", makeConv2dBackpropInput);
  } else {
    add("Conv2DBackpropFilter", "wasm", makeConv2dBackpropFilter$1());
    replace("Conv2DBackpropInput", "wasm", (original) => makeConv2dBackpropInput$1(original, makeConv2dBackpropInput(original)));
    replace("Identity", "wasm", () => identityShared);
    replace("Cast", "wasm", makeCast);
    replace("BatchMatMul", "wasm", makeBatchMatMul);
    replace("Sum", "wasm", makeSum);
    replace("MaxPoolGrad", "wasm", makeMaxPoolGrad);
    installReluGrad();
  }
  add("UnsortedSegmentSum", "wasm", unsortedSegmentSum);
  replace("Conv2DBackpropFilter", "cpu", (original) => makeConv2dBackpropFilter("cpu", original));
}
const MAX_DEFAULT_THREADS = 8;
function configuredThreads() {
  if (!isMainThread) return 1;
  const raw = process.env.ROBUSTLAB_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 256) {
      throw new LabError("bad_input", `ROBUSTLAB_THREADS must be a whole number from 1 to 256 (1 = one thread), got "${raw}".`);
    }
    return n;
  }
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, cores));
}
const BACKEND_CHOICES = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];
const PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu"
};
const SHORT = {
  "tensorflow-gpu": "tfjs-node-gpu",
  tensorflow: "tfjs-node",
  wasm: "wasm",
  cpu: "cpu"
};
let current = null;
let queue = Promise.resolve();
let nativeLoaded = null;
let wasmPathSet = false;
installKernelSupplements();
function requireHere() {
  try {
    return createRequire(import.meta.url);
  } catch {
    return typeof require === "function" ? require : null;
  }
}
function isInstalled(pkg) {
  const req = requireHere();
  if (!req) return false;
  try {
    req.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
function firstLine(err) {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0].trim().replace(/\.$/, "");
}
function wasmDir() {
  const override = process.env.ROBUSTLAB_WASM_DIR?.trim();
  if (override) return path.resolve(override);
  const req = requireHere();
  if (!req) return null;
  try {
    return path.dirname(req.resolve("@tensorflow/tfjs-backend-wasm"));
  } catch {
    return null;
  }
}
const GPU_REQUIREMENTS = "tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs an NVIDIA driver ≥ 450, CUDA 11.2 and cuDNN 8.1 on Linux x86-64 or Windows";
function onPath(cmd) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, cmd))) return true;
  }
  return false;
}
function findLibrary(file) {
  const dirs = /* @__PURE__ */ new Set();
  for (const d of (process.env.LD_LIBRARY_PATH ?? "").split(":")) if (d) dirs.add(d);
  for (const d of ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu"]) dirs.add(d);
  try {
    for (const e of readdirSync("/usr/local")) if (e.startsWith("cuda")) dirs.add(path.join("/usr/local", e, "lib64"));
  } catch {
  }
  for (const d of dirs) if (existsSync(path.join(d, file))) return true;
  try {
    const r = spawnSync("ldconfig", ["-p"], { encoding: "utf8", timeout: 2e3 });
    if (r.status === 0 && r.stdout.includes(file)) return true;
  } catch {
  }
  return false;
}
let gpuWhy = null;
function gpuDiagnosis() {
  if (gpuWhy) return gpuWhy;
  if (process.platform !== "linux" && process.platform !== "win32") {
    gpuWhy = `CUDA GPUs work only on Linux and Windows (this is ${process.platform})`;
  } else if (process.platform === "win32") {
    gpuWhy = onPath("nvidia-smi.exe") ? `an NVIDIA driver is present; ${GPU_REQUIREMENTS}` : "no NVIDIA GPU driver was found (no nvidia-smi)";
  } else {
    const driver = existsSync("/proc/driver/nvidia/version") || onPath("nvidia-smi");
    if (!driver) {
      gpuWhy = "no NVIDIA GPU driver was found (no nvidia-smi, no /proc/driver/nvidia), so this machine has no GPU to use";
    } else {
      const missing = [
        !findLibrary("libcudart.so.11.0") && "the CUDA 11 runtime (libcudart.so.11.0)",
        !findLibrary("libcudnn.so.8") && "cuDNN 8 (libcudnn.so.8)"
      ].filter((m) => !!m);
      gpuWhy = missing.length ? `an NVIDIA driver is present but ${missing.join(" and ")} ${missing.length > 1 ? "were" : "was"} not found; ${GPU_REQUIREMENTS}` : "an NVIDIA driver, the CUDA 11 runtime and cuDNN 8 are present";
    }
  }
  return gpuWhy;
}
async function tryNative(choice) {
  const pkg = PACKAGES[choice];
  const short = SHORT[choice];
  if (nativeLoaded && nativeLoaded !== choice) {
    return { ok: false, why: `${short} cannot be loaded because ${SHORT[nativeLoaded]} is already loaded in this process` };
  }
  const gpu = choice === "tensorflow-gpu" ? `; ${gpuDiagnosis()}` : "";
  if (!isInstalled(pkg)) {
    return { ok: false, why: `${short} is not installed (npm could not download libtensorflow)${gpu}` };
  }
  try {
    const name2 = pkg;
    await import(
      /* @vite-ignore */
      name2
    );
    nativeLoaded = choice;
  } catch (err) {
    return { ok: false, why: `${short} is installed but could not load (${firstLine(err)})${gpu}` };
  }
  if (!await tf.setBackend("tensorflow")) {
    return { ok: false, why: `${short} loaded but its backend did not start` };
  }
  const b = tf.backend();
  const onGpu = b.isUsingGpuDevice === true;
  if (choice === "tensorflow-gpu" && !onGpu) {
    return {
      ok: true,
      info: { name: "tensorflow", package: pkg, device: `CPU (libtensorflow, ${os.cpus().length} cores; no usable CUDA GPU: ${gpuDiagnosis()})` }
    };
  }
  return {
    ok: true,
    info: {
      name: "tensorflow",
      package: pkg,
      device: onGpu ? "NVIDIA GPU (CUDA, libtensorflow)" : `CPU (libtensorflow, ${os.cpus().length} cores)`
    }
  };
}
async function tryWasm() {
  if (!wasmPathSet) {
    const dir = wasmDir();
    if (!dir || !existsSync(path.join(dir, "tfjs-backend-wasm.wasm"))) {
      return {
        ok: false,
        why: `The wasm files were not found${dir ? ` in ${dir}` : ""} (set ROBUSTLAB_WASM_DIR to the folder that holds tfjs-backend-wasm.wasm)`
      };
    }
    try {
      tfWasm.setWasmPaths(dir.endsWith(path.sep) ? dir : dir + path.sep);
      wasmPathSet = true;
    } catch (err) {
      return { ok: false, why: `The wasm backend could not be set up (${firstLine(err)})` };
    }
  }
  let ok = false;
  const held = [];
  try {
    ok = await quietly(() => tf.setBackend("wasm"), held);
  } catch (err) {
    return { ok: false, why: `The wasm backend did not start (${firstLine(err)})` };
  }
  if (!ok) {
    const err = held.find((h) => h instanceof Error);
    return { ok: false, why: `The wasm backend did not start${err ? ` (${firstLine(err)})` : ""}` };
  }
  const simd2 = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  let threads = 1;
  try {
    threads = Math.max(1, tfWasm.getThreadsCount());
  } catch {
    threads = 1;
  }
  if (threads === 1) threads = configuredThreads();
  return {
    ok: true,
    info: {
      name: "wasm",
      package: PACKAGES.wasm,
      device: `CPU, wasm${simd2 ? " SIMD" : ""}, ${threads} thread${threads === 1 ? "" : "s"}`
    }
  };
}
async function tryCpu() {
  const ok = await tf.setBackend("cpu");
  if (!ok) return { ok: false, why: "The cpu backend did not start" };
  tf.backend().firstUse = false;
  return { ok: true, info: { name: "cpu", package: PACKAGES.cpu, device: "CPU, plain JavaScript, 1 thread" } };
}
async function quietly(fn, held) {
  const warn = console.warn;
  console.warn = (...args) => void held.push(...args);
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}
function attempt(choice) {
  switch (choice) {
    case "tensorflow-gpu":
    case "tensorflow":
      return tryNative(choice);
    case "wasm":
      return tryWasm();
    case "cpu":
      return tryCpu();
  }
}
function parseChoice(raw, source) {
  const v = raw?.trim().toLowerCase();
  if (!v || v === "auto") return void 0;
  if (BACKEND_CHOICES.includes(v)) return v;
  throw new LabError(
    "bad_input",
    `Unknown compute backend "${raw}" in ${source}. Choose one of: ${BACKEND_CHOICES.join(", ")} (or auto).`
  );
}
async function start(force, source) {
  if (force) {
    const r = await attempt(force);
    if (!r.ok) {
      throw new LabError(
        "unavailable",
        `The ${force} backend asked for by ${source} cannot be used here: ${r.why}. Choose another backend (${BACKEND_CHOICES.filter((c) => c !== force).join(", ")}) or leave it on auto.`
      );
    }
    const info = {
      ...r.info,
      tfjsVersion: tf.version_core,
      fallbacks: [`The ${force} backend was chosen by ${source}; other backends were not tried.`]
    };
    current = { choice: force, info };
    return info;
  }
  const reasons = [];
  for (const choice of BACKEND_CHOICES) {
    const r = await attempt(choice);
    if (r.ok) {
      const info = {
        ...r.info,
        tfjsVersion: tf.version_core,
        fallbacks: reasons.map((why) => `${why}; using ${SHORT[choice]}.`)
      };
      current = { choice, info };
      return info;
    }
    reasons.push(r.why);
  }
  throw new LabError("unavailable", `No compute backend could start: ${reasons.join("; ")}. Reinstall Robustness Lab.`);
}
function initEngine(opts = {}) {
  const run2 = async () => {
    const force = opts.force !== void 0 ? parseChoice(opts.force, "the backend setting") : parseChoice(process.env.ROBUSTLAB_BACKEND, "ROBUSTLAB_BACKEND");
    const source = opts.force !== void 0 ? "the backend setting" : "ROBUSTLAB_BACKEND";
    if (current && (force === void 0 || force === current.choice)) {
      if (tf.getBackend() !== current.info.name) await tf.setBackend(current.info.name);
      return current.info;
    }
    return start(force, source);
  };
  const p = queue.then(run2, run2);
  queue = p.catch(() => void 0);
  return p;
}
function conv2d(x, w, b, stride = 1, pad = "valid", activation = "linear") {
  return tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias: b ?? void 0, activation });
}
function maxPool2d(x, size, stride) {
  return tf.maxPool(x, size, stride, "valid");
}
function relu(x) {
  return tf.relu(x);
}
function linear(x, w, b, activation = "linear") {
  return tf.fused.matMul({ a: x, b: w, bias: b ?? void 0, activation });
}
function flattenTorchOrder(x) {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const nchw = c === 1 ? x : tf.transpose(x, [0, 3, 1, 2]);
    return tf.reshape(nchw, [n, c * h * w]);
  });
}
function crossEntropy(logits, labels, reduction = "mean") {
  if (logits.rank !== 2 || labels.rank !== 1 || logits.shape[0] !== labels.shape[0]) {
    throw new LabError(
      "shape_mismatch",
      `Cross-entropy needs logits [N, classes] and N labels, but got logits [${logits.shape}] and labels [${labels.shape}].`
    );
  }
  const k = logits.shape[1];
  return tf.tidy(() => {
    const ids = labels.dtype === "int32" ? labels : tf.cast(labels, "int32");
    const logp = tf.logSoftmax(logits);
    const nll = tf.neg(tf.sum(tf.mul(tf.cast(tf.oneHot(ids, k), "float32"), logp), -1));
    return reduction === "mean" ? tf.mean(nll) : nll;
  });
}
const objectives = /* @__PURE__ */ new Map();
function registerShardLoss(name2, build) {
  objectives.set(name2, build);
}
function shardLoss(name2) {
  const b = objectives.get(name2);
  if (!b) throw new Error(`Internal error: no per-point loss "${name2}" is registered for the parallel executor.`);
  return b;
}
registerShardLoss("ce", (y) => (logits) => tf.tidy(() => crossEntropy(logits, tf.tensor1d(y, "int32"), "none")));
const MIN_SHARD_ROWS = 8;
function shardBounds(n, threads) {
  const b = [];
  for (let i = 0; i <= threads; i++) b.push(Math.floor(i * n / threads));
  return b;
}
function localValueAndGrad(forward, x, lossOf) {
  let z = new Float32Array(0);
  let kept = null;
  const grad = tf.tidy(
    () => tf.grad((xi) => {
      const logits = forward(xi);
      z = Float32Array.from(logits.dataSync());
      const l = lossOf(logits, z);
      kept = tf.keep(l);
      return tf.sum(l);
    })(x)
  );
  const k = kept;
  const loss = Float32Array.from(k.dataSync());
  k.dispose();
  return { grad, z, loss };
}
function localParamGrads(forward, rec, names, x, y, total) {
  let logits = null;
  const { value, grads } = tf.valueAndGrads((...ps) => {
    const r = { ...rec };
    names.forEach((n, i) => r[n] = ps[i]);
    const out = forward(r, x);
    logits = tf.keep(out);
    return tf.div(tf.sum(crossEntropy(out, y, "none")), total);
  })(names.map((n) => rec[n]));
  const v = value.dataSync()[0];
  value.dispose();
  return { value: v, grads, logits };
}
const CTRL_CMD = 0;
const CTRL_DONE = 1;
const CTRL_READY = 2;
const START_TIMEOUT_MS = 12e4;
const CALL_TIMEOUT_MS = 6e5;
const MAX_CACHED_MODELS = 4;
let pool = null;
let disabled = null;
const modelKeys = /* @__PURE__ */ new WeakMap();
let nextModelKey = 1;
const sent = /* @__PURE__ */ new Map();
function workerEntry() {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) return { url: new URL("./parallel-boot.mjs", import.meta.url) };
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const f = path.join(dir, "parallel-worker.js");
    if (existsSync(f)) return { url: new URL(`file://${f}`) };
  }
  return { error: `the worker script parallel-worker.js was not found next to ${here}` };
}
function startPool(threads) {
  const entry = workerEntry();
  if ("error" in entry) {
    disabled = entry.error;
    return null;
  }
  const slots = [];
  try {
    for (let i = 1; i < threads; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(16));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(entry.url, {
        workerData: { ctrl: ctrl.buffer, port: port2, index: i },
        transferList: [port2],
        env: { ...process.env, ROBUSTLAB_THREADS: "1" },
        stdout: false,
        stderr: false
      });
      worker.unref();
      worker.on("error", () => void 0);
      slots.push({ worker, port: port1, ctrl, arena: new SharedArrayBuffer(1 << 20), arenaSent: null });
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const s of slots) {
      while (Atomics.load(s.ctrl, CTRL_READY) === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`a worker did not start within ${START_TIMEOUT_MS / 1e3} s`);
        Atomics.wait(s.ctrl, CTRL_READY, 0, Math.min(left, 1e3));
      }
      if (Atomics.load(s.ctrl, CTRL_READY) !== 1) {
        const m = receiveMessageOnPort(s.port)?.message;
        throw new Error(m && !m.ok ? m.error : "a worker failed to start");
      }
    }
    return slots;
  } catch (err) {
    for (const s of slots) void s.worker.terminate();
    disabled = `the parallel workers could not start (${err.message})`;
    return null;
  }
}
async function stopParallel() {
  const p = pool;
  pool = null;
  sent.clear();
  disabled = null;
  if (p) await Promise.all(p.map((s) => s.worker.terminate()));
}
function poolFor(n) {
  if (!isMainThread || disabled || tf.getBackend() !== "wasm") return null;
  const threads = configuredThreads();
  if (threads < 2 || Math.floor(n / threads) < MIN_SHARD_ROWS) return null;
  if (!pool || pool.length !== threads - 1) {
    if (pool) void stopParallel();
    pool = startPool(threads);
  }
  return pool;
}
function keyOf(model) {
  let k = modelKeys.get(model);
  if (k === void 0) {
    k = nextModelKey++;
    modelKeys.set(model, k);
  }
  return k;
}
function weightTensors(model) {
  return [...model.params, ...model.buffers ?? []];
}
function viewOf(t) {
  const b = tf.backend();
  if (typeof b.typedArrayFromHeap === "function" && (t.dtype === "float32" || t.dtype === "int32")) return b.typedArrayFromHeap(t);
  return t.dataSync();
}
class Arena {
  constructor(slot) {
    this.slot = slot;
    this.f = new Float32Array(slot.arena);
    this.i = new Int32Array(slot.arena);
  }
  slot;
  f;
  i;
  used = 0;
  static ensure(slot, elements) {
    const need = elements * 4;
    if (slot.arena.byteLength < need) {
      let size = slot.arena.byteLength;
      while (size < need) size *= 2;
      slot.arena = new SharedArrayBuffer(size);
    }
    return new Arena(slot);
  }
  take(n) {
    const at = this.used;
    this.used += n;
    return at;
  }
}
function post(slot, job, from, to, resend, drop) {
  const rows = to - from;
  const d = job.x.size / job.x.shape[0];
  const weights = resend ? weightTensors(job.model) : [];
  const weightFloats = weights.reduce((s, [, t2]) => s + t2.size, 0);
  const total = weightFloats + rows * d + 2 * rows + rows * job.outPerRow + job.outFixed;
  const a = Arena.ensure(slot, total);
  const wmeta = [];
  for (const [name2, t2] of weights) {
    const off = a.take(t2.size);
    a.f.set(viewOf(t2), off);
    wmeta.push({ name: name2, shape: [...t2.shape], offset: off, length: t2.size });
  }
  const xOff = a.take(rows * d);
  a.f.set(viewOf(job.x).subarray(from * d, to * d), xOff);
  let y;
  let t;
  if (job.y) {
    y = { offset: a.take(rows), length: rows };
    a.i.set(job.y.subarray(from, to), y.offset);
  }
  if (job.t) {
    t = { offset: a.take(rows), length: rows };
    a.i.set(job.t.subarray(from, to), t.offset);
  }
  const out = a.take(rows * job.outPerRow + job.outFixed);
  const cmd = {
    op: job.op,
    model: {
      key: keyOf(job.model),
      archName: job.model.archName,
      input: job.model.input,
      numClasses: job.model.numClasses,
      weights: resend ? wmeta : void 0
    },
    x: { offset: xOff, shape: [rows, job.x.shape[1], job.x.shape[2], job.x.shape[3]] },
    y,
    t,
    objective: job.objective,
    paramNames: job.paramNames,
    total: job.x.shape[0],
    out,
    drop: drop.length ? drop : void 0
  };
  if (slot.arenaSent !== slot.arena) {
    cmd.arena = slot.arena;
    slot.arenaSent = slot.arena;
  }
  slot.port.postMessage(cmd);
  Atomics.add(slot.ctrl, CTRL_CMD, 1);
  Atomics.notify(slot.ctrl, CTRL_CMD);
  return out;
}
function await_(slot, expected) {
  const deadline = Date.now() + CALL_TIMEOUT_MS;
  while (Atomics.load(slot.ctrl, CTRL_DONE) < expected) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Internal error: a parallel worker gave no answer within ${CALL_TIMEOUT_MS / 1e3} s.`);
    Atomics.wait(slot.ctrl, CTRL_DONE, expected - 1, Math.min(left, 1e3));
  }
  const m = receiveMessageOnPort(slot.port);
  if (!m) throw new Error("Internal error: a parallel worker signalled an answer but sent none.");
  return m.message;
}
function runSharded(slots, job, local) {
  const n = job.x.shape[0];
  const bounds = shardBounds(n, slots.length + 1);
  const key = keyOf(job.model);
  const ids = weightTensors(job.model).map(([, t]) => t.dataId);
  const last = sent.get(key);
  const resend = !last || last.length !== ids.length || last.some((d, i) => d !== ids[i]);
  const drop = [];
  sent.delete(key);
  sent.set(key, ids);
  while (sent.size > MAX_CACHED_MODELS) {
    const oldest = sent.keys().next().value;
    sent.delete(oldest);
    drop.push(oldest);
  }
  const expected = slots.map((s) => Atomics.load(s.ctrl, CTRL_DONE) + 1);
  const outs = slots.map((s, i) => post(s, job, bounds[i + 1], bounds[i + 2], resend, drop));
  let mine;
  let failure = null;
  try {
    mine = local(bounds[0], bounds[1]);
  } catch (err) {
    failure = err;
  }
  const replies = slots.map((s, i) => await_(s, expected[i]));
  if (failure) throw failure;
  const bad = replies.find((r) => !r.ok);
  if (bad) {
    sent.delete(key);
    throw new Error(`A parallel worker failed: ${bad.error}`);
  }
  return { mine, outs, replies, bounds };
}
function rowsOf(x, from, to) {
  return from === 0 && to === x.shape[0] ? x : tf.slice(x, [from, 0, 0, 0], [to - from, -1, -1, -1]);
}
function record(model) {
  return Object.fromEntries(weightTensors(model));
}
function shardedForward(model, x) {
  const slots = poolFor(x.shape[0]);
  if (!slots) return null;
  const k = model.numClasses;
  const rec = record(model);
  const job = { op: "forward", model, x, outPerRow: k, outFixed: 0 };
  const { mine, outs, bounds } = runSharded(
    slots,
    job,
    (from, to) => tf.tidy(() => {
      const xs = rowsOf(x, from, to);
      return Float32Array.from(model.arch.forward(rec, xs, model.input, { training: false }).dataSync());
    })
  );
  const z = new Float32Array(x.shape[0] * k);
  z.set(mine, 0);
  slots.forEach((s, i) => z.set(new Float32Array(s.arena, outs[i] * 4, (bounds[i + 2] - bounds[i + 1]) * k), bounds[i + 1] * k));
  return tf.tensor2d(z, [x.shape[0], k]);
}
function shardedValueAndGrad(model, x, objective, y, t = null) {
  const n = x.shape[0];
  const slots = poolFor(n);
  if (!slots) return null;
  const build = shardLoss(objective);
  const k = model.numClasses;
  const d = x.size / n;
  const rec = record(model);
  const forward = (xi) => model.arch.forward(rec, xi, model.input, { training: false });
  const job = { op: "value-and-grad", model, x, y, t, objective, outPerRow: d + k + 1, outFixed: 0 };
  const { mine, outs, bounds } = runSharded(slots, job, (from, to) => {
    const xs = rowsOf(x, from, to);
    try {
      const r = localValueAndGrad(forward, xs, build(y.subarray(from, to), t ? t.subarray(from, to) : null));
      const g = Float32Array.from(r.grad.dataSync());
      r.grad.dispose();
      return { g, z: r.z, loss: r.loss };
    } finally {
      if (xs !== x) xs.dispose();
    }
  });
  const grad = new Float32Array(n * d);
  const z = new Float32Array(n * k);
  const loss = new Float32Array(n);
  grad.set(mine.g, 0);
  z.set(mine.z, 0);
  loss.set(mine.loss, 0);
  slots.forEach((s, i) => {
    const from = bounds[i + 1];
    const rows = bounds[i + 2] - from;
    const o = outs[i];
    grad.set(new Float32Array(s.arena, o * 4, rows * d), from * d);
    z.set(new Float32Array(s.arena, (o + rows * d) * 4, rows * k), from * k);
    loss.set(new Float32Array(s.arena, (o + rows * d + rows * k) * 4, rows), from);
  });
  return { grad: tf.tensor4d(grad, x.shape), z, loss };
}
function shardableForTraining(model) {
  return !model.buffers || model.buffers.size === 0;
}
function shardedParamGrads(model, x, y) {
  const n = x.shape[0];
  if (!shardableForTraining(model)) return null;
  const slots = poolFor(n);
  if (!slots) return null;
  const k = model.numClasses;
  const names = [...model.params.keys()];
  const sizes = names.map((nm) => model.params.get(nm).size);
  const totalParams = sizes.reduce((s, v) => s + v, 0);
  const rec = record(model);
  const forward = (r, xi) => model.arch.forward(r, xi, model.input, { training: true });
  const job = { op: "param-grads", model, x, y, paramNames: names, outPerRow: k, outFixed: totalParams };
  const { mine, outs, bounds, replies } = runSharded(slots, job, (from, to) => {
    const xs = rowsOf(x, from, to);
    const ys = tf.tensor1d(y.subarray(from, to), "int32");
    try {
      const r = localParamGrads(forward, rec, names, xs, ys, n);
      const grads2 = r.grads.map((g) => Float32Array.from(g.dataSync()));
      const z2 = Float32Array.from(r.logits.dataSync());
      tf.dispose([...r.grads, r.logits]);
      return { value: r.value, grads: grads2, z: z2 };
    } finally {
      ys.dispose();
      if (xs !== x) xs.dispose();
    }
  });
  let loss = mine.value;
  const z = new Float32Array(n * k);
  z.set(mine.z, 0);
  const acc = mine.grads;
  slots.forEach((s, i) => {
    const r = replies[i];
    loss += r.value ?? 0;
    const from = bounds[i + 1];
    const rows = bounds[i + 2] - from;
    const o = outs[i];
    z.set(new Float32Array(s.arena, o * 4, rows * k), from * k);
    let off = o + rows * k;
    for (let p = 0; p < names.length; p++) {
      const part = new Float32Array(s.arena, off * 4, sizes[p]);
      const a = acc[p];
      for (let j = 0; j < a.length; j++) a[j] += part[j];
      off += sizes[p];
    }
  });
  const grads = /* @__PURE__ */ new Map();
  names.forEach((nm, p) => grads.set(nm, tf.tensor(acc[p], model.params.get(nm).shape, "float32")));
  return { loss, grads, logits: tf.tensor2d(z, [n, k]) };
}
function forwardEval(model, x) {
  return shardedForward(model, x) ?? tf.tidy(() => model.arch.forward(record(model), x, model.input, { training: false }));
}
function valueAndInputGrad(model, x, objective, y, t = null) {
  const r = shardedValueAndGrad(model, x, objective, y, t);
  if (r) return r;
  const rec = record(model);
  return localValueAndGrad((xi) => model.arch.forward(rec, xi, model.input, { training: false }), x, shardLoss(objective)(y, t));
}
function formatInput(input) {
  return `${input.height}×${input.width}×${input.channels}`;
}
function formatShape(shape) {
  return `[${shape.join(", ")}]`;
}
function checkInputAndClasses(archName, input, numClasses) {
  const { height, width, channels } = input;
  for (const [label, v] of [
    ["height", height],
    ["width", width],
    ["channels", channels]
  ]) {
    if (!Number.isInteger(v) || v < 1) {
      throw new LabError("bad_input", `The image ${label} must be a whole number of at least 1, got ${v}.`);
    }
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new LabError(
      "bad_input",
      `The ${archName} architecture needs at least 2 classes, got ${numClasses}. Check the dataset's labels.`
    );
  }
}
function checkBatch(archName, x, input) {
  const [, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== input.height || w !== input.width || c !== input.channels) {
    const got = x.rank === 4 ? `${h}×${w}×${c}` : `a tensor of shape ${formatShape(x.shape)}`;
    throw new LabError(
      "shape_mismatch",
      `This ${archName} model takes ${formatInput(input)} images (height×width×channels) but was given ${got}. Use a dataset with the same image size and channels as the one the model was built for.`
    );
  }
}
function requireShape(archName, shapes, name2, rank) {
  const shape = shapes[name2];
  if (!shape) {
    throw new LabError(
      "shape_mismatch",
      `The weights have no tensor "${name2}", which the ${archName} architecture needs. Check that the file was saved from a model of this architecture.`
    );
  }
  if (shape.length !== rank) {
    throw new LabError(
      "shape_mismatch",
      `Tensor "${name2}" has shape ${formatShape(shape)}, but the ${archName} architecture needs ${rank} dimensions there. Check that the file was saved from a model of this architecture.`
    );
  }
  return shape;
}
const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;
function convOutSide(side, k, stride, padding) {
  return Math.floor((side + 2 * padding - k) / stride) + 1;
}
function convTorch(x, w, b, stride, padding) {
  const [kh, kw] = w.shape;
  if (padding === 0) return conv2d(x, w, b, stride, "valid");
  if (stride === 1 && kh === kw && kh % 2 === 1 && padding === (kh - 1) / 2) return conv2d(x, w, b, 1, "same");
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [padding, padding],
      [padding, padding],
      [0, 0]
    ]);
    return conv2d(padded, w, b, stride, "valid");
  });
}
function batchNorm2d(p, layer, x, opts) {
  const weight = p[`${layer}.weight`];
  const bias = p[`${layer}.bias`];
  if (!opts?.training) {
    const mean = p[`${layer}.running_mean`];
    const variance = p[`${layer}.running_var`];
    return tf.tidy(() => {
      const scale = tf.mul(weight, tf.rsqrt(tf.add(variance, BN_EPS)));
      const shift = tf.sub(bias, tf.mul(mean, scale));
      return tf.add(tf.mul(x, scale), shift);
    });
  }
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) {
    throw new LabError(
      "bad_input",
      `Batch normalization (layer ${layer}) needs more than one value per channel in training, but the batch gives ${count}. Train with a batch size of at least 2.`
    );
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, [0, 1, 2]);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]);
    if (opts.batchStats) {
      opts.batchStats(layer, mean, tf.mul(variance, count / (count - 1)));
    }
    const scale = tf.mul(weight, tf.rsqrt(tf.add(variance, BN_EPS)));
    return tf.add(tf.mul(centered, scale), bias);
  });
}
function globalAvgPool(x) {
  return tf.mean(x, [1, 2]);
}
function convDefs(name2, cin, cout, k, bias) {
  const fanIn = cin * k * k;
  const defs = [{ name: `${name2}.weight`, torchShape: [cout, cin, k, k], kind: "conv2d.weight", fanIn }];
  return defs;
}
function linearDefs(name2, cin, cout) {
  return [
    { name: `${name2}.weight`, torchShape: [cout, cin], kind: "linear.weight", fanIn: cin },
    { name: `${name2}.bias`, torchShape: [cout], kind: "bias", fanIn: cin }
  ];
}
function batchNormParamDefs(name2, channels) {
  return [
    { name: `${name2}.weight`, torchShape: [channels], kind: "batchnorm.weight", fanIn: channels },
    { name: `${name2}.bias`, torchShape: [channels], kind: "batchnorm.bias", fanIn: channels }
  ];
}
function batchNormBufferDefs(name2, channels) {
  return [
    { name: `${name2}.running_mean`, torchShape: [channels], dtype: "float32", init: 0 },
    { name: `${name2}.running_var`, torchShape: [channels], dtype: "float32", init: 1 },
    { name: `${name2}.num_batches_tracked`, torchShape: [], dtype: "int64", init: 0 }
  ];
}
const NAME$1 = "cnn-bn";
const HIDDEN$2 = 128;
const BLOCKS$1 = [
  [32, 1, 1],
  [32, 2, 0],
  [64, 1, 1],
  [64, 2, 0]
];
const MIN_SIDE$2 = 7;
const C_LAST$1 = BLOCKS$1[BLOCKS$1.length - 1][0];
function featureSide$1(side) {
  return BLOCKS$1.reduce((s, [, stride, padding]) => convOutSide(s, 3, stride, padding), side);
}
function guessSide$1(feature) {
  for (const side of [28, 32]) if (featureSide$1(side) === feature) return side;
  for (let side = MIN_SIDE$2; side < 4 * feature + 16; side++) if (featureSide$1(side) === feature) return side;
  return 4 * feature + 3;
}
const cnnBn = {
  name: NAME$1,
  title: "Convolutional network with batch normalization (CNN-BN)",
  description: "Four layers of 3×3 pattern detectors (32, 32, 64, 64 of them), each followed by batch normalization, which rescales every layer’s outputs to a steady range while training and makes training faster and less sensitive to the learning rate; the image is shrunk twice, then two fully connected layers decide. A good stronger baseline than the small CNN. Batch normalization behaves differently while training (statistics of the batch) and when evaluating (statistics remembered from training). Needs images of at least 7×7 pixels.",
  params(input, numClasses) {
    checkInputAndClasses(NAME$1, input, numClasses);
    if (input.height < MIN_SIDE$2 || input.width < MIN_SIDE$2) {
      throw new LabError(
        "shape_mismatch",
        `The ${NAME$1} architecture needs images of at least ${MIN_SIDE$2}×${MIN_SIDE$2} pixels, but these are ${formatInput(input)}. Choose the mlp architecture or a dataset with larger images.`
      );
    }
    const defs = [];
    let cin = input.channels;
    BLOCKS$1.forEach(([cout], i) => {
      defs.push(...convDefs(`conv${i + 1}`, cin, cout, 3), ...batchNormParamDefs(`bn${i + 1}`, cout));
      cin = cout;
    });
    const features = C_LAST$1 * featureSide$1(input.height) * featureSide$1(input.width);
    defs.push(...linearDefs("fc1", features, HIDDEN$2), ...linearDefs("fc2", HIDDEN$2, numClasses));
    return defs;
  },
  buffers() {
    return BLOCKS$1.flatMap(([cout], i) => batchNormBufferDefs(`bn${i + 1}`, cout));
  },
  forward(p, x, input, opts) {
    checkBatch(NAME$1, x, input);
    return tf.tidy(() => {
      let h = x;
      BLOCKS$1.forEach(([, stride, padding], i) => {
        h = convTorch(h, p[`conv${i + 1}.weight`], null, stride, padding);
        h = relu(batchNorm2d(p, `bn${i + 1}`, h, opts));
      });
      const f = relu(linear(flattenTorchOrder(h), p["fc1.weight"], p["fc1.bias"]));
      return linear(f, p["fc2.weight"], p["fc2.bias"]);
    });
  },
  layers() {
    const ops = [];
    BLOCKS$1.forEach(([, stride, padding], i) => {
      const bn = `bn${i + 1}`;
      ops.push(
        { op: "conv2d", weight: `conv${i + 1}.weight`, stride, pad: padding === 0 ? "valid" : "same" },
        {
          op: "batchnorm",
          weight: `${bn}.weight`,
          bias: `${bn}.bias`,
          runningMean: `${bn}.running_mean`,
          runningVar: `${bn}.running_var`,
          eps: BN_EPS
        },
        { op: "relu" }
      );
    });
    ops.push(
      { op: "flatten-chw" },
      { op: "linear", weight: "fc1.weight", bias: "fc1.bias" },
      { op: "relu" },
      { op: "linear", weight: "fc2.weight", bias: "fc2.bias" }
    );
    return ops;
  },
  inferFromTorchShapes(shapes) {
    const conv1 = requireShape(NAME$1, shapes, "conv1.weight", 4);
    const fc1 = requireShape(NAME$1, shapes, "fc1.weight", 2);
    const fc2 = requireShape(NAME$1, shapes, "fc2.weight", 2);
    const numClasses = fc2[0];
    const cells = fc1[1] / C_LAST$1;
    const side = Math.round(Math.sqrt(cells));
    if (!Number.isInteger(cells) || side < 1 || side * side !== cells) return { numClasses };
    const s = guessSide$1(side);
    const input = { height: s, width: s, channels: conv1[1] };
    return { input, numClasses };
  }
};
const HIDDEN$1 = 256;
function guessInput(features) {
  for (const channels of [1, 3]) {
    if (features % channels !== 0) continue;
    const side = Math.round(Math.sqrt(features / channels));
    if (side * side * channels === features) return { height: side, width: side, channels };
  }
  return void 0;
}
const mlp = {
  name: "mlp",
  title: "Small fully connected network (MLP)",
  description: "Looks at all pixels at once through three layers of artificial neurons (256, 256, then one per class). Quick to train and a good first baseline, but it does not know that nearby pixels belong together, so it is usually less accurate and less robust than a convolutional network on images.",
  params(input, numClasses) {
    checkInputAndClasses("mlp", input, numClasses);
    const features = input.height * input.width * input.channels;
    return [
      { name: "fc1.weight", torchShape: [HIDDEN$1, features], kind: "linear.weight", fanIn: features },
      { name: "fc1.bias", torchShape: [HIDDEN$1], kind: "bias", fanIn: features },
      { name: "fc2.weight", torchShape: [HIDDEN$1, HIDDEN$1], kind: "linear.weight", fanIn: HIDDEN$1 },
      { name: "fc2.bias", torchShape: [HIDDEN$1], kind: "bias", fanIn: HIDDEN$1 },
      { name: "fc3.weight", torchShape: [numClasses, HIDDEN$1], kind: "linear.weight", fanIn: HIDDEN$1 },
      { name: "fc3.bias", torchShape: [numClasses], kind: "bias", fanIn: HIDDEN$1 }
    ];
  },
  forward(p, x, input) {
    checkBatch("mlp", x, input);
    return tf.tidy(() => {
      const f = flattenTorchOrder(x);
      const h1 = linear(f, p["fc1.weight"], p["fc1.bias"], "relu");
      const h2 = linear(h1, p["fc2.weight"], p["fc2.bias"], "relu");
      return linear(h2, p["fc3.weight"], p["fc3.bias"]);
    });
  },
  layers() {
    return [
      { op: "flatten-chw" },
      { op: "linear", weight: "fc1.weight", bias: "fc1.bias" },
      { op: "relu" },
      { op: "linear", weight: "fc2.weight", bias: "fc2.bias" },
      { op: "relu" },
      { op: "linear", weight: "fc3.weight", bias: "fc3.bias" }
    ];
  },
  inferFromTorchShapes(shapes) {
    const fc1 = requireShape("mlp", shapes, "fc1.weight", 2);
    const fc3 = requireShape("mlp", shapes, "fc3.weight", 2);
    return { input: guessInput(fc1[1]), numClasses: fc3[0] };
  }
};
const C1 = 32;
const C2 = 64;
const HIDDEN = 128;
const MIN_SIDE$1 = 10;
function featureSide(side) {
  return Math.floor((Math.floor((side - 2) / 2) - 2) / 2);
}
function guessSide(feature) {
  for (const side of [28, 32]) if (featureSide(side) === feature) return side;
  return 4 * feature + 6;
}
const mnistCnn = {
  name: "mnist-cnn",
  title: "Small convolutional network (CNN)",
  description: "Slides small 3×3 pattern detectors over the image (32, then 64 of them), shrinking the picture twice, then decides with two fully connected layers. The classic network for handwritten digits; it learns shapes that can appear anywhere in the image. Needs images of at least 10×10 pixels.",
  params(input, numClasses) {
    checkInputAndClasses("mnist-cnn", input, numClasses);
    if (input.height < MIN_SIDE$1 || input.width < MIN_SIDE$1) {
      throw new LabError(
        "shape_mismatch",
        `The mnist-cnn architecture needs images of at least ${MIN_SIDE$1}×${MIN_SIDE$1} pixels, but these are ${formatInput(input)}. Choose the mlp architecture or a dataset with larger images.`
      );
    }
    const c = input.channels;
    const features = C2 * featureSide(input.height) * featureSide(input.width);
    return [
      { name: "conv1.weight", torchShape: [C1, c, 3, 3], kind: "conv2d.weight", fanIn: c * 9 },
      { name: "conv1.bias", torchShape: [C1], kind: "bias", fanIn: c * 9 },
      { name: "conv2.weight", torchShape: [C2, C1, 3, 3], kind: "conv2d.weight", fanIn: C1 * 9 },
      { name: "conv2.bias", torchShape: [C2], kind: "bias", fanIn: C1 * 9 },
      { name: "fc1.weight", torchShape: [HIDDEN, features], kind: "linear.weight", fanIn: features },
      { name: "fc1.bias", torchShape: [HIDDEN], kind: "bias", fanIn: features },
      { name: "fc2.weight", torchShape: [numClasses, HIDDEN], kind: "linear.weight", fanIn: HIDDEN },
      { name: "fc2.bias", torchShape: [numClasses], kind: "bias", fanIn: HIDDEN }
    ];
  },
  forward(p, x, input) {
    checkBatch("mnist-cnn", x, input);
    return tf.tidy(() => {
      let h = conv2d(x, p["conv1.weight"], p["conv1.bias"], 1, "valid", "relu");
      h = maxPool2d(h, 2, 2);
      h = conv2d(h, p["conv2.weight"], p["conv2.bias"], 1, "valid", "relu");
      h = maxPool2d(h, 2, 2);
      const f = linear(flattenTorchOrder(h), p["fc1.weight"], p["fc1.bias"], "relu");
      return linear(f, p["fc2.weight"], p["fc2.bias"]);
    });
  },
  layers() {
    return [
      { op: "conv2d", weight: "conv1.weight", bias: "conv1.bias", stride: 1, pad: "valid" },
      { op: "relu" },
      { op: "maxpool", size: 2, stride: 2 },
      { op: "conv2d", weight: "conv2.weight", bias: "conv2.bias", stride: 1, pad: "valid" },
      { op: "relu" },
      { op: "maxpool", size: 2, stride: 2 },
      { op: "flatten-chw" },
      { op: "linear", weight: "fc1.weight", bias: "fc1.bias" },
      { op: "relu" },
      { op: "linear", weight: "fc2.weight", bias: "fc2.bias" }
    ];
  },
  inferFromTorchShapes(shapes) {
    const conv1 = requireShape("mnist-cnn", shapes, "conv1.weight", 4);
    const fc1 = requireShape("mnist-cnn", shapes, "fc1.weight", 2);
    const fc2 = requireShape("mnist-cnn", shapes, "fc2.weight", 2);
    const numClasses = fc2[0];
    const cells = fc1[1] / C2;
    const side = Math.round(Math.sqrt(cells));
    if (!Number.isInteger(cells) || side < 1 || side * side !== cells) return { numClasses };
    const s = guessSide(side);
    const input = { height: s, width: s, channels: conv1[1] };
    return { input, numClasses };
  }
};
const NAME = "resnet";
const STEM = 16;
const BLOCKS = [
  ["layer1.0", 16, 16, 1],
  ["layer2.0", 16, 32, 2],
  ["layer3.0", 32, 64, 2]
];
const C_LAST = 64;
const MIN_SIDE = 4;
const hasProjection = (cin, cout, stride) => stride !== 1 || cin !== cout;
const resnet = {
  name: NAME,
  title: "Small residual network (pre-activation ResNet)",
  description: "A small version of the residual networks used for CIFAR-10 and ImageNet: a first layer of 16 pattern detectors, then three residual blocks (16, 32, 64 detectors, shrinking the image twice) in which each block adds its input back to its output, which keeps training stable as networks get deeper. Uses batch normalization (statistics of the batch while training, remembered statistics when evaluating) and averages over the whole image at the end, so it works for any image size of at least 4×4 pixels. Slower per image than the small CNN.",
  params(input, numClasses) {
    checkInputAndClasses(NAME, input, numClasses);
    if (input.height < MIN_SIDE || input.width < MIN_SIDE) {
      throw new LabError(
        "shape_mismatch",
        `The ${NAME} architecture needs images of at least ${MIN_SIDE}×${MIN_SIDE} pixels, but these are ${formatInput(input)}. Choose the mlp architecture or a dataset with larger images.`
      );
    }
    const defs = [...convDefs("conv1", input.channels, STEM, 3)];
    for (const [b, cin, cout, stride] of BLOCKS) {
      defs.push(
        ...batchNormParamDefs(`${b}.bn1`, cin),
        ...convDefs(`${b}.conv1`, cin, cout, 3),
        ...batchNormParamDefs(`${b}.bn2`, cout),
        ...convDefs(`${b}.conv2`, cout, cout, 3)
      );
      if (hasProjection(cin, cout, stride)) defs.push(...convDefs(`${b}.shortcut.0`, cin, cout, 1));
    }
    defs.push(...batchNormParamDefs("bn", C_LAST), ...linearDefs("fc", C_LAST, numClasses));
    return defs;
  },
  buffers() {
    const defs = [];
    for (const [b, cin, cout] of BLOCKS) defs.push(...batchNormBufferDefs(`${b}.bn1`, cin), ...batchNormBufferDefs(`${b}.bn2`, cout));
    defs.push(...batchNormBufferDefs("bn", C_LAST));
    return defs;
  },
  forward(p, x, input, opts) {
    checkBatch(NAME, x, input);
    const w = (name2) => p[`${name2}.weight`];
    return tf.tidy(() => {
      let h = convTorch(x, w("conv1"), null, 1, 1);
      for (const [b, cin, cout, stride] of BLOCKS) {
        const pre = relu(batchNorm2d(p, `${b}.bn1`, h, opts));
        const shortcut = hasProjection(cin, cout, stride) ? convTorch(pre, w(`${b}.shortcut.0`), null, stride, 0) : h;
        let out = convTorch(pre, w(`${b}.conv1`), null, stride, 1);
        out = convTorch(relu(batchNorm2d(p, `${b}.bn2`, out, opts)), w(`${b}.conv2`), null, 1, 1);
        h = tf.add(out, shortcut);
      }
      const pooled = globalAvgPool(relu(batchNorm2d(p, "bn", h, opts)));
      return linear(pooled, p["fc.weight"], p["fc.bias"]);
    });
  },
  inferFromTorchShapes(shapes) {
    const conv1 = requireShape(NAME, shapes, "conv1.weight", 4);
    const fc = requireShape(NAME, shapes, "fc.weight", 2);
    const channels = conv1[1];
    const side = channels === 1 ? 28 : 32;
    return { input: { height: side, width: side, channels }, numClasses: fc[0] };
  }
};
const ARCHITECTURES = {
  [mlp.name]: mlp,
  [mnistCnn.name]: mnistCnn,
  [cnnBn.name]: cnnBn,
  [resnet.name]: resnet
};
function getArchitecture(name2) {
  const arch = Object.prototype.hasOwnProperty.call(ARCHITECTURES, name2) ? ARCHITECTURES[name2] : void 0;
  if (!arch) {
    throw new LabError(
      "bad_input",
      `Unknown architecture "${name2}". Known: ${Object.keys(ARCHITECTURES).join(", ")}.`
    );
  }
  return arch;
}
function listArchitectures() {
  return Object.values(ARCHITECTURES).map(({ name: name2, title, description }) => ({ name: name2, title, description }));
}
const LOSS_MIN_CLASSES = {
  ce: 2,
  "ce-targeted": 2,
  dlr: 3,
  "dlr-targeted": 4,
  margin: 2,
  "neg-true-logit": 2,
  "max-other-logit": 2
};
function requireClasses(loss, k, what) {
  const need = LOSS_MIN_CLASSES[loss];
  if (k < need) {
    throw new LabError(
      "bad_input",
      `${what} uses the ${loss.startsWith("dlr") ? "DLR" : loss} loss, which needs at least ${need} classes, but the model predicts ${k}. Use an attack with the cross-entropy loss instead (for example apgd-ce or pgd).`
    );
  }
}
function maxOther(z, i, k, not) {
  let best = -Infinity;
  let arg = -1;
  for (let c = 0; c < k; c++) {
    if (c === not) continue;
    const v = z[i * k + c];
    if (v > best || arg < 0) {
      best = v;
      arg = c;
    }
  }
  return arg;
}
function sortedClasses(z, i, k) {
  const idx = Array.from({ length: k }, (_, c) => c);
  idx.sort((a, b) => z[i * k + b] - z[i * k + a] || a - b);
  return idx;
}
function dot(logits, a) {
  return tf.sum(tf.mul(logits, tf.tensor2d(a, logits.shape)), 1);
}
function lossFor(name2, y, t = null) {
  const f = (logits, z) => {
    const [n, k] = logits.shape;
    requireClasses(name2, k, "This attack");
    if ((name2 === "ce-targeted" || name2 === "dlr-targeted") && !t) {
      throw new Error(`Internal error: the ${name2} loss needs target classes.`);
    }
    switch (name2) {
      case "ce":
        return tf.tidy(() => crossEntropy(logits, tf.tensor1d(y, "int32"), "none"));
      case "ce-targeted":
        return tf.tidy(() => tf.neg(crossEntropy(logits, tf.tensor1d(t, "int32"), "none")));
      case "margin":
      case "neg-true-logit":
      case "max-other-logit": {
        const a = new Float32Array(n * k);
        for (let i = 0; i < n; i++) {
          if (name2 !== "max-other-logit") a[i * k + y[i]] -= 1;
          if (name2 !== "neg-true-logit") a[i * k + maxOther(z, i, k, y[i])] += 1;
        }
        return tf.tidy(() => dot(logits, a));
      }
      case "dlr":
      case "dlr-targeted": {
        const num = new Float32Array(n * k);
        const den = new Float32Array(n * k);
        for (let i = 0; i < n; i++) {
          const s = sortedClasses(z, i, k);
          num[i * k + y[i]] += 1;
          if (name2 === "dlr") {
            num[i * k + maxOther(z, i, k, y[i])] -= 1;
            den[i * k + s[0]] += 1;
            den[i * k + s[2]] -= 1;
          } else {
            num[i * k + t[i]] -= 1;
            den[i * k + s[0]] += 1;
            den[i * k + s[2]] -= 0.5;
            den[i * k + s[3]] -= 0.5;
          }
        }
        return tf.tidy(() => tf.neg(tf.div(dot(logits, num), tf.add(dot(logits, den), 1e-12))));
      }
    }
  };
  return Object.assign(f, { shard: { objective: `attack:${name2}`, y, t } });
}
function lossValue(name2, z, i, k, y, t = -1) {
  const zi = (c) => z[i * k + c];
  switch (name2) {
    case "ce":
    case "ce-targeted": {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, zi(c));
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(zi(c) - m);
      const lse = m + Math.log(s);
      return name2 === "ce" ? lse - zi(y) : zi(t) - lse;
    }
    case "margin":
      return zi(maxOther(z, i, k, y)) - zi(y);
    case "neg-true-logit":
      return -zi(y);
    case "max-other-logit":
      return zi(maxOther(z, i, k, y));
    case "dlr": {
      const s = sortedClasses(z, i, k);
      return -(zi(y) - zi(maxOther(z, i, k, y))) / (zi(s[0]) - zi(s[2]) + 1e-12);
    }
    case "dlr-targeted": {
      const s = sortedClasses(z, i, k);
      return -(zi(y) - zi(t)) / (zi(s[0]) - (zi(s[2]) + zi(s[3])) / 2 + 1e-12);
    }
  }
}
for (const name2 of Object.keys(LOSS_MIN_CLASSES)) {
  registerShardLoss(`attack:${name2}`, (y, t) => lossFor(name2, y, t));
}
export {
  BN_MOMENTUM as B,
  LabError as L,
  localParamGrads as a,
  shardedParamGrads as b,
  crossEntropy as c,
  listArchitectures as d,
  formatInput as e,
  forwardEval as f,
  getArchitecture as g,
  formatShape as h,
  initEngine as i,
  lossFor as j,
  sortedClasses as k,
  localValueAndGrad as l,
  maxOther as m,
  lossValue as n,
  requireClasses as r,
  shardLoss as s,
  valueAndInputGrad as v
};
//# sourceMappingURL=losses-Bh5FtoXR.js.map
