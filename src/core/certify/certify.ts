/**
 * Certified robustness of a model at an L∞ radius: a point is certified when the lower bound of
 * every margin z_y − z_k (k ≠ y) over the input box [max(x − eps, 0), min(x + eps, 1)] is
 * positive, so no perturbation within the box can change the prediction. Certified accuracy is
 * the fraction of points certified (a certified point is also classified correctly, since x
 * itself lies in the box).
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { Attack } from '../attacks/attack';
import type { Model } from '../models/model';
import { computeBounds, inputBox, type BoundMethod, type BoundOptions } from './bounds';
import { BoundGraph } from './graph';
import { marginSpec, minMargin } from './spec';

export const CERTIFY_METHODS = ['ibp', 'crown'] as const;
export type CertifyMethod = (typeof CERTIFY_METHODS)[number];

/** Lower bounds of the margins z_y − z_k, [N, K] (column y is 0). Call inside tf.tidy or a tape. */
export function marginLowerBounds(
  graph: BoundGraph,
  x: tf.Tensor,
  y: tf.Tensor1D,
  eps: number,
  numClasses: number,
  method: BoundMethod,
  opts: Omit<BoundOptions, 'method'> = {},
): tf.Tensor2D {
  const spec = marginSpec(y, numClasses);
  return computeBounds(graph, inputBox(x, eps), spec, { ...opts, method }).lower;
}

export interface CertifyBatchResult {
  /** Per point: the lower bound of min over k ≠ y of z_y − z_k. */
  margin: Float32Array;
  /** 1 where the point is certified (margin lower bound > 0). */
  certified: Uint8Array;
}

/** Certifies a batch, in sub-batches of `chunk` points (CROWN's coefficient tensors grow with the batch). */
export async function certifyBatch(
  model: Model,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  eps: number,
  method: CertifyMethod,
  opts: { chunk?: number; tick?: () => Promise<void>; bounds?: Omit<BoundOptions, 'method'> } = {},
): Promise<CertifyBatchResult> {
  if (!(eps >= 0) || eps > 1) throw new LabError('bad_input', `The certification radius eps must be between 0 and 1, got ${eps}.`);
  const graph = BoundGraph.fromModel(model);
  const n = x.shape[0];
  const chunk = opts.chunk ?? (method === 'ibp' ? 500 : model.archName === 'mlp' ? 100 : 25);
  const margin = new Float32Array(n);
  for (let s = 0; s < n; s += chunk) {
    await opts.tick?.();
    const e = Math.min(n, s + chunk);
    const m = tf.tidy(() => {
      const xs = e - s === n ? x : tf.slice(x, [s, 0, 0, 0], [e - s, -1, -1, -1]);
      const ys = e - s === n ? y : tf.slice(y, [s], [e - s]);
      return minMargin(marginLowerBounds(graph, xs, ys, eps, model.numClasses, method, opts.bounds), ys, model.numClasses);
    });
    margin.set(m.dataSync() as Float32Array, s);
    m.dispose();
  }
  const certified = new Uint8Array(n);
  for (let i = 0; i < n; i++) certified[i] = margin[i] > 0 ? 1 : 0;
  return { margin, certified };
}

export interface MarginSummary {
  count: number;
  certified: number;
  min: number;
  p10: number;
  median: number;
  mean: number;
  p90: number;
  max: number;
}

export function summarizeMargins(margins: ArrayLike<number>): MarginSummary {
  const a = Float64Array.from(margins).sort();
  const n = a.length;
  const q = (p: number) => (n ? a[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))] : NaN);
  let sum = 0;
  let cert = 0;
  for (let i = 0; i < n; i++) {
    sum += a[i];
    if (a[i] > 0) cert++;
  }
  return { count: n, certified: cert, min: n ? a[0] : NaN, p10: q(0.1), median: q(0.5), mean: n ? sum / n : NaN, p90: q(0.9), max: n ? a[n - 1] : NaN };
}

/**
 * Certification in the shape of an Attack, so the evaluation loop counts it like one: a point
 * "survives" when it is certified. It never changes the images (xAdv is a copy of x) and keeps
 * every per-point margin lower bound for the summary.
 */
export function certifierAsAttack(
  method: CertifyMethod,
  eps: number,
): Attack & { margins: number[]; summary(): MarginSummary; details(): { method: CertifyMethod; eps: number; perPointMarginLowerBound: MarginSummary } } {
  const margins: number[] = [];
  return {
    details: () => ({ method, eps, perPointMarginLowerBound: summarizeMargins(margins) }),
    entry: { name: `certify-${method}`, title: `Certified (${method.toUpperCase()})`, description: 'Verified lower bounds of the margins over the eps-box.', params: [] },
    radius: () => ({ norm: 'linf', eps }),
    margins,
    summary: () => summarizeMargins(margins),
    async run(model, x, y, _params, ctx) {
      const r = await certifyBatch(model, x, y, eps, method, { tick: ctx.tick });
      for (const m of r.margin) margins.push(m);
      const fooled = new Uint8Array(r.certified.length);
      for (let i = 0; i < fooled.length; i++) fooled[i] = r.certified[i] ? 0 : 1;
      return { xAdv: x.clone(), fooled, gradEvals: 0 };
    },
  };
}

/**
 * The certifier an evaluation spec asks for (null without `certify`), after checking the spec:
 * an eps is required, and certification replaces the attack (and has no eps grid or benchmark).
 * `archName`, when given, must have a layer-graph view.
 */
export function certifierForSpec(
  spec: { certify?: CertifyMethod; eps?: number; attack: { name: string }; epsGrid?: number[]; benchmark?: string },
  arch?: { name: string; layers?: unknown },
): ReturnType<typeof certifierAsAttack> | null {
  if (!spec.certify) return null;
  if (spec.eps === undefined) throw new LabError('bad_input', `Certification needs a radius: give eps (e.g. 0.1) with certify ${spec.certify}.`);
  if (spec.attack.name !== 'none') throw new LabError('bad_input', `Certification replaces the attack: leave the attack at none (got ${spec.attack.name}), or evaluate the attack in a separate run.`);
  if (spec.epsGrid?.length) throw new LabError('bad_input', 'An eps grid is not available with certification yet; run one certification per eps.');
  if (spec.benchmark) throw new LabError('bad_input', 'Certification and the corruption benchmark are separate evaluations; run them one at a time.');
  if (arch && !arch.layers) throw new LabError('bad_input', `The ${arch.name} architecture has no layer list, so it cannot be certified; certify an mlp or mnist-cnn model.`);
  return certifierAsAttack(spec.certify, spec.eps);
}
