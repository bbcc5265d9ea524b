/**
 * Model patching with robust weight signatures (Cai, Zhang, Wang, ICML 2023): the requests,
 * records and job specs shared by core, CLI, server and renderer. Only zod here (schemas.ts
 * imports the job specs into its JobSpecSchema union, so this file must not import schemas.ts).
 */
import { z } from 'zod';
import { AttackSpecSchema } from './attack-spec';

const idOrName = z.string().trim().min(1, 'Name or id must not be empty.');
const seed = z.number().int().min(0).max(2 ** 31 - 1);

/** The largest |α| a patch accepts (the rule itself is checked in core: src/core/patching/rules.ts). */
export const MAX_ALPHA = 5;
/** The largest sample of the instant estimate. */
export const MAX_ESTIMATE_IMAGES = 256;

export const QuantizeSchema = z.object({
  /** 'linear': N levels evenly between the tensor's min and max; 'log': N/2 log-spaced magnitudes per sign. */
  scheme: z.enum(['linear', 'log']),
  levels: z.number().int('Quantization levels must be a whole number.').min(2, 'Use at least 2 quantization levels.').max(256, 'Use at most 256 quantization levels (8 bits).'),
});

export const SignatureCompressionSchema = z.object({
  quantize: QuantizeSchema.optional(),
  /** Keep this many singular values of each weight matrix (conv kernels unfolded to out × in·kh·kw). */
  rank: z.number().int('The rank must be a whole number.').min(1, 'The rank must be at least 1.').max(4096).optional(),
});
export type SignatureCompression = z.infer<typeof SignatureCompressionSchema>;

export const ExtractSignatureRequestSchema = z.object({
  name: z.string().trim().min(1, 'Give the signature a name.').max(120),
  /** θ_c: the robust model (fine-tuned from the base on corrupted or adversarial data). */
  model: idOrName,
  /** θ_pre: the shared pretrained weights; default the model's parent. */
  base: idOrName.optional(),
  /** θ_clean: the clean fine-tuned model (needed for projection). */
  clean: idOrName.optional(),
  /** The first K layers in the architecture's order, 'all', or layer names. */
  layers: z.union([z.number().int().min(1, 'Choose at least 1 layer.'), z.literal('all'), z.array(z.string().min(1)).min(1)]).default(2),
  projection: z.boolean().default(true),
  compression: SignatureCompressionSchema.default({}),
});
export type ExtractSignatureRequest = z.infer<typeof ExtractSignatureRequestSchema>;

export const SignatureRefSchema = z.object({ signature: idOrName });

export const LayerDeltasRequestSchema = z.object({ model: idOrName, base: idOrName.optional(), clean: idOrName.optional() });

export const PatchTermSchema = z.object({ signature: idOrName, alpha: z.number().finite('α must be a number.') });
export type PatchTerm = z.infer<typeof PatchTermSchema>;

/** Batch norm after patching: keep the target's running statistics, or re-estimate them on a dataset. */
export const BnModeSchema = z.enum(['keep', 'reestimate']);

const patchCommon = {
  target: idOrName,
  signatures: z.array(PatchTermSchema).min(1, 'Add at least one signature.').max(16, 'Combine at most 16 signatures.'),
  bn: BnModeSchema.default('keep'),
  /** The dataset whose train split re-estimates batch-norm statistics (bn = 'reestimate'). */
  bnDataset: idOrName.optional(),
  /** Images used to re-estimate batch-norm statistics. */
  bnImages: z.number().int().min(16).max(60000).default(1024),
};

export const PatchModelRequestSchema = z.object({ ...patchCommon, name: z.string().trim().min(1, 'Give the patched model a name.').max(200) });
export type PatchModelRequest = z.infer<typeof PatchModelRequestSchema>;

export const EstimatePatchRequestSchema = z.object({
  ...patchCommon,
  /** Test sets to measure; default the target's dataset and each signature's source dataset. */
  datasets: z.array(idOrName).max(16).optional(),
  limit: z.number().int().min(1).max(MAX_ESTIMATE_IMAGES, `The instant estimate uses at most ${MAX_ESTIMATE_IMAGES} images; run an α sweep for more.`).default(MAX_ESTIMATE_IMAGES),
});
export type EstimatePatchRequest = z.infer<typeof EstimatePatchRequestSchema>;

/** Transfer check: does a signature's gain at home (its clean model) carry over to another target? */
export const TransferCheckRequestSchema = z.object({
  signature: idOrName,
  target: idOrName,
  alpha: z.number().finite().default(1),
  /** The test set the gain is measured on; default the signature's source (corrupted) dataset. */
  dataset: idOrName.optional(),
  limit: z.number().int().min(1).max(MAX_ESTIMATE_IMAGES, `The transfer check uses at most ${MAX_ESTIMATE_IMAGES} images per set.`).default(MAX_ESTIMATE_IMAGES),
});
export type TransferCheckRequest = z.infer<typeof TransferCheckRequestSchema>;

/** The share of the gain at home a target must keep for the gain to count as transferred. */
export const TRANSFER_SHARE = 0.5;

export interface TransferSide {
  modelId: string;
  modelName: string;
  /** Accuracy on the check's dataset without and with the patch. */
  before: number;
  after: number;
  gain: number;
  /** Accuracy on the model's own dataset without and with the patch (null when it has none, or it is the check's dataset). */
  ownBefore: number | null;
  ownAfter: number | null;
}

export interface TransferCheckResult {
  signatureId: string;
  signatureName: string;
  alpha: number;
  datasetId: string;
  datasetName: string;
  count: number;
  seconds: number;
  /** The signature's clean model (where its gain was made). */
  home: TransferSide;
  target: TransferSide;
  /** target gain / home gain (null when the home gain is not positive). */
  ratio: number | null;
  /** Whether the target kept at least TRANSFER_SHARE of the home gain (null: no gain to transfer). */
  transfers: boolean | null;
  /** The finding in one plain sentence. */
  summary: string;
}

/** A family: from one base model, a clean member and one robust member per corruption / method, same settings. */
export const FamilySpecSchema = z.object({
  kind: z.literal('family'),
  name: z.string().trim().max(200).optional(),
  base: idOrName,
  /** The clean dataset (its train split fine-tunes every member; corrupted copies are made from it). */
  dataset: idOrName,
  /** Corruptions applied on the fly to the dataset (train and test) for one member each. */
  corruptions: z.array(z.object({ corruption: z.string().trim().min(1), severity: z.number().int().min(1).max(5).default(3) })).max(20).default([]),
  /** Existing corrupted datasets (made in the corruption studio), one member each. */
  datasets: z.array(idOrName).max(20).default([]),
  /** Robust training methods on the clean data (e.g. 'pgd-at'), one member each. */
  methods: z.array(z.string().min(1)).max(10).default([]),
  epochs: z.number().int().min(1).max(1000).default(1),
  batchSize: z.number().int().min(1).max(4096).default(64),
  lr: z.number().gt(0).max(10).default(0.01),
  seed: seed.default(0),
  /** Only the first K training examples of each member's dataset. */
  limit: z.number().int().min(1).optional(),
  testLimit: z.number().int().min(1).optional(),
});
export type FamilySpec = z.infer<typeof FamilySpecSchema>;
export type FamilySpecInput = z.input<typeof FamilySpecSchema>;

/** An α sweep: the first signature's α over a grid (others fixed), accuracy on each dataset. */
export const PatchSweepSpecSchema = z.object({
  kind: z.literal('patch-sweep'),
  name: z.string().trim().max(200).optional(),
  target: idOrName,
  signatures: z.array(PatchTermSchema).min(1, 'Add at least one signature.').max(16),
  alphas: z.array(z.number().finite()).min(1, 'Give at least one α.').max(41, 'Sweep at most 41 values of α.'),
  /** Test sets; default the target's dataset and each signature's source dataset. */
  datasets: z.array(idOrName).max(16).optional(),
  limit: z.number().int().min(1).max(100000).default(500),
  bn: BnModeSchema.default('keep'),
  bnDataset: idOrName.optional(),
  bnImages: z.number().int().min(16).max(60000).default(1024),
  /** Optionally an attack at each α, on the first test set: metric `robust_accuracy/<dataset>`. */
  attack: AttackSpecSchema.optional(),
  /** Images attacked at each α (the first ones of the first test set; attacks cost more than accuracy). */
  attackLimit: z.number().int().min(1).max(10000).default(200),
});
export type PatchSweepSpec = z.infer<typeof PatchSweepSpecSchema>;
export type PatchSweepSpecInput = z.input<typeof PatchSweepSpecSchema>;

export interface SignatureTensorStats {
  name: string;
  layer: string;
  shape: number[];
  /** ‖θ_c − θ_pre‖ of this tensor. */
  deltaNorm: number;
  /** ‖s‖ before compression. */
  signatureNorm: number;
  /** cos(d, a) between the robust and the clean update (null without a clean reference). */
  cosineWithClean: number | null;
  encoding: 'full' | 'quantized' | 'lowrank';
  bytes: number;
  fullBytes: number;
  /** ‖compressed − s‖ / ‖s‖. */
  reconstructionError: number;
}

export interface SignatureEffect {
  /** Test images measured per dataset. */
  count: number;
  cleanDataset: string | null;
  sourceDataset: string | null;
  /** Clean reference on its own test set, and with the signature at α = 1. */
  cleanAccuracy: number | null;
  patchedCleanAccuracy: number | null;
  /** On the source model's (corrupted) test set: the clean reference, clean + signature, the source model. */
  referenceOnSource: number | null;
  patchedOnSource: number | null;
  sourceOnSource: number | null;
}

export interface SignatureInfo {
  id: string;
  name: string;
  arch: string;
  inputShape: [number, number, number];
  numClasses: number;
  baseModelId: string;
  cleanModelId: string | null;
  sourceModelId: string;
  /** The source model's training dataset (the corruption it is robust to). */
  sourceDatasetId: string | null;
  layers: string[];
  projection: boolean;
  compression: SignatureCompression;
  sizeBytes: number;
  /** The full model's weights (float32) in bytes. */
  modelBytes: number;
  sha256: string;
  effect: SignatureEffect | null;
  createdAt: string;
}

export interface SignatureDetail extends SignatureInfo {
  tensors: SignatureTensorStats[];
}

export interface LayerDelta {
  layer: string;
  size: number;
  baseNorm: number;
  deltaNorm: number;
  cleanNorm: number | null;
  projectedNorm: number | null;
  /** ‖Δ‖ / ‖θ_pre‖ of the layer. */
  relative: number;
}

export interface EstimateResult {
  count: number;
  seconds: number;
  bn: 'keep' | 'reestimate';
  rows: { datasetId: string; datasetName: string; targetAccuracy: number; patchedAccuracy: number }[];
}

/** A patched model's lineage. */
export interface PatchLineage {
  modelId: string;
  targetId: string;
  terms: { signatureId: string; signatureName: string; alpha: number }[];
  bn: 'keep' | 'reestimate';
  bnDatasetId: string | null;
}
