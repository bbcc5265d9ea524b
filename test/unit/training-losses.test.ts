/**
 * The losses of src/core/training/losses against values computed by hand (plain JavaScript on
 * the softmax), on a tiny 2×3 batch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { ce, klFromLogits, smoothTargets } from '../../src/core/training/losses/common';
import {
  RCE_LOG_CLAMP,
  bootstrapLoss,
  clipLogits,
  gceLoss,
  labelSmoothingLoss,
  logitClipLoss,
  maeLoss,
  nceLoss,
  polyLoss,
  rceLoss,
  sceLoss,
} from '../../src/core/training/losses/noisy';
import { tradesLoss } from '../../src/core/training/methods/trades';
import { martLoss } from '../../src/core/training/methods/mart';

const Z = [
  [2, 1, 0],
  [0.5, -1, 3],
];
const Y = [0, 1];

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
const P = Z.map(softmax);
const CE = P.map((p, i) => -Math.log(p[Y[i]]));

function run(f: (z: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor): number[] {
  return tf.tidy(() => Array.from(f(tf.tensor2d(Z), tf.tensor1d(Y, 'int32')).dataSync()));
}

function close(a: number[], b: number[], digits = 5) {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
}

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

describe('noisy-label losses', () => {
  it('cross-entropy', () => close(run((z, y) => ce(z, y)), CE));

  it('GCE tends to cross-entropy as q → 0 and is 1 − p_y at q = 1', () => {
    // (1 − p^q)/q = CE − q·CE²/2 + …: the gap to CE shrinks with q.
    const gap = (q: number) => Math.max(...run((z, y) => gceLoss(z, y, q)).map((v, i) => Math.abs(v - CE[i])));
    expect(gap(1e-3)).toBeLessThan(0.01);
    expect(gap(1e-3)).toBeLessThan(gap(1e-2));
    expect(gap(1e-2)).toBeLessThan(gap(1e-1));
    close(run((z, y) => gceLoss(z, y, 1)), P.map((p, i) => 1 - p[Y[i]]));
    close(run((z, y) => gceLoss(z, y, 0.7)), P.map((p, i) => (1 - p[Y[i]] ** 0.7) / 0.7));
  });

  it('RCE is −A·(1 − p_y) with A = log(1e-4); SCE = α·CE + β·RCE', () => {
    expect(RCE_LOG_CLAMP).toBeCloseTo(-9.21034, 4);
    const rce = P.map((p, i) => -Math.log(1e-4) * (1 - p[Y[i]]));
    close(run((z, y) => rceLoss(z, y)), rce, 4);
    close(run((z, y) => sceLoss(z, y, 0.1, 1)), CE.map((c, i) => 0.1 * c + rce[i]), 4);
  });

  it('NCE = CE / Σ_k −log p_k; MAE = 1 − p_y; Poly-1 = CE + ε(1 − p_y)', () => {
    close(run((z, y) => nceLoss(z, y)), P.map((p, i) => CE[i] / p.reduce((s, v) => s - Math.log(v), 0)));
    close(run((z, y) => maeLoss(z, y)), P.map((p, i) => 1 - p[Y[i]]));
    close(run((z, y) => polyLoss(z, y, 2)), CE.map((c, i) => c + 2 * (1 - P[i][Y[i]])));
  });

  it('logit clipping rescales logits longer than 1/τ and leaves shorter ones', () => {
    const norm = Z.map((z) => Math.hypot(...z));
    close(run((z) => clipLogits(z, 1)).slice(0, 3), Z[0].map((v) => v / norm[0]));
    close(run((z, y) => logitClipLoss(z, y, 0.01)), CE);
    const clipped = Z.map((z, i) => softmax(z.map((v) => v / norm[i])));
    close(run((z, y) => logitClipLoss(z, y, 1)), clipped.map((p, i) => -Math.log(p[Y[i]])));
  });

  it('label smoothing: CE against (1 − s)·one-hot + s/K', () => {
    const s = 0.3;
    const want = P.map((p, i) => -p.reduce((acc, v, k) => acc + ((k === Y[i] ? 1 - s : 0) + s / 3) * Math.log(v), 0));
    close(run((z, y) => labelSmoothingLoss(z, y, s)), want);
    close(run((z, y) => labelSmoothingLoss(z, y, 0)), CE);
  });

  it('bootstrapping: β = 1 is CE; hard mixes in the predicted class, soft the probabilities', () => {
    close(run((z, y) => bootstrapLoss(z, y, 1, 'soft')), CE);
    const b = 0.8;
    const pred = P.map((p) => p.indexOf(Math.max(...p)));
    const hard = P.map((p, i) => -(b * Math.log(p[Y[i]]) + (1 - b) * Math.log(p[pred[i]])));
    close(run((z, y) => bootstrapLoss(z, y, b, 'hard')), hard);
    const soft = P.map((p, i) => -p.reduce((acc, v, k) => acc + ((k === Y[i] ? b : 0) + (1 - b) * v) * Math.log(v), 0));
    close(run((z, y) => bootstrapLoss(z, y, b, 'soft')), soft);
  });

  it('label-smoothed targets put ζ on the true class and spread the rest', () => {
    const t = tf.tidy(() => smoothTargets(tf.tensor1d([2], 'int32'), 4, 0.4).arraySync());
    close((t as number[][])[0], [0.2, 0.2, 0.4, 0.2]);
  });
});

describe('adversarial-training losses', () => {
  const ZA = [
    [1, 0.5, -1],
    [0, 2, 0.5],
  ];
  const PA = ZA.map(softmax);
  const kl = P.map((p, i) => p.reduce((s, v, k) => s + v * Math.log(v / PA[i][k]), 0));

  it('KL from logits', () => close(run((z) => klFromLogits(z, tf.tensor2d(ZA))), kl));

  it('TRADES: β = 0 is the clean cross-entropy; otherwise CE + β·KL(p ‖ p_adv)', () => {
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    close(run((z, y) => tradesLoss(z, tf.tensor2d(ZA), y, 0)), [mean(CE)]);
    close(run((z, y) => tradesLoss(z, tf.tensor2d(ZA), y, 6)), [mean(CE) + 6 * mean(kl)]);
  });

  it('MART: boosted CE on the adversarial logits + λ·KL·(1 − p_y(clean))', () => {
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const bce = PA.map((p, i) => {
      const wrong = Math.max(...p.filter((_, k) => k !== Y[i]));
      return -Math.log(p[Y[i]]) - Math.log(1.0001 - wrong + 1e-12);
    });
    const reg = kl.map((v, i) => v * (1.0000001 - P[i][Y[i]]));
    close(run((z, y) => martLoss(z, tf.tensor2d(ZA), y, 5)), [mean(bce) + 5 * mean(reg)], 4);
  });
});
