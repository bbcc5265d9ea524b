/**
 * The API contract: zod schemas of every job spec, request, record and event. Imported by every
 * layer (core, main, preload, renderer, server, cli). No runtime dependency beyond zod.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Parameter descriptors: registries (attacks, methods, corruptions...) describe their parameters
// with these, and the UI generates its forms from them.
// ---------------------------------------------------------------------------------------------
export const ParamDescriptorSchema = z.object({
  key: z.string(),
  label: z.string(),
  type: z.enum(['number', 'integer', 'boolean', 'enum']),
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

// ---------------------------------------------------------------------------------------------
// Job specs. Every job is one of these; it is stored with its run so it can be repeated exactly.
// ---------------------------------------------------------------------------------------------
const seed = z.number().int().min(0).max(2 ** 31 - 1);
const idOrName = z.string().trim().min(1, 'Name or id must not be empty.');

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
});
export type TrainSpec = z.infer<typeof TrainSpecSchema>;
export type TrainSpecInput = z.input<typeof TrainSpecSchema>;

export const AttackSpecSchema = z.object({
  name: z.string().min(1),
  params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
});
export type AttackSpec = z.infer<typeof AttackSpecSchema>;

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
});
export type EvalSpec = z.infer<typeof EvalSpecSchema>;
export type EvalSpecInput = z.input<typeof EvalSpecSchema>;

export const JobSpecSchema = z.discriminatedUnion('kind', [TrainSpecSchema, EvalSpecSchema]);
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
}

export interface ArchitectureInfo {
  name: string;
  title: string;
  description: string;
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

export interface RunDetail {
  run: RunInfo;
  metrics: Record<string, MetricPoint[]>;
  evaluations: EvaluationInfo[];
  model: ModelInfo | null;
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
  kind: z.enum(['train', 'eval']).optional(),
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

export const RunIdSchema = z.object({ runId: z.string().min(1) });
export const EmptySchema = z.object({}).default({});

// ---------------------------------------------------------------------------------------------
// Events: progress flows back from workers to every client on one channel.
// ---------------------------------------------------------------------------------------------
export interface ProgressEvent {
  type: 'progress';
  runId: string;
  phase: string; // 'train' | 'test' | 'attack' | ...
  epoch: number; // 1-based; 0 when not applicable
  epochs: number;
  step: number; // global step done
  steps: number; // global steps total
  fraction: number; // 0..1 of the whole job
  loss?: number;
  accuracy?: number;
  imagesPerSec?: number;
  etaSeconds?: number;
  message?: string;
}

export interface RunStatusEvent {
  type: 'run';
  runId: string;
  status: RunStatus;
  error?: string | null;
}

export interface MetricEvent {
  type: 'metric';
  runId: string;
  key: string;
  step: number;
  value: number;
  time: number;
}

export type LabEvent = ProgressEvent | RunStatusEvent | MetricEvent;
