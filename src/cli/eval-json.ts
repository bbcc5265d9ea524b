/**
 * The `--json` shape of an evaluation (README: eval), used by `eval` and `runs show`.
 */
import type { EvaluationInfo, EvaluationReport } from '../shared/schemas';

/** With certification: certified_accuracy and the summary of the per-point margin lower bounds. */
export function certifiedJson(ev: EvaluationInfo | undefined) {
  const c = ev?.details.certified as { method: string; eps: number; perPointMarginLowerBound: Record<string, number> } | undefined;
  if (!ev || !c) return {};
  return { certified_accuracy: ev.robustAccuracy, certify: c.method, eps: c.eps, margin_lower_bound: c.perPointMarginLowerBound };
}

export function evalJson(ev: EvaluationInfo | undefined) {
  if (!ev) return {};
  const perClass = (ev.details.perClass as { label: number; name: string; count: number; cleanAccuracy: number | null; robustAccuracy: number | null }[]) ?? [];
  const r = ev.details as Partial<EvaluationReport>;
  return {
    evaluation_id: ev.id,
    clean_accuracy: ev.cleanAccuracy,
    robust_accuracy: ev.robustAccuracy,
    count: ev.count,
    attack: ev.attack.name,
    attack_params: ev.attack.params,
    per_class: perClass.map((p) => ({ label: p.label, name: p.name, count: p.count, clean_accuracy: p.cleanAccuracy, robust_accuracy: p.robustAccuracy })),
    seconds: ev.details.seconds,
    ...(r.version === 1 ? reportJson(r as EvaluationReport) : {}),
  };
}

/** The report's extra numbers for --json (see README: eval). */
function reportJson(r: EvaluationReport) {
  return {
    norm: r.attack.norm,
    eps: r.attack.eps,
    worst_class: r.worstClass.clean ? { name: r.worstClass.clean.name, accuracy: r.worstClass.clean.accuracy } : null,
    worst_class_robust: r.worstClass.robust ? { name: r.worstClass.robust.name, accuracy: r.worstClass.robust.accuracy } : null,
    ece_clean: r.calibration.clean.ece,
    ece_adversarial: r.calibration.adversarial?.ece ?? null,
    eps_curve: r.epsCurve ? r.epsCurve.points.map((p) => ({ eps: p.eps, robust_accuracy: p.robustAccuracy })) : null,
    median_perturbation: r.minimal?.median ?? null,
    target_success_rate: r.targeted?.successRate ?? null,
    breakdown: r.stages
      ? r.stages.map((s) => ({ attack: s.name, ran: s.ran, broke: s.broke, robust_accuracy_after: s.robustAccuracyAfter, seconds: s.seconds, grad_evals_per_point: s.gradEvalsPerPoint, queries_per_point: s.queriesPerPoint, skipped: s.skipped ?? null }))
      : null,
    grad_evals_per_point: r.cost.gradEvalsPerPoint,
    queries_per_point: r.cost.queriesPerPoint,
    attack_seconds: r.cost.attackSeconds,
    warnings: r.checks.warnings.map((w) => ({ code: w.code, message: w.message })),
  };
}
