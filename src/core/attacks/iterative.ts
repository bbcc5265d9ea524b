/**
 * The projected-gradient loop shared by PGD (L-inf and L2, targeted or not), pgd-min and the MD
 * attack: from a start inside the ball, repeated steps along the steepest-ascent direction of a
 * loss (sign of the gradient for L-inf, the unit gradient for L2), each followed by projection
 * onto the ball and the pixel range.
 *
 * Every iterate lies inside the allowed region, so a point counts as broken as soon as any
 * iterate of any pass is misclassified (targeted: reaches the target, which ends its search).
 * Each pass (restart) runs only on the points still unbroken, and points leave the batch as
 * soon as they break, so a weak model costs few gradient evaluations.
 */
import { tf } from '../engine/backend';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import { countZeros, type Norm, type Tick } from './attack';
import { lossFor, type LossName } from './losses';
import { argmaxRows, ascentDirection, copyRow, gatherRows, logitsOf, perPoint, project, randomStart, remaining, valueAndGrad } from './util';

export interface IterativeOptions {
  norm: Norm;
  /** Radius per point. */
  eps: Float32Array;
  /** Base step size per point. */
  alpha: Float32Array;
  steps: number;
  /** Passes (restarts); each one starts afresh on the points still unbroken. */
  passes: number;
  randomStart: boolean;
  /** The loss maximised at step t of pass p. */
  loss: (t: number, pass: number) => LossName;
  /** Multiplies the base step size at step t of pass p (default 1). */
  alphaFactor?: (t: number, pass: number) => number;
  /** Targeted: the class each point is pushed to; reaching it ends the point's search. */
  targets?: Int32Array | null;
  rng: Rng;
  tick: Tick;
  /** Names the random streams of the passes. */
  label: string;
}

export interface IterativeResult {
  /** Row-major adversarial images: the breaking iterate, else the last iterate reached. */
  best: Float32Array;
  /** Misclassified at the clean image or at some iterate. */
  fooled: Uint8Array;
  /** Targeted: reached the target class. */
  hit: Uint8Array | null;
  /** Gradient evaluations and forward-only passes, summed over points. */
  gradEvals: number;
  queries: number;
}

/** Drops local rows whose `done` flag is set, when enough of them left to make it worthwhile. */
const COMPACT_FRACTION = 0.2;

export async function iterativeAttack(model: Model, x: tf.Tensor4D, labels: Int32Array, o: IterativeOptions): Promise<IterativeResult> {
  const n = x.shape[0];
  const d = n ? x.size / n : 0;
  const x0 = Float32Array.from(x.dataSync() as Float32Array);
  const best = Float32Array.from(x0);
  const k0 = logitsOf(model, x);
  const k = n ? k0.length / n : 0;
  const pred0 = argmaxRows(k0, n, k);
  let queries = n;
  let gradEvals = 0;
  const targets = o.targets ?? null;
  const fooled = new Uint8Array(n);
  const hit = targets ? new Uint8Array(n) : null;
  for (let i = 0; i < n; i++) {
    fooled[i] = pred0[i] !== labels[i] ? 1 : 0;
    if (hit && pred0[i] === targets![i]) hit[i] = 1;
  }
  // A point's search ends when it is broken (targeted: when it reaches its target, or when it
  // was misclassified to begin with).
  const done = new Uint8Array(n);
  for (let i = 0; i < n; i++) done[i] = hit ? hit[i] | fooled[i] : fooled[i];

  for (let pass = 0; pass < o.passes; pass++) {
    let active = remaining(done);
    if (!active.length) break;
    let xs = gatherRows(x, active);
    let epsT = perPoint(active.map((g) => o.eps[g]));
    let xa = o.randomStart ? randomStart(o.norm, xs, Float32Array.from(active.map((g) => o.eps[g])), o.rng.fork(`${o.label}-${pass}`)) : xs.clone();
    try {
      for (let t = 0; t <= o.steps; t++) {
        await o.tick({ iteration: pass * (o.steps + 1) + t, iterations: o.passes * (o.steps + 1), unbroken: countZeros(fooled), points: n });
        const m = active.length;
        const yLocal = Int32Array.from(active.map((g) => labels[g]));
        const tLocal = targets ? Int32Array.from(active.map((g) => targets[g])) : null;
        let grad: tf.Tensor4D | null = null;
        let z: Float32Array;
        if (t < o.steps) {
          const r = valueAndGrad(model, xa, lossFor(o.loss(t, pass), yLocal, tLocal));
          grad = r.grad;
          z = r.z;
          gradEvals += m;
        } else {
          z = logitsOf(model, xa);
          queries += m;
        }
        const pred = argmaxRows(z, m, k);
        let xaData: Float32Array | null = null;
        const rowOf = () => (xaData ??= Float32Array.from(xa.dataSync() as Float32Array));
        let newlyDone = 0;
        for (let i = 0; i < m; i++) {
          const g = active[i];
          if (hit && pred[i] === targets![g] && !hit[g]) {
            hit[g] = 1;
            fooled[g] = 1;
            copyRow(rowOf(), i, best, g, d);
            done[g] = 1;
            newlyDone++;
          } else if (pred[i] !== labels[g] && !fooled[g]) {
            fooled[g] = 1;
            copyRow(rowOf(), i, best, g, d);
            if (!hit) {
              done[g] = 1;
              newlyDone++;
            }
          }
        }
        if (t === o.steps) {
          // The last iterate of the points still unbroken (misclassified ones keep theirs).
          for (let i = 0; i < m; i++) if (!fooled[active[i]]) copyRow(rowOf(), i, best, active[i], d);
        }
        if (grad) {
          const factor = o.alphaFactor ? o.alphaFactor(t, pass) : 1;
          const alphaT = perPoint(active.map((g) => o.alpha[g] * factor));
          const next = tf.tidy(() => project(o.norm, tf.add(xa, tf.mul(ascentDirection(o.norm, grad!), alphaT)) as tf.Tensor4D, xs, epsT));
          tf.dispose([grad, alphaT, xa]);
          xa = next;
        }
        if (newlyDone && t < o.steps) {
          const keepLocal: number[] = [];
          for (let i = 0; i < m; i++) if (!done[active[i]]) keepLocal.push(i);
          if (!keepLocal.length) break;
          if (newlyDone >= Math.max(1, COMPACT_FRACTION * m)) {
            const nxs = gatherRows(xs, keepLocal);
            const nxa = gatherRows(xa, keepLocal);
            const neps = gatherRows(epsT, keepLocal);
            tf.dispose([xs, xa, epsT]);
            xs = nxs;
            xa = nxa;
            epsT = neps;
            active = keepLocal.map((i) => active[i]);
          }
        }
      }
    } finally {
      tf.dispose([xs, xa, epsT]);
    }
  }
  return { best, fooled, hit, gradEvals, queries };
}
