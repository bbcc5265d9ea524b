/**
 * The training-method registry: adding a method is one file and one line here.
 */
import { LabError } from '../../../shared/errors';
import type { MethodEntry } from '../../../shared/schemas';
import { parseParams, type ParamValues } from '../../params';
import { asam } from './asam';
import { avmixup } from './avmixup';
import { awp } from './awp';
import { bootstrap } from './bootstrap';
import { ccIbp } from './cc-ibp';
import { crownIbp } from './crown-ibp';
import { dafa } from './dafa';
import { erm } from './erm';
import { fgsmRs } from './fgsm-rs';
import { gce } from './gce';
import { groupDro } from './group-dro';
import { ibp } from './ibp';
import { labelSmoothing } from './label-smoothing';
import { logitClip } from './logit-clip';
import { mart } from './mart';
import type { TrainMethod } from './method';
import { mixup } from './mixup';
import { nceMae } from './nce-mae';
import { nceRce } from './nce-rce';
import { pgdAt } from './pgd-at';
import { poly } from './poly';
import { sam } from './sam';
import { sce } from './sce';
import { trades } from './trades';
import { vat } from './vat';

const ALL: TrainMethod[] = [
  erm,
  // adversarial training
  pgdAt,
  fgsmRs,
  trades,
  mart,
  awp,
  avmixup,
  dafa,
  // flat minima
  sam,
  asam,
  // certified training
  ibp,
  crownIbp,
  ccIbp,
  // noisy labels
  gce,
  sce,
  nceRce,
  nceMae,
  poly,
  logitClip,
  labelSmoothing,
  bootstrap,
  // distribution shift and regularization
  groupDro,
  mixup,
  vat,
];

export const METHODS: Record<string, TrainMethod> = Object.fromEntries(ALL.map((m) => [m.entry.name, m]));

export function listMethods(): MethodEntry[] {
  return ALL.map((m) => m.entry);
}

export function resolveMethod(name: string, raw: Record<string, unknown>): { method: TrainMethod; params: ParamValues } {
  const method = Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
  if (!method) {
    throw new LabError('bad_input', `Unknown training method "${name}"; known methods: ${Object.keys(METHODS).join(', ')}.`);
  }
  const params = parseParams(`method ${name}`, method.entry.params, raw);
  method.check?.(params);
  return { method, params };
}
