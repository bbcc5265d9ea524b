/**
 * "Bring your own": the contract for importing image folders, CIFAR binary batches and NumPy
 * arrays, exporting datasets, and layer-list architectures (a network as an ordered list of
 * PyTorch-like layers). Imported by shared/schemas (the import job spec) and shared/api.
 * No runtime dependency beyond zod.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Datasets in and out
// ---------------------------------------------------------------------------------------------

export const DATASET_FILE_FORMATS = ['folder', 'cifar', 'npz', 'npy'] as const;
export type DatasetFileFormat = (typeof DATASET_FILE_FORMATS)[number];

const sizeSchema = z.tuple([z.number().int().min(1).max(4096), z.number().int().min(1).max(4096)]);

/** Where the files are and how to read them (shared by the import job and the preview). */
export const DatasetSourceSchema = z.object({
  format: z.enum(DATASET_FILE_FORMATS),
  /** folder / cifar: the folder; npz: the .npz file. */
  path: z.string().trim().min(1).optional(),
  /** npy: image and label files per split. */
  trainImages: z.string().optional(),
  trainLabels: z.string().optional(),
  testImages: z.string().optional(),
  testLabels: z.string().optional(),
  /** folder: resize + centre-crop to height×width; absent keeps the images' own size. */
  size: sizeSchema.optional(),
  /** folder: grey (1 channel), colour (3), or auto (colour when any image is). */
  colour: z.enum(['auto', 'grey', 'colour']).default('auto'),
  /** folder with class folders only: share of each class put in a train split (seeded). */
  trainFraction: z.number().gt(0).lt(1).optional(),
  seed: z.number().int().min(0).default(0),
  /** folder: leave out images that cannot be decoded (they are listed with the dataset). */
  skipUnreadable: z.boolean().default(false),
  /** npz / npy: the images' layout when the shape allows both readings. */
  layout: z.enum(['nhwc', 'nchw']).optional(),
});
export type DatasetSource = z.infer<typeof DatasetSourceSchema>;

export const ImportSpecSchema = DatasetSourceSchema.extend({
  kind: z.literal('import'),
  name: z.string().trim().min(1, 'Give the dataset a name.').max(120),
  classNames: z.array(z.string().trim().min(1).max(200)).optional(),
  numClasses: z.number().int().min(1).max(100_000).optional(),
  confirmClasses: z.boolean().optional(),
});
export type ImportSpec = z.infer<typeof ImportSpecSchema>;

/** What the preview shows before anything is written. */
export interface DatasetImportPreview {
  format: DatasetFileFormat;
  /** e.g. 'class folders', 'train/ and test/ folders', 'CIFAR-100 binary', 'NCHW float in [0, 1]'. */
  detected: string;
  height: number | null;
  width: number | null;
  channels: number | null;
  numClasses: number;
  classNames: string[];
  counts: { train: number; test: number };
  /** Per class: image count per split and up to `perClass` sample images (uint8 HWC, base64, at the import size). */
  classes: { label: number; name: string; train: number; test: number; images: string[] }[];
  /** Images the preview could not decode (file, reason); the import refuses them unless told to skip. */
  unreadable: { file: string; reason: string }[];
  /** Sentences the person should read before importing (mixed sizes, ambiguous layout, …). */
  notes: string[];
}

export const PreviewImportRequestSchema = DatasetSourceSchema.extend({
  /** 'auto': from the path (a folder with CIFAR .bin batches, an .npz file, else an image folder). */
  format: z.enum([...DATASET_FILE_FORMATS, 'auto']).default('auto'),
  perClass: z.number().int().min(1).max(16).default(4),
});

export const DATASET_EXPORT_FORMATS = ['folder', 'npz', 'cifar'] as const;
export const ExportDatasetRequestSchema = z.object({
  dataset: z.string().trim().min(1),
  format: z.enum(DATASET_EXPORT_FORMATS),
  /** folder / cifar: the folder to write into (created; must be empty or missing); npz: the file. */
  out: z.string().trim().min(1),
});
export type ExportDatasetRequest = z.infer<typeof ExportDatasetRequestSchema>;

export interface ExportedDataset {
  datasetId: string;
  format: (typeof DATASET_EXPORT_FORMATS)[number];
  out: string;
  files: string[];
  images: number;
}

// ---------------------------------------------------------------------------------------------
// Layer-list architectures
// ---------------------------------------------------------------------------------------------

const pos = z.number().int().min(1);

const Conv2dLayer = z.object({
  type: z.literal('conv2d'),
  in: pos,
  out: pos,
  kernel: pos,
  stride: pos.default(1),
  padding: z.number().int().min(0).default(0),
  bias: z.boolean().default(true),
});
const LinearLayer = z.object({ type: z.literal('linear'), in: pos, out: pos, bias: z.boolean().default(true) });
const ActLayer = z.object({ type: z.enum(['relu', 'gelu', 'tanh', 'flatten']) });
const PoolLayer = z.object({ type: z.enum(['maxpool', 'avgpool']), kernel: pos, stride: pos.optional() });
const BatchNormLayer = z.object({ type: z.literal('batchnorm'), features: pos, eps: z.number().positive().default(1e-5) });
const DropoutLayer = z.object({ type: z.literal('dropout'), p: z.number().min(0).lt(1).default(0.5) });

export type LayerSpec =
  | z.infer<typeof Conv2dLayer>
  | z.infer<typeof LinearLayer>
  | z.infer<typeof ActLayer>
  | z.infer<typeof PoolLayer>
  | z.infer<typeof BatchNormLayer>
  | z.infer<typeof DropoutLayer>
  | { type: 'residual'; layers: LayerSpec[] };

type LayerInput =
  | z.input<typeof Conv2dLayer>
  | z.input<typeof LinearLayer>
  | z.input<typeof ActLayer>
  | z.input<typeof PoolLayer>
  | z.input<typeof BatchNormLayer>
  | z.input<typeof DropoutLayer>
  | { type: 'residual'; layers: LayerInput[] };

/** One layer; `residual` adds its input to the output of its own sub-list (PyTorch: a module holding an nn.Sequential `body`). */
export const LayerSpecSchema: z.ZodType<LayerSpec, LayerInput> = z.lazy(() =>
  z.discriminatedUnion('type', [
    Conv2dLayer,
    LinearLayer,
    ActLayer,
    PoolLayer,
    BatchNormLayer,
    DropoutLayer,
    z.object({ type: z.literal('residual'), layers: z.array(LayerSpecSchema).min(1).max(200) }),
  ]),
) as z.ZodType<LayerSpec, LayerInput>;

/** The names layer-list architectures may take: lower case, digits, '-', '_' (not a built-in's name). */
export const ARCH_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export const LayerListSpecSchema = z.object({
  name: z.string().regex(ARCH_NAME_PATTERN, 'An architecture name is 1–63 lower-case letters, digits, "-" or "_", starting with a letter.'),
  title: z.string().trim().max(200).optional(),
  description: z.string().trim().max(2000).optional(),
  /** Input height, width, channels (images are H×W×C in the lab; PyTorch sees C×H×W). */
  input: z.tuple([pos, pos, pos]),
  layers: z.array(LayerSpecSchema).min(1).max(500),
});
export type LayerListSpec = z.infer<typeof LayerListSpecSchema>;
export type LayerListSpecInput = z.input<typeof LayerListSpecSchema>;

export const AddArchitectureRequestSchema = z.object({
  /** The layer-list JSON (an object, or its text). */
  spec: z.union([z.string().min(2).max(1_000_000), z.record(z.string(), z.unknown())]),
  /** Overrides the spec's own name. */
  name: z.string().optional(),
});

export const ArchitectureRefSchema = z.object({ name: z.string().trim().min(1) });

/** renameArchitecture: a stored layer-list architecture and its new name. */
export const RenameArchitectureRequestSchema = z.object({ name: z.string().trim().min(1), newName: z.string().trim().min(1, 'Give the architecture a new name.') });

/** What uses an architecture, and why renaming or deleting it would be refused now (null: allowed). */
export interface ArchitectureUses {
  name: string;
  builtin: boolean;
  /** The models of this architecture (a model names its architecture). */
  models: { id: string; name: string }[];
  renameRefusal: string | null;
  deleteRefusal: string | null;
}

/** A deleted architecture's layer list (adding it again undoes the delete). */
export interface DeletedArchitecture {
  name: string;
  spec: LayerListSpec;
}

export interface LayerSummaryRow {
  /** PyTorch module path ('0', '4.body.1'), or '' for the input. */
  path: string;
  type: string;
  /** Output shape per image, PyTorch order (C, H, W) or (features). */
  outShape: number[];
  params: number;
  /** Multiply-adds × 2 per image. */
  flops: number;
}

export interface ArchitectureSummary {
  input: [number, number, number];
  numClasses: number;
  /** Empty for a built-in architecture without a layer list (resnet): then only the totals are known. */
  layers: LayerSummaryRow[];
  params: number;
  /** Per image; null when the architecture has no layer list to count from. */
  flops: number | null;
}

export interface ArchitectureDetail {
  name: string;
  title: string;
  description: string;
  builtin: boolean;
  /** Layer-list architectures only: the JSON as stored. */
  spec: LayerListSpec | null;
  /** Layer-list architectures: per-layer shapes, parameters and FLOPs at its input size. */
  summary: ArchitectureSummary | null;
  /** A PyTorch snippet that builds the same module (layer-list architectures only). */
  pytorch: string | null;
  createdAt: string | null;
}

export const ProposeArchitectureRequestSchema = z.object({ file: z.string().trim().min(1) });

export interface ArchitectureProposal {
  /** The architectures whose parameter names and shapes the file matches, best first. */
  matches: { name: string; input: [number, number, number]; numClasses: number }[];
  /** Per architecture that did not match: its first mismatch, one sentence. */
  mismatches: { name: string; reason: string }[];
  tensors: number;
}

export const ModelBundleRequestSchema = z.object({ model: z.string().trim().min(1) });

export interface ModelBundle {
  modelId: string;
  arch: string;
  /** The layer-list JSON of the model's architecture (null for built-ins without one). */
  layerList: LayerListSpec | null;
  /** PyTorch code that rebuilds the module and loads the exported safetensors. */
  pytorch: string | null;
  summary: ArchitectureSummary | null;
}
