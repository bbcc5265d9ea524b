/**
 * The API contract: zod schemas of every job spec, request, record and event. Imported by every
 * layer (core, main, preload, renderer, server, cli). No runtime dependency beyond zod.
 */
import { z } from 'zod';
import { AttackSpecSchema, type AttackSpec } from './attack-spec';
import { FamilySpecSchema, PatchSweepSpecSchema } from './patching';
import { ImportSpecSchema } from './byo';
import { METHOD_FAMILY_IDS } from './methods';
import { CERTIFY_METHODS } from './constants';
import { idOrName } from './refs';
import type { CorruptionFamily, CorruptionSuite } from './corruption-families';

// ---------------------------------------------------------------------------------------------
// Parameter descriptors: registries (attacks, methods, corruptions...) describe their parameters
// with these, and the UI generates its forms from them.
// ---------------------------------------------------------------------------------------------
export const ParamDescriptorSchema = z.object({
  key: z.string(),
  label: z.string(),
  /** 'string': free text (e.g. Group DRO's class groups), checked against `pattern` when given. */
  type: z.enum(['number', 'integer', 'boolean', 'enum', 'string']),
  pattern: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  default: z.union([z.number(), z.boolean(), z.string()]),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  help: z.string(),
  unit: z.string().optional(),
  advanced: z.boolean().optional(),
});
export type ParamDescriptor = z.infer<typeof ParamDescriptorSchema>;

export const RegistryEntrySchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  params: z.array(ParamDescriptorSchema),
});
export type RegistryEntry = z.infer<typeof RegistryEntrySchema>;

/** A training method's entry: its family, what it trades (in words) and its default per-epoch check. */
export const MethodEntrySchema = RegistryEntrySchema.extend({
  family: z.enum(METHOD_FAMILY_IDS),
  tradeoff: z.object({ clean: z.string(), robust: z.string(), time: z.string() }),
  monitor: z.enum(['pgd', 'certified', 'none']),
});
export type MethodEntry = z.infer<typeof MethodEntrySchema>;

// ---------------------------------------------------------------------------------------------
// Job specs. Every job is one of these; it is stored with its run so it can be repeated exactly.
// ---------------------------------------------------------------------------------------------
const seed = z.number().int().min(0).max(2 ** 31 - 1);

export const OptimizerSchema = z.object({
  name: z.enum(['sgd', 'adam']).default('sgd'),
  lr: z.number().gt(0, 'Learning rate must be above 0.').max(10, 'Learning rate must be at most 10.'),
  momentum: z.number().min(0).max(0.999).default(0.9),
  weightDecay: z.number().min(0).max(1).default(0),
  beta1: z.number().min(0).max(0.9999).default(0.9),
  beta2: z.number().min(0).max(0.99999).default(0.999),
});
export type OptimizerSpec = z.infer<typeof OptimizerSchema>;

export const ScheduleSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('constant') }),
  z.object({
    name: z.literal('step'),
    stepEpochs: z.number().int().min(1).default(1),
    gamma: z.number().gt(0).max(1).default(0.1),
  }),
  z.object({ name: z.literal('cosine'), minLr: z.number().min(0).default(0) }),
]);
export type ScheduleSpec = z.infer<typeof ScheduleSchema>;

/** Per-epoch robust metrics during training (test/pgd_accuracy, test/certified_accuracy, val/...). */
export const MonitorSchema = z.object({
  /** The first N points of the test (and validation) split. */
  count: z.number().int().min(1).max(100000).default(200),
  /** Radius; default the method's eps, else 0.1. */
  eps: z.number().min(0).max(1).optional(),
  /** PGD accuracy with this many steps (0 = no PGD metric). */
  pgdSteps: z.number().int().min(0).max(1000).default(10),
  /** Certified accuracy by IBP or CROWN; default 'ibp' for certified-training methods, else 'none'. */
  certify: z.enum(['none', ...CERTIFY_METHODS]).optional(),
});
export type MonitorSpec = z.infer<typeof MonitorSchema>;

export const EarlyStoppingSchema = z.object({
  /** clean: accuracy; robust: PGD accuracy; certified: certified accuracy (both need `monitor`); loss: the loss. */
  metric: z.enum(['clean', 'robust', 'certified', 'loss']).default('clean'),
  /** Epochs without improvement before stopping. */
  patience: z.number().int().min(1).max(1000).default(3),
  /** Smallest change that counts as an improvement. */
  minDelta: z.number().min(0).default(0),
});
export type EarlyStoppingSpec = z.infer<typeof EarlyStoppingSchema>;

export const TrainSpecSchema = z.object({
  kind: z.literal('train'),
  name: z.string().trim().max(200).optional(),
  dataset: idOrName,
  arch: idOrName,
  method: z.string().default('erm'),
  methodParams: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
  epochs: z.number().int().min(1, 'Epochs must be at least 1.').max(1000),
  batchSize: z.number().int().min(1, 'Batch size must be at least 1.').max(4096),
  optimizer: OptimizerSchema,
  schedule: ScheduleSchema.default({ name: 'constant' }),
  seed: seed.default(0),
  /** Only the first K training examples. */
  limit: z.number().int().min(1).optional(),
  /** Only the first K test examples for the per-epoch test metrics. */
  testLimit: z.number().int().min(1).optional(),
  /** Log the training loss every N steps. */
  logEvery: z.number().int().min(1).default(10),
  /** Start from an existing model's weights (fine-tuning). */
  initModel: z.string().optional(),
  /** Hold out this fraction (default 0) of the (limited) train split as a validation set (seeded, the same for the same seed). */
  valFraction: z.number().min(0).max(0.5, 'Hold out at most half of the training images for validation.').optional(),
  /** Linear learning-rate warm-up from 0 over the first W epochs (default 0; fractions allowed), then the schedule. */
  warmupEpochs: z.number().min(0).max(1000).optional(),
  /** Robust metrics every epoch on the first `count` test (and validation) points, for live charts. */
  monitor: MonitorSchema.optional(),
  /** Stop when the chosen validation metric (test metric without a validation split) stops improving. */
  earlyStopping: EarlyStoppingSchema.optional(),
  /** Keep the weights of the epoch with the best clean / PGD / certified accuracy instead of the last (default 'last'). */
  keepBest: z.enum(['last', 'clean', 'robust', 'certified']).optional(),
  /** Continue an earlier run (its id) from its last end-of-epoch checkpoint: weights, optimizer and method state. */
  resumeFrom: z.string().optional(),
});
export type TrainSpec = z.infer<typeof TrainSpecSchema>;
export type TrainSpecInput = z.input<typeof TrainSpecSchema>;

export { AttackSpecSchema, type AttackSpec } from './attack-spec';

export const EvalSpecSchema = z.object({
  kind: z.literal('eval'),
  name: z.string().trim().max(200).optional(),
  model: idOrName,
  dataset: idOrName,
  split: z.enum(['train', 'test']).default('test'),
  attack: AttackSpecSchema.default({ name: 'none', params: {} }),
  /** Only the first K examples of the split. */
  limit: z.number().int().min(1).optional(),
  batchSize: z.number().int().min(1).max(4096).default(200),
  seed: seed.default(0),
  /**
   * 'corruptions': the corruption-robustness benchmark (src/core/eval/corruption-benchmark.ts):
   * accuracy for every corruption × severity, mean corruption error (mCE) and relative mCE
   * against `baselineModel` (Hendrycks & Dietterich, 2019). `attack` must stay 'none'.
   */
  benchmark: z.enum(['corruptions']).optional(),
  /** Image corruptions of the benchmark; default: the 15 ImageNet-C corruptions. */
  corruptions: z.array(z.string().min(1)).min(1).max(100).optional(),
  /** Severities of the benchmark; default 1–5. */
  severities: z.array(z.number().int().min(1, 'Severities go from 1 to 5.').max(5, 'Severities go from 1 to 5.')).min(1).max(5).optional(),
  /** The model whose errors normalise the corruption errors (CE); without one, CE is not computed. */
  baselineModel: idOrName.optional(),
  /**
   * Certified accuracy instead of an attack: a point counts when bound propagation (IBP, or the
   * tighter and slower CROWN) proves every margin positive over the L∞ box of radius `eps`.
   * robustAccuracy is then the certified accuracy; `attack` must stay 'none'.
   */
  certify: z.enum(CERTIFY_METHODS).optional(),
  /** The certification radius (pixels, 0–1); required with `certify`. */
  eps: z.number().min(0, 'eps must be at least 0.').max(1, 'eps must be at most 1 (the whole pixel range).').optional(),
  /** Robust accuracy at each of these radii too (a robustness curve), with the same attack. */
  epsGrid: z.array(z.number().min(0, 'Every eps in the grid must be at least 0.').max(1000)).min(1).max(50).optional(),
  /** How many example images (clean, adversarial, perturbation) to keep for the report. */
  gallery: z.number().int().min(0).max(64).default(8),
  /** Gradient-masking checks: cheap output/gradient checks, PGD with eps = 1, Square on the points left robust. */
  checks: z
    .object({
      masking: z.boolean().default(true),
      unbounded: z.boolean().default(false),
      blackBox: z.boolean().default(false),
    })
    .default({ masking: true, unbounded: false, blackBox: false }),
});
export type EvalSpec = z.infer<typeof EvalSpecSchema>;
export type EvalSpecInput = z.input<typeof EvalSpecSchema>;

const splitName = z.enum(['train', 'test']);
const stepParamValue = z.union([z.number(), z.boolean(), z.string()]);

/** One step of a corruption recipe (see src/core/corruptions/recipe.ts). */
export const CorruptionStepSchema = z.object({
  /** Registry name, e.g. 'gaussian_noise', 'mnistc/shear', 'labels/symmetric', 'data/backdoor'. */
  corruption: z.string().trim().min(1, 'Name the corruption of every step.'),
  /** 1 (mild) to 5 (strong); default: the corruption's default severity. */
  severity: z.number().int('Severity must be a whole number from 1 to 5.').min(1, 'Severity must be from 1 to 5.').max(5, 'Severity must be from 1 to 5.').optional(),
  params: z.record(z.string(), stepParamValue).default({}),
  /** Only these splits get this step (default: every split of the job). */
  splits: z.array(splitName).min(1).optional(),
  /** labels/pair_flip: the label class i flips to (default i → i+1). */
  classMap: z.array(z.number().int().min(0)).max(100000).optional(),
  /** labels/transition: row i = chances of every label for an example of class i. */
  matrix: z.array(z.array(z.number())).max(1000).optional(),
});
export type CorruptionStep = z.infer<typeof CorruptionStepSchema>;

/** An ordered list of corruption steps plus a seed: the same recipe and seed give bit-identical images. */
export const RecipeSchema = z.object({
  steps: z.array(CorruptionStepSchema).min(1, 'A recipe needs at least one step.').max(50),
  seed: seed.optional(),
});
export type Recipe = z.infer<typeof RecipeSchema>;
export type RecipeInput = z.input<typeof RecipeSchema>;

/** Writes a new dataset: the parent's splits, corrupted by the recipe (parent_id and recipe are stored with it). */
export const CorruptSpecSchema = z.object({
  kind: z.literal('corrupt'),
  /** Name of the new dataset (also the run's name); default: parent name + first corruption + severity. */
  name: z.string().trim().min(1, 'Give the new dataset a name.').max(120).optional(),
  dataset: idOrName,
  recipe: RecipeSchema,
  /** Splits of the new dataset; default: every split the parent has. */
  splits: z.array(splitName).min(1, 'Choose at least one split.').optional(),
  /** Default: the recipe's seed, else 0. */
  seed: seed.optional(),
});
export type CorruptSpec = z.infer<typeof CorruptSpecSchema>;
export type CorruptSpecInput = z.input<typeof CorruptSpecSchema>;

export const JobSpecSchema = z.discriminatedUnion('kind', [TrainSpecSchema, EvalSpecSchema, CorruptSpecSchema, FamilySpecSchema, PatchSweepSpecSchema, ImportSpecSchema]);
export type JobSpec = z.infer<typeof JobSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------
export const RunStatusSchema = z.enum(['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatusSchema>;
export const TERMINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'cancelled', 'interrupted'];

export interface SplitInfo {
  count: number;
}

export interface DatasetInfo {
  id: string;
  name: string;
  source: string; // 'builtin:mnist-digits' | 'idx' | ...
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames: string[];
  splits: { train?: SplitInfo; test?: SplitInfo };
  parentId: string | null;
  recipe: unknown | null;
  createdAt: string;
}

export interface ModelInfo {
  id: string;
  name: string;
  arch: string;
  inputShape: [number, number, number]; // H, W, C
  numClasses: number;
  paramCount: number;
  source: 'trained' | 'imported' | 'patched';
  datasetId: string | null;
  runId: string | null;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
}

export interface RunInfo {
  id: string;
  kind: JobSpec['kind'];
  name: string;
  status: RunStatus;
  spec: JobSpec;
  datasetId: string | null;
  modelId: string | null; // train: the model it produced; eval: the model it evaluated
  groupId: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  backend: string | null;
  device: string | null;
  tags: string[];
  note: string;
  latestMetrics: Record<string, number>;
}

export interface MetricPoint {
  step: number;
  value: number;
  time: number; // ms since epoch
}

export interface EvaluationInfo {
  id: string;
  runId: string | null;
  modelId: string;
  datasetId: string;
  split: 'train' | 'test';
  attack: AttackSpec;
  count: number;
  cleanAccuracy: number;
  robustAccuracy: number | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** A finding of the gradient-masking checks: what it means and what to do, in plain words. */
export interface MaskingWarning {
  code: 'probability-outputs' | 'random-outputs' | 'zero-gradients' | 'unbounded-not-broken' | 'blackbox-beats-whitebox' | (string & {});
  message: string;
  /** The measured quantity behind the warning (a fraction, a difference). */
  value?: number;
}

/** Reliability-diagram data: points whose confidence falls in (lo, hi]. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean confidence (largest softmax probability) in the bin; null when empty. */
  confidence: number | null;
  /** Fraction classified correctly in the bin; null when empty. */
  accuracy: number | null;
}

export interface CalibrationReport {
  /** Expected calibration error: sum over bins of (count / N) * |accuracy - confidence|. */
  ece: number;
  count: number;
  bins: ReliabilityBin[];
}

/** One example for the report: images as uint8 pixels (H×W×C, row-major), base64. */
export interface GalleryItem {
  /** Position of the image in the evaluated split (after --limit). */
  index: number;
  label: number;
  labelName: string;
  cleanPred: number;
  advPred: number;
  cleanConfidence: number;
  advConfidence: number;
  /** The attack changed the prediction from right to wrong. */
  broken: boolean;
  clean: string;
  adversarial: string;
  /** The perturbation, 128 + amplification × (adversarial − clean) × 255, clipped to 0..255. */
  perturbation: string;
  amplification: number;
  linf: number;
  l2: number;
}

export interface ClassAccuracy {
  label: number;
  name: string;
  accuracy: number;
}

/**
 * Everything an evaluation measured; stored as the evaluation's `details` (the UI's report page
 * and the CSV/HTML export read it). Accuracies are fractions 0..1.
 */
export interface EvaluationReport {
  version: 1;
  attack: {
    name: string;
    title: string;
    params: Record<string, number | boolean | string>;
    /** 'none' (clean only), 'bounded' (fixed eps) or 'minimal' (smallest breaking perturbation). */
    kind: 'none' | 'bounded' | 'minimal';
    blackBox: boolean;
    norm: 'linf' | 'l2' | null;
    /** The radius robustAccuracy refers to; null when there is none (clean, or a minimal attack without a report radius). */
    eps: number | null;
  };
  count: number;
  numClasses: number;
  classNames: string[];
  cleanAccuracy: number;
  robustAccuracy: number | null;
  perClass: {
    label: number;
    name: string;
    count: number;
    cleanCorrect: number;
    robustCorrect: number | null;
    cleanAccuracy: number | null;
    robustAccuracy: number | null;
  }[];
  /** The class with the lowest accuracy (among classes with images), clean and under attack. */
  worstClass: { clean: ClassAccuracy | null; robust: ClassAccuracy | null };
  /** Counts [true class][predicted class], on the clean images and on the adversarial ones. */
  confusion: { clean: number[][]; adversarial: number[][] | null };
  /** Robust accuracy against the radius: from the eps grid (one attack run per eps) or from the minimal perturbations. */
  epsCurve: { source: 'grid' | 'minimal'; norm: 'linf' | 'l2'; points: { eps: number; robustAccuracy: number }[] } | null;
  /** Minimal-perturbation attacks: size of the smallest breaking perturbation per image (null = none found; 0 = wrong already). */
  minimal: { norm: 'linf' | 'l2'; median: number | null; mean: number | null; found: number; attacked: number; perPoint: (number | null)[] } | null;
  /** Ensembles (AutoAttack): robust accuracy after each member, and which member broke how many images. */
  stages:
    | {
        name: string;
        title: string;
        ran: number;
        broke: number;
        robustAccuracyAfter: number;
        seconds: number;
        /** Of `seconds`, the time inside the model (forward and backward passes); the rest is the attack's bookkeeping. Absent in older reports. */
        modelSeconds?: number;
        gradEvalsPerPoint: number;
        queriesPerPoint: number;
        skipped?: string;
      }[]
    | null;
  /** Targeted attacks: how often the target class was reached, among the images attacked. */
  targeted: { successRate: number; attempted: number } | null;
  calibration: { bins: number; clean: CalibrationReport; adversarial: CalibrationReport | null };
  /** What the attack cost, per evaluated image (forward+backward passes, forward-only passes). */
  cost: { seconds: number; attackSeconds: number; curveSeconds: number; checkSeconds: number; secondsPerPoint: number; gradEvalsPerPoint: number; queriesPerPoint: number };
  checks: {
    ran: string[];
    warnings: MaskingWarning[];
    measurements: Record<string, number>;
  };
  gallery: { height: number; width: number; channels: number; items: GalleryItem[] };
  /** Kept for older readers: the same as cost.gradEvalsPerPoint, cost.seconds and attack norm/eps. */
  gradEvalsPerPoint: number;
  seconds: number;
  radius: { norm: 'linf' | 'l2'; eps: number } | null;
}

export const ExportEvaluationRequestSchema = z.object({
  evaluationId: z.string().min(1, 'Give the evaluation id.'),
  format: z.enum(['csv', 'html']).default('html'),
});
export type ExportEvaluationRequest = z.input<typeof ExportEvaluationRequestSchema>;

export interface ExportedFile {
  filename: string;
  /** UTF-8 text of the file, or its bytes in base64 when `encoding` is 'base64'. */
  content: string;
  mimeType: string;
  encoding?: 'base64';
}

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' (tfjs-node or tfjs-node-gpu), 'wasm' or 'cpu'. */
  name: string;
  /** npm package that provides it. */
  package: string;
  /** Human-readable device, e.g. 'CPU (2 threads, wasm SIMD)' or 'NVIDIA GPU (CUDA)'. */
  device: string;
  tfjsVersion: string;
  /** Why faster backends were not used, one sentence each. */
  fallbacks: string[];
}

export interface LabStatus {
  version: string;
  labDir: string;
  backend: BackendInfo;
  mode: 'electron' | 'web' | 'cli';
  /** The lab folder cannot be written here (permissions, read-only disk): it is browsed, not changed. */
  readOnly?: boolean;
}

export interface ArchitectureInfo {
  name: string;
  title: string;
  description: string;
  /** Bound propagation (IBP/CROWN) can follow its layers: certified evaluation and certified training work. */
  certifiable: boolean;
}

export interface DatasetSamples {
  datasetId: string;
  split: 'train' | 'test';
  height: number;
  width: number;
  channels: number;
  /** One entry per class: up to `perClass` images, uint8 pixels HWC, base64. */
  classes: { label: number; name: string; images: string[] }[];
}

/** A registry entry of the corruption registry, with what the corruption studio needs to show it. */
export interface CorruptionInfo extends RegistryEntry {
  family: CorruptionFamily;
  /** The family's plain title (src/shared/corruption-families.ts). */
  familyTitle: string;
  /** Where it comes from: the ImageNet-C 15, the 4 ImageNet-C extras, MNIST-C, or the lab's label/data corruptions. */
  suite: CorruptionSuite;
  suiteTitle: string;
  /** What it changes: each image's pixels, the labels, or the split as a whole (which examples, triggers). */
  target: 'images' | 'labels' | 'dataset';
  /** [1, 2, 3, 4, 5], or [] when the severity has no effect. */
  severities: number[];
  defaultSeverity: number;
  /** Refused on grey images. */
  colourOnly: boolean;
  /** A structured input the step needs besides params: a class map or a transition matrix. */
  needs?: 'classMap' | 'matrix';
}

export interface CorruptionPreviewItem {
  /** Index in the source split. */
  index: number;
  label: number;
  /** Label after the recipe (differs under label noise or poisoning). */
  newLabel: number | null;
  /** Left out of the new split by a subsampling step (class imbalance). */
  dropped: boolean;
  /** Got a backdoor trigger. */
  poisoned: boolean;
  /** uint8 pixels HWC, base64. */
  before: string;
  /** uint8 pixels HWC, base64; null when dropped. */
  after: string | null;
}

export interface CorruptionPreview {
  datasetId: string;
  split: 'train' | 'test';
  height: number;
  width: number;
  channels: number;
  seed: number;
  items: CorruptionPreviewItem[];
  /** Time spent corrupting the images, in milliseconds. */
  ms: number;
}

export interface RunDetail {
  run: RunInfo;
  metrics: Record<string, MetricPoint[]>;
  evaluations: EvaluationInfo[];
  model: ModelInfo | null;
  /** Training runs: whether "Continue training" can work, and why not (null for other kinds). */
  resume?: { possible: boolean; reason: string | null } | null;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------
export const ImportDatasetRequestSchema = z
  .object({
    format: z.literal('idx'),
    name: z.string().trim().min(1, 'Give the dataset a name.').max(120),
    trainImages: z.string().optional(),
    trainLabels: z.string().optional(),
    testImages: z.string().optional(),
    testLabels: z.string().optional(),
    classNames: z.array(z.string()).optional(),
    /** The number of classes, stated by the person (CLI --num-classes); labels must be below it. */
    numClasses: z.number().int().min(1).max(100_000).optional(),
    /** Accept the class count inferred from the labels when it looks unusual (over 100, or empty classes). */
    confirmClasses: z.boolean().optional(),
  })
  .refine((r) => !!r.trainImages === !!r.trainLabels, {
    message: 'Give both the train images and the train labels file, or neither.',
  })
  .refine((r) => !!r.testImages === !!r.testLabels, {
    message: 'Give both the test images and the test labels file, or neither.',
  })
  .refine((r) => !!r.trainImages || !!r.testImages, {
    message: 'Give at least one split: train images and labels, or test images and labels.',
  });
export type ImportDatasetRequest = z.infer<typeof ImportDatasetRequestSchema>;

export const ImportModelRequestSchema = z.object({
  format: z.literal('safetensors'),
  arch: z.string().min(1),
  file: z.string().min(1),
  name: z.string().trim().min(1, 'Give the model a name.').max(120),
  /** Input height, width, channels; default: taken from the weights where they fix it, else 28x28x1. */
  inputShape: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]).optional(),
  datasetId: z.string().optional(),
});
export type ImportModelRequest = z.infer<typeof ImportModelRequestSchema>;

export const ListRunsRequestSchema = z.object({
  kind: z.enum(['train', 'eval', 'corrupt']).optional(),
  status: RunStatusSchema.optional(),
  limit: z.number().int().min(1).max(10000).default(500),
  offset: z.number().int().min(0).default(0),
});
export type ListRunsRequest = z.input<typeof ListRunsRequestSchema>;

export const UpdateRunRequestSchema = z.object({
  runId: z.string().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  note: z.string().max(20000).optional(),
  tags: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
});
export type UpdateRunRequest = z.infer<typeof UpdateRunRequestSchema>;

export const SamplesRequestSchema = z.object({
  dataset: z.string().min(1),
  split: z.enum(['train', 'test']).default('test'),
  perClass: z.number().int().min(1).max(32).default(6),
});
export type SamplesRequest = z.input<typeof SamplesRequestSchema>;

export const PreviewCorruptionRequestSchema = z.object({
  dataset: idOrName,
  split: splitName.default('test'),
  recipe: RecipeSchema,
  /** Which images (indices in the split); default: the first `count`. */
  indices: z.array(z.number().int().min(0)).min(1).max(64).optional(),
  count: z.number().int().min(1).max(64).default(16),
});
export type PreviewCorruptionRequest = z.input<typeof PreviewCorruptionRequestSchema>;

export const RegenerateDatasetRequestSchema = z.object({
  /** A dataset made by a corrupt job; its stored recipe is run again on its parent. */
  dataset: idOrName,
  /** Name of the copy; default: "<name> (regenerated)". */
  name: z.string().trim().min(1).max(120).optional(),
});
export type RegenerateDatasetRequest = z.input<typeof RegenerateDatasetRequestSchema>;

export const RunIdSchema = z.object({ runId: z.string().min(1) });
export const EmptySchema = z.object({}).default({});

// Events and management requests live in their own files; re-exported so every import stays `./schemas`.
export * from './events';
export * from './manage';

/** What each kind of run is, in words (the run page's subtitle). A Record, so a new job kind does not compile without one. */
export const RUN_KIND_TITLES: Record<JobSpec['kind'], string> = {
  train: 'Training run',
  eval: 'Evaluation run',
  corrupt: 'Corruption run (makes a dataset)',
  family: 'Patching family (fine-tunes a clean and robust members)',
  'patch-sweep': 'α sweep of a weight patch',
  import: 'Dataset import',
};
