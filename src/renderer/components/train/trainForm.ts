/**
 * The Train form's state and the pure rules around it: presets, the defaults a method brings,
 * the spec the form submits, and which per-epoch checks a form will measure. No React here.
 */
import type { Dispatch, SetStateAction } from 'react';
import type { ArchitectureInfo, DatasetInfo, MethodEntry, ModelInfo, TrainSpecInput } from '../../../shared/schemas';
import { cleanParams, defaultParams, type ParamValues } from '../ParamForm';
import { formatInt } from '../../lib/format';
import { monitorMeasures, type MethodMonitor } from '../../../shared/methods';
import { datasetRef } from '../../lib/names';

export type Num = number | '';
export type Selection = 'clean' | 'robust' | 'certified' | 'loss';

export interface TrainForm {
  preset: string | null;
  name: string;
  dataset: string;
  arch: string;
  method: string;
  methodParams: ParamValues;
  epochs: Num;
  batchSize: Num;
  optimizer: 'sgd' | 'adam';
  lr: Num;
  momentum: Num;
  weightDecay: Num;
  schedule: 'constant' | 'step' | 'cosine';
  stepEpochs: Num;
  gamma: Num;
  minLr: Num;
  seed: Num;
  limit: Num;
  testLimit: Num;
  /** Per-epoch robustness checks (TrainSpec.monitor). */
  monitorOn: boolean;
  monitorCount: Num;
  monitorEps: Num;
  monitorPgdSteps: Num;
  monitorCertify: 'auto' | 'none' | 'ibp' | 'crown';
  /** Validation split in percent of the training images. */
  valPercent: Num;
  warmupEpochs: Num;
  earlyStop: boolean;
  esMetric: Selection;
  esPatience: Num;
  esMinDelta: Num;
  keepBest: 'last' | 'clean' | 'robust' | 'certified';
  initModel: string;
}

export interface Preset {
  id: string;
  title: string;
  description: string;
  arch: string;
  method: string;
  methodParams?: ParamValues;
  values: Partial<TrainForm>;
}

/** Sets one field of the form (a change to anything but the name or dataset leaves the preset). */
export type SetField = <K extends keyof TrainForm>(key: K, value: TrainForm[K]) => void;
export type SetForm = Dispatch<SetStateAction<TrainForm>>;

export const PRESETS: Preset[] = [
  {
    id: 'quick',
    title: 'Quick test (1 epoch, 1,000 images)',
    description: 'A small network on the first 1,000 training images. Done in seconds; checks that everything works.',
    arch: 'mlp',
    method: 'erm',
    values: { epochs: 1, batchSize: 50, limit: 1000, testLimit: 1000, optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'constant', monitorOn: false },
  },
  {
    id: 'standard',
    title: 'Standard (mnist-cnn, 3 epochs)',
    description: 'A small convolutional network on every training image. A good model for attacking; takes minutes.',
    arch: 'mnist-cnn',
    method: 'erm',
    values: { epochs: 3, batchSize: 64, limit: '', testLimit: '', optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0, monitorOn: false },
  },
  {
    id: 'mlp',
    title: 'MLP baseline',
    description: 'A fully connected network, 5 epochs with Adam. A simple reference to compare other models with.',
    arch: 'mlp',
    method: 'erm',
    values: { epochs: 5, batchSize: 64, limit: '', testLimit: '', optimizer: 'adam', lr: 0.001, schedule: 'constant', monitorOn: false },
  },
  {
    id: 'robust',
    title: 'Robust (PGD-AT eps 0.1)',
    description:
      'Adversarial training: mnist-cnn learns from PGD-attacked images (10 steps, eps 0.1), 3 epochs on 10,000 images. Much more robust, a little less accurate, about 11× slower.',
    arch: 'mnist-cnn',
    method: 'pgd-at',
    methodParams: { eps: 0.1, steps: 10 },
    values: { epochs: 3, batchSize: 64, limit: 10000, testLimit: 1000, optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0, monitorOn: true },
  },
  {
    id: 'certified',
    title: 'Certified (IBP eps 0.1)',
    description:
      'Certified training with interval bounds: an mlp whose robustness at eps 0.1 can be proven, 5 epochs with a gradual ramp. Lower clean accuracy; about 3× slower.',
    arch: 'mlp',
    method: 'ibp',
    methodParams: { eps: 0.1, warmupEpochs: 1, rampEpochs: 2 },
    values: { epochs: 5, batchSize: 100, limit: '', testLimit: 1000, optimizer: 'adam', lr: 0.001, schedule: 'constant', monitorOn: true },
  },
  {
    id: 'noisy',
    title: 'Noisy labels (GCE)',
    description:
      'Generalized cross-entropy, which gives wrong labels less pull. Use it on a noisy-label copy of a dataset (made in the corruption studio); same speed as standard.',
    arch: 'mnist-cnn',
    method: 'gce',
    methodParams: { q: 0.7 },
    values: { epochs: 3, batchSize: 64, limit: '', testLimit: '', optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0, monitorOn: false },
  },
];

export const BASE_FORM: TrainForm = {
  preset: null,
  name: '',
  dataset: '',
  arch: '',
  method: 'erm',
  methodParams: {},
  epochs: 1,
  batchSize: 50,
  optimizer: 'sgd',
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'constant',
  stepEpochs: 1,
  gamma: 0.1,
  minLr: 0,
  seed: 0,
  limit: '',
  testLimit: '',
  monitorOn: false,
  monitorCount: 200,
  monitorEps: '',
  monitorPgdSteps: 10,
  monitorCertify: 'auto',
  valPercent: 0,
  warmupEpochs: 0,
  earlyStop: false,
  esMetric: 'clean',
  esPatience: 3,
  esMinDelta: 0,
  keepBest: 'last',
  initModel: '',
};

/** The last form, kept while the app is open so "New training" starts from it. */
export const formMemory: { last: TrainForm | null } = { last: null };

export function methodDefaults(methods: MethodEntry[], name: string, overrides: ParamValues = {}): ParamValues {
  const entry = methods.find((m) => m.name === name);
  const values = entry ? defaultParams(entry.params) : {};
  for (const [k, v] of Object.entries(overrides)) if (k in values) values[k] = v;
  return values;
}

export function applyPreset(form: TrainForm, p: Preset, archs: ArchitectureInfo[], methods: MethodEntry[]): TrainForm {
  const arch = archs.some((a) => a.name === p.arch) ? p.arch : (archs[0]?.name ?? p.arch);
  const method = methods.some((m) => m.name === p.method) ? p.method : 'erm';
  return {
    ...form,
    ...p.values,
    arch,
    method,
    methodParams: methodDefaults(methods, method, method === p.method ? p.methodParams : {}),
    monitorCertify: 'auto',
    monitorEps: '',
    initModel: '',
    preset: p.id,
  };
}

export function num(v: Num): number | undefined {
  return v === '' ? undefined : v;
}

export function buildSpec(f: TrainForm, datasets: DatasetInfo[], methods: MethodEntry[]): TrainSpecInput {
  const schedule =
    f.schedule === 'step'
      ? { name: 'step' as const, stepEpochs: num(f.stepEpochs), gamma: num(f.gamma) }
      : f.schedule === 'cosine'
        ? { name: 'cosine' as const, minLr: num(f.minLr) }
        : { name: 'constant' as const };
  const entry = methods.find((m) => m.name === f.method);
  const val = num(f.valPercent);
  const warm = num(f.warmupEpochs);
  return {
    kind: 'train',
    name: f.name.trim() || undefined,
    dataset: datasetRef(datasets, f.dataset),
    arch: f.arch,
    method: f.method,
    methodParams: entry ? cleanParams(entry.params, f.methodParams) : {},
    epochs: num(f.epochs) as number,
    batchSize: num(f.batchSize) as number,
    optimizer: {
      name: f.optimizer,
      lr: num(f.lr) as number,
      momentum: f.optimizer === 'sgd' ? num(f.momentum) : undefined,
      weightDecay: num(f.weightDecay),
    },
    schedule,
    seed: num(f.seed),
    limit: num(f.limit),
    testLimit: num(f.testLimit),
    monitor: f.monitorOn
      ? {
          count: num(f.monitorCount),
          eps: num(f.monitorEps),
          pgdSteps: num(f.monitorPgdSteps),
          certify: f.monitorCertify === 'auto' ? undefined : f.monitorCertify,
        }
      : undefined,
    valFraction: val ? val / 100 : undefined,
    warmupEpochs: warm ? warm : undefined,
    earlyStopping: f.earlyStop ? { metric: f.esMetric, patience: num(f.esPatience), minDelta: num(f.esMinDelta) } : undefined,
    keepBest: f.keepBest !== 'last' ? f.keepBest : undefined,
    initModel: f.initModel || undefined,
  };
}

export const FIELD_NAMES: Record<string, string> = {
  epochs: 'Epochs',
  batchSize: 'Batch size',
  lr: 'Learning rate',
  momentum: 'Momentum',
  weightDecay: 'Weight decay',
  seed: 'Seed',
  limit: 'Training images',
  testLimit: 'Test images per check',
  dataset: 'Dataset',
  arch: 'Architecture',
  stepEpochs: 'Epochs per step',
  gamma: 'Step factor',
  minLr: 'Final learning rate',
  name: 'Run name',
  count: 'Images checked each epoch',
  pgdSteps: 'PGD steps',
  eps: 'Check eps',
  valFraction: 'Validation split',
  warmupEpochs: 'Learning-rate warm-up',
  patience: 'Patience',
  minDelta: 'Smallest improvement',
};

/** Whether the robustness checks will measure PGD accuracy / certified accuracy. */
export function formMeasures(f: TrainForm, methods: MethodEntry[]): { robust: boolean; certified: boolean } {
  const monitor = f.monitorOn
    ? { pgdSteps: f.monitorPgdSteps === '' ? 0 : f.monitorPgdSteps, certify: f.monitorCertify === 'auto' ? undefined : f.monitorCertify }
    : undefined;
  return monitorMeasures(monitor, methods.find((m) => m.name === f.method));
}

/** The per-epoch check a method turns on by default (from its registry entry). */
export function methodMonitor(methods: MethodEntry[], name: string): MethodMonitor {
  return methods.find((m) => m.name === name)?.monitor ?? 'none';
}

export function toNum(v: string | number): Num {
  if (typeof v === 'number') return v;
  if (v.trim() === '') return '';
  const n = Number(v);
  return Number.isFinite(n) ? n : '';
}

/** The plain-language sentence above the Start button. */
export function trainSummary(
  form: TrainForm,
  dataset: DatasetInfo | undefined,
  methods: MethodEntry[],
  initModel: ModelInfo | undefined,
): string {
  const method = methods.find((m) => m.name === form.method);
  const trainCount = dataset?.splits.train?.count;
  const measures = formMeasures(form, methods);
  const images = form.limit !== '' ? `the first ${formatInt(form.limit)}` : `all ${trainCount !== undefined ? formatInt(trainCount) : ''}`;
  const epochs = form.epochs === '' ? '?' : form.epochs;
  const how = method && method.name !== 'erm' ? ` with ${method.title}` : '';
  const from = initModel ? `, starting from the weights of “${initModel.name}”` : '';
  const checks = measures.robust || measures.certified
    ? ` After every epoch it measures ${[measures.robust ? 'accuracy under a PGD attack' : '', measures.certified ? 'certified accuracy' : ''].filter(Boolean).join(' and ')} on ${form.monitorCount || '?'} test images.`
    : '';
  return `Trains ${form.arch || '?'}${how} on ${dataset?.name ?? '?'} for ${epochs} ${epochs === 1 ? 'epoch' : 'epochs'}, on ${images} training images, ${form.batchSize || '?'} at a time, using ${form.optimizer === 'adam' ? 'Adam' : 'SGD with momentum'} (learning rate ${form.lr === '' ? '?' : form.lr})${from}.${checks}`;
}
