/**
 * Expected calibration error with 15 equal-width bins, checked against a hand computation.
 */
import { describe, expect, it } from 'vitest';
import { calibration, CalibrationAccumulator, softmaxTop } from '../../src/core/eval/calibration';

describe('expected calibration error (15 bins)', () => {
  it('matches a hand-computed case', () => {
    // Bins are (b/15, (b+1)/15]:
    //   0.95 -> bin 14 (0.933, 1]: 2 points, confidence 0.95, accuracy 1/2 -> gap 0.45,  weight 2/6
    //   0.62 -> bin 9 (0.6, 0.667]: 3 points, confidence 0.62, accuracy 2/3 -> gap 0.0467, weight 3/6
    //   0.30 -> bin 4 (0.267, 0.333]: 1 point, confidence 0.30, accuracy 0 -> gap 0.30,   weight 1/6
    // ECE = 0.15 + 0.023333 + 0.05 = 0.223333
    const conf = [0.95, 0.95, 0.62, 0.62, 0.62, 0.3];
    const correct = [1, 0, 1, 1, 0, 0];
    const c = calibration(conf, correct);
    expect(c.ece).toBeCloseTo(0.2233333, 6);
    expect(c.count).toBe(6);
    expect(c.bins).toHaveLength(15);
    expect(c.bins[14]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(c.bins[14].confidence).toBeCloseTo(0.95, 9);
    expect(c.bins[9].count).toBe(3);
    expect(c.bins[9].accuracy).toBeCloseTo(2 / 3, 9);
    expect(c.bins[4]).toMatchObject({ count: 1, accuracy: 0 });
    expect(c.bins[0]).toMatchObject({ count: 0, accuracy: null, confidence: null });
    expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(6);
    expect(c.bins[9].lo).toBeCloseTo(9 / 15, 12);
    expect(c.bins[9].hi).toBeCloseTo(10 / 15, 12);
  });

  it('puts edges in the lower bin, 0 in the first and 1 in the last; a perfectly calibrated set has ECE 0', () => {
    const acc = new CalibrationAccumulator(15);
    acc.add(2 / 15, true);
    acc.add(0, false);
    acc.add(1, true);
    const r = acc.result();
    expect(r.bins[1].count).toBe(1);
    expect(r.bins[0].count).toBe(1);
    expect(r.bins[14].count).toBe(1);
    // 10 points at confidence 0.7, 7 right: calibrated.
    const c = calibration(new Array(10).fill(0.7), [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(c.ece).toBeCloseTo(0, 12);
  });

  it('reads confidences from logits through softmax', () => {
    // logits [0, ln 3]: softmax [0.25, 0.75]
    const z = new Float32Array([0, Math.log(3), 2, 0]);
    expect(softmaxTop(z, 0, 2).confidence).toBeCloseTo(0.75, 6);
    expect(softmaxTop(z, 0, 2).predicted).toBe(1);
    const acc = new CalibrationAccumulator();
    acc.addLogits(z, [1, 1], 2);
    // point 0: conf 0.75 right; point 1: conf e^2/(e^2+1) = 0.8808 wrong (predicted 0)
    const r = acc.result();
    expect(r.ece).toBeCloseTo(0.5 * 0.25 + 0.5 * 0.880797, 5);
  });
});
