/**
 * pgd-min: the smallest eps at which PGD breaks each point, by bisection. PGD first runs at the
 * largest radius `maxEps`; points it cannot break there are reported as robust up to maxEps
 * (size Infinity). For the others, `searchSteps` rounds of bisection run PGD with a per-point
 * radius halfway between the largest radius that failed and the smallest perturbation that
 * succeeded; the reported size is that of the smallest breaking perturbation found (in the chosen
 * norm), so it is an upper bound on the true minimal size, within (maxEps / 2^searchSteps) of
 * what PGD can find.
 */
import type { Attack, Norm } from './attack';
import { iterativeAttack } from './iterative';
import { minimalEpsParam, minimalResult } from './minimal';
import { copyRow, gatherRows, labelsOf, rowNorms } from './util';
import { LabError } from '../../shared/errors';

export const pgdMin: Attack = {
  entry: {
    name: 'pgd-min',
    title: 'PGD smallest-eps search',
    description:
      'For each image, the smallest eps at which PGD makes the model wrong, found by bisection between 0 and a largest radius. Gives accuracy as a function of eps from a single run, and the median breaking eps.',
    params: [
      {
        key: 'norm',
        label: 'Norm',
        type: 'enum',
        default: 'linf',
        options: [
          { value: 'linf', label: 'L∞ (largest change of any pixel)' },
          { value: 'l2', label: 'L2 (length of the whole change)' },
        ],
        help: 'How the size of a change is measured.',
      },
      {
        key: 'maxEps',
        label: 'Largest radius',
        type: 'number',
        min: 0.0001,
        max: 1000,
        step: 0.01,
        default: 0.5,
        help: 'The search runs between 0 and this radius (for L∞ at most 1); points PGD cannot break here count as robust at every radius searched.',
      },
      {
        key: 'searchSteps',
        label: 'Bisection rounds',
        type: 'integer',
        min: 1,
        max: 30,
        default: 7,
        help: 'Each round halves the uncertainty about the breaking radius and costs one PGD run on the breakable points.',
      },
      {
        key: 'steps',
        label: 'PGD steps',
        type: 'integer',
        min: 1,
        max: 10000,
        default: 20,
        help: 'Gradient steps of each PGD run (step size 2.5 × eps / steps).',
      },
      {
        key: 'restarts',
        label: 'Restarts',
        type: 'integer',
        min: 1,
        max: 100,
        default: 1,
        help: 'Random restarts of each PGD run.',
        advanced: true,
      },
      minimalEpsParam('either'),
    ],
  },
  kind: 'minimal',
  radius: (p) => ((p.eps as number) > 0 ? { norm: p.norm as Norm, eps: p.eps as number } : null),
  check(p) {
    if (p.norm === 'linf' && (p.maxEps as number) > 1) {
      throw new LabError('bad_input', 'pgd-min: an L∞ largest radius above 1 means nothing on the 0–1 pixel scale; use at most 1.');
    }
  },
  async run(model, x, y, params, ctx) {
    const norm = params.norm as Norm;
    const maxEps = params.maxEps as number;
    const steps = params.steps as number;
    const restarts = params.restarts as number;
    const n = x.shape[0];
    const d = n ? x.size / n : 0;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync() as Float32Array);
    const adv = Float32Array.from(x0);
    const norms = new Float32Array(n).fill(Infinity);
    let gradEvals = 0;
    let queries = 0;
    const pgdAt = async (idx: number[], eps: Float32Array, round: number) => {
      const xs = gatherRows(x, idx);
      try {
        const r = await iterativeAttack(model, xs, Int32Array.from(idx.map((i) => labels[i])), {
          norm,
          eps,
          alpha: eps.map((e) => (2.5 * e) / steps),
          steps,
          passes: restarts,
          randomStart: true,
          loss: () => 'ce',
          rng: ctx.rng.fork(`pgd-min-${round}`),
          tick: ctx.tick,
          label: 'pgd-min',
        });
        gradEvals += r.gradEvals;
        queries += r.queries;
        const delta = new Float32Array(idx.length * d);
        for (let j = 0; j < idx.length; j++) for (let q = 0; q < d; q++) delta[j * d + q] = r.best[j * d + q] - x0[idx[j] * d + q];
        return { fooled: r.fooled, best: r.best, sizes: rowNorms(delta, idx.length, norm) };
      } finally {
        xs.dispose();
      }
    };
    // The largest radius first.
    const all = Array.from({ length: n }, (_, i) => i);
    if (!n) return minimalResult(x, adv, norms, params.eps as number, { gradEvals, queries });
    const first = await pgdAt(all, new Float32Array(n).fill(maxEps), 0);
    const lo = new Float32Array(n);
    const hi = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (!first.fooled[i]) continue;
      copyRow(first.best, i, adv, i, d);
      norms[i] = first.sizes[i];
      hi[i] = first.sizes[i];
    }
    for (let round = 1; round <= (params.searchSteps as number); round++) {
      const idx = all.filter((i) => Number.isFinite(norms[i]) && norms[i] > 0 && hi[i] - lo[i] > 1e-6);
      if (!idx.length) break;
      const mid = Float32Array.from(idx.map((i) => (lo[i] + hi[i]) / 2));
      const r = await pgdAt(idx, mid, round);
      idx.forEach((i, j) => {
        if (r.fooled[j] && r.sizes[j] <= hi[i]) {
          copyRow(r.best, j, adv, i, d);
          norms[i] = r.sizes[j];
          hi[i] = Math.min(mid[j], r.sizes[j]);
        } else if (!r.fooled[j]) {
          lo[i] = mid[j];
        }
      });
    }
    return minimalResult(x, adv, norms, params.eps as number, { gradEvals, queries });
  },
};
