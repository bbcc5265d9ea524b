/**
 * Where an evaluation says it is from a tick inside its attack (#12): the fraction of the whole
 * job, images done and the robust share so far, on cases worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { inBatchProgress } from '../../src/core/eval/evaluate';

describe('inBatchProgress', () => {
  it('counts finished batches and the running batch by how far its attack got', () => {
    // 100 images done of 400, a batch of 100 half way through a 10-step attack: (100 + 50) / 400.
    const p = inBatchProgress({ iteration: 5, iterations: 10, unbroken: 40, points: 100 }, 100, 70, 100, 400);
    expect(p.fraction).toBeCloseTo(0.375, 12);
    expect(p.imagesDone).toBe(100);
    // 70 robust among the first 100, 40 still unbroken in the running batch: 110 / 200.
    expect(p.robustSoFar).toBeCloseTo(0.55, 12);
    expect(p.message).toBe('step 5 of 10 · images 101–200 of 400');
  });

  it('an ensemble counts its members as equal shares of the batch', () => {
    // Member 3 of 4 (index 2), a quarter through: (2 + 0.25) / 4 of a single batch of 200.
    const p = inBatchProgress({ stage: 'apgd-dlr', stageIndex: 2, stages: 4, iteration: 25, iterations: 100, unbroken: 120, points: 200 }, 0, 0, 200, 200);
    expect(p.fraction).toBeCloseTo(0.5625, 12);
    expect(p.robustSoFar).toBeCloseTo(0.6, 12);
    expect(p.stage).toBe('apgd-dlr');
    expect(p.message).toBe('apgd-dlr (3 of 4) · step 25 of 100 · images 1–200 of 200');
  });

  it('says nothing about robustness when the tick counts points of another set than the batch', () => {
    const p = inBatchProgress({ iteration: 1, iterations: 4, unbroken: 3, points: 8 }, 0, 0, 100, 100);
    expect(p.robustSoFar).toBeUndefined();
    expect(p.fraction).toBeCloseTo(0.25, 12);
  });
});
