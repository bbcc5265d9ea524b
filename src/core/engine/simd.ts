/**
 * Hand-written WebAssembly SIMD kernels that work directly on tfjs-backend-wasm's memory, for the
 * few loops where the profile shows neither tfjs nor XNNPACK does well (see ./wasm-kernels):
 *
 *   maxPoolGrad2x2   the gradient of a 2×2, stride-2, unpadded max pool (first maximum wins)
 *   colSums          sums of the columns of a row-major [rows, cols] block (bias gradients)
 *   reluGrad         dy where x > 0, else 0
 *   adamStep         one Adam update of a parameter, its moments from its gradient (fused)
 *   im2colT4         the transposed im2col matrix of a stride-1, unpadded convolution whose input
 *                    channels are a multiple of 4 (the weight gradient's GEMM operand)
 *   convFilterGrad1  the weight gradient of a stride-1, unpadded convolution with ONE input
 *                    channel (a first layer): dW[a, b, co] = Σ_{n,i,j} x[n, i+a, j+b] · dy[n, i, j, co]
 *
 * The module is assembled here, in a few hundred bytes, by a small emitter (no compiler or
 * dependency needed), imports the backend's WebAssembly.Memory, and is instantiated once per
 * memory (one per thread). Lane counts: channels must be multiples of 4 (the callers check and
 * fall back otherwise).
 *
 * Runs in: Node (every thread that runs the wasm backend).
 */

// ---------------------------------------------------------------------------------------------
// A minimal WebAssembly binary emitter.

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** One function body under construction. */
class Fn {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(readonly nParams: number) {}

  i32(): number {
    this.localTypes.push(I32);
    return this.nParams + this.localTypes.length - 1;
  }
  v128(): number {
    this.localTypes.push(V128);
    return this.nParams + this.localTypes.length - 1;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(l: number): this {
    return this.op(0x20, ...uleb(l));
  }
  set(l: number): this {
    return this.op(0x21, ...uleb(l));
  }
  const(n: number): this {
    return this.op(0x41, ...sleb(n));
  }
  add(): this {
    return this.op(0x6a);
  }
  mul(): this {
    return this.op(0x6c);
  }
  /** l = a + b (locals or constants given as { c: n }). */
  assignAdd(l: number, a: number, b: number | { c: number }): this {
    this.get(a);
    if (typeof b === 'number') this.get(b);
    else this.const(b.c);
    return this.add().set(l);
  }
  simd(op: number): this {
    return this.op(0xfd, ...uleb(op));
  }
  /** i8x16.shuffle of the two vectors on the stack, by float lanes (0–3: first, 4–7: second). */
  shuffle(lanes: [number, number, number, number]): this {
    return this.simd(0x0d).op(...lanes.flatMap((f) => [4 * f, 4 * f + 1, 4 * f + 2, 4 * f + 3]));
  }
  f32store(offset = 0): this {
    return this.op(0x38, 2, ...uleb(offset));
  }
  /** v128.load from the address on the stack plus a constant byte offset. */
  vload(offset = 0): this {
    return this.simd(0x00).op(4, ...uleb(offset));
  }
  vstore(offset = 0): this {
    return this.simd(0x0b).op(4, ...uleb(offset));
  }
  f32load(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  /** for (i = 0; i < n; i++) body — n a local. */
  loop(i: number, n: number, body: () => void): this {
    this.const(0).set(i);
    this.op(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(i).get(n).op(0x4e).op(0x0d, 1); // i >= n (signed) → br_if to block end
    body();
    this.get(i).const(1).add().set(i);
    this.op(0x0c, 0).op(0x0b, 0x0b); // br loop; end loop; end block
    return this;
  }
  body(): number[] {
    const groups = this.localTypes.map((t) => [1, t]);
    const b = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(b.length), ...b];
  }
}

const SIMD = {
  splat: 0x13,
  sub: 0xe5,
  div: 0xe7,
  sqrt: 0xe3,
  eq: 0x41,
  gt: 0x44,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  add: 0xe4,
  mul: 0xe6,
  max: 0xe9,
} as const;

/** A built function: its export name, parameter count and (default all i32) parameter types. */
type Built = { name: string; params: number; fn: Fn; paramTypes?: number[] };

function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

function assemble(fns: Built[]): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(Array.from({ length: f.params }, (_, i) => [f.paramTypes?.[i] ?? I32])), 0]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    // (import "env" "mem" (memory 0))
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x00]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.fn.body()))),
  ];
  return new Uint8Array(bytes);
}

// ---------------------------------------------------------------------------------------------
// The kernels. Pointers are byte addresses in the backend's memory.

/** maxPoolGrad2x2(x, dy, dx, N, H, W, C): writes every covered dx element (C % 4 == 0). */
function maxPoolGrad2x2(): Built {
  const f = new Fn(7);
  const [x, dy, dx, N, H, W, C] = [0, 1, 2, 3, 4, 5, 6];
  const [n, oh, ow, cv, OH, OW, CV, rowBytes, pixBytes, xr, g, p] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
  const [a, b, c, d, m, sa, sb, sc, taken, gv] = [f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128()];
  f.get(H).const(1).op(0x76).set(OH); // OH = H >> 1
  f.get(W).const(1).op(0x76).set(OW);
  f.get(C).const(2).op(0x76).set(CV); // C / 4
  f.get(C).const(4).mul().set(pixBytes);
  f.get(W).get(pixBytes).mul().set(rowBytes);
  f.get(dy).set(g);
  f.loop(n, N, () => {
    f.loop(oh, OH, () => {
      // xr = ((n·H + 2·oh)·W·C)·4: the window's top row (byte offset, same for x and dx)
      f.get(n).get(H).mul().get(oh).const(1).op(0x74).add().get(rowBytes).mul().set(xr);
      f.loop(ow, OW, () => {
        f.loop(cv, CV, () => {
          // p = xr + ow·2·pixBytes + cv·16
          f.get(xr).get(ow).get(pixBytes).mul().const(1).op(0x74).add().get(cv).const(4).op(0x74).add().set(p);
          const load = (into: number, extra: number | null, rowStep: boolean) => {
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
          const store = (mask: number | null, extra: boolean, rowStep: boolean) => {
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
  return { name: 'maxPoolGrad2x2', params: 7, fn: f };
}

/** colSums(x, out, rows, cols): out[c] += Σ_r x[r, c] (cols % 4 == 0). */
function colSums(): Built {
  const f = new Fn(4);
  const [x, out, rows, cols] = [0, 1, 2, 3];
  const [r, cv, CV, src, dst] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
  f.get(cols).const(2).op(0x76).set(CV);
  f.get(x).set(src);
  f.loop(r, rows, () => {
    f.get(out).set(dst);
    f.loop(cv, CV, () => {
      f.get(dst).get(dst).vload().get(src).vload().simd(SIMD.add).vstore();
      f.get(dst).const(16).add().set(dst);
      f.get(src).const(16).add().set(src);
    });
  });
  return { name: 'colSums', params: 4, fn: f };
}

/** reluGrad(dy, x, out, n): out = x > 0 ? dy : 0 (n % 4 == 0). */
function reluGrad(): Built {
  const f = new Fn(4);
  const [dy, x, out, n] = [0, 1, 2, 3];
  const [i, V, o] = [f.i32(), f.i32(), f.i32()];
  const zero = f.v128();
  f.get(n).const(2).op(0x76).set(V);
  f.loop(i, V, () => {
    f.get(i).const(4).op(0x74).set(o);
    f.get(out).get(o).add();
    f.get(dy).get(o).add().vload();
    f.get(x).get(o).add().vload().get(zero).simd(SIMD.gt);
    f.simd(SIMD.and).vstore();
  });
  return { name: 'reluGrad', params: 4, fn: f };
}

/**
 * convFilterGrad1_KHxKW(x, dy, out, N, H, W, OH, OW, CO): out[(a·kw + b)·CO + co] +=
 * Σ x[n, oh + a, ow + b] · dy[n, oh, ow, co] (one input channel, stride 1, no padding;
 * CO % 8 == 0). Specialised for the filter size, with 2·kh·kw vector accumulators.
 */
function convFilterGrad1(kh: number, kw: number): Built {
  const f = new Fn(9);
  const [x, dy, out, N, H, W, OH, OW, CO] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [n, oh, cb, ow, CB, xrow, dyp, dyStep, t] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
  const rows = Array.from({ length: kh }, () => f.i32());
  const acc = Array.from({ length: kh * kw * 2 }, () => f.v128());
  const [g0, g1, xs] = [f.v128(), f.v128(), f.v128()];
  f.get(CO).const(3).op(0x76).set(CB); // CO / 8
  f.get(CO).const(4).mul().set(dyStep);
  f.loop(n, N, () => {
    f.loop(oh, OH, () => {
      // xrow = (n·H + oh)·W·4; rows[a] = x + xrow + a·W·4
      f.get(n).get(H).mul().get(oh).add().get(W).mul().const(2).op(0x74).set(xrow);
      for (let a2 = 0; a2 < kh; a2++) f.get(x).get(xrow).add().get(W).const(4 * a2).mul().add().set(rows[a2]);
      f.loop(cb, CB, () => {
        for (const l of acc) f.op(0xfd, 0x0c, ...new Array(16).fill(0)).set(l); // v128.const 0
        // dyp = dy + ((n·OH + oh)·OW)·CO·4 + cb·32
        f.get(dy).get(n).get(OH).mul().get(oh).add().get(OW).mul().get(dyStep).mul().add().get(cb).const(5).op(0x74).add().set(dyp);
        f.loop(ow, OW, () => {
          f.get(dyp).vload(0).set(g0);
          f.get(dyp).vload(16).set(g1);
          f.get(ow).const(2).op(0x74).set(t); // ow·4
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
        // Flush: out[(tap)·CO + cb·8 + 0..7] += acc
        for (let k = 0; k < kh * kw; k++) {
          for (const half of [0, 1]) {
            f.get(out).const(k).get(CO).mul().const(2).op(0x74).add().get(cb).const(5).op(0x74).add().set(t);
            f.get(t).get(t).vload(16 * half).get(acc[2 * k + half]).simd(SIMD.add).vstore(16 * half);
          }
        }
      });
    });
  });
  return { name: `convFilterGrad1_${kh}x${kw}`, params: 9, fn: f };
}

/**
 * im2colT4(x, out, N, H, W, CI, OH, OW, KH, KW): colsᵀ[(a·KW + b)·CI + c, p] = x[n, oh + a,
 * ow + b, c], p = (n·OH + oh)·OW + ow (stride 1, no padding; CI % 4 == 0). Four pixels × four
 * channels at a time, transposed in registers, so both the reads and the writes are vectors.
 */
function im2colT4(): Built {
  const f = new Fn(10);
  const [x, out, N, H, W, CI, OH, OW, KH, KW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [a, b, cb, CB, n, oh, ow, OW4, P4, pix, row, src, dst] = Array.from({ length: 13 }, () => f.i32());
  const [v0, v1, v2, v3, t0, t1, t2, t3] = Array.from({ length: 8 }, () => f.v128());
  f.get(CI).const(2).op(0x76).set(CB);
  f.get(OW).const(-4).op(0x71).set(OW4); // OW & ~3
  f.get(N).get(OH).mul().get(OW).mul().const(2).op(0x74).set(P4); // P · 4 bytes
  f.get(CI).const(2).op(0x74).set(pix); // bytes per pixel
  f.loop(a, KH, () => {
    f.loop(b, KW, () => {
      f.loop(cb, CB, () => {
        // row = out + ((a·KW + b)·CI + cb·4)·P·4: the first of the four rows written
        f.get(out).get(a).get(KW).mul().get(b).add().get(CI).mul().get(cb).const(2).op(0x74).add().get(P4).mul().add().set(row);
        f.loop(n, N, () => {
          f.loop(oh, OH, () => {
            // src = x + ((n·H + oh + a)·W + b)·CI·4 + cb·16
            f.get(x).get(n).get(H).mul().get(oh).add().get(a).add().get(W).mul().get(b).add().get(pix).mul().add().get(cb).const(4).op(0x74).add().set(src);
            // dst = row + ((n·OH + oh)·OW)·4
            f.get(row).get(n).get(OH).mul().get(oh).add().get(OW).mul().const(2).op(0x74).add().set(dst);
            f.const(0).set(ow);
            f.op(0x02, 0x40, 0x03, 0x40);
            f.get(ow).get(OW4).op(0x4e).op(0x0d, 1);
            for (const [j, v] of [v0, v1, v2, v3].entries()) {
              f.get(src).get(ow).const(j).add().get(pix).mul().add().vload().set(v);
            }
            f.get(v0).get(v1).shuffle([0, 4, 1, 5]).set(t0);
            f.get(v0).get(v1).shuffle([2, 6, 3, 7]).set(t1);
            f.get(v2).get(v3).shuffle([0, 4, 1, 5]).set(t2);
            f.get(v2).get(v3).shuffle([2, 6, 3, 7]).set(t3);
            const store = (r: number, from: number, to: number, lanes: [number, number, number, number]) => {
              f.get(dst).get(ow).const(2).op(0x74).add().const(r).get(P4).mul().add();
              f.get(from).get(to).shuffle(lanes).vstore();
            };
            store(0, t0, t2, [0, 1, 4, 5]);
            store(1, t0, t2, [2, 3, 6, 7]);
            store(2, t1, t3, [0, 1, 4, 5]);
            store(3, t1, t3, [2, 3, 6, 7]);
            f.get(ow).const(4).add().set(ow);
            f.op(0x0c, 0).op(0x0b, 0x0b);
            // The last OW % 4 pixels, one value at a time.
            f.op(0x02, 0x40, 0x03, 0x40);
            f.get(ow).get(OW).op(0x4e).op(0x0d, 1);
            for (let r = 0; r < 4; r++) {
              f.get(dst).get(ow).const(2).op(0x74).add().const(r).get(P4).mul().add();
              f.get(src).get(ow).get(pix).mul().add().f32load(4 * r);
              f.f32store();
            }
            f.get(ow).const(1).add().set(ow);
            f.op(0x0c, 0).op(0x0b, 0x0b);
          });
        });
      });
    });
  });
  return { name: 'im2colT4', params: 10, fn: f };
}

/**
 * adamStep(p, m, v, g, pOut, mOut, vOut, n, decay, b1, omb1, b2, omb2, bc2, eps, stepSize, wd):
 * one Adam update with exactly tfjs's float32 operations in the optimizer's order
 * (training/optim.ts): g' = g + p·wd (when decay), m' = m·b1 + g'·(1 − b1),
 * v' = v·b2 + g'²·(1 − b2), p' = p − m' / (sqrt(v' / bc2) + eps) · stepSize. n % 4 == 0.
 */
function adamStep(): Built {
  const f = new Fn(17);
  const [p, m, v, g, pOut, mOut, vOut, n, decay, b1, omb1, b2, omb2, bc2, eps, step, wd] = Array.from({ length: 17 }, (_, i) => i);
  const [i, V, o] = [f.i32(), f.i32(), f.i32()];
  const [gv, mv, vv, pv, B1, OMB1, B2, OMB2, BC2, EPS, STEP, WD] = Array.from({ length: 12 }, () => f.v128());
  for (const [from, to] of [
    [b1, B1],
    [omb1, OMB1],
    [b2, B2],
    [omb2, OMB2],
    [bc2, BC2],
    [eps, EPS],
    [step, STEP],
    [wd, WD],
  ]) {
    f.get(from).simd(SIMD.splat).set(to);
  }
  f.get(n).const(2).op(0x76).set(V);
  f.loop(i, V, () => {
    f.get(i).const(4).op(0x74).set(o);
    f.get(p).get(o).add().vload().set(pv);
    f.get(g).get(o).add().vload().set(gv);
    // if (decay) g = g + p·wd
    f.get(decay).op(0x04, 0x40);
    f.get(gv).get(pv).get(WD).simd(SIMD.mul).simd(SIMD.add).set(gv);
    f.op(0x0b);
    // m' = m·b1 + g·(1 − b1)
    f.get(m).get(o).add().vload().get(B1).simd(SIMD.mul).get(gv).get(OMB1).simd(SIMD.mul).simd(SIMD.add).set(mv);
    // v' = v·b2 + (g·g)·(1 − b2)
    f.get(v).get(o).add().vload().get(B2).simd(SIMD.mul).get(gv).get(gv).simd(SIMD.mul).get(OMB2).simd(SIMD.mul).simd(SIMD.add).set(vv);
    f.get(mOut).get(o).add().get(mv).vstore();
    f.get(vOut).get(o).add().get(vv).vstore();
    // p' = p − m' / (sqrt(v' / bc2) + eps) · stepSize
    f.get(pOut).get(o).add();
    f.get(pv).get(mv).get(vv).get(BC2).simd(SIMD.div).simd(SIMD.sqrt).get(EPS).simd(SIMD.add).simd(SIMD.div).get(STEP).simd(SIMD.mul).simd(SIMD.sub);
    f.vstore();
  });
  return { name: 'adamStep', params: 17, fn: f, paramTypes: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32] };
}

// ---------------------------------------------------------------------------------------------

export interface SimdKernels {
  maxPoolGrad2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  colSums(x: number, out: number, rows: number, cols: number): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  im2colT4(x: number, out: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, kh: number, kw: number): void;
  adamStep(...args: number[]): void;
  convFilterGrad1(kh: number, kw: number): ((x: number, dy: number, out: number, n: number, h: number, w: number, oh: number, ow: number, co: number) => void) | null;
}

/** Filter sizes convFilterGrad1 is built for (a bigger one falls back to GEMM). */
const MAX_TAPS = 25;
const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/** The kernels bound to one wasm memory, or null where WebAssembly SIMD is unavailable. */
export function simdKernels(memory: WebAssembly.Memory): SimdKernels | null {
  if (instances.has(memory)) return instances.get(memory)!;
  let k: SimdKernels | null = null;
  if (process.env.ROBUSTLAB_SIMD_KERNELS !== 'off') {
    try {
      const base = [maxPoolGrad2x2(), colSums(), reluGrad(), im2colT4(), adamStep()];
      const inst = new WebAssembly.Instance(new WebAssembly.Module(assemble(base)), { env: { mem: memory } });
      const e = inst.exports as Record<string, (...a: number[]) => void>;
      const convs = new Map<string, SimdKernels['convFilterGrad1'] extends (...a: never[]) => infer R ? R : never>();
      k = {
        maxPoolGrad2x2: e.maxPoolGrad2x2 as SimdKernels['maxPoolGrad2x2'],
        colSums: e.colSums as SimdKernels['colSums'],
        reluGrad: e.reluGrad as SimdKernels['reluGrad'],
        im2colT4: e.im2colT4 as SimdKernels['im2colT4'],
        adamStep: e.adamStep as SimdKernels['adamStep'],
        convFilterGrad1(kh, kw) {
          if (kh * kw > MAX_TAPS) return null;
          const key = `${kh}x${kw}`;
          if (!convs.has(key)) {
            const built = convFilterGrad1(kh, kw);
            const i = new WebAssembly.Instance(new WebAssembly.Module(assemble([built])), { env: { mem: memory } });
            convs.set(key, (i.exports as Record<string, never>)[built.name]);
          }
          return convs.get(key)!;
        },
      };
    } catch {
      k = null; // no WebAssembly SIMD here: the callers use their JavaScript or XNNPACK paths
    }
  }
  instances.set(memory, k);
  return k;
}
