/**
 * Auto-PGD (Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML 2020): PGD with momentum and a step size that adapts
 * itself, shared by apgd-ce, apgd-dlr and apgd-t.
 *
 * Per point, with loss f (maximised), projection P onto the ball and the pixel range:
 *   x1     = P(x0 + eta * dir(grad f(x0)))                       (no momentum on the first step)
 *   z      = P(xk + eta * dir(grad f(xk)))
 *   x(k+1) = P(xk + alpha (z - xk) + (1 - alpha)(xk - x(k-1)))   alpha = 0.75
 * dir is the sign (L-inf) or the unit-L2 gradient (L2); eta starts at 2 eps. The point with the
 * highest loss so far is remembered. At the checkpoints w_j = ceil(p_j N), with p0 = 0,
 * p1 = 0.22, p(j+1) = p_j + max(p_j - p(j-1) - 0.03, 0.06), the step size is halved and the
 * search restarts from the best point if
 *   (1) the loss increased in fewer than rho = 0.75 of the steps since the last checkpoint, or
 *   (2) the step size was not reduced at the last checkpoint and the best loss has not improved
 *       since then.
 * A point counts broken at its first misclassified iterate (every iterate is inside the ball);
 * broken points leave the batch. N steps cost N gradient evaluations plus one forward pass.
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { ParamDescriptor } from '../../shared/schemas';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import { countZeros, type Norm, type Tick } from './attack';
import { lossFor, lossValue, type LossName } from './losses';
import { argmaxRows, ascentDirection, copyRow, gatherRows, logitsOf, perPoint, project, randomStart, remaining, valueAndGrad } from './util';

export const APGD_MOMENTUM = 0.75;
export const APGD_RHO = 0.75;

/** The checkpoint iterations w_1 < w_2 < ... <= steps. */
export function apgdCheckpoints(steps: number): number[] {
  const ps = [0, 0.22];
  while (ps[ps.length - 1] < 1) {
    const j = ps.length - 1;
    ps.push(ps[j] + Math.max(ps[j] - ps[j - 1] - 0.03, 0.06));
  }
  const out: number[] = [];
  for (const p of ps.slice(1)) {
    const w = Math.ceil(p * steps - 1e-9);
    if (w > 0 && w <= steps && (!out.length || w > out[out.length - 1])) out.push(w);
  }
  return out;
}

export interface ApgdOptions {
  norm: Norm;
  eps: number;
  steps: number;
  restarts: number;
  loss: LossName;
  /** Per-point target classes for the targeted losses. */
  targets?: Int32Array | null;
  rng: Rng;
  tick: Tick;
  label: string;
  /** Which points to attack (default: all); the others are left as they are. */
  only?: Uint8Array;
}

export interface ApgdResult {
  /** Row-major adversarial images: the first misclassified iterate, else the highest-loss point. */
  best: Float32Array;
  /** Misclassified at the clean image or at some iterate. */
  fooled: Uint8Array;
  gradEvals: number;
  queries: number;
}

export async function apgdAttack(model: Model, x: tf.Tensor4D, labels: Int32Array, o: ApgdOptions): Promise<ApgdResult> {
  const n = x.shape[0];
  const d = n ? x.size / n : 0;
  const best = Float32Array.from(x.dataSync() as Float32Array);
  const z0 = logitsOf(model, x);
  const k = n ? z0.length / n : 0;
  const pred0 = argmaxRows(z0, n, k);
  let queries = n;
  let gradEvals = 0;
  const fooled = new Uint8Array(n);
  const done = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    fooled[i] = pred0[i] !== labels[i] ? 1 : 0;
    done[i] = fooled[i] || (o.only && !o.only[i]) ? 1 : 0;
  }
  const checkpoints = apgdCheckpoints(o.steps);
  const lossOfLocal = (act: number[]) =>
    lossFor(o.loss, Int32Array.from(act.map((g) => labels[g])), o.targets ? Int32Array.from(act.map((g) => o.targets![g])) : null);

  for (let restart = 0; restart < o.restarts; restart++) {
    let active = remaining(done);
    if (!active.length) break;
    let m = active.length;
    const epsArr = new Float32Array(m).fill(o.eps);
    let xs = gatherRows(x, active);
    let epsT = perPoint(epsArr);
    let xk = randomStart(o.norm, xs, epsArr, o.rng.fork(`${o.label}-${restart}`));
    let xPrev = xk.clone();
    let grad: tf.Tensor4D;
    let xBest: tf.Tensor4D;
    let gradBest: tf.Tensor4D;
    // Per-point bookkeeping (local to `active`).
    let eta = new Float32Array(m).fill(2 * o.eps);
    let lossCur: Float32Array;
    let lossBest: Float32Array;
    let lossBestAtCheck: Float32Array;
    let increases = new Int32Array(m);
    let reducedAtCheck = new Uint8Array(m);
    {
      const r = valueAndGrad(model, xk, lossOfLocal(active));
      gradEvals += m;
      grad = r.grad;
      lossCur = r.loss;
      lossBest = Float32Array.from(r.loss);
      lossBestAtCheck = Float32Array.from(r.loss);
      xBest = xk.clone();
      gradBest = grad.clone();
      const pred = argmaxRows(r.z, m, k);
      const xData = xk.dataSync() as Float32Array;
      for (let i = 0; i < m; i++) {
        if (pred[i] !== labels[active[i]]) {
          fooled[active[i]] = 1;
          done[active[i]] = 1;
          copyRow(xData, i, best, active[i], d);
        }
      }
    }
    let lastCheck = 0;
    try {
      for (let it = 0; it < o.steps; it++) {
        await o.tick({ iteration: restart * o.steps + it, iterations: o.restarts * o.steps, unbroken: countZeros(done), points: n });
        // Drop the points broken so far.
        const keep: number[] = [];
        for (let i = 0; i < m; i++) if (!done[active[i]]) keep.push(i);
        if (!keep.length) break;
        if (keep.length < m) {
          const g = (t: tf.Tensor4D) => gatherRows(t, keep);
          const next = [g(xs), g(epsT), g(xk), g(xPrev), g(grad), g(xBest), g(gradBest)];
          tf.dispose([xs, epsT, xk, xPrev, grad, xBest, gradBest]);
          [xs, epsT, xk, xPrev, grad, xBest, gradBest] = next;
          const pick = <T extends Float32Array | Int32Array | Uint8Array>(a: T): T => {
            const out = new (a.constructor as new (len: number) => T)(keep.length);
            keep.forEach((i, j) => (out[j] = a[i]));
            return out;
          };
          eta = pick(eta);
          lossCur = pick(lossCur);
          lossBest = pick(lossBest);
          lossBestAtCheck = pick(lossBestAtCheck);
          increases = pick(increases);
          reducedAtCheck = pick(reducedAtCheck);
          active = keep.map((i) => active[i]);
          m = active.length;
        }
        // The momentum step.
        const a = it === 0 ? 1 : APGD_MOMENTUM;
        const etaT = perPoint(eta);
        const xNext = tf.tidy(() => {
          const zk = project(o.norm, tf.add(xk, tf.mul(ascentDirection(o.norm, grad), etaT)) as tf.Tensor4D, xs, epsT);
          const mixed = tf.add(tf.add(xk, tf.mul(tf.sub(zk, xk), a)), tf.mul(tf.sub(xk, xPrev), 1 - a)) as tf.Tensor4D;
          return project(o.norm, mixed, xs, epsT);
        });
        etaT.dispose();
        xPrev.dispose();
        xPrev = xk;
        xk = xNext;
        grad.dispose();
        // Loss (and gradient, unless this is the last iterate) at the new point.
        let z: Float32Array;
        let loss: Float32Array;
        const last = it === o.steps - 1;
        if (!last) {
          const r = valueAndGrad(model, xk, lossOfLocal(active));
          gradEvals += m;
          grad = r.grad;
          z = r.z;
          loss = r.loss;
        } else {
          z = logitsOf(model, xk);
          queries += m;
          loss = new Float32Array(m);
          for (let i = 0; i < m; i++) loss[i] = lossValue(o.loss, z, i, k, labels[active[i]], o.targets ? o.targets[active[i]] : -1);
          grad = tf.zerosLike(xk);
        }
        const pred = argmaxRows(z, m, k);
        let xData: Float32Array | null = null;
        const improved = new Uint8Array(m);
        let anyImproved = false;
        for (let i = 0; i < m; i++) {
          if (pred[i] !== labels[active[i]] && !fooled[active[i]]) {
            xData ??= xk.dataSync() as Float32Array;
            fooled[active[i]] = 1;
            done[active[i]] = 1;
            copyRow(xData, i, best, active[i], d);
          }
          if (loss[i] > lossCur[i]) increases[i]++;
          lossCur[i] = loss[i];
          if (loss[i] > lossBest[i]) {
            lossBest[i] = loss[i];
            improved[i] = 1;
            anyImproved = true;
          }
        }
        if (anyImproved) {
          const mask = tf.tensor4d(Float32Array.from(improved), [m, 1, 1, 1]);
          const nb = tf.tidy(() => tf.add(tf.mul(xk, mask), tf.mul(xBest, tf.sub(1, mask))) as tf.Tensor4D);
          const ng = tf.tidy(() => tf.add(tf.mul(grad, mask), tf.mul(gradBest, tf.sub(1, mask))) as tf.Tensor4D);
          tf.dispose([mask, xBest, gradBest]);
          xBest = nb;
          gradBest = ng;
        }
        // Checkpoint: halve the step size and go back to the best point where progress stalled.
        const w = it + 1;
        if (checkpoints.includes(w) && !last) {
          const span = w - lastCheck;
          lastCheck = w;
          const halve = new Uint8Array(m);
          let anyHalve = false;
          for (let i = 0; i < m; i++) {
            const oscillating = increases[i] < APGD_RHO * span;
            const stalled = !reducedAtCheck[i] && lossBest[i] <= lossBestAtCheck[i];
            halve[i] = oscillating || stalled ? 1 : 0;
            reducedAtCheck[i] = halve[i];
            lossBestAtCheck[i] = lossBest[i];
            increases[i] = 0;
            if (halve[i]) {
              eta[i] /= 2;
              lossCur[i] = lossBest[i];
              anyHalve = true;
            }
          }
          if (anyHalve) {
            const mask = tf.tensor4d(Float32Array.from(halve), [m, 1, 1, 1]);
            const sel = (a1: tf.Tensor4D, b: tf.Tensor4D) => tf.tidy(() => tf.add(tf.mul(a1, mask), tf.mul(b, tf.sub(1, mask))) as tf.Tensor4D);
            const nx = sel(xBest, xk);
            const np = sel(xBest, xPrev);
            const ng = sel(gradBest, grad);
            tf.dispose([mask, xk, xPrev, grad]);
            xk = nx;
            xPrev = np;
            grad = ng;
          }
        }
      }
      // Points still unbroken keep their highest-loss point.
      const bestData = xBest.dataSync() as Float32Array;
      for (let i = 0; i < m; i++) if (!fooled[active[i]]) copyRow(bestData, i, best, active[i], d);
    } finally {
      tf.dispose([xs, epsT, xk, xPrev, grad, xBest, gradBest]);
    }
  }
  return { best, fooled, gradEvals, queries };
}

/** Parameters shared by the APGD attacks. */
export function apgdParams(defaultSteps = 100): ParamDescriptor[] {
  return [
    {
      key: 'eps',
      label: 'Epsilon',
      type: 'number',
      min: 0,
      max: 1000,
      step: 0.01,
      default: 0.1,
      unit: 'pixel (0–1) for L∞, length for L2',
      help: 'Radius of the allowed change: the largest change per pixel (L∞, 0–1 scale; at most 1) or the largest length of the whole change (L2).',
    },
    {
      key: 'norm',
      label: 'Norm',
      type: 'enum',
      default: 'linf',
      options: [
        { value: 'linf', label: 'L∞ (every pixel changes by at most eps)' },
        { value: 'l2', label: 'L2 (total length of the change at most eps)' },
      ],
      help: 'How the size of a change is measured.',
    },
    {
      key: 'steps',
      label: 'Steps',
      type: 'integer',
      min: 1,
      max: 10000,
      default: defaultSteps,
      help: 'Gradient steps per restart (AutoAttack uses 100). The step size adapts itself, so there is no step size to tune.',
    },
    {
      key: 'restarts',
      label: 'Restarts',
      type: 'integer',
      min: 1,
      max: 100,
      default: 1,
      help: 'Independent attempts from different random starts on the points still unbroken.',
      advanced: true,
    },
  ];
}

/** L-inf radii above 1 mean nothing on the 0–1 pixel scale. */
export function checkApgdParams(p: Record<string, unknown>, what: string): void {
  if (p.norm === 'linf' && (p.eps as number) > 1) {
    throw new LabError('bad_input', `${what}: an L∞ eps above 1 allows any image; use at most 1 (pixels are on the 0–1 scale).`);
  }
}
