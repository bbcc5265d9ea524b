/**
 * AutoAttack, standard version, L-inf (Croce & Hein, ICML 2020): a fixed ensemble of
 * parameter-free attacks, each run only on the points that every earlier member failed to
 * break, so each point's result is the worst case over the members.
 *
 * Members, in order:
 *   1. APGD-CE (100 steps, no restarts),
 *   2. APGD-T (targeted DLR loss, 9 target classes, 100 steps each),
 *   3. in place of FAB-T, which this lab does not implement: APGD-DLR (untargeted DLR loss,
 *      100 steps) by default, or the MD attack, or nothing (parameter `fabSubstitute`),
 *   4. Square (black-box, 5000 queries).
 * Members that need more classes than the model has (DLR: 3, targeted DLR: 4) are skipped and
 * say so. The result lists, per member, how many points it ran on and broke, and what it cost.
 */
import { modelTime } from '../engine/model-time';
import { tf } from '../engine/backend';
import { parseParams, type ParamValues } from '../params';
import type { Attack, AttackResult, StageResult, Tick } from './attack';
import { apgdCe } from './apgd-ce';
import { apgdDlr } from './apgd-dlr';
import { apgdT } from './apgd-t';
import { md } from './md';
import { square } from './square';
import { argmaxRows, copyRow, gatherRows, labelsOf, logitsOf } from './util';

interface Member {
  attack: Attack;
  params: (p: ParamValues) => Record<string, unknown>;
}

export function autoAttackMembers(p: ParamValues): Member[] {
  const eps = p.eps as number;
  const steps = p.steps as number;
  const members: Member[] = [
    { attack: apgdCe, params: () => ({ eps, norm: 'linf', steps, restarts: 1 }) },
    { attack: apgdT, params: () => ({ eps, norm: 'linf', steps, restarts: 1, targetClasses: p.targetClasses }) },
  ];
  if (p.fabSubstitute === 'apgd-dlr') members.push({ attack: apgdDlr, params: () => ({ eps, norm: 'linf', steps, restarts: 1 }) });
  if (p.fabSubstitute === 'md') members.push({ attack: md, params: () => ({ eps, steps, restarts: 1 }) });
  members.push({ attack: square, params: () => ({ eps, queries: p.squareQueries }) });
  return members;
}

export const autoattack: Attack = {
  entry: {
    name: 'autoattack',
    title: 'AutoAttack (standard, L∞)',
    description:
      'The standard reliable evaluation: APGD-CE, then APGD-T (targeted, 9 classes), then APGD-DLR in place of FAB-T (which this lab does not implement; MD or nothing can be chosen instead), then the black-box Square attack with 5000 queries — each only on the images still unbroken. Reports robust accuracy after each member and which member broke which images.',
    params: [
      {
        key: 'eps',
        label: 'Epsilon',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: 'pixel (0–1)',
        help: 'Largest change allowed per pixel, on the 0–1 scale (8/255 ≈ 0.031 for CIFAR-10, 0.3 for MNIST in the literature).',
      },
      {
        key: 'steps',
        label: 'APGD steps',
        type: 'integer',
        min: 1,
        max: 10000,
        default: 100,
        help: 'Steps of each APGD run (the standard version uses 100).',
        advanced: true,
      },
      {
        key: 'targetClasses',
        label: 'Target classes',
        type: 'integer',
        min: 1,
        max: 1000,
        default: 9,
        help: 'Target classes tried by APGD-T (the standard version uses 9).',
        advanced: true,
      },
      {
        key: 'fabSubstitute',
        label: 'Third member',
        type: 'enum',
        default: 'apgd-dlr',
        options: [
          { value: 'apgd-dlr', label: 'APGD-DLR (untargeted)' },
          { value: 'md', label: 'MD attack' },
          { value: 'none', label: 'None' },
        ],
        help: 'What runs in the place of FAB-T, which is not implemented here.',
        advanced: true,
      },
      {
        key: 'squareQueries',
        label: 'Square queries',
        type: 'integer',
        min: 1,
        max: 100000,
        default: 5000,
        help: 'Query budget of the Square attack per image (the standard version uses 5000); it only runs on images the gradient attacks could not break.',
        advanced: true,
      },
    ],
  },
  radius: (p) => ({ norm: 'linf', eps: p.eps as number }),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const d = n ? x.size / n : 0;
    const labels = labelsOf(y);
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : (ctx.numClasses ?? 0);
    const pred0 = argmaxRows(z0, n, k);
    const fooled = new Uint8Array(n);
    for (let i = 0; i < n; i++) fooled[i] = pred0[i] !== labels[i] ? 1 : 0;
    const best = Float32Array.from(x.dataSync() as Float32Array);
    let gradEvals = 0;
    let queries = n;
    const stages: StageResult[] = [];
    let first = true;
    const members = autoAttackMembers(params);
    for (const [stageIndex, member] of members.entries()) {
      const a = member.attack;
      const stage: StageResult = { name: a.entry.name, title: a.entry.title, broke: new Uint8Array(n), ran: 0, seconds: 0, gradEvals: 0, queries: 0 };
      stages.push(stage);
      const need = a.minClasses?.({}) ?? 2;
      if (k < need) {
        stage.skipped = `needs at least ${need} classes; the model has ${k}`;
        continue;
      }
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (!fooled[i]) idx.push(i);
      if (!idx.length) continue;
      const t0 = Date.now();
      const m0 = modelTime();
      const mp = parseParams(`AutoAttack member ${a.entry.name}`, a.entry.params, member.params(params));
      const xs = gatherRows(x, idx);
      const ys = gatherRows(y, idx);
      let res: AttackResult;
      try {
        // The member's ticks name the stage; the points it does not see were broken already.
        const tick: Tick = (info) =>
          ctx.tick({
            ...info,
            stage: a.entry.name,
            stageIndex,
            stages: members.length,
            unbroken: info?.unbroken ?? idx.length,
            points: n,
          });
        await tick({ iteration: 0, iterations: 1 });
        res = await a.run(model, xs, ys, mp, { rng: ctx.rng.fork(a.entry.name), tick, numClasses: k });
      } finally {
        tf.dispose([xs, ys]);
      }
      const advData = res.xAdv.dataSync() as Float32Array;
      idx.forEach((g, j) => {
        if (res.fooled[j]) {
          fooled[g] = 1;
          stage.broke[g] = 1;
          copyRow(advData, j, best, g, d);
        } else if (first) {
          // Unbroken points keep the first member's (highest-loss) point.
          copyRow(advData, j, best, g, d);
        }
      });
      res.xAdv.dispose();
      first = false;
      stage.ran = idx.length;
      stage.seconds = (Date.now() - t0) / 1000;
      const m1 = modelTime();
      stage.modelSeconds = (m1.forwardMs - m0.forwardMs + m1.gradMs - m0.gradMs) / 1000;
      stage.gradEvals = res.gradEvals * idx.length;
      stage.queries = (res.queries ?? 0) * idx.length;
      gradEvals += stage.gradEvals;
      queries += stage.queries;
    }
    return { xAdv: tf.tensor4d(best, x.shape), fooled, gradEvals: n ? gradEvals / n : 0, queries: n ? queries / n : 0, stages };
  },
};
