/**
 * Training methods as the Train page groups them: the family of each registry entry and what it
 * trades (clean accuracy, robustness, time). The registry (lab.listMethods) gives names, titles,
 * descriptions and parameters but no family; methods this table does not know land in "Other".
 */
import type { RegistryEntry } from '../../shared/schemas';

export type MethodFamily = 'standard' | 'adversarial' | 'certified' | 'noisy' | 'flat' | 'regularizer' | 'other';

export const FAMILIES: { id: MethodFamily; title: string; hint: string }[] = [
  { id: 'standard', title: 'Standard', hint: 'Plain training: the fastest, and the reference to compare with.' },
  { id: 'adversarial', title: 'Adversarial training', hint: 'Trains on attacked images: robust to attacks at the trained eps.' },
  { id: 'certified', title: 'Certified training', hint: 'Trains so that robustness can be proven, not only measured.' },
  { id: 'noisy', title: 'Noisy labels', hint: 'Losses that tolerate wrong labels in the training set.' },
  { id: 'flat', title: 'Flat minima', hint: 'Looks for flat regions of the loss: better generalisation.' },
  { id: 'regularizer', title: 'Regularizers and shift', hint: 'Smoother models, worst-group training.' },
  { id: 'other', title: 'Other', hint: 'Further methods of this lab.' },
];

/** Trade-offs in words: effect on clean accuracy, on robustness, and time per epoch against standard training. */
export interface Tradeoff {
  clean: string;
  robust: string;
  time: string;
}

interface MethodMeta {
  family: MethodFamily;
  trade: Tradeoff;
  /** The per-epoch robustness check to turn on by default: PGD accuracy, certified accuracy, or none. */
  monitor: 'pgd' | 'certified' | 'none';
}

const ADV = (time: string, clean = 'lower (a few points)'): MethodMeta => ({
  family: 'adversarial',
  trade: { clean, robust: 'much higher against attacks up to the trained eps', time },
  monitor: 'pgd',
});
const NOISY: MethodMeta = {
  family: 'noisy',
  trade: { clean: 'about the same; better when labels are wrong', robust: 'tolerates wrong labels; no attack robustness', time: 'about 1×' },
  monitor: 'none',
};
const CERT = (time: string): MethodMeta => ({
  family: 'certified',
  trade: { clean: 'much lower', robust: 'provable (certified) robustness at the trained eps', time },
  monitor: 'certified',
});

const META: Record<string, MethodMeta> = {
  erm: { family: 'standard', trade: { clean: 'highest for the time spent', robust: 'none against attacks', time: '1× (the reference)' }, monitor: 'none' },
  'pgd-at': ADV('about (steps + 1)×, 11× with 10 steps'),
  'fgsm-rs': ADV('about 2×'),
  trades: ADV('about (steps + 2)×', 'lower; beta sets the trade'),
  mart: ADV('about (steps + 1)×'),
  awp: ADV('a little more than PGD-AT'),
  avmixup: ADV('about (steps + 1)×', 'lower, less than PGD-AT'),
  dafa: ADV('about (steps + 1)×'),
  ibp: CERT('about 2–3×'),
  'crown-ibp': CERT('about 4–6×'),
  'cc-ibp': CERT('about 3×'),
  gce: NOISY,
  sce: NOISY,
  'nce-rce': NOISY,
  'nce-mae': NOISY,
  poly: { ...NOISY, trade: { ...NOISY.trade, clean: 'about the same (can help underfitting)' } },
  'logit-clip': NOISY,
  'label-smoothing': { ...NOISY, trade: { clean: 'about the same', robust: 'better-calibrated confidence, some label-noise tolerance', time: 'about 1×' } },
  bootstrap: NOISY,
  sam: { family: 'flat', trade: { clean: 'often a little higher', robust: 'a little more robust to corruptions and label noise', time: 'about 2×' }, monitor: 'none' },
  asam: { family: 'flat', trade: { clean: 'often a little higher', robust: 'a little more robust to corruptions and label noise', time: 'about 2×' }, monitor: 'none' },
  'group-dro': { family: 'regularizer', trade: { clean: 'average a little lower', robust: 'higher accuracy of the worst class or group', time: 'about 1×' }, monitor: 'none' },
  mixup: { family: 'regularizer', trade: { clean: 'about the same', robust: 'better calibration, some corruption tolerance', time: 'about 1×' }, monitor: 'none' },
  vat: { family: 'regularizer', trade: { clean: 'about the same', robust: 'smoother; some robustness to small noise', time: 'about (iterations + 2)×' }, monitor: 'pgd' },
};

export function methodFamily(name: string): MethodFamily {
  return META[name]?.family ?? 'other';
}

export function methodTradeoff(name: string): Tradeoff | null {
  return META[name]?.trade ?? null;
}

export function methodMonitor(name: string): 'pgd' | 'certified' | 'none' {
  return META[name]?.monitor ?? 'none';
}

/** Registry entries grouped by family, in the family order above (registry order inside a family). */
export function groupMethods(entries: RegistryEntry[]): { family: (typeof FAMILIES)[number]; entries: RegistryEntry[] }[] {
  return FAMILIES.map((family) => ({ family, entries: entries.filter((e) => methodFamily(e.name) === family.id) })).filter(
    (g) => g.entries.length > 0,
  );
}
