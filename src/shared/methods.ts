/**
 * What the training-method registry says about each method beyond its parameters (family,
 * trade-off in words, the per-epoch check it turns on), the families' titles, and the rules about
 * per-epoch checks that both core (submit and run) and the Train page apply. Written once here.
 */
import type { MonitorSpec } from './schemas';

export const METHOD_FAMILIES = [
  { id: 'standard', title: 'Standard', hint: 'Plain training: the fastest, and the reference to compare with.' },
  { id: 'adversarial', title: 'Adversarial training', hint: 'Trains on attacked images: robust to attacks at the trained eps.' },
  { id: 'certified', title: 'Certified training', hint: 'Trains so that robustness can be proven, not only measured.' },
  { id: 'noisy', title: 'Noisy labels', hint: 'Losses that tolerate wrong labels in the training set.' },
  { id: 'flat', title: 'Flat minima', hint: 'Looks for flat regions of the loss: better generalisation.' },
  { id: 'regularizer', title: 'Regularizers and shift', hint: 'Smoother models, worst-group training.' },
  { id: 'other', title: 'Other', hint: 'Further methods of this lab.' },
] as const;

export type MethodFamily = (typeof METHOD_FAMILIES)[number]['id'];
export const METHOD_FAMILY_IDS = METHOD_FAMILIES.map((f) => f.id) as [MethodFamily, ...MethodFamily[]];

/** The per-epoch robustness check a method turns on by default: PGD accuracy, certified accuracy, or none. */
export type MethodMonitor = 'pgd' | 'certified' | 'none';

/** Trade-offs in words: effect on clean accuracy, on robustness, and time per epoch against standard training. */
export interface Tradeoff {
  clean: string;
  robust: string;
  time: string;
}

/** What a method entry adds to a registry entry (see MethodEntrySchema). */
export interface MethodTraits {
  family: MethodFamily;
  tradeoff: Tradeoff;
  monitor: MethodMonitor;
}

/** Adversarial training: trains on attacked images. */
export function adversarialTraits(time: string, clean = 'lower (a few points)'): MethodTraits {
  return { family: 'adversarial', tradeoff: { clean, robust: 'much higher against attacks up to the trained eps', time }, monitor: 'pgd' };
}

/** Certified training: bounds that can be proven. */
export function certifiedTraits(time: string): MethodTraits {
  return { family: 'certified', tradeoff: { clean: 'much lower', robust: 'provable (certified) robustness at the trained eps', time }, monitor: 'certified' };
}

/** Losses for noisy labels. */
export function noisyLabelTraits(tradeoff: Partial<Tradeoff> = {}): MethodTraits {
  return {
    family: 'noisy',
    tradeoff: { clean: 'about the same; better when labels are wrong', robust: 'tolerates wrong labels; no attack robustness', time: 'about 1×', ...tradeoff },
    monitor: 'none',
  };
}

// ---------------------------------------------------------------------------------------------
// Per-epoch checks (TrainSpec.monitor) and choosing epochs by them: one set of rules.
// ---------------------------------------------------------------------------------------------

/** The certification a monitor runs: as asked, else IBP for certified-training methods, else none. */
export function monitorCertify(monitor: Pick<MonitorSpec, 'certify'>, method: { monitor?: MethodMonitor } | undefined): 'none' | 'ibp' | 'crown' {
  return monitor.certify ?? (method?.monitor === 'certified' ? 'ibp' : 'none');
}

/** Whether the per-epoch checks will measure PGD accuracy / certified accuracy. */
export function monitorMeasures(
  monitor: Pick<MonitorSpec, 'pgdSteps' | 'certify'> | undefined,
  method: { monitor?: MethodMonitor } | undefined,
): { robust: boolean; certified: boolean } {
  if (!monitor) return { robust: false, certified: false };
  return { robust: monitor.pgdSteps > 0, certified: monitorCertify(monitor, method) !== 'none' };
}

export type Selection = 'clean' | 'robust' | 'certified' | 'loss';

/**
 * The metric that chooses epochs (early stopping, best checkpoint), or a sentence saying why the
 * settings cannot work: both must watch the same metric, and a robust/certified choice needs
 * the per-epoch check that measures it.
 */
export function epochSelection(
  earlyStopMetric: Selection | undefined,
  keepBest: 'last' | 'clean' | 'robust' | 'certified' | undefined,
  measures: { robust: boolean; certified: boolean },
): { selection: Selection | null; problem: string | null } {
  const keep = keepBest ?? 'last';
  if (earlyStopMetric && keep !== 'last' && keep !== earlyStopMetric) {
    return { selection: null, problem: `Early stopping watches ${earlyStopMetric} but the best epoch is chosen by ${keep}; use the same metric for both.` };
  }
  const selection = earlyStopMetric ?? (keep === 'last' ? null : keep);
  if ((selection === 'robust' && !measures.robust) || (selection === 'certified' && !measures.certified)) {
    return {
      selection,
      problem: `Choosing epochs by ${selection} accuracy needs the per-epoch robust monitor (the robustness checks after each epoch) with ${selection === 'robust' ? 'PGD steps above 0' : 'certification'} turned on.`,
    };
  }
  return { selection, problem: null };
}
