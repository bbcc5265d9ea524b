/**
 * The measurements of an evaluation beyond accuracy, gathered batch by batch: per-class and
 * worst-class accuracy, confusion matrices (true × predicted, clean and under attack),
 * calibration (ECE, reliability diagram) on clean and adversarial images, robustness curves
 * (the attack re-run at each eps of a grid, or read off the per-image minimal perturbations),
 * the per-member breakdown of ensembles, targeted success, attack cost, the gradient-masking
 * checks and a small gallery of examples. `report()` turns them into an EvaluationReport.
 */
import { tf } from '../engine/backend';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import type { Attack, AttackResult, Norm, Tick } from '../attacks/attack';
import { resolveAttack } from '../attacks/registry';
import { argmaxRows, gatherRows, logitsOf } from '../attacks/util';
import type { ParamValues } from '../params';
import type { EvaluationReport } from '../../shared/schemas';
import { LabError } from '../../shared/errors';
import { CalibrationAccumulator, ECE_BINS, softmaxTop } from './calibration';
import { encodePerturbation, encodePixels, GalleryCollector } from './gallery';
import { checkOutputs, gradientCheck, maskingWarnings, squareOnRobust, unboundedAccuracy, type MaskingFindings } from './masking';

export interface SuiteOptions {
  attackName: string;
  numClasses: number;
  classNames: string[];
  epsGrid?: number[];
  gallery: number;
  checks: { masking: boolean; unbounded: boolean; blackBox: boolean };
}

/** Images of the first batch used by the cheap masking checks and the eps = 1 check. */
const CHECK_POINTS = 100;
/** Query budget of the Square run of the black-box check. */
const BLACKBOX_QUERIES = 1000;

/** The norm an attack measures in, whatever its report radius. */
export function attackNorm(attack: Attack | null, params: ParamValues): Norm | null {
  if (!attack) return null;
  const r = attack.radius?.({ ...params, eps: 1 });
  return r?.norm ?? null;
}

/**
 * Checks an eps grid against the attack before anything runs: the attack must have an eps that
 * means a radius, and every eps must be a valid value of it.
 */
export function checkEpsGrid(attack: Attack | null, attackName: string, params: ParamValues, grid: number[] | undefined): void {
  if (!grid?.length) return;
  if (!attack) throw new LabError('bad_input', 'An eps grid needs an attack; choose one (for example pgd) or leave the grid out.');
  if (attack.kind === 'minimal') return; // read off the minimal perturbations
  if (!attack.entry.params.some((p) => p.key === 'eps')) {
    throw new LabError('bad_input', `Attack ${attackName} has no eps, so it cannot be run on an eps grid.`);
  }
  for (const eps of grid) resolveAttack({ name: attackName, params: { ...params, eps } as Record<string, number | boolean | string> });
}

function median(v: number[]): number | null {
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class EvaluationSuite {
  private count = 0;
  private cleanCorrect = 0;
  private robustCorrect = 0;
  private readonly perClass: { count: number; clean: number; robust: number }[];
  private readonly confClean: number[][];
  private readonly confAdv: number[][];
  private readonly calClean = new CalibrationAccumulator(ECE_BINS);
  private readonly calAdv = new CalibrationAccumulator(ECE_BINS);
  private readonly gallery: GalleryCollector;
  private readonly grid: number[];
  private readonly curveRobust: number[];
  private readonly minimalNorms: number[] = [];
  private readonly stageSums: Map<string, { name: string; title: string; ran: number; broke: number; seconds: number; modelSeconds: number; gradEvals: number; queries: number; skipped?: string }> = new Map();
  private targetAttempted = 0;
  private targetHits = 0;
  private gradEvals = 0;
  private queries = 0;
  private attackSeconds = 0;
  private curveSeconds = 0;
  private checkSeconds = 0;
  private readonly findings: MaskingFindings = {};
  private readonly checksRan = new Set<string>();
  private blackBox = { ran: 0, broke: 0 };
  private shape: [number, number, number] = [0, 0, 0];
  private readonly norm: Norm | null;
  private readonly mainEps: number | null;

  constructor(
    private readonly model: Model,
    private readonly attack: Attack | null,
    private readonly params: ParamValues,
    private readonly o: SuiteOptions,
  ) {
    const k = o.numClasses;
    this.perClass = Array.from({ length: k }, () => ({ count: 0, clean: 0, robust: 0 }));
    this.confClean = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    this.confAdv = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    this.gallery = new GalleryCollector(o.gallery);
    this.grid = attack ? [...new Set(o.epsGrid ?? [])].sort((a, b) => a - b) : [];
    this.curveRobust = this.grid.map(() => 0);
    this.norm = attackNorm(attack, params);
    this.mainEps = attack?.radius?.(params)?.eps ?? null;
  }

  /**
   * Evaluates one batch: clean predictions, the attack, and everything measured on top.
   * Returns the clean predictions and the attack's `fooled` flags (null without an attack).
   */
  async batch(
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    labels: Int32Array,
    start: number,
    rng: Rng,
    tick: Tick,
  ): Promise<{ cleanPred: Int32Array; fooled: Uint8Array | null; gradEvals: number }> {
    // Only the main attack reports where it is; the checks' own attacks just yield (progress stays monotone).
    const quiet = () => tick();
    const [n, h, w, c] = x.shape;
    const d = h * w * c;
    const k = this.o.numClasses;
    this.shape = [h, w, c];
    const zClean = logitsOf(this.model, x);
    const kOut = n ? zClean.length / n : k;
    const cleanPred = argmaxRows(zClean, n, kOut);
    for (let i = 0; i < n; i++) {
      const t = labels[i];
      if (t >= k) {
        throw new LabError('shape_mismatch', `The dataset has label ${t} but the model predicts only ${k} classes; evaluate it on a dataset with the same classes.`);
      }
    }
    this.calClean.addLogits(zClean, labels, kOut);
    const cleanOk = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      cleanOk[i] = cleanPred[i] === labels[i] ? 1 : 0;
      this.confClean[labels[i]][cleanPred[i]]++;
    }
    if (this.count === 0) await this.firstBatchChecks(x, y, rng, quiet);

    let fooled: Uint8Array | null = null;
    let batchGradEvals = 0;
    if (this.attack) {
      const t0 = Date.now();
      const res = await this.attack.run(this.model, x, y, this.params, { rng: rng.fork('attack'), tick, numClasses: k });
      this.attackSeconds += (Date.now() - t0) / 1000;
      try {
        fooled = res.fooled;
        batchGradEvals = res.gradEvals;
        this.gradEvals += res.gradEvals * n;
        this.queries += (res.queries ?? 0) * n;
        await this.afterAttack(x, y, labels, cleanOk, zClean, kOut, res, start, rng, quiet);
      } finally {
        res.xAdv.dispose();
      }
    } else if (this.o.gallery > 0) {
      const xData = x.dataSync() as Float32Array;
      for (let i = 0; i < n && this.gallery.wants(false); i++) {
        const top = softmaxTop(zClean, i, kOut);
        const p = encodePerturbation(xData, xData, i * d, d);
        const img = encodePixels(xData, i * d, d);
        this.gallery.add({
          index: start + i, label: labels[i], labelName: this.className(labels[i]), cleanPred: cleanPred[i], advPred: cleanPred[i],
          cleanConfidence: top.confidence, advConfidence: top.confidence, broken: false, clean: img, adversarial: img,
          perturbation: p.data, amplification: p.amplification, linf: 0, l2: 0,
        });
      }
    }
    for (let i = 0; i < n; i++) {
      const pc = this.perClass[labels[i]];
      pc.count++;
      this.count++;
      if (cleanOk[i]) {
        pc.clean++;
        this.cleanCorrect++;
        if (!fooled || !fooled[i]) {
          pc.robust++;
          this.robustCorrect++;
        }
      }
    }
    return { cleanPred, fooled, gradEvals: batchGradEvals };
  }

  private className(label: number): string {
    return this.o.classNames[label] ?? String(label);
  }

  private async firstBatchChecks(x: tf.Tensor4D, y: tf.Tensor1D, rng: Rng, tick: () => Promise<void>): Promise<void> {
    const m = Math.min(CHECK_POINTS, x.shape[0]);
    if (!m || (!this.o.checks.masking && !this.o.checks.unbounded)) return;
    const t0 = Date.now();
    const idx = Array.from({ length: m }, (_, i) => i);
    const xs = gatherRows(x, idx);
    const ys = gatherRows(y, idx);
    try {
      if (this.o.checks.masking) {
        this.findings.outputs = checkOutputs(this.model, xs);
        const g = gradientCheck(this.model, xs, ys);
        this.findings.zeroGradients = { fraction: g.exactZero, points: m, lossRounded: g.lossRounded, tiny: g.tiny };
        this.checksRun('outputs', 'zero-gradients');
      }
      if (this.o.checks.unbounded) {
        this.findings.unbounded = { accuracy: await unboundedAccuracy(this.model, xs, ys, rng.fork('unbounded-check'), tick), points: m, numClasses: this.o.numClasses };
        this.checksRun('unbounded');
      }
    } finally {
      tf.dispose([xs, ys]);
    }
    this.checkSeconds += (Date.now() - t0) / 1000;
  }

  private checksRun(...names: string[]): void {
    for (const nm of names) this.checksRan.add(nm);
  }

  private async afterAttack(
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    labels: Int32Array,
    cleanOk: Uint8Array,
    zClean: Float32Array,
    kOut: number,
    res: AttackResult,
    start: number,
    rng: Rng,
    tick: () => Promise<void>,
  ): Promise<void> {
    const [n, h, w, c] = x.shape;
    const d = h * w * c;
    const zAdv = logitsOf(this.model, res.xAdv);
    const advPred = argmaxRows(zAdv, n, kOut);
    this.calAdv.addLogits(zAdv, labels, kOut);
    for (let i = 0; i < n; i++) this.confAdv[labels[i]][advPred[i]]++;
    if (res.perturbation) for (let i = 0; i < n; i++) this.minimalNorms.push(res.perturbation[i]);
    if (res.stages) {
      for (const s of res.stages) {
        const acc = this.stageSums.get(s.name) ?? { name: s.name, title: s.title, ran: 0, broke: 0, seconds: 0, modelSeconds: 0, gradEvals: 0, queries: 0 };
        acc.ran += s.ran;
        for (let i = 0; i < n; i++) if (s.broke[i] && cleanOk[i]) acc.broke++;
        acc.seconds += s.seconds;
        acc.modelSeconds += s.modelSeconds ?? 0;
        acc.gradEvals += s.gradEvals;
        acc.queries += s.queries;
        if (s.skipped) acc.skipped = s.skipped;
        this.stageSums.set(s.name, acc);
      }
      const sq = res.stages.find((s) => s.name === 'square' && !s.skipped);
      if (sq) {
        let broke = 0;
        for (let i = 0; i < n; i++) if (sq.broke[i] && cleanOk[i]) broke++;
        this.blackBox.ran += sq.ran;
        this.blackBox.broke += broke;
        this.checksRun('blackbox');
      }
    }
    if (res.targetHit) {
      for (let i = 0; i < n; i++) {
        if (!cleanOk[i]) continue;
        this.targetAttempted++;
        this.targetHits += res.targetHit[i];
      }
    }
    // Gallery: images whose prediction the attack flipped first, then others.
    if (this.o.gallery > 0) {
      let xData: Float32Array | null = null;
      let advData: Float32Array | null = null;
      for (let i = 0; i < n; i++) {
        const broken = !!cleanOk[i] && advPred[i] !== labels[i];
        if (!this.gallery.wants(broken)) continue;
        xData ??= x.dataSync() as Float32Array;
        advData ??= res.xAdv.dataSync() as Float32Array;
        const p = encodePerturbation(xData, advData, i * d, d);
        this.gallery.add({
          index: start + i,
          label: labels[i],
          labelName: this.className(labels[i]),
          cleanPred: argmaxRows(zClean.subarray(i * kOut, (i + 1) * kOut), 1, kOut)[0],
          advPred: advPred[i],
          cleanConfidence: softmaxTop(zClean, i, kOut).confidence,
          advConfidence: softmaxTop(zAdv, i, kOut).confidence,
          broken,
          clean: encodePixels(xData, i * d, d),
          adversarial: encodePixels(advData, i * d, d),
          perturbation: p.data,
          amplification: p.amplification,
          linf: p.linf,
          l2: p.l2,
        });
      }
    }
    // Robustness curve: the attack again at every eps of the grid, smallest first. A point broken
    // at some eps is broken at every larger one (the smaller ball lies inside the larger), so each
    // run only attacks the points still unbroken.
    if (this.grid.length && this.attack!.kind !== 'minimal') {
      const t0 = Date.now();
      const broken = new Uint8Array(n);
      for (let i = 0; i < n; i++) broken[i] = !cleanOk[i] ? 1 : 0;
      for (let g = 0; g < this.grid.length; g++) {
        const eps = this.grid[g];
        if (this.mainEps !== null && eps >= this.mainEps) for (let i = 0; i < n; i++) if (res.fooled[i]) broken[i] = 1;
        const idx: number[] = [];
        for (let i = 0; i < n; i++) if (!broken[i]) idx.push(i);
        if (idx.length && eps > 0) {
          const xs = gatherRows(x, idx);
          const ys = gatherRows(y, idx);
          try {
            const { params } = resolveAttack({ name: this.o.attackName, params: { ...this.params, eps } as Record<string, number | boolean | string> });
            const r = await this.attack!.run(this.model, xs, ys, params, { rng: rng.fork(`curve-${g}`), tick, numClasses: this.o.numClasses });
            r.xAdv.dispose();
            idx.forEach((i, j) => {
              if (r.fooled[j]) broken[i] = 1;
            });
          } finally {
            tf.dispose([xs, ys]);
          }
        }
        let robust = 0;
        for (let i = 0; i < n; i++) robust += broken[i] ? 0 : 1;
        this.curveRobust[g] += robust;
      }
      this.curveSeconds += (Date.now() - t0) / 1000;
    }
    // Black-box check: Square on the points the white-box attack left robust.
    if (this.o.checks.blackBox && !this.attack!.blackBox && this.attack!.kind !== 'minimal' && !res.stages && this.norm === 'linf' && this.mainEps !== null) {
      const t0 = Date.now();
      const robust = new Uint8Array(n);
      for (let i = 0; i < n; i++) robust[i] = cleanOk[i] && !res.fooled[i] ? 1 : 0;
      const r = await squareOnRobust(this.model, x, y, robust, Math.min(1, this.mainEps), BLACKBOX_QUERIES, rng.fork('blackbox-check'), tick);
      this.blackBox.ran += r.ran;
      this.blackBox.broke += r.broke;
      this.checksRun('blackbox');
      this.checkSeconds += (Date.now() - t0) / 1000;
    }
  }

  /** The full report, after the last batch. */
  report(seconds: number): EvaluationReport {
    const a = this.attack;
    const k = this.o.numClasses;
    const count = this.count;
    const cleanAccuracy = count ? this.cleanCorrect / count : 0;
    const robustAccuracy = a ? (count ? this.robustCorrect / count : 0) : null;
    const perClass = this.perClass.map((p, label) => ({
      label,
      name: this.className(label),
      count: p.count,
      cleanCorrect: p.clean,
      robustCorrect: a ? p.robust : null,
      cleanAccuracy: p.count ? p.clean / p.count : null,
      robustAccuracy: a && p.count ? p.robust / p.count : null,
    }));
    const worst = (key: 'cleanAccuracy' | 'robustAccuracy') => {
      let best: { label: number; name: string; accuracy: number } | null = null;
      for (const p of perClass) {
        const v = p[key];
        if (v == null || !p.count) continue;
        if (!best || v < best.accuracy) best = { label: p.label, name: p.name, accuracy: v };
      }
      return best;
    };
    const norm = this.norm;
    let epsCurve: EvaluationReport['epsCurve'] = null;
    let minimal: EvaluationReport['minimal'] = null;
    if (a?.kind === 'minimal' && norm) {
      const found = this.minimalNorms.filter((v) => Number.isFinite(v));
      const attacked = this.minimalNorms.filter((v) => v > 0).length;
      const positives = found.filter((v) => v > 0);
      minimal = {
        norm,
        median: median(this.minimalNorms.filter((v) => v > 0).map((v) => (Number.isFinite(v) ? v : Number.MAX_VALUE))) ?? null,
        mean: positives.length ? positives.reduce((s, v) => s + v, 0) / positives.length : null,
        found: positives.length,
        attacked,
        perPoint: this.minimalNorms.map((v) => (Number.isFinite(v) ? v : null)),
      };
      if (minimal.median === Number.MAX_VALUE) minimal.median = null;
      const maxFound = positives.length ? Math.max(...positives) : 1;
      const grid = this.o.epsGrid?.length ? [...new Set(this.o.epsGrid)].sort((x, y) => x - y) : Array.from({ length: 21 }, (_, i) => (i / 20) * maxFound * 1.05);
      // Points misclassified already have size 0 and count as broken at every radius.
      epsCurve = {
        source: 'minimal',
        norm,
        points: grid.map((eps) => ({ eps, robustAccuracy: count ? this.minimalNorms.filter((v) => v > 0 && !(v <= eps)).length / count : 0 })),
      };
    } else if (this.grid.length && norm) {
      epsCurve = { source: 'grid', norm, points: this.grid.map((eps, g) => ({ eps, robustAccuracy: count ? this.curveRobust[g] / count : 0 })) };
    }
    let stages: EvaluationReport['stages'] = null;
    if (this.stageSums.size) {
      let robust = this.cleanCorrect;
      stages = [...this.stageSums.values()].map((s) => {
        robust -= s.broke;
        return {
          name: s.name,
          title: s.title,
          ran: s.ran,
          broke: s.broke,
          robustAccuracyAfter: count ? robust / count : 0,
          seconds: s.seconds,
          modelSeconds: s.modelSeconds,
          gradEvalsPerPoint: count ? s.gradEvals / count : 0,
          queriesPerPoint: count ? s.queries / count : 0,
          ...(s.skipped ? { skipped: s.skipped } : {}),
        };
      });
    }
    if (this.checksRan.has('blackbox')) {
      this.findings.blackBox = { ...this.blackBox, count, source: stages ? 'the gradient attacks before it' : `the ${a?.entry.name ?? ''} attack` };
    }
    const measurements: Record<string, number> = {};
    if (this.findings.outputs) {
      measurements.repeat_difference = this.findings.outputs.repeatDifference;
      measurements.probability_like = this.findings.outputs.probabilityLike ? 1 : 0;
    }
    if (this.findings.zeroGradients) {
      measurements.zero_gradient_fraction = this.findings.zeroGradients.fraction;
      measurements.loss_rounded_fraction = this.findings.zeroGradients.lossRounded ?? 0;
      measurements.tiny_gradient_fraction = this.findings.zeroGradients.tiny ?? 0;
    }
    if (this.findings.unbounded) measurements.eps1_accuracy = this.findings.unbounded.accuracy;
    if (this.findings.blackBox) {
      measurements.blackbox_ran = this.findings.blackBox.ran;
      measurements.blackbox_broke = this.findings.blackBox.broke;
    }
    const radius = a?.radius?.(this.params) ?? null;
    const gradEvalsPerPoint = count ? this.gradEvals / count : 0;
    return {
      version: 1,
      attack: {
        // (An attack-like evaluator run under the name 'none', such as a certifier, reports its own name.)
        name: a && this.o.attackName === 'none' ? a.entry.name : this.o.attackName,
        title: a?.entry.title ?? 'No attack (clean accuracy)',
        params: { ...this.params },
        kind: a ? (a.kind ?? 'bounded') : 'none',
        blackBox: !!a?.blackBox,
        norm,
        eps: radius?.eps ?? null,
      },
      count,
      numClasses: k,
      classNames: Array.from({ length: k }, (_, i) => this.className(i)),
      cleanAccuracy,
      robustAccuracy,
      perClass,
      worstClass: { clean: worst('cleanAccuracy'), robust: a ? worst('robustAccuracy') : null },
      confusion: { clean: this.confClean, adversarial: a ? this.confAdv : null },
      epsCurve,
      minimal,
      stages,
      targeted: this.targetAttempted ? { successRate: this.targetHits / this.targetAttempted, attempted: this.targetAttempted } : null,
      calibration: { bins: ECE_BINS, clean: this.calClean.result(), adversarial: a ? this.calAdv.result() : null },
      cost: {
        seconds,
        attackSeconds: this.attackSeconds,
        curveSeconds: this.curveSeconds,
        checkSeconds: this.checkSeconds,
        secondsPerPoint: count ? this.attackSeconds / count : 0,
        gradEvalsPerPoint,
        queriesPerPoint: count ? this.queries / count : 0,
      },
      checks: { ran: [...this.checksRan], warnings: maskingWarnings(this.findings), measurements },
      gallery: { height: this.shape[0], width: this.shape[1], channels: this.shape[2], items: this.gallery.items() },
      gradEvalsPerPoint,
      seconds,
      radius,
    };
  }
}
