/**
 * Group DRO (Sagawa et al., 2020) over classes or user-defined groups of classes: the loss is
 * Σ_g q_g·L_g with L_g the mean cross-entropy of group g in the batch, and the group weights
 * follow exponentiated gradient ascent, q_g ← q_g·exp(η·L_g), renormalized, so the worst group
 * gets more and more of the weight. q is kept between steps (and in checkpoints).
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { ParamValues } from '../../params';
import { ce, oneHot } from '../losses/common';
import type { TrainMethod } from './method';

const ITEM = String.raw`\s*\d+(\s*-\s*\d+)?\s*`;
const GROUP = `${ITEM}(,${ITEM})*`;
export const GROUPS_PATTERN = `^(\\s*|${GROUP}(;${GROUP})*)$`;

/** Class → group index. Empty text: one group per class. Classes not listed form one extra group. */
export function parseGroups(text: string, numClasses: number): { groupOf: Int32Array; count: number } {
  const groupOf = new Int32Array(numClasses).fill(-1);
  if (!text.trim()) return { groupOf: Int32Array.from({ length: numClasses }, (_, i) => i), count: numClasses };
  const parts = text.split(';');
  parts.forEach((part, g) => {
    for (const item of part.split(',')) {
      const [a, b] = item.split('-').map((s) => Number(s.trim()));
      const hi = b === undefined ? a : b;
      if (!(a <= hi)) throw new LabError('bad_input', `Group DRO: the range "${item.trim()}" is empty; write low-high.`);
      for (let c = a; c <= hi; c++) {
        if (c >= numClasses) throw new LabError('bad_input', `Group DRO: class ${c} does not exist (the classes are 0 to ${numClasses - 1}).`);
        if (groupOf[c] !== -1) throw new LabError('bad_input', `Group DRO: class ${c} is in two groups; put each class in one group.`);
        groupOf[c] = g;
      }
    }
  });
  let count = parts.length;
  if (groupOf.some((g) => g === -1)) {
    for (let c = 0; c < numClasses; c++) if (groupOf[c] === -1) groupOf[c] = count;
    count++;
  }
  return { groupOf, count };
}

/** One Group DRO step from per-group mean losses (groups absent from the batch keep their weight). */
export function updateGroupWeights(q: number[], groupLoss: ArrayLike<number>, present: ArrayLike<number>, eta: number): number[] {
  const next = q.map((w, g) => (present[g] > 0 ? w * Math.exp(eta * groupLoss[g]) : w));
  const s = next.reduce((a, b) => a + b, 0);
  return next.map((w) => w / s);
}

function groupsOf(p: ParamValues, numClasses: number) {
  return parseGroups(String(p.groups ?? ''), numClasses);
}

export const groupDro: TrainMethod = {
  entry: {
    name: 'group-dro',
    ...({ family: 'regularizer', tradeoff: { clean: 'average a little lower', robust: 'higher accuracy of the worst class or group', time: 'about 1×' }, monitor: 'none' } as const),
    title: 'Group DRO (worst-group training)',
    description:
      'Minimizes the loss of the worst class (or the worst of your groups of classes) instead of the average, by giving groups that do badly more and more weight. Raises the worst group’s accuracy, usually at some cost in average accuracy; same time as standard training.',
    params: [
      {
        key: 'eta',
        label: 'Eta (group weight step)',
        type: 'number',
        min: 0,
        max: 10,
        step: 0.001,
        default: 0.01,
        help: 'How fast weight moves to the worst group; 0 keeps equal weights (plain class-balanced loss).',
      },
      {
        key: 'groups',
        label: 'Groups',
        type: 'string',
        default: '',
        pattern: GROUPS_PATTERN,
        help: 'Empty: every class is its own group. Or groups of class numbers separated by semicolons, e.g. "0,6,8;3,5;1-2" (classes not listed form one more group).',
      },
    ],
  },
  check(p) {
    // Range and duplicate checks need the class count; run them with a generous one here, exactly in training.
    if (String(p.groups ?? '').trim()) parseGroups(String(p.groups), 100000);
  },
  loss(model, x, y, p, ctx) {
    const { groupOf, count } = groupsOf(p, ctx.numClasses);
    const logits = model.forward(x, { training: true });
    const per = ce(logits, y);
    const gidx = tf.gather(tf.tensor1d(groupOf, 'int32'), tf.cast(y, 'int32')) as tf.Tensor1D;
    const gmask = oneHot(gidx, count);
    const counts = tf.sum(gmask, 0);
    const groupLoss = tf.div(tf.sum(tf.mul(gmask, tf.expandDims(per, 1)), 0), tf.maximum(counts, 1));
    let q = ctx.state.q as number[] | undefined;
    if (!q || q.length !== count) q = new Array(count).fill(1 / count);
    const gl = groupLoss.dataSync();
    const present = counts.dataSync();
    q = updateGroupWeights(q, gl, present, p.eta as number);
    ctx.state.q = q;
    let worst = 0;
    for (let g = 0; g < count; g++) if (present[g] > 0) worst = Math.max(worst, gl[g]);
    return {
      loss: tf.sum(tf.mul(tf.tensor1d(q), groupLoss)) as tf.Scalar,
      logits,
      metrics: { worst_group_loss: tf.scalar(worst), max_group_weight: tf.scalar(Math.max(...q)) },
    };
  },
};
