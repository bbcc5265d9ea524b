/**
 * The Evaluate form's presets and the pure rules around them: which evaluations a preset runs
 * and the sentence that says so. No React here.
 */
import { NO_ATTACK } from '../../../shared/constants';
import type { EvalSpecInput, RegistryEntry } from '../../../shared/schemas';
import { cleanParams, defaultParams, type ParamValues } from '../ParamForm';
import { findKey } from '../../lib/evalText';
import { curveGrid, formatEps } from '../../lib/reportText';

export type PresetId = 'quick' | 'standard' | 'curve' | 'certified' | 'clean' | 'custom';

export interface Preset {
  id: PresetId;
  title: string;
  description: string;
  /** Attacks the preset needs from the registry. */
  needs: string[];
  /** Images to use unless the person chose a number. */
  limit: number;
  /** Whether the shared eps control applies. */
  usesEps: boolean;
}

export const PRESETS: Preset[] = [
  {
    id: 'quick',
    title: 'Quick check',
    description: 'FGSM (one step) and PGD-20 (twenty steps) at the chosen eps: two short evaluations, a first sign of fragility.',
    needs: ['fgsm', 'pgd'],
    limit: 1000,
    usesEps: true,
  },
  {
    id: 'standard',
    title: 'Standard report',
    description: 'AutoAttack: four complementary attacks, each on the images the others left. The reliable number to report; slower.',
    needs: ['autoattack'],
    limit: 500,
    usesEps: true,
  },
  {
    id: 'curve',
    title: 'Curve',
    description: 'PGD-20 at seven sizes of change from 0 to twice the chosen eps: how accuracy falls as the attack gets more room.',
    needs: ['pgd'],
    limit: 500,
    usesEps: true,
  },
  {
    id: 'certified',
    title: 'Certified (IBP / CROWN)',
    description: 'No attack: bound propagation proves, image by image, that no change within eps can make the model wrong. For networks with a layer list.',
    needs: [],
    limit: 1000,
    usesEps: true,
  },
  {
    id: 'clean',
    title: 'Clean accuracy',
    description: 'How often the model is right on unmodified images. Seconds.',
    needs: [],
    limit: 1000,
    usesEps: false,
  },
  {
    id: 'custom',
    title: 'Custom',
    description: 'Any attack of the lab with all its settings, and an optional robustness curve.',
    needs: [],
    limit: 1000,
    usesEps: false,
  },
];


export const EPS_CHOICES = [
  { value: String(8 / 255), label: '8/255' },
  { value: '0.1', label: '0.1' },
  { value: '0.2', label: '0.2' },
  { value: '0.3', label: '0.3' },
  { value: 'other', label: 'Other' },
];

export function toNum(v: string | number): number | '' {
  if (typeof v === 'number') return v;
  if (v.trim() === '') return '';
  const n = Number(v);
  return Number.isFinite(n) ? n : '';
}

/**
 * The allowed eps range: the lab's own (the L∞ eps descriptor of PGD in the attack registry, the
 * rule the lab checks at submit), so the form refuses what the lab would refuse.
 */
export function epsLimits(entries: RegistryEntry[]): { min: number; max: number } {
  const d = (entries.find((e) => e.name === 'pgd') ?? entries.find((e) => e.name === 'fgsm'))?.params.find((p) => p.key === 'eps' || p.key === 'epsilon');
  return { min: d?.min ?? 0, max: d?.max ?? 1 };
}

/** Why this eps cannot be used, in words; null when it can. Out-of-range values are refused, never clamped. */
export function epsProblem(eps: number | undefined, limits: { min: number; max: number }): string | null {
  if (eps === undefined || !Number.isFinite(eps)) return 'Enter the size of change, a number such as 0.1 or 8/255.';
  if (eps <= limits.min) return `eps must be above ${limits.min}: with no change allowed there is nothing to attack (that is clean accuracy).`;
  if (eps > limits.max) {
    return `eps ${eps} is too large: pixel values run from 0 to ${limits.max}, so the largest possible change is ${limits.max} (at ${limits.max}, any image can be replaced by any other). Enter at most ${limits.max}.`;
  }
  return null;
}

export function withEps(entry: RegistryEntry, eps: number | undefined, extra: ParamValues = {}): ParamValues {
  const values = defaultParams(entry.params);
  const epsKey = findKey(values, ['eps', 'epsilon']);
  if (eps !== undefined && epsKey) values[epsKey] = eps;
  for (const [k, v] of Object.entries(extra)) if (k in values) values[k] = v;
  return values;
}

export interface Job {
  label: string;
  spec: EvalSpecInput;
}

/** What decides the evaluations a preset runs. */
export interface JobInputs {
  preset: PresetId;
  eps: number | undefined;
  certMethod: 'ibp' | 'crown';
  entries: RegistryEntry[];
  /** The Custom form's attack, its values and its eps grid. */
  entry: RegistryEntry;
  params: ParamValues;
  grid: number[] | undefined;
}

/** The evaluations the chosen preset runs (model and dataset are filled in at submit). */
export function presetJobs({ preset, eps, certMethod, entries, entry, params, grid }: JobInputs): Job[] {
  const e = eps ?? 0;
  const entryOf = (name: string) => entries.find((x) => x.name === name);
  const pgd = entryOf('pgd');
  switch (preset) {
    case 'quick': {
      const fgsm = entryOf('fgsm');
      const out: Job[] = [];
      if (fgsm) out.push({ label: 'FGSM', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'fgsm', params: withEps(fgsm, e) } } });
      if (pgd) out.push({ label: 'PGD-20', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'pgd', params: withEps(pgd, e, { steps: 20 }) } } });
      return out;
    }
    case 'standard': {
      const aa = entryOf('autoattack');
      return aa ? [{ label: 'AutoAttack', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'autoattack', params: withEps(aa, e) } } }] : [];
    }
    case 'curve':
      return pgd
        ? [{ label: 'PGD-20 curve', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'pgd', params: withEps(pgd, e, { steps: 20 }) }, epsGrid: curveGrid(e) } }]
        : [];
    case 'certified':
      return [{ label: certMethod.toUpperCase(), spec: { kind: 'eval', model: '', dataset: '', attack: { name: NO_ATTACK, params: {} }, certify: certMethod, eps: e } }];
    case 'clean':
      return [{ label: 'Clean', spec: { kind: 'eval', model: '', dataset: '', attack: { name: NO_ATTACK, params: {} } } }];
    case 'custom':
      return [
        {
          label: entry.title,
          spec: {
            kind: 'eval',
            model: '',
            dataset: '',
            attack: { name: entry.name, params: cleanParams(entry.params, params) },
            epsGrid: entry.name !== NO_ATTACK ? grid : undefined,
          },
        },
      ];
  }
}

/** The plain-language sentence above the Run button. */
export function evalSummary({ preset, eps, certMethod, entry, grid, images }: Omit<JobInputs, 'entries' | 'params'> & { images: string }): string {
  const epsText = eps !== undefined ? formatEps(eps) : '?';
  switch (preset) {
    case 'quick':
      return `Runs two evaluations, FGSM and PGD with 20 steps, each allowed to change every pixel by at most ${epsText}, on ${images}.`;
    case 'standard':
      return `Runs AutoAttack (APGD-CE, APGD-T, APGD-DLR, Square) with eps ${epsText} on ${images}. The most reliable number; can take a while.`;
    case 'curve':
      return `Runs PGD with 20 steps at eps ${curveGrid(eps ?? 0).map(formatEps).join(', ')} on ${images}.`;
    case 'certified':
      return `Proves robustness with ${certMethod.toUpperCase()} at eps ${epsText} on ${images}; no attack is run.`;
    case 'clean':
      return `Measures accuracy on ${images}, without any attack.`;
    case 'custom':
      return `Runs ${entry.title} on ${images}${grid ? `, and again at eps ${grid.map(formatEps).join(', ')}` : ''}.`;
  }
}
