/**
 * Calibration: does the model's confidence match how often it is right?
 *
 * Confidence is the largest softmax probability. Points fall into `bins` equal-width bins of
 * confidence: bin b (0-based) holds confidences in (b/B, (b+1)/B] (a confidence of exactly 0 goes
 * to the first bin). The expected calibration error (Guo et al. 2017) is
 *   ECE = sum_b (n_b / N) * |accuracy_b - mean confidence_b|,
 * the average gap between confidence and accuracy, weighted by how many points each bin holds.
 * The per-bin counts, mean confidences and accuracies are the data of a reliability diagram.
 */
export const ECE_BINS = 15;

export interface CalibrationBin {
  /** Bin edges: confidences in (lo, hi]. */
  lo: number;
  hi: number;
  count: number;
  /** Mean confidence of the points in the bin (null when empty). */
  confidence: number | null;
  /** Fraction of the points in the bin that were classified correctly (null when empty). */
  accuracy: number | null;
}

export interface Calibration {
  ece: number;
  count: number;
  bins: CalibrationBin[];
}

/** Running sums for one calibration, filled batch by batch. */
export class CalibrationAccumulator {
  private readonly counts: Float64Array;
  private readonly confSums: Float64Array;
  private readonly correctSums: Float64Array;
  constructor(readonly bins = ECE_BINS) {
    this.counts = new Float64Array(bins);
    this.confSums = new Float64Array(bins);
    this.correctSums = new Float64Array(bins);
  }

  /** Adds one point: its confidence (0..1) and whether it was classified correctly. */
  add(confidence: number, correct: boolean): void {
    // (tolerance: 2/15 * 15 is 2.0000000000000004 in floating point, and belongs to the bin ending at 2/15)
    const b = Math.min(this.bins - 1, Math.max(0, Math.ceil(confidence * this.bins - 1e-9) - 1));
    this.counts[b]++;
    this.confSums[b] += confidence;
    this.correctSums[b] += correct ? 1 : 0;
  }

  /** Adds a batch of logits (row-major [n, k]) with their labels. */
  addLogits(z: Float32Array, labels: ArrayLike<number>, k: number): void {
    const n = labels.length;
    for (let i = 0; i < n; i++) {
      const { confidence, predicted } = softmaxTop(z, i, k);
      this.add(confidence, predicted === labels[i]);
    }
  }

  result(): Calibration {
    let total = 0;
    for (const c of this.counts) total += c;
    let ece = 0;
    const bins: CalibrationBin[] = [];
    for (let b = 0; b < this.bins; b++) {
      const n = this.counts[b];
      const confidence = n ? this.confSums[b] / n : null;
      const accuracy = n ? this.correctSums[b] / n : null;
      if (n && total) ece += (n / total) * Math.abs(accuracy! - confidence!);
      bins.push({ lo: b / this.bins, hi: (b + 1) / this.bins, count: n, confidence, accuracy });
    }
    return { ece, count: total, bins };
  }
}

/** The largest softmax probability of row i of logits z [n, k], and its class. */
export function softmaxTop(z: Float32Array, i: number, k: number): { confidence: number; predicted: number } {
  let m = -Infinity;
  let arg = 0;
  for (let c = 0; c < k; c++) {
    const v = z[i * k + c];
    if (v > m) {
      m = v;
      arg = c;
    }
  }
  let s = 0;
  for (let c = 0; c < k; c++) s += Math.exp(z[i * k + c] - m);
  return { confidence: 1 / s, predicted: arg };
}

/** ECE and reliability data from confidences and correctness flags. */
export function calibration(confidences: ArrayLike<number>, correct: ArrayLike<number | boolean>, bins = ECE_BINS): Calibration {
  const acc = new CalibrationAccumulator(bins);
  for (let i = 0; i < confidences.length; i++) acc.add(confidences[i], !!correct[i]);
  return acc.result();
}
