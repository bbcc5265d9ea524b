/**
 * The `lab` API: one entry per call. Every transport (Electron IPC, HTTP in web mode, the CLI,
 * tests) goes through this table, and every payload is validated with its schema on the side
 * that receives it.
 */
import { z } from 'zod';
import type { WorkersList } from './remote';
import { WorkerBundleRequestSchema, WorkerCheckpointRequestSchema, WorkerFileRequestSchema, WorkerResultRequestSchema } from './remote';
import { SweepControlRequestSchema, SweepSpecSchema, SweepSummaryRequestSchema, type SweepDetail, type SweepInfo, type SweepPlan } from './sweeps';
import {
  CorruptSpecSchema,
  EmptySchema,
  EvalSpecSchema,
  ExportEvaluationRequestSchema,
  PreviewCorruptionRequestSchema,
  RegenerateDatasetRequestSchema,
  ImportDatasetRequestSchema,
  ImportModelRequestSchema,
  ListRunsRequestSchema,
  RunIdSchema,
  SamplesRequestSchema,
  TrainSpecSchema,
  UpdateRunRequestSchema,
  UpdateDatasetRequestSchema,
  UpdateModelRequestSchema,
  ItemRefSchema,
  UndoDeleteRequestSchema,
  ModelRefSchema,
  type DeletedItem,
  type Dependents,
  type ArchitectureInfo,
  type CorruptionInfo,
  type CorruptionPreview,
  type DatasetInfo,
  type DatasetSamples,
  type EvaluationInfo,
  type ExportedFile,
  type LabStatus,
  type ModelInfo,
  type MethodEntry,
  type RegistryEntry,
  type RunDetail,
  type RunInfo,
} from './schemas';
import {
  EstimatePatchRequestSchema,
  TransferCheckRequestSchema,
  ExtractSignatureRequestSchema,
  FamilySpecSchema,
  LayerDeltasRequestSchema,
  PatchModelRequestSchema,
  PatchSweepSpecSchema,
  SignatureRefSchema,
  type EstimateResult,
  type TransferCheckResult,
  type LayerDelta,
  type PatchLineage,
  type SignatureDetail,
  type SignatureInfo,
} from './patching';
import {
  AddArchitectureRequestSchema,
  ArchitectureRefSchema,
  ExportDatasetRequestSchema,
  ImportSpecSchema,
  ModelBundleRequestSchema,
  PreviewImportRequestSchema,
  ProposeArchitectureRequestSchema,
  RenameArchitectureRequestSchema,
  type ArchitectureDetail,
  type ArchitectureUses,
  type DeletedArchitecture,
  type ArchitectureProposal,
  type DatasetImportPreview,
  type ExportedDataset,
  type ModelBundle,
} from './byo';
import {
  CheckQueryRequestSchema,
  CompareRequestSchema,
  DeleteRunsRequestSchema,
  ExportComparisonRequestSchema,
  ExportRunsRequestSchema,
  GroupRunsRequestSchema,
  ImportRunsRequestSchema,
  QueryRunsRequestSchema,
  RestoreRunsRequestSchema,
  SaveViewRequestSchema,
  SetRunFlagsRequestSchema,
  ViewNameSchema,
  type CheckQueryResult,
  type Comparison,
  type DeleteRunsResult,
  type ExportRunsResult,
  type GroupRunsResult,
  type ImportRunsResult,
  type Lineage,
  type QueryRunsResult,
  type SavedView,
} from './history';

/** resumeTrain: the run to continue, optionally more epochs in total and a new name. */
const ResumeTrainRequestSchema = z.object({
  runId: z.string().min(1),
  epochs: z.number().int().min(1).max(1000).optional(),
  name: z.string().trim().max(200).optional(),
});

export const API_INPUTS = {
  /** History: a page of the runs table for a query (the run query language), a sort and a window. */
  queryRuns: QueryRunsRequestSchema,
  /** History: check a query's syntax; a bad one comes back as one sentence with its position. */
  checkQuery: CheckQueryRequestSchema,
  /** History: runs grouped by a column or param, with counts and each group's best run on a metric. */
  groupRuns: GroupRunsRequestSchema,
  /** History: star/unstar, archive/restore, add/remove tags on several runs at once. */
  setRunFlags: SetRunFlagsRequestSchema,
  /** History: delete runs (hidden, undoable for an hour) or purge them; says which models/datasets stay and why. */
  deleteRuns: DeleteRunsRequestSchema,
  /** History: undo a delete. */
  restoreRuns: RestoreRunsRequestSchema,
  /** History: compare 2–50 runs (params diff, metrics, curves, scatter + Pareto, eps curves, effective robustness). */
  compareRuns: CompareRequestSchema,
  /** History: a comparison as long-format CSV or a self-contained HTML report. */
  exportComparison: ExportComparisonRequestSchema,
  /** History: runs (with models, evaluations, dataset recipes) as one archive file. */
  exportRuns: ExportRunsRequestSchema,
  /** History: import a run archive; importing twice adds nothing; a damaged archive is refused. */
  importRuns: ImportRunsRequestSchema,
  /** History: saved views of the Runs and Compare pages. */
  listViews: EmptySchema,
  /** History: save (or overwrite) a view by name: the page and its route. */
  saveView: SaveViewRequestSchema,
  /** History: delete a saved view. */
  deleteView: ViewNameSchema,
  /** History: a run's lineage graph (datasets → run → model → evaluations). */
  runLineage: RunIdSchema,
  /** Patching: the signature library (name, source, layers, compression, size, measured effect). */
  listSignatures: EmptySchema,
  /** Patching: one signature with its per-tensor statistics. */
  getSignature: SignatureRefSchema,
  /** Patching: extract a signature (θ_c − θ_pre, clean update projected out, compressed) and store it. */
  extractSignature: ExtractSignatureRequestSchema,
  /** Patching: delete a signature (patched models keep its name and α in their lineage). */
  deleteSignature: SignatureRefSchema,
  /** Patching: per-layer ‖Δ‖ of a model against its base, shallow to deep (guides K). */
  layerDeltas: LayerDeltasRequestSchema,
  /** Patching: instant estimate of a patch on ≤ 256 test images per dataset. */
  estimatePatch: EstimatePatchRequestSchema,
  /** Patching: whether a signature's gain at home (its clean model) carries over to another target, on ≤ 256 images. */
  transferCheck: TransferCheckRequestSchema,
  /** Patching: save target + Σ α·signature as a new model with lineage. */
  patchModel: PatchModelRequestSchema,
  /** Patching: a patched model's lineage (target, signatures, α, batch norm), null for other models. */
  patchLineage: z.object({ model: z.string().trim().min(1) }),
  /** Patching: fine-tune a family (clean + one model per corruption/method) from one base, as a job. */
  submitFamily: FamilySpecSchema,
  /** Patching: an α sweep job (accuracy vs α on clean and corrupted test sets). */
  submitPatchSweep: PatchSweepSpecSchema,
  /** Bring your own: what an image folder / CIFAR folder / .npz / .npy pair would import (format, counts, samples); writes nothing. */
  previewDatasetImport: PreviewImportRequestSchema,
  /** Bring your own: import an image folder, CIFAR binary, .npz or .npy pair as a new dataset (a job with progress and cancel). */
  submitImport: ImportSpecSchema,
  /** Bring your own: write a dataset as an image folder tree, .npz or CIFAR binary at a path on the lab's machine. */
  exportDataset: ExportDatasetRequestSchema,
  /** Bring your own: store a layer-list architecture (JSON) so it can be used by name everywhere. */
  addArchitecture: AddArchitectureRequestSchema,
  /** Bring your own: check a layer list and give its summary (output shape after each layer) without storing it. */
  checkArchitecture: AddArchitectureRequestSchema,
  /** Bring your own: one architecture with its layer list, summary and PyTorch snippet. */
  getArchitecture: ArchitectureRefSchema,
  /** Bring your own: which architectures a safetensors file fits, or each one's first mismatch. */
  proposeArchitecture: ProposeArchitectureRequestSchema,
  /** Bring your own: the models of an architecture and why a rename or delete would be refused now (null: allowed). */
  architectureUses: ArchitectureRefSchema,
  /** Bring your own: rename a stored layer-list architecture; its models, signatures and training runs follow the new name. */
  renameArchitecture: RenameArchitectureRequestSchema,
  /** Bring your own: delete a stored layer-list architecture that no model uses (returns its layer list). */
  deleteArchitecture: ArchitectureRefSchema,
  /** Bring your own: a model's layer-list JSON, PyTorch snippet and summary (weights: exportModelWeights). */
  modelBundle: ModelBundleRequestSchema,
  status: EmptySchema,
  listDatasets: EmptySchema,
  importDataset: ImportDatasetRequestSchema,
  datasetSamples: SamplesRequestSchema,
  listArchitectures: EmptySchema,
  listAttacks: EmptySchema,
  /** The training-method registry (name, title, description, parameter descriptors) for the Train page. */
  listMethods: EmptySchema,
  listModels: EmptySchema,
  importModel: ImportModelRequestSchema,
  submitTrain: TrainSpecSchema,
  submitEval: EvalSpecSchema,
  cancelRun: RunIdSchema,
  /** Continue a training run from its last checkpoint with its own settings (only the epoch count and name may change). */
  resumeTrain: ResumeTrainRequestSchema,
  /** What `robustlab doctor` shows beyond `status`: the SQLite version and the store's schema version. */
  doctor: EmptySchema,
  listRuns: ListRunsRequestSchema,
  getRun: RunIdSchema,
  updateRun: UpdateRunRequestSchema,
  listEvaluations: z.object({ modelId: z.string().optional() }).default({}),
  /** An evaluation as a CSV table or a self-contained HTML report. */
  exportEvaluation: ExportEvaluationRequestSchema,
  /** Corruption studio: the corruption registry, a before/after preview, corrupt jobs. */
  listCorruptions: EmptySchema,
  previewCorruption: PreviewCorruptionRequestSchema,
  submitCorrupt: CorruptSpecSchema,
  regenerateDataset: RegenerateDatasetRequestSchema,
  /** Rename a dataset or give its classes names (refused for the built-in ones' names). */
  updateDataset: UpdateDatasetRequestSchema,
  /** Rename a model. */
  updateModel: UpdateModelRequestSchema,
  /** What names a dataset or model (runs, models, datasets, evaluations), shown before deleting it. */
  listDependents: ItemRefSchema,
  /** Delete a dataset or model that nothing needs; refused (with what needs it) otherwise; undoable for a short time. */
  deleteItem: ItemRefSchema,
  /** Undo a delete while its token is valid. */
  undoDelete: UndoDeleteRequestSchema,
  /** A model's weights as a safetensors file (base64). */
  exportModelWeights: ModelRefSchema,
  /** The lab folder's health: SQLite integrity check, rows whose files are missing, files no row needs, leftovers of interrupted work; `repair` removes only the last two. */
  checkLab: z.object({ repair: z.boolean().default(false) }).default({ repair: false }),
  /** Sweeps: what a sweep would run (members, runs, values, time estimate), checked but not started. */
  planSweep: SweepSpecSchema,
  /** Sweeps: check every member and start the sweep as one group of runs. */
  submitSweep: SweepSpecSchema,
  /** Sweeps: every sweep with its progress, newest first. */
  listSweeps: EmptySchema,
  /** Sweeps: one sweep's members, progress and the best member by a metric. */
  getSweep: SweepSummaryRequestSchema,
  /** Sweeps: pause (no new members), resume or cancel a sweep. */
  controlSweep: SweepControlRequestSchema,
  /** Remote workers: a queued run's spec, dataset and model rows, their files' sha256, and its last checkpoint. */
  workerBundle: WorkerBundleRequestSchema,
  /** Remote workers: one file of the lab (base64 with its sha256). */
  workerFile: WorkerFileRequestSchema,
  /** Remote workers: a training run's end-of-epoch checkpoint (hash-checked, size-limited). */
  workerCheckpoint: WorkerCheckpointRequestSchema,
  /** Remote workers: a run's final record (models, evaluations, status), written by the host in one transaction. */
  workerResult: WorkerResultRequestSchema,
  /** Where jobs run: the embedded queue, or the remote workers registered in the lab's Redis. */
  listWorkers: EmptySchema,
} as const;

export type ApiMethod = keyof typeof API_INPUTS;
export const API_METHODS = Object.keys(API_INPUTS) as ApiMethod[];

export interface ApiOutputs {
  queryRuns: QueryRunsResult;
  checkQuery: CheckQueryResult;
  groupRuns: GroupRunsResult;
  setRunFlags: { runIds: string[] };
  deleteRuns: DeleteRunsResult;
  restoreRuns: { runIds: string[] };
  compareRuns: Comparison;
  exportComparison: ExportedFile;
  exportRuns: ExportRunsResult;
  importRuns: ImportRunsResult;
  listViews: SavedView[];
  saveView: SavedView;
  deleteView: { name: string };
  runLineage: Lineage;
  listSignatures: SignatureInfo[];
  getSignature: SignatureDetail;
  extractSignature: SignatureDetail;
  deleteSignature: { id: string; name: string };
  layerDeltas: LayerDelta[];
  estimatePatch: EstimateResult;
  transferCheck: TransferCheckResult;
  patchModel: ModelInfo;
  patchLineage: PatchLineage | null;
  submitFamily: RunInfo;
  submitPatchSweep: RunInfo;
  previewDatasetImport: DatasetImportPreview;
  submitImport: RunInfo;
  exportDataset: ExportedDataset;
  addArchitecture: ArchitectureDetail;
  checkArchitecture: ArchitectureDetail;
  getArchitecture: ArchitectureDetail;
  proposeArchitecture: ArchitectureProposal;
  architectureUses: ArchitectureUses;
  renameArchitecture: ArchitectureDetail;
  deleteArchitecture: DeletedArchitecture;
  modelBundle: ModelBundle;
  status: LabStatus;
  listDatasets: DatasetInfo[];
  importDataset: DatasetInfo;
  datasetSamples: DatasetSamples;
  listArchitectures: ArchitectureInfo[];
  listAttacks: RegistryEntry[];
  listMethods: MethodEntry[];
  listModels: ModelInfo[];
  importModel: ModelInfo;
  submitTrain: RunInfo;
  submitEval: RunInfo;
  cancelRun: RunInfo;
  resumeTrain: RunInfo;
  doctor: { status: LabStatus; sqliteVersion: string; schemaVersion: number };
  listRuns: RunInfo[];
  getRun: RunDetail;
  updateRun: RunInfo;
  listEvaluations: EvaluationInfo[];
  exportEvaluation: ExportedFile;
  listCorruptions: CorruptionInfo[];
  previewCorruption: CorruptionPreview;
  submitCorrupt: RunInfo;
  regenerateDataset: RunInfo;
  updateDataset: DatasetInfo;
  updateModel: ModelInfo;
  listDependents: Dependents;
  deleteItem: DeletedItem;
  undoDelete: { kind: 'dataset' | 'model'; id: string; name: string };
  exportModelWeights: ExportedFile;
  checkLab: {
    integrity: string[];
    missing: { file: string; owner: string }[];
    unreferenced: string[];
    leftovers: string[];
    removed: string[];
    ok: boolean;
  };
  planSweep: SweepPlan;
  submitSweep: SweepDetail;
  listSweeps: SweepInfo[];
  getSweep: SweepDetail;
  controlSweep: SweepDetail;
  workerBundle: unknown;
  workerFile: { rel: string; data: string; sha256: string };
  workerCheckpoint: { runId: string; bytes: number };
  workerResult: { runId: string; status: string };
  listWorkers: WorkersList;
}

export type ApiInput<M extends ApiMethod> = z.input<(typeof API_INPUTS)[M]>;
export type ApiParsed<M extends ApiMethod> = z.output<(typeof API_INPUTS)[M]>;

/** What a client sees: every call is async and takes the unparsed input. */
export type LabApi = {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutputs[M]>;
};

/** Validate a payload for a method; throws a ZodError on bad input. */
export function parseInput<M extends ApiMethod>(method: M, input: unknown): ApiParsed<M> {
  return API_INPUTS[method].parse(input ?? {}) as ApiParsed<M>;
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(API_INPUTS, name);
}

/** The IPC channel names in Electron. */
export const IPC_CALL_PREFIX = 'lab:';
export const IPC_EVENT_CHANNEL = 'lab:event';
export const IPC_PICK_FILES = 'app:pick-files';

/** What every transport returns for a call: the result, or a person-readable error. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string } };

/** Web mode: the token travels as this header, a `token` query parameter, or this cookie. */
export const TOKEN_HEADER = 'x-robustlab-token';
export const TOKEN_COOKIE = 'robustlab_token';

/** Options for the native file picker (Electron) or the upload picker (web). */
export interface PickFilesOptions {
  title?: string;
  multiple?: boolean;
  /** e.g. [{ name: 'IDX files', extensions: ['gz', 'idx3-ubyte', 'idx1-ubyte'] }] */
  filters?: { name: string; extensions: string[] }[];
}

/**
 * The object the Electron preload exposes as `window.lab`: one function per API call (each
 * resolves to an Envelope), plus events and the native file picker. Nothing else.
 */
export type PreloadLab = {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<Envelope<ApiOutputs[M]>>;
} & {
  onEvent(cb: (event: import('./schemas').LabEvent) => void): () => void;
  pickFiles(opts: PickFilesOptions): Promise<string[]>;
};
