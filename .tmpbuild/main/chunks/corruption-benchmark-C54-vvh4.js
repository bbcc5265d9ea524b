import { z } from "zod";
import { L as LabError, g as getArchitecture, e as formatInput, h as formatShape, B as BN_MOMENTUM, c as crossEntropy, v as valueAndInputGrad, f as forwardEval, j as lossFor, k as sortedClasses, m as maxOther, n as lossValue, r as requireClasses } from "./losses-Bh5FtoXR.js";
import * as tf from "@tensorflow/tfjs-core";
import fs, { readFileSync, mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, existsSync, rmSync } from "node:fs";
import path, { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import crypto, { randomBytes } from "node:crypto";
import { endianness } from "node:os";
import Database from "better-sqlite3";
import jpeg from "jpeg-js";
const ParamDescriptorSchema = z.object({
  key: z.string(),
  label: z.string(),
  /** 'string': free text (e.g. Group DRO's class groups), checked against `pattern` when given. */
  type: z.enum(["number", "integer", "boolean", "enum", "string"]),
  pattern: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  default: z.union([z.number(), z.boolean(), z.string()]),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  help: z.string(),
  unit: z.string().optional(),
  advanced: z.boolean().optional()
});
z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  params: z.array(ParamDescriptorSchema)
});
const seed = z.number().int().min(0).max(2 ** 31 - 1);
const idOrName = z.string().trim().min(1, "Name or id must not be empty.");
const OptimizerSchema = z.object({
  name: z.enum(["sgd", "adam"]).default("sgd"),
  lr: z.number().gt(0, "Learning rate must be above 0.").max(10, "Learning rate must be at most 10."),
  momentum: z.number().min(0).max(0.999).default(0.9),
  weightDecay: z.number().min(0).max(1).default(0),
  beta1: z.number().min(0).max(0.9999).default(0.9),
  beta2: z.number().min(0).max(0.99999).default(0.999)
});
const ScheduleSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("constant") }),
  z.object({
    name: z.literal("step"),
    stepEpochs: z.number().int().min(1).default(1),
    gamma: z.number().gt(0).max(1).default(0.1)
  }),
  z.object({ name: z.literal("cosine"), minLr: z.number().min(0).default(0) })
]);
const MonitorSchema = z.object({
  /** The first N points of the test (and validation) split. */
  count: z.number().int().min(1).max(1e5).default(200),
  /** Radius; default the method's eps, else 0.1. */
  eps: z.number().min(0).max(1).optional(),
  /** PGD accuracy with this many steps (0 = no PGD metric). */
  pgdSteps: z.number().int().min(0).max(1e3).default(10),
  /** Certified accuracy by IBP or CROWN; default 'ibp' for certified-training methods, else 'none'. */
  certify: z.enum(["none", "ibp", "crown"]).optional()
});
const EarlyStoppingSchema = z.object({
  /** clean: accuracy; robust: PGD accuracy; certified: certified accuracy (both need `monitor`); loss: the loss. */
  metric: z.enum(["clean", "robust", "certified", "loss"]).default("clean"),
  /** Epochs without improvement before stopping. */
  patience: z.number().int().min(1).max(1e3).default(3),
  /** Smallest change that counts as an improvement. */
  minDelta: z.number().min(0).default(0)
});
const TrainSpecSchema = z.object({
  kind: z.literal("train"),
  name: z.string().trim().max(200).optional(),
  dataset: idOrName,
  arch: idOrName,
  method: z.string().default("erm"),
  methodParams: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
  epochs: z.number().int().min(1, "Epochs must be at least 1.").max(1e3),
  batchSize: z.number().int().min(1, "Batch size must be at least 1.").max(4096),
  optimizer: OptimizerSchema,
  schedule: ScheduleSchema.default({ name: "constant" }),
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
  valFraction: z.number().min(0).max(0.5, "Hold out at most half of the training images for validation.").optional(),
  /** Linear learning-rate warm-up from 0 over the first W epochs (default 0; fractions allowed), then the schedule. */
  warmupEpochs: z.number().min(0).max(1e3).optional(),
  /** Robust metrics every epoch on the first `count` test (and validation) points, for live charts. */
  monitor: MonitorSchema.optional(),
  /** Stop when the chosen validation metric (test metric without a validation split) stops improving. */
  earlyStopping: EarlyStoppingSchema.optional(),
  /** Keep the weights of the epoch with the best clean / PGD / certified accuracy instead of the last (default 'last'). */
  keepBest: z.enum(["last", "clean", "robust", "certified"]).optional(),
  /** Continue an earlier run (its id) from its last end-of-epoch checkpoint: weights, optimizer and method state. */
  resumeFrom: z.string().optional()
});
const AttackSpecSchema = z.object({
  name: z.string().min(1),
  params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({})
});
const EvalSpecSchema = z.object({
  kind: z.literal("eval"),
  name: z.string().trim().max(200).optional(),
  model: idOrName,
  dataset: idOrName,
  split: z.enum(["train", "test"]).default("test"),
  attack: AttackSpecSchema.default({ name: "none", params: {} }),
  /** Only the first K examples of the split. */
  limit: z.number().int().min(1).optional(),
  batchSize: z.number().int().min(1).max(4096).default(200),
  seed: seed.default(0),
  /**
   * 'corruptions': the corruption-robustness benchmark (src/core/eval/corruption-benchmark.ts):
   * accuracy for every corruption × severity, mean corruption error (mCE) and relative mCE
   * against `baselineModel` (Hendrycks & Dietterich, 2019). `attack` must stay 'none'.
   */
  benchmark: z.enum(["corruptions"]).optional(),
  /** Image corruptions of the benchmark; default: the 15 ImageNet-C corruptions. */
  corruptions: z.array(z.string().min(1)).min(1).max(100).optional(),
  /** Severities of the benchmark; default 1–5. */
  severities: z.array(z.number().int().min(1, "Severities go from 1 to 5.").max(5, "Severities go from 1 to 5.")).min(1).max(5).optional(),
  /** The model whose errors normalise the corruption errors (CE); without one, CE is not computed. */
  baselineModel: idOrName.optional(),
  /**
   * Certified accuracy instead of an attack: a point counts when bound propagation (IBP, or the
   * tighter and slower CROWN) proves every margin positive over the L∞ box of radius `eps`.
   * robustAccuracy is then the certified accuracy; `attack` must stay 'none'.
   */
  certify: z.enum(["ibp", "crown"]).optional(),
  /** The certification radius (pixels, 0–1); required with `certify`. */
  eps: z.number().min(0, "eps must be at least 0.").max(1, "eps must be at most 1 (the whole pixel range).").optional(),
  /** Robust accuracy at each of these radii too (a robustness curve), with the same attack. */
  epsGrid: z.array(z.number().min(0, "Every eps in the grid must be at least 0.").max(1e3)).min(1).max(50).optional(),
  /** How many example images (clean, adversarial, perturbation) to keep for the report. */
  gallery: z.number().int().min(0).max(64).default(8),
  /** Gradient-masking checks: cheap output/gradient checks, PGD with eps = 1, Square on the points left robust. */
  checks: z.object({
    masking: z.boolean().default(true),
    unbounded: z.boolean().default(false),
    blackBox: z.boolean().default(false)
  }).default({ masking: true, unbounded: false, blackBox: false })
});
const splitName = z.enum(["train", "test"]);
const stepParamValue = z.union([z.number(), z.boolean(), z.string()]);
const CorruptionStepSchema = z.object({
  /** Registry name, e.g. 'gaussian_noise', 'mnistc/shear', 'labels/symmetric', 'data/backdoor'. */
  corruption: z.string().trim().min(1, "Name the corruption of every step."),
  /** 1 (mild) to 5 (strong); default: the corruption's default severity. */
  severity: z.number().int("Severity must be a whole number from 1 to 5.").min(1, "Severity must be from 1 to 5.").max(5, "Severity must be from 1 to 5.").optional(),
  params: z.record(z.string(), stepParamValue).default({}),
  /** Only these splits get this step (default: every split of the job). */
  splits: z.array(splitName).min(1).optional(),
  /** labels/pair_flip: the label class i flips to (default i → i+1). */
  classMap: z.array(z.number().int().min(0)).max(1e5).optional(),
  /** labels/transition: row i = chances of every label for an example of class i. */
  matrix: z.array(z.array(z.number())).max(1e3).optional()
});
const RecipeSchema = z.object({
  steps: z.array(CorruptionStepSchema).min(1, "A recipe needs at least one step.").max(50),
  seed: seed.optional()
});
const CorruptSpecSchema = z.object({
  kind: z.literal("corrupt"),
  /** Name of the new dataset (also the run's name); default: parent name + first corruption + severity. */
  name: z.string().trim().min(1, "Give the new dataset a name.").max(120).optional(),
  dataset: idOrName,
  recipe: RecipeSchema,
  /** Splits of the new dataset; default: every split the parent has. */
  splits: z.array(splitName).min(1, "Choose at least one split.").optional(),
  /** Default: the recipe's seed, else 0. */
  seed: seed.optional()
});
const JobSpecSchema = z.discriminatedUnion("kind", [TrainSpecSchema, EvalSpecSchema, CorruptSpecSchema]);
const RunStatusSchema = z.enum(["queued", "running", "finished", "failed", "cancelled", "interrupted"]);
const TERMINAL_STATUSES = ["finished", "failed", "cancelled", "interrupted"];
const ExportEvaluationRequestSchema = z.object({
  evaluationId: z.string().min(1, "Give the evaluation id."),
  format: z.enum(["csv", "html"]).default("html")
});
const ImportDatasetRequestSchema = z.object({
  format: z.literal("idx"),
  name: z.string().trim().min(1, "Give the dataset a name.").max(120),
  trainImages: z.string().optional(),
  trainLabels: z.string().optional(),
  testImages: z.string().optional(),
  testLabels: z.string().optional(),
  classNames: z.array(z.string()).optional()
}).refine((r) => !!r.trainImages === !!r.trainLabels, {
  message: "Give both the train images and the train labels file, or neither."
}).refine((r) => !!r.testImages === !!r.testLabels, {
  message: "Give both the test images and the test labels file, or neither."
}).refine((r) => !!r.trainImages || !!r.testImages, {
  message: "Give at least one split: train images and labels, or test images and labels."
});
const ImportModelRequestSchema = z.object({
  format: z.literal("safetensors"),
  arch: z.string().min(1),
  file: z.string().min(1),
  name: z.string().trim().min(1, "Give the model a name.").max(120),
  /** Input height, width, channels; default: taken from the weights where they fix it, else 28x28x1. */
  inputShape: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]).optional(),
  datasetId: z.string().optional()
});
const ListRunsRequestSchema = z.object({
  kind: z.enum(["train", "eval", "corrupt"]).optional(),
  status: RunStatusSchema.optional(),
  limit: z.number().int().min(1).max(1e4).default(500),
  offset: z.number().int().min(0).default(0)
});
const UpdateRunRequestSchema = z.object({
  runId: z.string().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  note: z.string().max(2e4).optional(),
  tags: z.array(z.string().trim().min(1).max(60)).max(50).optional()
});
const SamplesRequestSchema = z.object({
  dataset: z.string().min(1),
  split: z.enum(["train", "test"]).default("test"),
  perClass: z.number().int().min(1).max(32).default(6)
});
const PreviewCorruptionRequestSchema = z.object({
  dataset: idOrName,
  split: splitName.default("test"),
  recipe: RecipeSchema,
  /** Which images (indices in the split); default: the first `count`. */
  indices: z.array(z.number().int().min(0)).min(1).max(64).optional(),
  count: z.number().int().min(1).max(64).default(16)
});
const RegenerateDatasetRequestSchema = z.object({
  /** A dataset made by a corrupt job; its stored recipe is run again on its parent. */
  dataset: idOrName,
  /** Name of the copy; default: "<name> (regenerated)". */
  name: z.string().trim().min(1).max(120).optional()
});
const RunIdSchema = z.object({ runId: z.string().min(1) });
const EmptySchema = z.object({}).default({});
const MIGRATIONS = [
  {
    version: 1,
    name: "initial schema: datasets, models, runs, params, metrics, evaluations, tags",
    sql: `
      CREATE TABLE datasets (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        source      TEXT NOT NULL,
        height      INTEGER NOT NULL,
        width       INTEGER NOT NULL,
        channels    INTEGER NOT NULL,
        num_classes INTEGER NOT NULL,
        class_names TEXT NOT NULL,          -- JSON array
        splits      TEXT NOT NULL,          -- JSON {train?: {count}, test?: {count}}
        files       TEXT NOT NULL,          -- JSON: relative paths of the .npy files
        parent_id   TEXT REFERENCES datasets(id),
        recipe      TEXT,                   -- JSON: how it was derived from its parent
        created_at  TEXT NOT NULL
      );

      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('queued','running','finished','failed','cancelled','interrupted')),
        spec        TEXT NOT NULL,          -- JSON: the validated job spec, enough to repeat the run
        dataset_id  TEXT REFERENCES datasets(id),
        model_id    TEXT,                   -- train: the model produced; eval: the model evaluated
        group_id    TEXT,                   -- sweeps: runs launched together
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        ended_at    TEXT,
        error       TEXT,
        backend     TEXT,
        device      TEXT,
        note        TEXT NOT NULL DEFAULT '',
        host_pid    INTEGER,
        worker_pid  INTEGER,
        heartbeat_at INTEGER                -- ms since epoch, written by the worker
      );
      CREATE INDEX runs_created ON runs(created_at DESC);
      CREATE INDEX runs_status ON runs(status);
      CREATE INDEX runs_group ON runs(group_id);

      CREATE TABLE models (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        arch        TEXT NOT NULL,
        input_h     INTEGER NOT NULL,
        input_w     INTEGER NOT NULL,
        input_c     INTEGER NOT NULL,
        num_classes INTEGER NOT NULL,
        param_count INTEGER NOT NULL,
        source      TEXT NOT NULL,
        dataset_id  TEXT REFERENCES datasets(id),
        run_id      TEXT REFERENCES runs(id),
        parent_id   TEXT REFERENCES models(id),
        sha256      TEXT NOT NULL,
        size_bytes  INTEGER NOT NULL,
        artifact    TEXT NOT NULL,          -- path relative to the lab folder
        created_at  TEXT NOT NULL
      );
      CREATE INDEX models_name ON models(name);

      CREATE TABLE params (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE INDEX params_key ON params(key, value);

      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL NOT NULL,
        time   INTEGER NOT NULL
      );
      CREATE INDEX metrics_run_key ON metrics(run_id, key, step);

      CREATE TABLE latest_metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL NOT NULL,
        time   INTEGER NOT NULL,
        PRIMARY KEY (run_id, key)
      );

      CREATE TABLE evaluations (
        id              TEXT PRIMARY KEY,
        run_id          TEXT REFERENCES runs(id),
        model_id        TEXT NOT NULL REFERENCES models(id),
        dataset_id      TEXT NOT NULL REFERENCES datasets(id),
        split           TEXT NOT NULL,
        attack          TEXT NOT NULL,      -- JSON AttackSpec
        count           INTEGER NOT NULL,
        clean_accuracy  REAL NOT NULL,
        robust_accuracy REAL,
        details         TEXT NOT NULL,      -- JSON
        created_at      TEXT NOT NULL
      );
      CREATE INDEX evaluations_model ON evaluations(model_id);

      CREATE TABLE tags (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag    TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      );
      CREATE INDEX tags_tag ON tags(tag);
    `
  }
];
MIGRATIONS[MIGRATIONS.length - 1].version;
const DB_FILE = "lab.db";
function openDb(labDir, migrations = MIGRATIONS) {
  fs.mkdirSync(labDir, { recursive: true });
  const file = path.join(labDir, DB_FILE);
  const nativeBinding = process.env.ROBUSTLAB_SQLITE_BINDING;
  let db;
  try {
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
  } catch (err) {
    throw new LabError(
      "bad_file",
      `The lab database ${file} could not be opened (${err.message}); check the folder is writable and the file is a Robustness Lab database.`
    );
  }
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 10000");
  migrate(db, migrations);
  return db;
}
function migrate(db, migrations = MIGRATIONS) {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  const newest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > newest) {
    throw new LabError(
      "conflict",
      `This lab folder was written by a newer Robustness Lab (schema ${current}, this one knows ${newest}); update the app to open it.`
    );
  }
  const applied = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    const run = db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        (/* @__PURE__ */ new Date()).toISOString()
      );
      applied.push(m.version);
    });
    run.immediate();
  }
  return applied;
}
function schemaVersion(db) {
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get();
  return row?.v ?? 0;
}
let lastMs = 0;
let seq = 0;
function newId(prefix) {
  const ms = Date.now();
  seq = ms === lastMs ? seq + 1 : 0;
  lastMs = ms;
  const t = ms.toString(36).padStart(9, "0");
  const s = seq.toString(36).padStart(3, "0");
  const r = crypto.randomBytes(4).toString("hex");
  return `${prefix}_${t}${s}${r}`;
}
const now = () => (/* @__PURE__ */ new Date()).toISOString();
function parseJson(s, fallback) {
  if (typeof s !== "string") return fallback;
  try {
    return JSON.parse(s);
  } catch {
    return fallback;
  }
}
class LabStore {
  db;
  labDir;
  constructor(labDir, db) {
    this.labDir = labDir;
    this.db = db;
  }
  static open(labDir) {
    const dir = path.resolve(labDir);
    return new LabStore(dir, openDb(dir));
  }
  close() {
    if (this.db.open) this.db.close();
  }
  transaction(fn) {
    return this.db.transaction(fn)();
  }
  // ------------------------------------------------------------------------------- artifacts
  /**
   * Writes bytes as a content-addressed artifact: temp name, fsync, rename. Returns the path
   * relative to the lab folder. Writing the same content twice is a no-op.
   */
  writeArtifact(bytes, ext) {
    const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
    const rel = path.join("artifacts", sha256.slice(0, 2), `${sha256}.${ext}`);
    const abs = path.join(this.labDir, rel);
    if (!fs.existsSync(abs)) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      const tmp = `${abs}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
      const fd = fs.openSync(tmp, "w");
      try {
        fs.writeSync(fd, bytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, abs);
    }
    return { rel, sha256, size: bytes.byteLength };
  }
  readArtifact(rel) {
    const abs = path.join(this.labDir, rel);
    if (!fs.existsSync(abs)) {
      throw new LabError("not_found", `The file ${rel} is missing from the lab folder; it may have been deleted by hand.`);
    }
    return fs.readFileSync(abs);
  }
  // -------------------------------------------------------------------------------- datasets
  insertDataset(d) {
    if (this.findDatasetByName(d.name)) {
      throw new LabError("conflict", `A dataset named "${d.name}" already exists; choose another name.`);
    }
    const createdAt = now();
    this.db.prepare(
      `INSERT INTO datasets(id, name, source, height, width, channels, num_classes, class_names, splits, files, parent_id, recipe, created_at)
         VALUES (@id, @name, @source, @height, @width, @channels, @numClasses, @classNames, @splits, @files, @parentId, @recipe, @createdAt)`
    ).run({
      ...d,
      classNames: JSON.stringify(d.classNames),
      splits: JSON.stringify(d.splits),
      files: JSON.stringify(d.files),
      recipe: d.recipe == null ? null : JSON.stringify(d.recipe),
      createdAt
    });
    return { ...d, createdAt };
  }
  toDataset(r) {
    return {
      id: r.id,
      name: r.name,
      source: r.source,
      height: r.height,
      width: r.width,
      channels: r.channels,
      numClasses: r.num_classes,
      classNames: parseJson(r.class_names, []),
      splits: parseJson(r.splits, {}),
      files: parseJson(r.files, {}),
      parentId: r.parent_id ?? null,
      recipe: parseJson(r.recipe, null),
      createdAt: r.created_at
    };
  }
  listDatasets() {
    return this.db.prepare("SELECT * FROM datasets ORDER BY created_at, name").all().map(
      (r) => this.toDataset(r)
    );
  }
  findDatasetByName(name) {
    const r = this.db.prepare("SELECT * FROM datasets WHERE name = ?").get(name);
    return r ? this.toDataset(r) : null;
  }
  getDataset(idOrName2) {
    const r = this.db.prepare("SELECT * FROM datasets WHERE id = ? OR name = ? LIMIT 1").get(idOrName2, idOrName2);
    if (!r) {
      const names = this.listDatasets().map((d) => d.name);
      throw new LabError(
        "not_found",
        `No dataset "${idOrName2}" in this lab; known datasets: ${names.length ? names.join(", ") : "none"}.`
      );
    }
    return this.toDataset(r);
  }
  // ---------------------------------------------------------------------------------- models
  insertModel(m) {
    const createdAt = now();
    this.db.prepare(
      `INSERT INTO models(id, name, arch, input_h, input_w, input_c, num_classes, param_count, source, dataset_id, run_id, parent_id, sha256, size_bytes, artifact, created_at)
         VALUES (@id, @name, @arch, @h, @w, @c, @numClasses, @paramCount, @source, @datasetId, @runId, @parentId, @sha256, @sizeBytes, @artifact, @createdAt)`
    ).run({
      ...m,
      h: m.inputShape[0],
      w: m.inputShape[1],
      c: m.inputShape[2],
      createdAt
    });
    return { ...m, createdAt };
  }
  toModel(r) {
    return {
      id: r.id,
      name: r.name,
      arch: r.arch,
      inputShape: [r.input_h, r.input_w, r.input_c],
      numClasses: r.num_classes,
      paramCount: r.param_count,
      source: r.source,
      datasetId: r.dataset_id ?? null,
      runId: r.run_id ?? null,
      parentId: r.parent_id ?? null,
      sha256: r.sha256,
      sizeBytes: r.size_bytes,
      artifact: r.artifact,
      createdAt: r.created_at
    };
  }
  listModels() {
    return this.db.prepare("SELECT * FROM models ORDER BY created_at DESC").all().map((r) => this.toModel(r));
  }
  /** By id, else the newest model with that name. */
  getModel(idOrName2) {
    const r = this.db.prepare("SELECT * FROM models WHERE id = ?").get(idOrName2) ?? this.db.prepare("SELECT * FROM models WHERE name = ? ORDER BY created_at DESC LIMIT 1").get(idOrName2);
    if (!r) throw new LabError("not_found", `No model "${idOrName2}" in this lab; pick one from the Models page or "robustlab models list".`);
    return this.toModel(r);
  }
  // ------------------------------------------------------------------------------------ runs
  insertRun(r) {
    const createdAt = now();
    this.transaction(() => {
      this.db.prepare(
        `INSERT INTO runs(id, kind, name, status, spec, dataset_id, model_id, group_id, created_at, host_pid)
           VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`
      ).run(r.id, r.kind, r.name, JSON.stringify(r.spec), r.datasetId, r.modelId, r.groupId ?? null, createdAt, process.pid);
      const ins = this.db.prepare("INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)");
      for (const [k, v] of Object.entries(r.params)) ins.run(r.id, k, v);
    });
    return this.getRun(r.id);
  }
  toRun(r, tags, latest) {
    return {
      id: r.id,
      kind: r.kind,
      name: r.name,
      status: r.status,
      spec: parseJson(r.spec, {}),
      datasetId: r.dataset_id ?? null,
      modelId: r.model_id ?? null,
      groupId: r.group_id ?? null,
      createdAt: r.created_at,
      startedAt: r.started_at ?? null,
      endedAt: r.ended_at ?? null,
      error: r.error ?? null,
      backend: r.backend ?? null,
      device: r.device ?? null,
      tags,
      note: r.note ?? "",
      latestMetrics: latest,
      hostPid: r.host_pid ?? null,
      workerPid: r.worker_pid ?? null,
      heartbeatAt: r.heartbeat_at ?? null
    };
  }
  getRun(id) {
    const r = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(id);
    if (!r) throw new LabError("not_found", `No run "${id}" in this lab; pick one from the Runs page or "robustlab runs list".`);
    const tags = this.db.prepare("SELECT tag FROM tags WHERE run_id = ? ORDER BY tag").all(id).map(
      (t) => t.tag
    );
    const latest = {};
    for (const m of this.db.prepare("SELECT key, value FROM latest_metrics WHERE run_id = ?").all(id))
      latest[m.key] = m.value;
    return this.toRun(r, tags, latest);
  }
  /** Newest first. Tags and latest metrics come from their own tables in two queries, not per row. */
  listRuns(opts) {
    const where = [];
    const args = [];
    if (opts.kind) {
      where.push("kind = ?");
      args.push(opts.kind);
    }
    if (opts.status) {
      where.push("status = ?");
      args.push(opts.status);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...args, opts.limit, opts.offset);
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const marks = ids.map(() => "?").join(",");
    const tagMap = /* @__PURE__ */ new Map();
    for (const t of this.db.prepare(`SELECT run_id, tag FROM tags WHERE run_id IN (${marks}) ORDER BY tag`).all(...ids)) {
      if (!tagMap.has(t.run_id)) tagMap.set(t.run_id, []);
      tagMap.get(t.run_id).push(t.tag);
    }
    const latestMap = /* @__PURE__ */ new Map();
    for (const m of this.db.prepare(`SELECT run_id, key, value FROM latest_metrics WHERE run_id IN (${marks})`).all(...ids)) {
      if (!latestMap.has(m.run_id)) latestMap.set(m.run_id, {});
      latestMap.get(m.run_id)[m.key] = m.value;
    }
    return rows.map((r) => this.toRun(r, tagMap.get(r.id) ?? [], latestMap.get(r.id) ?? {}));
  }
  /** Moves a run to running, unless it was cancelled meanwhile. Returns false if it was not queued. */
  markRunning(id, info) {
    const res = this.db.prepare(
      `UPDATE runs SET status = 'running', started_at = ?, backend = ?, device = ?, worker_pid = ?, heartbeat_at = ?
         WHERE id = ? AND status = 'queued'`
    ).run(now(), info.backend, info.device, info.workerPid, Date.now(), id);
    return res.changes === 1;
  }
  heartbeat(id) {
    this.db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ?").run(Date.now(), id);
  }
  /**
   * Ends a run. Only a run that has not ended already changes: a finished run is never turned
   * into interrupted by a late exit, and so on. Returns whether it changed.
   */
  endRun(id, status, error = null) {
    const res = this.db.prepare(
      `UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status IN ('queued', 'running')`
    ).run(status, now(), error, id);
    return res.changes === 1;
  }
  setRunModel(id, modelId) {
    this.db.prepare("UPDATE runs SET model_id = ? WHERE id = ?").run(modelId, id);
  }
  updateRun(id, u) {
    this.getRun(id);
    this.transaction(() => {
      if (u.name !== void 0) this.db.prepare("UPDATE runs SET name = ? WHERE id = ?").run(u.name, id);
      if (u.note !== void 0) this.db.prepare("UPDATE runs SET note = ? WHERE id = ?").run(u.note, id);
      if (u.tags !== void 0) {
        this.db.prepare("DELETE FROM tags WHERE run_id = ?").run(id);
        const ins = this.db.prepare("INSERT OR IGNORE INTO tags(run_id, tag) VALUES (?, ?)");
        for (const t of u.tags) ins.run(id, t);
      }
    });
    return this.getRun(id);
  }
  /** Runs that claim to be active: for crash recovery. */
  activeRuns() {
    return this.db.prepare(`SELECT * FROM runs WHERE status IN ('queued', 'running')`).all().map(
      (r) => this.toRun(r, [], {})
    );
  }
  getParams(runId) {
    const out = {};
    for (const p of this.db.prepare("SELECT key, value FROM params WHERE run_id = ?").all(runId))
      out[p.key] = p.value;
    return out;
  }
  // --------------------------------------------------------------------------------- metrics
  insMetric;
  upLatest;
  /** Logs metric values; each call is one committed transaction, so a kill loses nothing logged. */
  logMetrics(runId, values) {
    this.insMetric ??= this.db.prepare("INSERT INTO metrics(run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)");
    this.upLatest ??= this.db.prepare(
      `INSERT INTO latest_metrics(run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value, time = excluded.time
       WHERE excluded.step >= latest_metrics.step`
    );
    const ins = this.insMetric;
    const up = this.upLatest;
    this.transaction(() => {
      for (const v of values) {
        if (!Number.isFinite(v.value)) continue;
        const t = v.time ?? Date.now();
        ins.run(runId, v.key, v.step, v.value, t);
        up.run(runId, v.key, v.step, v.value, t);
      }
    });
  }
  getMetrics(runId) {
    const out = {};
    for (const m of this.db.prepare("SELECT key, step, value, time FROM metrics WHERE run_id = ? ORDER BY key, step, time").all(runId)) {
      (out[m.key] ??= []).push({ step: m.step, value: m.value, time: m.time });
    }
    return out;
  }
  // ----------------------------------------------------------------------------- evaluations
  insertEvaluation(e) {
    const id = newId("ev");
    const createdAt = now();
    this.db.prepare(
      `INSERT INTO evaluations(id, run_id, model_id, dataset_id, split, attack, count, clean_accuracy, robust_accuracy, details, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ).run(
      id,
      e.runId,
      e.modelId,
      e.datasetId,
      e.split,
      JSON.stringify(e.attack),
      e.count,
      e.cleanAccuracy,
      e.robustAccuracy,
      JSON.stringify(e.details),
      createdAt
    );
    return { ...e, id, createdAt };
  }
  listEvaluations(filter = {}) {
    const where = [];
    const args = [];
    if (filter.modelId) {
      where.push("model_id = ?");
      args.push(filter.modelId);
    }
    if (filter.runId) {
      where.push("run_id = ?");
      args.push(filter.runId);
    }
    const rows = this.db.prepare(`SELECT * FROM evaluations ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC`).all(...args);
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id ?? null,
      modelId: r.model_id,
      datasetId: r.dataset_id,
      split: r.split,
      attack: parseJson(r.attack, { name: "none", params: {} }),
      count: r.count,
      cleanAccuracy: r.clean_accuracy,
      robustAccuracy: r.robust_accuracy ?? null,
      details: parseJson(r.details, {}),
      createdAt: r.created_at
    }));
  }
}
const TWO_POW_53 = 9007199254740992;
const TWO_POW_26 = 67108864;
function rotl(x, k) {
  return x << k | x >>> 32 - k;
}
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 2246822507);
  h ^= h >>> 13;
  h = Math.imul(h, 3266489909);
  h ^= h >>> 16;
  return h >>> 0;
}
function numberWords(x) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x === 0 ? 0 : x, true);
  return [dv.getUint32(0, true), dv.getUint32(4, true)];
}
function stringWords(s) {
  let a = 2166136261;
  let b = 16777619 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 1540483477) ^ b >>> 15;
  }
  return [fmix32(a), fmix32(b ^ 2654435769)];
}
function stateFromKey(key) {
  let acc = 0;
  for (let i = 0; i < key.length; i++) acc = fmix32(acc ^ key[i] ^ Math.imul(i + 1, 2654435769));
  const s = new Uint32Array(4);
  let z2 = acc;
  for (let i = 0; i < 4; i++) {
    z2 = z2 + 2654435769 | 0;
    let t = z2 ^ key[i % key.length];
    t = Math.imul(t ^ t >>> 16, 2246822507);
    t = Math.imul(t ^ t >>> 13, 3266489909);
    s[i] = (t ^ t >>> 16) >>> 0;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 2654435769;
  return s;
}
let keyForNextRng = null;
class Rng {
  key;
  s;
  spare = null;
  constructor(seed2) {
    if (keyForNextRng) {
      this.key = keyForNextRng;
      keyForNextRng = null;
    } else {
      if (typeof seed2 !== "number" || !Number.isFinite(seed2)) {
        throw new RangeError(`Rng seed must be a finite number, got ${String(seed2)}.`);
      }
      const [lo, hi] = numberWords(seed2);
      this.key = new Uint32Array([lo, hi, 1779033703, 3144134277]);
    }
    this.s = stateFromKey(this.key);
  }
  /** A uniformly random 32-bit unsigned integer. */
  nextUint32() {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  /** Uniform in [0, 1), with 53 random bits. */
  next() {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }
  /** Uniform in [lo, hi). */
  uniform(lo, hi) {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal() {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
  /** Uniform integer in [0, n), n a positive integer up to 2^32 (no modulo bias). */
  int(n) {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Rng.int needs a positive integer up to 2^32, got ${n}.`);
    }
    if (n === 4294967296) return this.nextUint32();
    const limit = 4294967296 - 4294967296 % n;
    for (; ; ) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }
  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle(a) {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
  /** A random permutation of 0..n-1. */
  permutation(n) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Rng.permutation needs a non-negative integer, got ${n}.`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
  /**
   * An independent stream derived from this generator's seed and `label`. It depends only on
   * the seed chain and the label, not on how many numbers this generator has drawn, so
   * `new Rng(7).fork('init')` is always the same stream.
   */
  fork(label) {
    const [l0, l1] = typeof label === "number" ? numberWords(label) : stringWords(label);
    const tag = typeof label === "number" ? 1314213186 : 1398035015;
    const k = this.key;
    const child = new Uint32Array(4);
    child[0] = fmix32(k[0] ^ l0 ^ fmix32(k[3] ^ tag));
    child[1] = fmix32(k[1] ^ l1 ^ fmix32(child[0] + 2135587861));
    child[2] = fmix32(k[2] ^ fmix32(l0 + 1663821227) ^ child[1]);
    child[3] = fmix32(k[3] ^ fmix32(l1 ^ 461845907) ^ child[2] ^ tag);
    keyForNextRng = child;
    return new Rng(0);
  }
  /** Fills `out` with uniform values in [lo, hi) (float32 rounding may reach hi) and returns it. */
  fillUniform(out, lo, hi) {
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * this.next();
    return out;
  }
  /** Fills `out` with normal values of the given mean and standard deviation and returns it. */
  fillNormal(out, mean2 = 0, std = 1) {
    for (let i = 0; i < out.length; i++) out[i] = mean2 + std * this.normal();
    return out;
  }
}
function readFileChecked(path2, what) {
  try {
    return readFileSync(path2);
  } catch (err) {
    const code = err?.code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new LabError("not_found", `${what} was not found; check the path and try again.`);
    }
    if (code === "EISDIR") {
      throw new LabError("bad_file", `${what} is a folder, not a file; choose the file inside it.`);
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new LabError("bad_file", `${what} cannot be read (permission denied); check its permissions.`);
    }
    if (code === "ERR_FS_FILE_TOO_LARGE") {
      throw new LabError("bad_file", `${what} is too large to load into memory.`);
    }
    throw err;
  }
}
const TYPE_NAMES = {
  8: "unsigned byte",
  9: "signed byte",
  11: "16-bit integer",
  12: "32-bit integer",
  13: "float32",
  14: "float64"
};
const hex8 = (n) => `0x${n.toString(16).padStart(8, "0")}`;
function isGzip(buf) {
  return buf.length >= 2 && buf[0] === 31 && buf[1] === 139;
}
function parseIdx(buf, what) {
  let bytes = buf;
  const gz = isGzip(buf);
  if (gz) {
    try {
      bytes = gunzipSync(buf);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new LabError("bad_file", `${what} is a damaged gzip file (${reason}); download it again.`);
    }
  }
  const unpacked = gz ? " after unzipping" : "";
  if (bytes.length < 4) {
    throw new LabError("bad_file", `${what} is too short to be an IDX file (${bytes.length} bytes${unpacked}); choose an MNIST-style IDX file.`);
  }
  const magic = (bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]) >>> 0;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new LabError(
      "bad_file",
      `${what} is not an IDX file (it starts with ${hex8(magic)}, but IDX files start with 0x0000); choose an MNIST-style file such as train-images-idx3-ubyte.gz.`
    );
  }
  const type = bytes[2];
  const ndims = bytes[3];
  if (type !== 8) {
    const name = TYPE_NAMES[type];
    throw new LabError(
      "bad_file",
      name ? `${what} holds ${name} values (IDX type 0x${type.toString(16).padStart(2, "0")}); only unsigned-byte IDX files (type 0x08) are supported.` : `${what} is not an IDX file (magic ${hex8(magic)} has unknown type 0x${type.toString(16).padStart(2, "0")}); choose an MNIST-style IDX file.`
    );
  }
  if (ndims === 0) {
    throw new LabError("bad_file", `${what} is not a usable IDX file (magic ${hex8(magic)} declares 0 dimensions); choose an MNIST-style IDX file.`);
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new LabError(
      "bad_file",
      `${what} is truncated: its header alone needs ${headerLen} bytes but the file has ${bytes.length}${unpacked}; download it again.`
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const expected = headerLen + count;
  if (bytes.length < expected) {
    throw new LabError(
      "bad_file",
      `${what} is truncated: shape ${shape.join("×")} needs ${expected} bytes but the file has ${bytes.length}${unpacked}; download it again.`
    );
  }
  if (bytes.length > expected) {
    throw new LabError(
      "bad_file",
      `${what} has ${bytes.length - expected} unexpected bytes after the data (shape ${shape.join("×")} needs ${expected} bytes, the file has ${bytes.length}${unpacked}); download it again.`
    );
  }
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLen, count) };
}
function describeDims(ndims) {
  if (ndims === 1) return "labels";
  if (ndims === 3) return "images";
  return `a ${ndims}-dimensional array`;
}
function readIdxImagesAndLabels(imagesPath, labelsPath, split) {
  const Split = split === "train" ? "Train" : "Test";
  const imgWhat = `${Split} images file "${imagesPath}"`;
  const lblWhat = `${Split} labels file "${labelsPath}"`;
  const img = parseIdx(readFileChecked(imagesPath, imgWhat), imgWhat);
  if (img.shape.length !== 3) {
    const m = 2048 + img.shape.length;
    throw new LabError(
      "bad_file",
      `${imgWhat} is not an IDX images file (magic ${hex8(m)} means ${describeDims(img.shape.length)}; expected 0x00000803)` + (img.shape.length === 1 ? "; check that the images and labels files are not swapped." : "; choose a file of N×H×W images.")
    );
  }
  const [count, height, width] = img.shape;
  if (count === 0) throw new LabError("bad_file", `${imgWhat} contains no images; choose a file with at least one image.`);
  if (height === 0 || width === 0) {
    throw new LabError("bad_file", `${imgWhat} declares empty ${height}×${width} images; choose a file with real images.`);
  }
  const lbl = parseIdx(readFileChecked(labelsPath, lblWhat), lblWhat);
  if (lbl.shape.length !== 1) {
    const m = 2048 + lbl.shape.length;
    throw new LabError(
      "bad_file",
      `${lblWhat} is not an IDX labels file (magic ${hex8(m)} means ${describeDims(lbl.shape.length)}; expected 0x00000801)` + (lbl.shape.length === 3 ? "; check that the images and labels files are not swapped." : "; choose a file with one label per image.")
    );
  }
  if (lbl.shape[0] !== count) {
    throw new LabError(
      "shape_mismatch",
      `${lblWhat} has ${lbl.shape[0]} labels but the images file has ${count} images; choose the labels file that belongs to these images.`
    );
  }
  return { images: img.data, labels: lbl.data, count, height, width, channels: 1 };
}
const MAGIC = [147, 78, 85, 77, 80, 89];
const HOST_LE = endianness() === "LE";
const DESCR = {
  uint8: "|u1",
  int32: "<i4",
  float32: "<f4",
  int64: "<i8",
  float64: "<f8"
};
const ITEMSIZE = { uint8: 1, int32: 4, float32: 4, int64: 8, float64: 8 };
const READABLE = {
  u1: "uint8",
  b1: "uint8",
  // bool: stored as one byte 0/1
  i4: "int32",
  f4: "float32",
  i8: "int64",
  f8: "float64"
};
function typedArrayFits(dtype, data) {
  switch (dtype) {
    case "uint8":
      return data instanceof Uint8Array;
    case "int32":
      return data instanceof Int32Array;
    case "float32":
      return data instanceof Float32Array;
    case "int64":
      return data instanceof BigInt64Array;
    case "float64":
      return data instanceof Float64Array;
  }
}
function checkShape(shape) {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new LabError("bad_input", `Array shape [${shape.join(", ")}] is invalid: every dimension must be a whole number of at least 0.`);
    }
    n *= d;
  }
  return n;
}
function swapBytes(bytes, itemsize) {
  if (itemsize === 1) return;
  for (let i = 0; i < bytes.length; i += itemsize) {
    for (let a = i, b = i + itemsize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
function encodeParts(a) {
  if (!(a.dtype in DESCR)) {
    throw new LabError("bad_input", `Array type "${String(a.dtype)}" cannot be saved as .npy; use uint8, int32, float32, int64 or float64.`);
  }
  if (!typedArrayFits(a.dtype, a.data)) {
    throw new LabError("bad_input", `Array data is a ${a.data.constructor.name} but its type says ${a.dtype}.`);
  }
  const n = checkShape(a.shape);
  if (a.data.length !== n) {
    throw new LabError(
      "shape_mismatch",
      `Array has ${a.data.length} values but its shape [${a.shape.join(", ")}] needs ${n}.`
    );
  }
  const shapeStr = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(", ")})`;
  const dict = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLen = total - 10;
  if (headerLen > 65535) {
    throw new LabError("bad_input", `Array shape [${a.shape.join(", ")}] is too long to save as .npy.`);
  }
  const header = new Uint8Array(total);
  header.set(MAGIC, 0);
  header[6] = 1;
  header[7] = 0;
  header[8] = headerLen & 255;
  header[9] = headerLen >> 8;
  const text = dict + " ".repeat(total - unpadded) + "\n";
  for (let i = 0; i < text.length; i++) header[10 + i] = text.charCodeAt(i);
  let body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  if (!HOST_LE && ITEMSIZE[a.dtype] > 1) {
    body = body.slice();
    swapBytes(body, ITEMSIZE[a.dtype]);
  }
  return [header, body];
}
class HeaderSyntaxError extends Error {
}
function parsePyLiteral(src) {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const fail = (what) => {
    throw new HeaderSyntaxError(`${what} at character ${i}`);
  };
  const value = (depth) => {
    if (depth > 16) fail("nesting too deep");
    ws();
    const c = src[i];
    if (c === void 0) return fail("unexpected end");
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === "{") {
      i++;
      const obj = {};
      for (; ; ) {
        ws();
        if (src[i] === "}") {
          i++;
          return obj;
        }
        const k = value(depth + 1);
        if (typeof k !== "string") fail("dictionary key is not a string");
        ws();
        if (src[i] !== ":") fail("expected ':'");
        i++;
        obj[k] = value(depth + 1);
        ws();
        if (src[i] === ",") i++;
        else if (src[i] !== "}") fail("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const arr = [];
      for (; ; ) {
        ws();
        if (src[i] === close) {
          i++;
          return arr;
        }
        arr.push(value(depth + 1));
        ws();
        if (src[i] === ",") i++;
        else if (src[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(?:True|False|None|-?\d+L?)/.exec(src.slice(i, i + 32));
    if (!m) return fail("unexpected text");
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0].replace("L", ""));
  };
  const v = value(0);
  ws();
  if (i !== src.length) fail("unexpected text after the dictionary");
  return v;
}
function makeTyped(dtype, buffer, byteOffset, length) {
  switch (dtype) {
    case "uint8":
      return new Uint8Array(buffer, byteOffset, length);
    case "int32":
      return new Int32Array(buffer, byteOffset, length);
    case "float32":
      return new Float32Array(buffer, byteOffset, length);
    case "int64":
      return new BigInt64Array(buffer, byteOffset, length);
    case "float64":
      return new Float64Array(buffer, byteOffset, length);
  }
}
function decodeNpy(buf, what = "The .npy data") {
  const bad2 = (msg) => new LabError("bad_file", `${what}: ${msg}`);
  if (buf.length < 10 || MAGIC.some((b, k) => buf[k] !== b)) {
    throw bad2('this is not a .npy file (it does not start with "\\x93NUMPY"); save arrays with numpy.save.');
  }
  const major = buf[6];
  const minor = buf[7];
  let headerLen;
  let headerStart;
  if (major === 1) {
    headerLen = buf[8] | buf[9] << 8;
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad2("the file is truncated inside its header; save it again.");
    headerLen = (buf[8] | buf[9] << 8 | buf[10] << 16) + buf[11] * 16777216;
    headerStart = 12;
  } else {
    throw bad2(`.npy format version ${major}.${minor} is not supported (only 1.0, 2.0 and 3.0); save it with numpy.save.`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > buf.length) {
    throw bad2(`the file is truncated inside its header (the header needs ${dataStart} bytes, the file has ${buf.length}); save it again.`);
  }
  const headerBytes = buf.subarray(headerStart, dataStart);
  const headerText = major === 3 ? new TextDecoder("utf-8").decode(headerBytes) : Buffer.from(headerBytes).toString("latin1");
  let dict;
  try {
    dict = parsePyLiteral(headerText);
  } catch (err) {
    if (err instanceof HeaderSyntaxError) throw bad2(`the header is not readable (${err.message}); save it again with numpy.save.`);
    throw err;
  }
  if (dict === null || typeof dict !== "object" || Array.isArray(dict)) {
    throw bad2("the header is not a dictionary; save it again with numpy.save.");
  }
  for (const key of ["descr", "fortran_order", "shape"]) {
    if (!(key in dict)) throw bad2(`the header has no '${key}' entry; save it again with numpy.save.`);
  }
  const { descr, fortran_order: fortran, shape: shapeV } = dict;
  if (typeof descr !== "string") {
    throw bad2("structured (record) arrays are not supported; save a plain numeric array.");
  }
  const order = descr[0];
  const code = descr.slice(1);
  const dtype = READABLE[code];
  if (!dtype || !(order === "<" || order === ">" || order === "|" || order === "=")) {
    throw bad2(`array type '${descr}' is not supported; convert it with .astype(numpy.uint8), int32, float32, int64 or float64 first.`);
  }
  if (!Array.isArray(shapeV) || shapeV.some((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)) {
    throw bad2(`the shape ${JSON.stringify(shapeV)} in the header is not valid; save it again with numpy.save.`);
  }
  const shape = shapeV;
  if (typeof fortran !== "boolean") throw bad2("the header's 'fortran_order' is not True or False; save it again.");
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw bad2("the array is stored in Fortran order; save numpy.ascontiguousarray(a) instead.");
  }
  const count = shape.reduce((p, d) => p * d, 1);
  const itemsize = code === "u1" || code === "b1" ? 1 : ITEMSIZE[dtype];
  const expected = count * itemsize;
  const actual = buf.length - dataStart;
  if (actual < expected) {
    throw bad2(
      `the file is truncated: shape [${shape.join(", ")}] of '${descr}' needs ${expected} data bytes but only ${actual} are present; copy or save it again.`
    );
  }
  if (actual > expected) {
    throw bad2(
      `the file has ${actual - expected} unexpected bytes after the data (shape [${shape.join(", ")}] of '${descr}' needs ${expected}, found ${actual}); save it again.`
    );
  }
  const fileLE = order === "<" || order === "|" || order === "=" && HOST_LE;
  const needSwap = itemsize > 1 && fileLE !== HOST_LE;
  const absOffset = buf.byteOffset + dataStart;
  let data;
  if (code === "b1") {
    const out = new Uint8Array(count);
    for (let k = 0; k < count; k++) out[k] = buf[dataStart + k] ? 1 : 0;
    data = out;
  } else if (!needSwap && absOffset % itemsize === 0) {
    data = makeTyped(dtype, buf.buffer, absOffset, count);
  } else {
    const copy = new Uint8Array(expected);
    copy.set(buf.subarray(dataStart, dataStart + expected));
    if (needSwap) swapBytes(copy, itemsize);
    data = makeTyped(dtype, copy.buffer, 0, count);
  }
  return { dtype, shape: [...shape], data };
}
function writeChunksAtomic(path2, chunks) {
  const dir = dirname(path2);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path2}.tmp-${randomBytes(6).toString("hex")}`;
  const fd = openSync(tmp, "wx");
  try {
    try {
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path2);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
    }
    throw err;
  }
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
  }
}
function writeFileAtomic(path2, data) {
  writeChunksAtomic(path2, [data]);
}
function writeNpyAtomic(path2, a) {
  writeChunksAtomic(path2, encodeParts(a));
}
function readNpy(path2, what = `File "${path2}"`) {
  return decodeNpy(readFileChecked(path2, what), what);
}
function extraFileName(key) {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key) || key === "images" || key === "labels") {
    throw new LabError("internal", `Internal error: "${key}" cannot name an extra dataset array.`);
  }
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
const MAX_CLASSES = 1e5;
const SPLITS = ["train", "test"];
function checkDatasetId(datasetId) {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(datasetId) || datasetId.includes("..") || datasetId.length > 200) {
    throw new LabError(
      "bad_input",
      `Dataset id "${datasetId}" cannot be used as a folder name; use letters, digits, '.', '_' and '-' only.`
    );
  }
}
function validateSplit(s, what) {
  const dims = { count: s.count, height: s.height, width: s.width, channels: s.channels };
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new LabError("bad_input", `${what} has ${k} ${String(v)}; it must be a whole number of at least 1.`);
    }
  }
  if (s.channels > 4) {
    throw new LabError("bad_input", `${what} has ${s.channels} channels per pixel; images must have 1 (grey), 3 (RGB) or 4 channels.`);
  }
  if (!(s.images instanceof Uint8Array)) {
    throw new LabError("bad_input", `${what} images must be uint8 pixels (0..255).`);
  }
  const perImage = s.height * s.width * s.channels;
  if (s.images.length !== s.count * perImage) {
    throw new LabError(
      "shape_mismatch",
      `${what} has ${s.images.length} pixel values but ${s.count} images of ${s.height}×${s.width}×${s.channels} need ${s.count * perImage}.`
    );
  }
  if (!(s.labels instanceof Uint8Array || s.labels instanceof Int32Array)) {
    throw new LabError("bad_input", `${what} labels must be uint8 or int32 class numbers.`);
  }
  if (s.labels.length !== s.count) {
    throw new LabError("shape_mismatch", `${what} has ${s.labels.length} labels but ${s.count} images; give exactly one label per image.`);
  }
  let max = 0;
  for (let i = 0; i < s.labels.length; i++) {
    const y = s.labels[i];
    if (y < 0 || y >= MAX_CLASSES) {
      throw new LabError(
        "bad_input",
        `${what} has label ${y} at example ${i}; labels must be class numbers from 0 to ${MAX_CLASSES - 1}.`
      );
    }
    if (y > max) max = y;
  }
  return { numClasses: max + 1 };
}
function splitFileNames(datasetId, split) {
  return { images: `datasets/${datasetId}/${split}-images.npy`, labels: `datasets/${datasetId}/${split}-labels.npy` };
}
function labelsToNpy(labels) {
  if (labels instanceof Uint8Array) return { dtype: "uint8", shape: [labels.length], data: labels };
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  if (max <= 255) return { dtype: "uint8", shape: [labels.length], data: Uint8Array.from(labels) };
  return { dtype: "int32", shape: [labels.length], data: labels };
}
function writeSplitsInto(dir, datasetId, splits, extras = {}) {
  const files = {};
  const given = SPLITS.filter((k) => splits[k]);
  if (given.length === 0) throw new LabError("bad_input", "A dataset needs at least one split (train or test) to save.");
  for (const k of given) validateSplit(splits[k], `The ${k} split`);
  mkdirSync(dir, { recursive: true });
  for (const k of given) {
    const s = splits[k];
    const names = splitFileNames(datasetId, k);
    writeNpyAtomic(join(dir, `${k}-images.npy`), {
      dtype: "uint8",
      shape: [s.count, s.height, s.width, s.channels],
      data: s.images
    });
    writeNpyAtomic(join(dir, `${k}-labels.npy`), labelsToNpy(s.labels));
    files[k] = names;
    for (const [key, arr] of Object.entries(extras[k] ?? {})) {
      const file = `${k}-${extraFileName(key)}.npy`;
      writeNpyAtomic(join(dir, file), arr);
      files[k][key] = `datasets/${datasetId}/${file}`;
    }
  }
  return files;
}
function writeDatasetDirAtomic(labDir, datasetId, splits, extras = {}) {
  checkDatasetId(datasetId);
  const root = join(labDir, "datasets");
  const finalDir = join(root, datasetId);
  const tmpDir = join(root, `.tmp-${datasetId}`);
  if (existsSync(finalDir)) {
    throw new LabError("conflict", `Dataset folder "${finalDir}" already exists; choose another dataset id.`);
  }
  rmSync(tmpDir, { recursive: true, force: true });
  try {
    const files = writeSplitsInto(tmpDir, datasetId, splits, extras);
    renameSync(tmpDir, finalDir);
    return files;
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
function toLabels(a, what) {
  if (a.data instanceof Uint8Array || a.data instanceof Int32Array) return a.data;
  if (a.data instanceof BigInt64Array) {
    const out = new Int32Array(a.data.length);
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i];
      if (v < 0n || v >= BigInt(MAX_CLASSES)) {
        throw new LabError("bad_file", `${what} has label ${v} at example ${i}; labels must be class numbers from 0 to ${MAX_CLASSES - 1}.`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  throw new LabError("bad_file", `${what} holds ${a.dtype} values; labels must be uint8 or int32 class numbers.`);
}
function readSplit(labDir, files, split) {
  const f = files[split];
  if (!f) {
    const other = SPLITS.find((k) => k !== split && files[k]);
    throw new LabError(
      "not_found",
      other ? `This dataset has no ${split} split; use its ${other} split instead.` : `This dataset has no ${split} split; import it again with ${split} files.`
    );
  }
  const imgWhat = `Dataset file "${f.images}"`;
  const lblWhat = `Dataset file "${f.labels}"`;
  const img = readNpy(join(labDir, ...f.images.split("/")), imgWhat);
  if (img.dtype !== "uint8" || !(img.shape.length === 4 || img.shape.length === 3)) {
    throw new LabError(
      "bad_file",
      `${imgWhat} holds ${img.dtype} values of shape [${img.shape.join(", ")}]; dataset images must be uint8 N×H×W×C; import the dataset again.`
    );
  }
  const [count, height, width, channels = 1] = img.shape;
  const lbl = readNpy(join(labDir, ...f.labels.split("/")), lblWhat);
  if (lbl.shape.length !== 1) {
    throw new LabError("bad_file", `${lblWhat} has shape [${lbl.shape.join(", ")}]; labels must be a 1-dimensional array; import the dataset again.`);
  }
  if (lbl.shape[0] !== count) {
    throw new LabError(
      "shape_mismatch",
      `${lblWhat} has ${lbl.shape[0]} labels but "${f.images}" has ${count} images; import the dataset again.`
    );
  }
  const s = { images: img.data, labels: toLabels(lbl, lblWhat), count, height, width, channels };
  try {
    validateSplit(s, `The ${split} split`);
  } catch (err) {
    if (err instanceof LabError) throw new LabError("bad_file", `${err.message.replace(/\.$/, "")} (in "${f.images}"); import the dataset again.`);
    throw err;
  }
  return s;
}
const BYTE_TO_UNIT$1 = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 255;
  return t;
})();
function gatherBatch(s, indices) {
  const n = indices.length;
  const per = s.height * s.width * s.channels;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= s.count) {
      throw new LabError("bad_input", `Example index ${i} is out of range; this split has examples 0 to ${s.count - 1}.`);
    }
    const src = i * per;
    const dst = b * per;
    for (let p = 0; p < per; p++) x[dst + p] = BYTE_TO_UNIT$1[s.images[src + p]];
    y[b] = s.labels[i];
  }
  return { x, y, n };
}
function limitSplit(s, k) {
  if (k === void 0 || k >= s.count) return s;
  if (!Number.isInteger(k) || k < 1) {
    throw new LabError("bad_input", `The example limit ${k} is not valid; give a whole number of at least 1.`);
  }
  const per = s.height * s.width * s.channels;
  return { ...s, images: s.images.subarray(0, k * per), labels: s.labels.subarray(0, k), count: k };
}
function importIdx(req) {
  const out = {};
  for (const k of SPLITS) {
    const images = k === "train" ? req.trainImages : req.testImages;
    const labels = k === "train" ? req.trainLabels : req.testLabels;
    if (!!images !== !!labels) {
      throw new LabError("bad_input", `Give both the ${k} images and the ${k} labels file, or neither.`);
    }
    if (images && labels) out[k] = readIdxImagesAndLabels(images, labels, k);
  }
  const first = out.train ?? out.test;
  if (!first) {
    throw new LabError("bad_input", "Give at least one split: train images and labels, or test images and labels.");
  }
  if (out.train && out.test && (out.train.height !== out.test.height || out.train.width !== out.test.width)) {
    throw new LabError(
      "shape_mismatch",
      `Train images are ${out.train.height}×${out.train.width} but test images are ${out.test.height}×${out.test.width}; both splits must have the same image size.`
    );
  }
  let numClasses = 0;
  for (const k of SPLITS) {
    const s = out[k];
    if (s) numClasses = Math.max(numClasses, validateSplit(s, `The ${k} split`).numClasses);
  }
  return { ...out, height: first.height, width: first.width, channels: first.channels, numClasses };
}
function tfjsShape(kind, torchShape) {
  switch (kind) {
    case "conv2d.weight": {
      const [o, i, kh, kw] = torchShape;
      return [kh, kw, i, o];
    }
    case "linear.weight": {
      const [o, i] = torchShape;
      return [i, o];
    }
    case "bias":
    case "batchnorm.weight":
    case "batchnorm.bias":
      return [...torchShape];
  }
}
function torchToTfjs(kind, torchShape, data) {
  const out = new Float32Array(data.length);
  if (kind === "conv2d.weight") {
    const [co, ci, kh, kw] = torchShape;
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) out[((a * kw + b) * ci + i) * co + o] = data[((o * ci + i) * kh + a) * kw + b];
  } else if (kind === "linear.weight") {
    const [co, ci] = torchShape;
    for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) out[i * co + o] = data[o * ci + i];
  } else {
    out.set(data);
  }
  return out;
}
function tfjsToTorch(kind, torchShape, data) {
  const out = new Float32Array(data.length);
  if (kind === "conv2d.weight") {
    const [co, ci, kh, kw] = torchShape;
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) out[((o * ci + i) * kh + a) * kw + b] = data[((a * kw + b) * ci + i) * co + o];
  } else if (kind === "linear.weight") {
    const [co, ci] = torchShape;
    for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) out[o * ci + i] = data[i * co + o];
  } else {
    out.set(data);
  }
  return out;
}
function size(shape) {
  return shape.reduce((p, d) => p * d, 1);
}
function sameShape(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
function makeVariable(def, tfjsValues) {
  const t = tf.tensor(tfjsValues, tfjsShape(def.kind, def.torchShape), "float32");
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}
function makeBuffer(def, values) {
  const t = tf.tensor(values, def.torchShape, "float32");
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}
function counterValue(t) {
  return t.int64 && t.int64.length === 1 ? Number(t.int64[0]) : t.data[0];
}
function stateOrder(defs, bufDefs) {
  const order = defs.map((d) => d.name);
  const moduleOf = (name) => name.slice(0, name.lastIndexOf(".") + 1);
  for (const b of bufDefs) {
    const mod = moduleOf(b.name);
    let at = -1;
    order.forEach((name, i) => {
      if (moduleOf(name) === mod) at = i;
    });
    if (at < 0) order.push(b.name);
    else order.splice(at + 1, 0, b.name);
  }
  return order;
}
class Model {
  archName;
  arch;
  input;
  numClasses;
  /** tfjs layout, keyed by PyTorch name, in ParamDef order. The trainable parameters only. */
  params;
  /** Float buffers (running_mean, running_var): non-trainable variables, by PyTorch name. */
  buffers;
  /** Integer buffers (num_batches_tracked), by PyTorch name. */
  counters;
  defs;
  bufDefs;
  /** Params and float buffers by name: what the architecture's forward reads. */
  record;
  /** Batch statistics of the first training-mode forward since the last commit, by layer. */
  pending = /* @__PURE__ */ new Map();
  sink;
  disposed = false;
  constructor(arch, input, numClasses, defs, params, bufDefs = [], buffers = /* @__PURE__ */ new Map(), counters = /* @__PURE__ */ new Map()) {
    this.archName = arch.name;
    this.arch = arch;
    this.input = { ...input };
    this.numClasses = numClasses;
    this.defs = defs;
    this.params = params;
    this.bufDefs = bufDefs;
    this.buffers = buffers;
    this.counters = counters;
    this.record = { ...Object.fromEntries(buffers), ...Object.fromEntries(params) };
    this.sink = (layer, mean2, unbiasedVar) => {
      if (this.pending.has(layer)) return;
      this.pending.set(layer, { mean: tf.keep(mean2.clone()), unbiasedVar: tf.keep(unbiasedVar.clone()) });
    };
  }
  /**
   * A fresh model with PyTorch's default initialisation: every weight and bias uniform in
   * ±1/sqrt(fanIn) (what kaiming_uniform(a=√5) gives for nn.Conv2d and nn.Linear weights);
   * batch norm weight 1 and bias 0, running_mean 0, running_var 1, num_batches_tracked 0.
   * Deterministic: each parameter draws from the seed's stream forked by the parameter's name.
   */
  static init(archName, input, numClasses, seed2) {
    const arch = getArchitecture(archName);
    const defs = arch.params(input, numClasses);
    const bufDefs = arch.buffers?.(input, numClasses) ?? [];
    const rng = new Rng(seed2);
    const params = /* @__PURE__ */ new Map();
    const buffers = /* @__PURE__ */ new Map();
    const counters = /* @__PURE__ */ new Map();
    try {
      for (const def of defs) {
        const n = size(def.torchShape);
        let torchValues;
        if (def.kind === "batchnorm.weight") torchValues = new Float32Array(n).fill(1);
        else if (def.kind === "batchnorm.bias") torchValues = new Float32Array(n);
        else {
          const bound = 1 / Math.sqrt(def.fanIn);
          torchValues = rng.fork(def.name).fillUniform(new Float32Array(n), -bound, bound);
        }
        params.set(def.name, makeVariable(def, torchToTfjs(def.kind, def.torchShape, torchValues)));
      }
      for (const def of bufDefs) {
        if (def.dtype === "int64") counters.set(def.name, def.init);
        else buffers.set(def.name, makeBuffer(def, new Float32Array(size(def.torchShape)).fill(def.init)));
      }
    } catch (err) {
      for (const v of params.values()) v.dispose();
      for (const v of buffers.values()) v.dispose();
      throw err;
    }
    return new Model(arch, input, numClasses, defs, params, bufDefs, buffers, counters);
  }
  /**
   * A model from PyTorch-layout tensors (a state_dict, buffers included). Missing, extra or
   * wrongly shaped tensors throw LabError('shape_mismatch') naming the tensor; broken values
   * throw LabError('bad_file'). A missing num_batches_tracked counts as 0 (PyTorch does the same
   * for state_dicts saved before it had that buffer); it never changes the outputs.
   */
  static fromTorchTensors(archName, tensors, input, numClasses) {
    const arch = getArchitecture(archName);
    const defs = arch.params(input, numClasses);
    const bufDefs = arch.buffers?.(input, numClasses) ?? [];
    const what = `the ${arch.name} architecture with ${formatInput(input)} images and ${numClasses} classes`;
    const required = [...defs, ...bufDefs.filter((b) => b.dtype !== "int64")];
    const present = [...required, ...bufDefs.filter((b) => b.dtype === "int64" && Object.prototype.hasOwnProperty.call(tensors, b.name))];
    for (const def of required) {
      if (!Object.prototype.hasOwnProperty.call(tensors, def.name)) {
        throw new LabError(
          "shape_mismatch",
          `The weights have no tensor "${def.name}", which ${what} needs with shape ${formatShape(def.torchShape)}. Check that you chose the architecture the weights were saved from.`
        );
      }
    }
    const known = new Set([...defs, ...bufDefs].map((d) => d.name));
    for (const [name, t] of Object.entries(tensors)) {
      if (!known.has(name)) {
        throw new LabError(
          "shape_mismatch",
          `The weights have a tensor "${name}" ${formatShape(t.shape)} that the ${arch.name} architecture does not use. Check that you chose the architecture the weights were saved from.`
        );
      }
    }
    for (const def of present) {
      const t = tensors[def.name];
      if (!sameShape(t.shape, def.torchShape)) {
        throw new LabError(
          "shape_mismatch",
          `Tensor "${def.name}" has shape ${formatShape(t.shape)}, but ${what} needs ${formatShape(def.torchShape)}. Check the architecture, the image size and the number of classes.`
        );
      }
      if (t.data.length !== size(t.shape)) {
        throw new LabError(
          "bad_file",
          `Tensor "${def.name}" holds ${t.data.length} values but its shape ${formatShape(t.shape)} needs ${size(t.shape)}; the weights are broken.`
        );
      }
      if (t.dtype === "I64" && !("dtype" in def && def.dtype === "int64")) {
        throw new LabError(
          "bad_file",
          `Tensor "${def.name}" is stored as integers (I64), but it must be floating point. Save the weights as float32 and try again.`
        );
      }
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) {
          throw new LabError(
            "bad_file",
            `Tensor "${def.name}" contains NaN or infinite values, so the model cannot be used. Re-export the weights from a model that trained without diverging.`
          );
        }
      }
    }
    const counters = /* @__PURE__ */ new Map();
    for (const def of bufDefs) {
      if (def.dtype !== "int64") continue;
      const t = tensors[def.name];
      const n = t ? counterValue(t) : def.init;
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new LabError(
          "bad_file",
          `Tensor "${def.name}" should count batches (a whole number of at least 0) but holds ${n}; the weights are broken.`
        );
      }
      counters.set(def.name, n);
    }
    const params = /* @__PURE__ */ new Map();
    const buffers = /* @__PURE__ */ new Map();
    for (const def of defs) {
      params.set(def.name, makeVariable(def, torchToTfjs(def.kind, def.torchShape, tensors[def.name].data)));
    }
    for (const def of bufDefs) {
      if (def.dtype !== "int64") buffers.set(def.name, makeBuffer(def, Float32Array.from(tensors[def.name].data)));
    }
    return new Model(arch, input, numClasses, defs, params, bufDefs, buffers, counters);
  }
  /**
   * The state_dict: parameters and buffers in PyTorch names, layouts and order (each module's
   * buffers after its parameters). num_batches_tracked comes as dtype 'I64'. With
   * `{ buffers: false }`, the parameters only, in ParamDef order.
   */
  toTorchTensors(opts = {}) {
    this.checkAlive();
    const withBuffers = opts.buffers !== false;
    const out = {};
    const defsByName = new Map(this.defs.map((d) => [d.name, d]));
    const bufByName = new Map(this.bufDefs.map((d) => [d.name, d]));
    for (const name of withBuffers ? stateOrder(this.defs, this.bufDefs) : this.defs.map((d) => d.name)) {
      const def = defsByName.get(name);
      if (def) {
        const values = this.params.get(name).dataSync();
        out[name] = { shape: [...def.torchShape], data: tfjsToTorch(def.kind, def.torchShape, values) };
        continue;
      }
      const b = bufByName.get(name);
      if (b.dtype === "int64") {
        const n = this.counters.get(name) ?? b.init;
        out[name] = { shape: [...b.torchShape], data: Float32Array.of(n), dtype: "I64", int64: BigInt64Array.of(BigInt(n)) };
      } else {
        out[name] = { shape: [...b.torchShape], data: Float32Array.from(this.buffers.get(name).dataSync()) };
      }
    }
    return out;
  }
  /** The parameter definitions (PyTorch names and shapes), in order. */
  paramDefs() {
    return this.defs.map((d) => ({ ...d, torchShape: [...d.torchShape] }));
  }
  /** The buffer definitions (PyTorch names and shapes), in order; empty without batch norm. */
  bufferDefs() {
    return this.bufDefs.map((d) => ({ ...d, torchShape: [...d.torchShape] }));
  }
  /** Params and float buffers by name (tfjs layouts): what the architecture's forward reads. */
  tensorsByName() {
    return { ...this.record };
  }
  /**
   * x: float32 [N, H, W, C] in [0, 1]. Returns logits [N, numClasses]. `training: true` uses
   * batch statistics in batch norm and records them for commitBufferUpdates() (see the top of
   * this file); without it (the default) the running statistics are used.
   */
  forward(x, opts) {
    this.checkAlive();
    const training = opts?.training === true;
    if (!training || this.bufDefs.length === 0) return this.arch.forward(this.record, x, this.input, { training });
    try {
      return this.arch.forward(this.record, x, this.input, { training, batchStats: this.sink });
    } catch (err) {
      this.discardBufferUpdates();
      throw err;
    }
  }
  /**
   * Every buffer as a plain array by name (float buffers; counters as one value of shape []),
   * for checkpoints that keep the state in memory or next to the optimizer's; empty without
   * batch norm.
   */
  bufferArrays() {
    this.checkAlive();
    const out = {};
    for (const def of this.bufDefs) {
      out[def.name] = def.dtype === "int64" ? { shape: [], data: Float32Array.of(this.counters.get(def.name) ?? def.init) } : { shape: [...def.torchShape], data: Float32Array.from(this.buffers.get(def.name).dataSync()) };
    }
    return out;
  }
  /** Sets every buffer from bufferArrays()'s output (extra names are ignored); drops pending updates. */
  loadBufferArrays(arrays) {
    this.checkAlive();
    for (const def of this.bufDefs) {
      const a = Object.prototype.hasOwnProperty.call(arrays, def.name) ? arrays[def.name] : void 0;
      if (!a || a.data.length !== size(def.torchShape)) {
        throw new LabError("bad_file", `There are no usable values for the buffer "${def.name}"; they do not belong to this model.`);
      }
      if (def.dtype === "int64") {
        this.counters.set(def.name, Math.max(0, Math.round(a.data[0])));
      } else {
        const t = tf.tensor(a.data, def.torchShape, "float32");
        this.buffers.get(def.name).assign(t);
        t.dispose();
      }
    }
    this.discardBufferUpdates();
  }
  /** Whether a training-mode forward pass has recorded batch statistics not yet committed. */
  get hasPendingBufferUpdates() {
    return this.pending.size > 0;
  }
  /**
   * Applies the pending batch statistics to the running estimates (momentum 0.1, PyTorch's
   * rule) and counts one batch in each updated layer's num_batches_tracked. Call it once per
   * training step, after the optimizer step, outside any gradient tape. Returns the number of
   * layers updated (0 when nothing was pending, e.g. a model without batch norm).
   */
  commitBufferUpdates() {
    this.checkAlive();
    const updated = this.pending.size;
    for (const [layer, { mean: mean2, unbiasedVar }] of this.pending) {
      const rm = this.buffers.get(`${layer}.running_mean`);
      const rv = this.buffers.get(`${layer}.running_var`);
      if (!rm || !rv) throw new Error(`Internal error: batch norm layer ${layer} has no running statistics.`);
      tf.tidy(() => {
        rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(mean2, BN_MOMENTUM)));
        rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(unbiasedVar, BN_MOMENTUM)));
      });
      const counter = `${layer}.num_batches_tracked`;
      if (this.counters.has(counter)) this.counters.set(counter, this.counters.get(counter) + 1);
    }
    this.discardBufferUpdates();
    return updated;
  }
  /** Drops the pending batch statistics without applying them. */
  discardBufferUpdates() {
    for (const { mean: mean2, unbiasedVar } of this.pending.values()) tf.dispose([mean2, unbiasedVar]);
    this.pending.clear();
  }
  variables() {
    return [...this.params.values()];
  }
  paramCount() {
    return this.defs.reduce((n, d) => n + size(d.torchShape), 0);
  }
  /** An independent copy (new variables with the same values, buffers included, nothing pending). */
  clone() {
    this.checkAlive();
    const params = /* @__PURE__ */ new Map();
    for (const [name, v] of this.params) params.set(name, tf.variable(v, true));
    const buffers = /* @__PURE__ */ new Map();
    for (const [name, v] of this.buffers) buffers.set(name, tf.variable(v, false));
    return new Model(this.arch, this.input, this.numClasses, this.paramDefs(), params, this.bufferDefs(), buffers, new Map(this.counters));
  }
  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.discardBufferUpdates();
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
  }
  get isDisposed() {
    return this.disposed;
  }
  checkAlive() {
    if (this.disposed) throw new Error("Internal error: this model was disposed.");
  }
}
const MAX_HEADER = 100 * 1024 * 1024;
const FLOAT_BYTES = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const OTHER_DTYPES = /* @__PURE__ */ new Set(["BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "F8_E4M3", "F8_E5M2", "C64"]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function bad(message) {
  return new LabError("bad_file", message);
}
function numel$1(shape) {
  return shape.reduce((p, d) => p * d, 1);
}
function int64Values(name, t) {
  if (t.int64) {
    if (t.int64.length !== t.data.length) throw new Error(`Internal error: tensor "${name}" has ${t.int64.length} int64 values for ${t.data.length} floats.`);
    return t.int64;
  }
  return BigInt64Array.from(t.data, (v) => {
    if (!Number.isSafeInteger(v)) throw new Error(`Internal error: tensor "${name}" is I64 but holds ${v}.`);
    return BigInt(v);
  });
}
function encodeSafetensors(tensors, metadata) {
  const header = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new Error("Internal error: a tensor may not be called __metadata__.");
    if (t.data.length !== numel$1(t.shape)) {
      throw new Error(`Internal error: tensor "${name}" has ${t.data.length} values for shape [${t.shape}].`);
    }
    const bytes = t.data.length * (t.dtype === "I64" ? 8 : 4);
    header[name] = { dtype: t.dtype === "I64" ? "I64" : "F32", shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 32)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const [name, t] of entries) {
    if (t.dtype === "I64") {
      for (const v of int64Values(name, t)) {
        out.writeBigInt64LE(v, at);
        at += 8;
      }
    } else if (LITTLE_ENDIAN) {
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
      at += t.data.byteLength;
    } else {
      for (let i = 0; i < t.data.length; i++, at += 4) out.writeFloatLE(t.data[i], at);
    }
  }
  return out;
}
function halfToFloat(h) {
  const sign2 = h & 32768 ? -1 : 1;
  const exp = h >> 10 & 31;
  const frac = h & 1023;
  if (exp === 0) return sign2 * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign2 * Infinity;
  return sign2 * (1 + frac / 1024) * 2 ** (exp - 15);
}
function decodeFloats(dtype, view, begin, count) {
  const out = new Float32Array(count);
  switch (dtype) {
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(begin + 4 * i, true);
      break;
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(begin + 8 * i, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(begin + 2 * i, true));
      break;
    case "BF16": {
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = view.getUint16(begin + 2 * i, true) << 16;
      break;
    }
  }
  return out;
}
function decodeSafetensors(buf) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 8) {
    throw bad(
      `The file is too short to be a safetensors file (${buf.byteLength} bytes; the header length alone takes 8). Choose a complete .safetensors file.`
    );
  }
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(buf.byteLength - 8)) {
    throw bad(
      `The safetensors header says it is ${headerLen} bytes long, but the file has only ${buf.byteLength - 8} bytes after the length field; the file is truncated or not a safetensors file.`
    );
  }
  const n = Number(headerLen);
  if (n > MAX_HEADER) throw bad(`The safetensors header is ${n} bytes long, more than the 100 MB the format allows; the file is broken.`);
  let header;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw bad(`The safetensors header is not valid JSON (${why}); the file is broken or not a safetensors file.`);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) {
    throw bad("The safetensors header is not a JSON object; the file is broken or not a safetensors file.");
  }
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const metadata = {};
  const spans = [];
  const tensors = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
        throw bad("The safetensors metadata (__metadata__) is not a map of strings; the file is broken.");
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== "string") throw bad(`The safetensors metadata entry "${k}" is not a string; the file is broken.`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw;
    if (!e || typeof e !== "object") throw bad(`Tensor "${name}" has no description in the safetensors header; the file is broken.`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== "string") throw bad(`Tensor "${name}" has no dtype in the safetensors header; the file is broken.`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`Tensor "${name}" has an invalid shape in the safetensors header; the file is broken.`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
      throw bad(`Tensor "${name}" has invalid data_offsets in the safetensors header; the file is broken.`);
    }
    const [begin, end] = offsets;
    if (end > dataLen) {
      throw bad(
        `Tensor "${name}" claims bytes ${begin} to ${end} of the data, but the file holds only ${dataLen} bytes of data; the file is truncated.`
      );
    }
    const width = dtype === "I64" ? 8 : FLOAT_BYTES[dtype];
    if (width === void 0) {
      if (OTHER_DTYPES.has(dtype)) {
        throw bad(
          `Tensor "${name}" is stored as ${dtype}, but weights must be floating point (F32, F16, BF16 or F64); only I64 is read for integer buffers such as batch norm’s num_batches_tracked. Save the weights in one of these types and try again.`
        );
      }
      throw bad(`Tensor "${name}" has the unknown dtype "${dtype}"; the file is broken or from a newer format.`);
    }
    const count = numel$1(shape);
    if (end - begin !== count * width) {
      throw bad(
        `Tensor "${name}" has ${end - begin} bytes of data, but its shape [${shape.join(", ")}] in ${dtype} needs ${count * width}; the file is broken.`
      );
    }
    spans.push({ name, begin, end });
    if (dtype === "I64") {
      const int64 = new BigInt64Array(count);
      for (let i = 0; i < count; i++) int64[i] = view.getBigInt64(dataStart + begin + 8 * i, true);
      tensors[name] = { shape: [...shape], data: Float32Array.from(int64, (v) => Number(v)), dtype: "I64", int64 };
    } else {
      tensors[name] = { shape: [...shape], data: decodeFloats(dtype, view, dataStart + begin, count) };
    }
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin < at) throw bad(`Tensor "${s.name}" overlaps the tensor before it in the file's data; the file is broken.`);
    if (s.begin > at) throw bad(`There is a gap of ${s.begin - at} bytes before tensor "${s.name}" in the file's data; the file is broken.`);
    at = s.end;
  }
  if (at !== dataLen) {
    throw bad(`The file has ${dataLen - at} bytes after the last tensor that no tensor accounts for; the file is broken.`);
  }
  return { tensors, metadata };
}
function modelToSafetensors(m) {
  return encodeSafetensors(m.toTorchTensors(), {
    format: "pt",
    robustlab_arch: m.archName,
    robustlab_input: `${m.input.height},${m.input.width},${m.input.channels}`,
    robustlab_classes: String(m.numClasses)
  });
}
function parseInput(s) {
  const parts = s.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p > 0)) return void 0;
  return { height: parts[0], width: parts[1], channels: parts[2] };
}
function modelFromSafetensors(buf, archName, opts = {}) {
  const arch = getArchitecture(archName);
  const { tensors, metadata } = decodeSafetensors(buf);
  const fileArch = metadata.robustlab_arch;
  if (fileArch && fileArch !== arch.name) {
    throw new LabError(
      "shape_mismatch",
      `This file holds a "${fileArch}" model, but the "${arch.name}" architecture was chosen. Choose "${fileArch}" instead.`
    );
  }
  const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
  let inferred = {};
  if (!opts.input || opts.numClasses === void 0) {
    try {
      inferred = arch.inferFromTorchShapes(shapes);
    } catch (err) {
      if (!(err instanceof LabError)) throw err;
    }
  }
  const metaInput = metadata.robustlab_input ? parseInput(metadata.robustlab_input) : void 0;
  const metaClasses = metadata.robustlab_classes ? Number(metadata.robustlab_classes) : void 0;
  const input = opts.input ?? metaInput ?? inferred.input ?? { height: 28, width: 28, channels: 1 };
  const numClasses = opts.numClasses ?? (Number.isInteger(metaClasses) ? metaClasses : void 0) ?? inferred.numClasses ?? 10;
  if (metaInput && opts.input && formatInput(metaInput) !== formatInput(opts.input)) {
    throw new LabError(
      "shape_mismatch",
      `This file's model was built for ${formatInput(metaInput)} images, but ${formatInput(opts.input)} was asked for. Leave the input size empty or set it to ${formatInput(metaInput)}.`
    );
  }
  return Model.fromTorchTensors(arch.name, tensors, input, numClasses);
}
function loadStoredModel(store, idOrName2) {
  const record = store.getModel(idOrName2);
  const bytes = store.readArtifact(record.artifact);
  const [height, width, channels] = record.inputShape;
  const model = modelFromSafetensors(bytes, record.arch, { input: { height, width, channels }, numClasses: record.numClasses });
  return { model, record };
}
function saveModel(store, model, meta) {
  const bytes = modelToSafetensors(model);
  const art = store.writeArtifact(bytes, "safetensors");
  return store.insertModel({
    id: newId("m"),
    name: meta.name,
    arch: model.archName,
    inputShape: [model.input.height, model.input.width, model.input.channels],
    numClasses: model.numClasses,
    paramCount: model.paramCount(),
    source: meta.source,
    datasetId: meta.datasetId,
    runId: meta.runId,
    parentId: meta.parentId ?? null,
    sha256: art.sha256,
    sizeBytes: art.size,
    artifact: art.rel
  });
}
function modelInfo(r) {
  const { artifact: _a, parentId: _p, ...info } = r;
  return info;
}
function parseParams(what, descriptors, raw) {
  const known = new Map(descriptors.map((d) => [d.key, d]));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      const names = descriptors.map((d) => d.key).join(", ") || "none";
      throw new LabError("bad_input", `Unknown parameter "${key}" for ${what}; its parameters are: ${names}.`);
    }
  }
  const out = {};
  for (const d of descriptors) {
    let v = raw[d.key];
    if (v === void 0 || v === null || v === "") {
      out[d.key] = d.default;
      continue;
    }
    switch (d.type) {
      case "number":
      case "integer": {
        const n = typeof v === "string" ? Number(v) : v;
        if (typeof n !== "number" || !Number.isFinite(n)) {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) must be a number, got "${String(v)}".`);
        }
        if (d.type === "integer" && !Number.isInteger(n)) {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) must be a whole number, got ${n}.`);
        }
        if (d.min !== void 0 && n < d.min) {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) must be at least ${d.min}, got ${n}.`);
        }
        if (d.max !== void 0 && n > d.max) {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) must be at most ${d.max}, got ${n}.`);
        }
        v = n;
        break;
      }
      case "boolean": {
        if (typeof v === "string") {
          if (["true", "1", "yes", "on"].includes(v.toLowerCase())) v = true;
          else if (["false", "0", "no", "off"].includes(v.toLowerCase())) v = false;
        }
        if (typeof v !== "boolean") {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) must be true or false, got "${String(v)}".`);
        }
        break;
      }
      case "string": {
        if (typeof v !== "string") v = String(v);
        if (d.pattern && !new RegExp(d.pattern).test(v)) {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) has the wrong form: "${String(v)}". ${d.help}`);
        }
        break;
      }
      case "enum": {
        const opts = (d.options ?? []).map((o) => o.value);
        if (typeof v !== "string" || !opts.includes(v)) {
          throw new LabError("bad_input", `${what}: ${d.label} (${d.key}) must be one of ${opts.join(", ")}, got "${String(v)}".`);
        }
        break;
      }
    }
    out[d.key] = v;
  }
  return out;
}
function gradientsAt(model, lossAt) {
  const vars = model.variables();
  const { value, grads } = tf.variableGrads(lossAt, vars);
  value.dispose();
  return vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
}
function moveWeights(model, deltas) {
  const vars = model.variables();
  const saved = vars.map((v, i) => deltas[i] ? tf.keep(v.clone()) : null);
  tf.tidy(() => {
    vars.forEach((v, i) => {
      const d = deltas[i];
      if (d) v.assign(tf.add(v, d));
    });
  });
  return () => {
    vars.forEach((v, i) => {
      const s = saved[i];
      if (s) {
        v.assign(s);
        s.dispose();
      }
    });
  };
}
function globalNorm(ts) {
  const t = tf.tidy(() => tf.sqrt(tf.addN(ts.map((g) => tf.sum(tf.square(g))))));
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}
const asam = {
  entry: {
    name: "asam",
    title: "Adaptive sharpness-aware minimization (ASAM)",
    description: "SAM with a neighbourhood that scales with each weight, so large and small weights are treated alike. Same trade as SAM: about 2× the time of standard training for flatter minima and often better generalization; no adversarial robustness by itself.",
    params: [
      {
        key: "rho",
        label: "Rho (neighbourhood size)",
        type: "number",
        min: 0,
        max: 10,
        step: 0.05,
        default: 0.5,
        help: "Size of the scaled neighbourhood; ASAM uses about 10× the rho of SAM (0.5 is common)."
      },
      {
        key: "eta",
        label: "Eta",
        type: "number",
        min: 0,
        max: 1,
        step: 1e-3,
        default: 0.01,
        help: "Added to |w| in the scaling so weights near zero can still move.",
        advanced: true
      }
    ]
  },
  perturbWeights(model, lossAt, p) {
    const rho = p.rho;
    const eta = p.eta;
    if (!(rho > 0)) return null;
    const vars = model.variables();
    const grads = gradientsAt(model, lossAt);
    const scaled = tf.tidy(() => grads.map((g, i) => tf.keep(tf.mul(g, tf.add(tf.abs(vars[i]), eta)))));
    const norm = globalNorm(scaled);
    const deltas = tf.tidy(() => scaled.map((tg, i) => tf.keep(tf.mul(tf.mul(tg, tf.add(tf.abs(vars[i]), eta)), rho / (norm + 1e-12)))));
    tf.dispose([...grads, ...scaled]);
    const restore = moveWeights(model, deltas);
    tf.dispose(deltas);
    return restore;
  },
  loss(model, x, y) {
    const logits = model.forward(x, { training: true });
    return { loss: crossEntropy(logits, y, "mean"), logits };
  }
};
function oneHot(labels, numClasses) {
  return tf.cast(tf.oneHot(tf.cast(labels, "int32"), numClasses), "float32");
}
function trueProb(probs2, labels) {
  return tf.sum(tf.mul(probs2, oneHot(labels, probs2.shape[1])), -1);
}
function softCrossEntropy(logits, targets) {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1));
}
function ce(logits, labels) {
  return softCrossEntropy(logits, oneHot(labels, logits.shape[1]));
}
function klFromLogits(pLogits, qLogits) {
  const logp = tf.logSoftmax(pLogits);
  const logq = tf.logSoftmax(qLogits);
  return tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), -1);
}
function smoothTargets(labels, numClasses, onTrue) {
  const off = numClasses > 1 ? (1 - onTrue) / (numClasses - 1) : 0;
  return tf.add(tf.mul(oneHot(labels, numClasses), onTrue - off), off);
}
function autoStepSize(eps, steps, stepSize) {
  return stepSize > 0 ? stepSize : 2.5 * eps / Math.max(1, steps);
}
function linfAdversary(model, x, y, o) {
  const n = x.shape[0];
  const alpha = autoStepSize(o.eps, o.steps, o.stepSize);
  const objective = o.objective ?? ((logits) => tf.sum(ce(logits, y)));
  return tf.tidy(() => {
    const scale = o.scale ? tf.tensor(o.scale, [n, 1, 1, 1]) : tf.scalar(1);
    const epsT = tf.mul(scale, o.eps);
    const lo = tf.maximum(tf.sub(x, epsT), 0);
    const hi = tf.minimum(tf.add(x, epsT), 1);
    const project2 = (t) => tf.minimum(tf.maximum(t, lo), hi);
    let xAdv;
    if (o.start === "uniform" && o.eps > 0) {
      const noise = tf.tensor(o.rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape);
      xAdv = project2(tf.add(x, tf.mul(noise, epsT)));
    } else if (o.start === "small-normal") {
      const noise = tf.tensor(o.rng.fillNormal(new Float32Array(x.size), 0, 1e-3), x.shape);
      xAdv = project2(tf.add(x, noise));
    } else {
      xAdv = x.clone();
    }
    if (o.eps <= 0) return xAdv;
    const grad = tf.grad((xi) => objective(model.forward(xi, { training: false })));
    const labels = o.objective ? null : Int32Array.from(y.dataSync());
    const stepT = tf.mul(scale, alpha);
    for (let t = 0; t < o.steps; t++) {
      const g = labels ? valueAndInputGrad(model, xAdv, "ce", labels).grad : grad(xAdv);
      xAdv = project2(tf.add(xAdv, tf.mul(tf.sign(g), stepT)));
    }
    return xAdv;
  });
}
function epsParam(def = 0.1, help) {
  return {
    key: "eps",
    label: "Epsilon",
    type: "number",
    min: 0,
    max: 1,
    step: 0.01,
    default: def,
    unit: "pixel (0–1)",
    help: help ?? "Largest change per pixel the training defends against, on the 0–1 scale (0.1 is common for digits, 8/255 ≈ 0.031 for photos)."
  };
}
function stepsParam(def = 10) {
  return {
    key: "steps",
    label: "Attack steps",
    type: "integer",
    min: 1,
    max: 1e3,
    default: def,
    help: "Gradient steps of the attack that makes each training batch; each step costs about one extra training pass, so 10 steps ≈ 11× the time of standard training."
  };
}
function stepSizeParam() {
  return {
    key: "stepSize",
    label: "Attack step size",
    type: "number",
    min: 0,
    max: 1,
    step: 1e-3,
    default: 0,
    unit: "pixel (0–1)",
    help: "Change per attack step; 0 picks 2.5 × eps / steps.",
    advanced: true
  };
}
function randomStartParam() {
  return {
    key: "randomStart",
    label: "Random start",
    type: "boolean",
    default: true,
    help: "Start the attack from a random point inside the allowed region, which finds stronger attacks and avoids a degenerate fixed pattern.",
    advanced: true
  };
}
function rampParams() {
  return [
    {
      key: "warmupEpochs",
      label: "Warm-up epochs",
      type: "number",
      min: 0,
      max: 1e3,
      step: 0.5,
      default: 0,
      help: "Epochs of plain training (eps = 0) before the radius starts to grow."
    },
    {
      key: "rampEpochs",
      label: "Ramp epochs",
      type: "number",
      min: 0,
      max: 1e3,
      step: 0.5,
      default: 0,
      help: "Epochs over which the radius grows linearly from 0 to eps (and the loss mix moves to its final value); 0 = half of the training after the warm-up. Growing it slowly is what makes certified training work."
    }
  ];
}
function rampFraction(p, ctx) {
  const t = ctx.step / ctx.stepsPerEpoch;
  const warm = p.warmupEpochs;
  let ramp = p.rampEpochs;
  if (!(ramp > 0)) ramp = Math.max((ctx.epochs - warm) / 2, 1 / ctx.stepsPerEpoch);
  return Math.min(1, Math.max(0, (t - warm) / ramp));
}
function lambdas(n, ctx) {
  return ctx.rng.fork("avmixup").fillUniform(new Float32Array(n), 0, 1);
}
const avmixup = {
  entry: {
    name: "avmixup",
    title: "Adversarial vertex mixup (AVmixup)",
    description: "Adversarial training on points between each image and an exaggerated adversarial version of it (γ times the PGD change), with softened labels toward the far end (Lee et al.). Reduces the robust-overfitting gap and the clean-accuracy cost of adversarial training; same time cost as PGD-AT.",
    params: [
      epsParam(),
      { key: "gamma", label: "Gamma (vertex scale)", type: "number", min: 1, max: 10, step: 0.5, default: 2, help: "How far beyond the adversarial example the vertex lies (2 in the paper)." },
      { key: "zetaClean", label: "Label weight at the image", type: "number", min: 0, max: 1, step: 0.05, default: 1, help: "Weight of the true class in the target at the clean end (1 = the plain label).", advanced: true },
      { key: "zetaVertex", label: "Label weight at the vertex", type: "number", min: 0, max: 1, step: 0.05, default: 0.1, help: "Weight of the true class in the target at the vertex end; the rest is spread over the other classes.", advanced: true },
      stepsParam(10),
      stepSizeParam(),
      randomStartParam()
    ]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    const xAdv = linfAdversary(model, x, y, {
      eps: p.eps,
      steps: p.steps,
      stepSize: p.stepSize,
      start: p.randomStart ? "uniform" : "none",
      rng: ctx.rng
    });
    const n = x.shape[0];
    const mixed = tf.tidy(() => {
      const lam = tf.tensor(lambdas(n, ctx), [n, 1, 1, 1]);
      const vertex = tf.add(x, tf.mul(tf.sub(xAdv, x), p.gamma));
      return tf.clipByValue(tf.add(tf.mul(x, lam), tf.mul(vertex, tf.sub(1, lam))), 0, 1);
    });
    xAdv.dispose();
    return mixed;
  },
  loss(model, xMix, y, p, ctx) {
    const n = xMix.shape[0];
    const k = ctx.numClasses;
    const lam = tf.tensor(lambdas(n, ctx), [n, 1]);
    const target = tf.add(tf.mul(smoothTargets(y, k, p.zetaClean), lam), tf.mul(smoothTargets(y, k, p.zetaVertex), tf.sub(1, lam)));
    const logits = model.forward(xMix, { training: true });
    return { loss: tf.mean(softCrossEntropy(logits, target)), logits };
  }
};
function batchAccuracy(logits, y) {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, "int32")), "float32"));
}
const pgdAt = {
  entry: {
    name: "pgd-at",
    title: "Adversarial training (PGD, Madry et al.)",
    description: "Trains on the worst-case images a PGD attack finds within eps of each training image. The standard defense: large gains in robust accuracy at the trained radius, at a cost of some clean accuracy and about (steps + 1)× the time of standard training.",
    params: [epsParam(), stepsParam(10), stepSizeParam(), randomStartParam()]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    return linfAdversary(model, x, y, {
      eps: p.eps,
      steps: p.steps,
      stepSize: p.stepSize,
      start: p.randomStart ? "uniform" : "none",
      rng: ctx.rng
    });
  },
  loss(model, xAdv, y) {
    const logits = model.forward(xAdv, { training: true });
    return { loss: tf.mean(ce(logits, y)), logits, metrics: { adv_accuracy: batchAccuracy(logits, y) } };
  }
};
const awp = {
  entry: {
    name: "awp",
    title: "Adversarial weight perturbation (AWP + PGD-AT)",
    description: "PGD adversarial training that also perturbs the weights in the worst direction before each update (Wu et al.), which reduces robust overfitting and usually adds a few points of robust accuracy. Costs about one extra gradient pass over PGD-AT.",
    params: [
      {
        key: "gamma",
        label: "Gamma (weight perturbation size)",
        type: "number",
        min: 0,
        max: 1,
        step: 1e-3,
        default: 0.01,
        help: "Size of the weight perturbation relative to each layer’s weight norm (0.005–0.01 in the paper). 0 is plain PGD-AT."
      },
      {
        key: "awpWarmup",
        label: "AWP warm-up epochs",
        type: "integer",
        min: 0,
        max: 1e3,
        default: 0,
        help: "Epochs of plain PGD-AT before the weight perturbation starts.",
        advanced: true
      },
      epsParam(),
      stepsParam(10),
      stepSizeParam(),
      randomStartParam()
    ]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    return linfAdversary(model, x, y, {
      eps: p.eps,
      steps: p.steps,
      stepSize: p.stepSize,
      start: p.randomStart ? "uniform" : "none",
      rng: ctx.rng
    });
  },
  perturbWeights(model, lossAt, p, ctx) {
    const gamma2 = p.gamma;
    if (!(gamma2 > 0) || ctx.epoch <= p.awpWarmup) return null;
    const vars = model.variables();
    const grads = gradientsAt(model, lossAt);
    const deltas = grads.map((g, i) => {
      if (vars[i].rank < 2) return null;
      return tf.tidy(() => tf.mul(g, tf.div(tf.mul(tf.norm(vars[i]), gamma2), tf.add(tf.norm(g), 1e-12))));
    });
    tf.dispose(grads);
    const restore = moveWeights(model, deltas);
    tf.dispose(deltas.filter((d) => d !== null));
    return restore;
  },
  loss(model, xAdv, y) {
    const logits = model.forward(xAdv, { training: true });
    return { loss: tf.mean(ce(logits, y)), logits, metrics: { adv_accuracy: batchAccuracy(logits, y) } };
  }
};
const detach = tf.customGrad(((x) => ({
  value: tf.clone(x),
  gradFunc: (dy) => tf.zerosLike(dy)
})));
function positive(x) {
  return tf.step(x, 0);
}
function centerRadius(box) {
  return { c: tf.mul(tf.add(box.lower, box.upper), 0.5), r: tf.mul(tf.sub(box.upper, box.lower), 0.5) };
}
function fromCenterRadius(c, r) {
  return { lower: tf.sub(c, r), upper: tf.add(c, r) };
}
function perRow(t) {
  return tf.expandDims(t, 1);
}
function sumFeatures(t) {
  const [n, s] = t.shape;
  return tf.sum(tf.reshape(t, [n, s, -1]), -1);
}
function concretize(A, box, mode) {
  const { c, r } = centerRadius(box);
  const center = sumFeatures(tf.mul(A, perRow(c)));
  const spread = sumFeatures(tf.mul(tf.abs(A), perRow(r)));
  return mode === "lower" ? tf.sub(center, spread) : tf.add(center, spread);
}
function addBias(acc, b) {
  if (!b) return acc;
  return acc ? tf.add(acc, b) : b;
}
function numel(shape) {
  return shape.reduce((p, d) => p * d, 1);
}
const RCE_LOG_CLAMP = Math.log(1e-4);
const P_MIN = 1e-7;
function probs(logits) {
  return tf.clipByValue(tf.softmax(logits), P_MIN, 1);
}
function gceLoss(logits, labels, q) {
  const py = trueProb(probs(logits), labels);
  return tf.div(tf.sub(1, tf.pow(py, q)), q);
}
function rceLoss(logits, labels) {
  const py = trueProb(probs(logits), labels);
  return tf.mul(tf.sub(1, py), -RCE_LOG_CLAMP);
}
function sceLoss(logits, labels, alpha, beta2) {
  return tf.add(tf.mul(ce(logits, labels), alpha), tf.mul(rceLoss(logits, labels), beta2));
}
function nceLoss(logits, labels) {
  const logp = tf.logSoftmax(logits);
  const num = tf.neg(tf.sum(tf.mul(oneHot(labels, logits.shape[1]), logp), -1));
  return tf.div(num, tf.neg(tf.sum(logp, -1)));
}
function maeLoss(logits, labels) {
  return tf.sub(1, trueProb(tf.softmax(logits), labels));
}
function polyLoss(logits, labels, epsilon) {
  const py = trueProb(tf.softmax(logits), labels);
  return tf.add(ce(logits, labels), tf.mul(tf.sub(1, py), epsilon));
}
function clipLogits(logits, tau) {
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(logits), -1, true), 1e-12));
  const scale = tf.minimum(1, tf.div(1 / tau, norm));
  return tf.mul(logits, scale);
}
function logitClipLoss(logits, labels, tau) {
  return ce(clipLogits(logits, tau), labels);
}
function labelSmoothingLoss(logits, labels, smoothing) {
  const k = logits.shape[1];
  const t = tf.add(tf.mul(oneHot(labels, k), 1 - smoothing), smoothing / k);
  return softCrossEntropy(logits, t);
}
function bootstrapLoss(logits, labels, beta2, mode) {
  const k = logits.shape[1];
  let pred;
  if (mode === "soft") {
    pred = tf.softmax(logits);
  } else {
    pred = oneHot(tf.argMax(detach(logits), 1), k);
  }
  const t = tf.add(tf.mul(oneHot(labels, k), beta2), tf.mul(pred, 1 - beta2));
  return softCrossEntropy(logits, t);
}
function lossMethod(entry, perExample) {
  return {
    entry,
    loss(model, x, y, p) {
      const logits = model.forward(x, { training: true });
      return { loss: tf.mean(perExample(logits, y, p)), logits };
    }
  };
}
const NOISY_TRADE = "Made for training sets with wrong labels: it learns the clean pattern instead of memorizing the mistakes. On clean labels it usually trains a little slower and ends slightly below cross-entropy; same time per step as standard training.";
const bootstrap = lossMethod(
  {
    name: "bootstrap",
    title: "Bootstrapping (for noisy labels)",
    description: `The training target is beta × the given label + (1 − beta) × the model's own prediction, so the model can partly overrule labels it finds implausible. ${NOISY_TRADE}`,
    params: [
      { key: "beta", label: "Beta (label weight)", type: "number", min: 0, max: 1, step: 0.05, default: 0.95, help: "Weight of the given label; 1 is cross-entropy. The paper uses 0.95 (soft) and 0.8 (hard)." },
      {
        key: "mode",
        label: "Mode",
        type: "enum",
        default: "soft",
        options: [
          { value: "soft", label: "Soft (predicted probabilities)" },
          { value: "hard", label: "Hard (predicted class)" }
        ],
        help: "Mix in the predicted probabilities (soft) or the predicted class (hard)."
      }
    ]
  },
  (logits, y, p) => bootstrapLoss(logits, y, p.beta, p.mode)
);
function marginSpec(labels, numClasses) {
  return tf.tidy(() => {
    const oneHot2 = tf.cast(tf.oneHot(tf.cast(labels, "int32"), numClasses), "float32");
    return tf.sub(tf.expandDims(oneHot2, 1), tf.expandDims(tf.eye(numClasses), 0));
  });
}
function worstCaseLogits(marginLower) {
  return tf.neg(marginLower);
}
function minMargin(marginLower, labels, numClasses) {
  return tf.tidy(() => {
    const oneHot2 = tf.cast(tf.oneHot(tf.cast(labels, "int32"), numClasses), "float32");
    return tf.min(tf.add(marginLower, tf.mul(oneHot2, 1e30)), -1);
  });
}
function inputBox(x, eps) {
  return { lower: tf.clipByValue(tf.sub(x, eps), 0, 1), upper: tf.clipByValue(tf.add(x, eps), 0, 1) };
}
function specOfBox(spec, box) {
  const { c, r } = centerRadius(box);
  const center = tf.sum(tf.mul(spec, perRow(c)), -1);
  const spread = tf.sum(tf.mul(tf.abs(spec), perRow(r)), -1);
  return { lower: tf.sub(center, spread), upper: tf.add(center, spread) };
}
function ibpSpec(graph, boxes, spec) {
  const L = graph.ops.length;
  const last = graph.ops[L - 1];
  if (last.kind === "linear" && last.weight) {
    const [n, s, k] = spec.shape;
    const W = last.weight;
    const effT = tf.reshape(tf.matMul(tf.reshape(spec, [n * s, k]), W, false, true), [n, s, W.shape[0]]);
    const { c, r } = centerRadius(boxes[L - 1]);
    let center = tf.sum(tf.mul(effT, perRow(c)), -1);
    if (last.bias) center = tf.add(center, tf.sum(tf.mul(spec, last.bias), -1));
    const spread = tf.sum(tf.mul(tf.abs(effT), perRow(r)), -1);
    return { lower: tf.sub(center, spread), upper: tf.add(center, spread) };
  }
  return specOfBox(spec, graph.ops[L - 1].ibp(boxes[L - 1]));
}
function backwardFrom(graph, j, A0, mode, boxes, outBox) {
  let A = A0;
  let acc = null;
  for (let k = j; k >= 0; k--) {
    const res = graph.ops[k].backward(A, mode, boxes[k]);
    if (!res) return addBias(acc, concretize(A, outBox(k), mode));
    A = res.A;
    acc = addBias(acc, res.bias);
  }
  return addBias(acc, concretize(A, boxes[0], mode));
}
function crownLayerBox(graph, i, boxes, ibpBox, outBox, chunkElements) {
  const shape = graph.ops[i].inShape;
  const M = numel(shape);
  const n = boxes[0].lower.shape[0];
  let rowsToBound;
  if (graph.ops[i].kind === "relu") {
    const l = ibpBox.lower.dataSync();
    const u = ibpBox.upper.dataSync();
    const need = new Uint8Array(M);
    for (let k = 0; k < n * M; k++) if (l[k] < 0 && u[k] > 0) need[k % M] = 1;
    rowsToBound = [];
    for (let k = 0; k < M; k++) if (need[k]) rowsToBound.push(k);
    if (rowsToBound.length === 0) return ibpBox;
  } else {
    rowsToBound = Array.from({ length: M }, (_, k) => k);
  }
  let widest = numel(graph.inShape);
  for (let k = 0; k < i; k++) widest = Math.max(widest, numel(graph.ops[k].outShape));
  const R = rowsToBound.length;
  const rows = Math.max(1, Math.min(R, Math.floor(chunkElements / Math.max(1, n * widest))));
  const lowers = [];
  const uppers = [];
  for (let r0 = 0; r0 < R; r0 += rows) {
    const ids = tf.tensor1d(rowsToBound.slice(r0, r0 + rows), "int32");
    const m = ids.shape[0];
    const A = tf.tile(tf.reshape(tf.cast(tf.oneHot(ids, M), "float32"), [1, m, ...shape]), [n, 1, ...shape.map(() => 1)]);
    lowers.push(backwardFrom(graph, i - 1, A, "lower", boxes, outBox));
    uppers.push(backwardFrom(graph, i - 1, A, "upper", boxes, outBox));
  }
  const cat = (ts) => ts.length === 1 ? ts[0] : tf.concat(ts, 1);
  if (R === M) return { lower: tf.reshape(cat(lowers), [n, ...shape]), upper: tf.reshape(cat(uppers), [n, ...shape]) };
  const P = tf.cast(tf.oneHot(tf.tensor1d(rowsToBound, "int32"), M), "float32");
  const keep = tf.sub(1, tf.sum(P, 0));
  const merge = (t, ibp2) => tf.add(tf.reshape(tf.matMul(t, P), [n, ...shape]), tf.mul(ibp2, tf.reshape(keep, shape)));
  return { lower: merge(cat(lowers), ibpBox.lower), upper: merge(cat(uppers), ibpBox.upper) };
}
function computeBounds(graph, box, spec, opts) {
  const ops = graph.ops;
  const L = ops.length;
  const intersect = opts.intersectIbp ?? true;
  const maxNeurons = opts.maxCrownNeurons ?? 4096;
  const chunkElements = opts.chunkElements ?? 2 ** 23;
  const boxes = [box];
  const outBox = (k) => k + 1 < boxes.length ? boxes[k + 1] : ops[k].ibp(boxes[k]);
  let independent = true;
  let tight = true;
  for (let i = 0; i < L; i++) {
    if (i > 0) {
      let b = ops[i - 1].ibp(boxes[i - 1]);
      const relaxed = !ops[i].affine;
      if (opts.method === "crown" && relaxed && !tight && ops[i - 1].affine && numel(ops[i].inShape) <= maxNeurons) {
        const c = crownLayerBox(graph, i, boxes, b, outBox, chunkElements);
        b = intersect ? { lower: tf.maximum(c.lower, b.lower), upper: tf.minimum(c.upper, b.upper) } : c;
      }
      boxes.push(b);
    }
    if (ops[i].mixing) {
      tight = independent;
      independent = false;
    }
  }
  const ibp2 = ibpSpec(graph, boxes, spec);
  if (opts.method === "ibp") return { lower: ibp2.lower, upper: ibp2.upper, ibp: ibp2 };
  let lower = backwardFrom(graph, L - 1, spec, "lower", boxes, outBox);
  let upper = opts.upper ? backwardFrom(graph, L - 1, spec, "upper", boxes, outBox) : null;
  if (intersect) {
    lower = tf.maximum(lower, ibp2.lower);
    if (upper) upper = tf.minimum(upper, ibp2.upper);
  }
  return { lower, upper, ibp: ibp2 };
}
function conv2dOutSide(side, k, stride, pad) {
  return pad === "same" ? Math.ceil(side / stride) : Math.floor((side - k) / stride) + 1;
}
function conv2dOp(weight, bias, stride, pad, inShape) {
  const [kh, kw, ci, co] = weight.shape;
  if (weight.rank !== 4 || inShape.length !== 3 || inShape[2] !== ci) {
    throw new LabError("shape_mismatch", `A convolution with weight [${weight.shape}] cannot take inputs of shape [${inShape}].`);
  }
  const [h, w] = inShape;
  const oh = conv2dOutSide(h, kh, stride, pad);
  const ow = conv2dOutSide(w, kw, stride, pad);
  const W = weight;
  const b = bias;
  const conv = (x, f) => tf.conv2d(x, f, stride, pad);
  return {
    kind: "conv2d",
    inShape,
    outShape: [oh, ow, co],
    affine: true,
    mixing: true,
    forward(x) {
      const y = conv(x, W);
      return b ? tf.add(y, b) : y;
    },
    ibp(box) {
      const { c, r } = centerRadius(box);
      const c2 = conv(c, W);
      return fromCenterRadius(b ? tf.add(c2, b) : c2, conv(r, tf.abs(W)));
    },
    backward(A) {
      const [n, s] = A.shape;
      const A4 = tf.reshape(A, [n * s, oh, ow, co]);
      const back = tf.conv2dTranspose(A4, W, [n * s, h, w, ci], stride, pad);
      const constant = b ? tf.sum(tf.mul(tf.sum(tf.reshape(A, [n, s, oh * ow, co]), 2), b), -1) : null;
      return { A: tf.reshape(back, [n, s, h, w, ci]), bias: constant };
    }
  };
}
function avgpoolOp(size2, stride, inShape) {
  if (inShape.length !== 3) throw new LabError("shape_mismatch", `Average pooling expects images [H, W, C], got [${inShape}].`);
  const [h, w, c] = inShape;
  const oh = conv2dOutSide(h, size2, stride, "valid");
  const ow = conv2dOutSide(w, size2, stride, "valid");
  const pool = (x) => tf.avgPool(x, size2, stride, "valid");
  return {
    kind: "avgpool",
    inShape,
    outShape: [oh, ow, c],
    affine: true,
    mixing: true,
    forward: pool,
    ibp: (box) => ({ lower: pool(box.lower), upper: pool(box.upper) }),
    backward(A) {
      const [n, s] = A.shape;
      const eye = tf.mul(tf.eye(c), 1 / (size2 * size2));
      const filter = tf.tile(tf.reshape(eye, [1, 1, c, c]), [size2, size2, 1, 1]);
      const back = tf.conv2dTranspose(tf.reshape(A, [n * s, oh, ow, c]), filter, [n * s, h, w, c], stride, "valid");
      return { A: tf.reshape(back, [n, s, h, w, c]), bias: null };
    }
  };
}
function batchnormOp(p, inShape) {
  const ch = inShape[inShape.length - 1];
  if (p.mean.size !== ch || p.variance.size !== ch) {
    throw new LabError("shape_mismatch", `Batch norm statistics have ${p.mean.size} channels but the input [${inShape}] has ${ch}.`);
  }
  const scaleOf = () => {
    const inv = tf.rsqrt(tf.add(p.variance, p.eps));
    return p.weight ? tf.mul(p.weight, inv) : inv;
  };
  const shiftOf = (s) => {
    const t = tf.neg(tf.mul(p.mean, s));
    return p.bias ? tf.add(p.bias, t) : t;
  };
  return {
    kind: "batchnorm",
    inShape,
    outShape: inShape,
    affine: true,
    mixing: false,
    forward(x) {
      const s = scaleOf();
      return tf.add(tf.mul(x, s), shiftOf(s));
    },
    ibp(box) {
      const s = scaleOf();
      const { c, r } = centerRadius(box);
      return fromCenterRadius(tf.add(tf.mul(c, s), shiftOf(s)), tf.mul(r, tf.abs(s)));
    },
    backward(A) {
      const s = scaleOf();
      return { A: tf.mul(A, s), bias: sumFeatures(tf.mul(A, shiftOf(s))) };
    }
  };
}
function flattenChwOp(inShape) {
  if (inShape.length !== 3 && inShape.length !== 1) {
    throw new LabError("shape_mismatch", `Flatten expects images [H, W, C], got [${inShape}].`);
  }
  if (inShape.length === 1) {
    return { kind: "flatten-chw", inShape, outShape: inShape, affine: true, mixing: false, forward: (x) => x, ibp: (b) => b, backward: (A) => ({ A, bias: null }) };
  }
  const [h, w, c] = inShape;
  const f = (x) => {
    const n = x.shape[0];
    return tf.reshape(c === 1 ? x : tf.transpose(x, [0, 3, 1, 2]), [n, c * h * w]);
  };
  return {
    kind: "flatten-chw",
    inShape,
    outShape: [c * h * w],
    affine: true,
    mixing: false,
    forward: f,
    ibp: (box) => ({ lower: f(box.lower), upper: f(box.upper) }),
    backward(A) {
      const [n, s] = A.shape;
      const chw = tf.reshape(A, [n * s, c, h, w]);
      const hwc = c === 1 ? chw : tf.transpose(chw, [0, 2, 3, 1]);
      return { A: tf.reshape(hwc, [n, s, h, w, c]), bias: null };
    }
  };
}
function linearOp(weight, bias, inShape) {
  if (weight.rank !== 2 || inShape.length !== 1 || inShape[0] !== weight.shape[0]) {
    throw new LabError("shape_mismatch", `A linear layer with weight [${weight.shape}] cannot take inputs of shape [${inShape}]; flatten first.`);
  }
  const W = weight;
  const b = bias;
  const out = W.shape[1];
  return {
    kind: "linear",
    inShape,
    outShape: [out],
    affine: true,
    mixing: true,
    weight: W,
    bias: b,
    forward(x) {
      const y = tf.matMul(x, W);
      return b ? tf.add(y, b) : y;
    },
    ibp(box) {
      const { c, r } = centerRadius(box);
      const c2 = tf.matMul(c, W);
      return fromCenterRadius(b ? tf.add(c2, b) : c2, tf.matMul(r, tf.abs(W)));
    },
    backward(A) {
      const [n, s] = A.shape;
      const A2 = tf.matMul(tf.reshape(A, [n * s, out]), W, false, true);
      return { A: tf.reshape(A2, [n, s, W.shape[0]]), bias: b ? tf.sum(tf.mul(A, b), -1) : null };
    }
  };
}
function selection(box, size2, oh, ow) {
  const [n, h, w, c] = box.lower.shape;
  const l = box.lower.dataSync();
  const u = box.upper.dataSync();
  const mask = new Float32Array(n * h * w * c);
  const dom = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -1;
          let bestL = -Infinity;
          for (let a = 0; a < size2; a++) {
            for (let d = 0; d < size2; d++) {
              const idx = ((b * h + i * size2 + a) * w + j * size2 + d) * c + ch;
              if (l[idx] > bestL) {
                bestL = l[idx];
                best = idx;
              }
            }
          }
          let otherU = -Infinity;
          for (let a = 0; a < size2; a++) {
            for (let d = 0; d < size2; d++) {
              const idx = ((b * h + i * size2 + a) * w + j * size2 + d) * c + ch;
              if (idx !== best && u[idx] > otherU) otherU = u[idx];
            }
          }
          mask[best] = 1;
          dom[((b * oh + i) * ow + j) * c + ch] = bestL >= otherU ? 1 : 0;
        }
      }
    }
  }
  return { mask: tf.tensor(mask, [n, h, w, c]), dominant: tf.tensor(dom, [n, oh, ow, c]) };
}
function upsample(t, k) {
  const [b, oh, ow, c] = t.shape;
  const cols = tf.reshape(tf.tile(tf.reshape(t, [b * oh, ow, 1, c]), [1, 1, k, 1]), [b, oh, 1, ow * k * c]);
  return tf.reshape(tf.tile(cols, [1, 1, k, 1]), [b, oh * k, ow * k, c]);
}
function maxpoolOp(size2, stride, inShape) {
  if (inShape.length !== 3) throw new LabError("shape_mismatch", `Max pooling expects images [H, W, C], got [${inShape}].`);
  const [h, w, c] = inShape;
  const oh = conv2dOutSide(h, size2, stride, "valid");
  const ow = conv2dOutSide(w, size2, stride, "valid");
  const pool = (x) => tf.maxPool(x, size2, stride, "valid");
  return {
    kind: "maxpool",
    inShape,
    outShape: [oh, ow, c],
    affine: false,
    mixing: false,
    forward: pool,
    ibp: (box) => ({ lower: pool(box.lower), upper: pool(box.upper) }),
    backward(A, mode, inBox) {
      if (stride !== size2) return null;
      const [n, s] = A.shape;
      const { mask, dominant } = selection(inBox, size2, oh, ow);
      const maxU = perRow(pool(inBox.upper));
      const dom = perRow(dominant);
      const Apos = tf.relu(A);
      const Aneg = tf.sub(A, Apos);
      const onChosen = mode === "lower" ? tf.add(Apos, tf.mul(Aneg, dom)) : tf.add(Aneg, tf.mul(Apos, dom));
      const onConst = tf.mul(mode === "lower" ? Aneg : Apos, tf.sub(1, dom));
      const bias = sumFeatures(tf.mul(onConst, maxU));
      let spread = upsample(tf.reshape(onChosen, [n * s, oh, ow, c]), size2);
      if (oh * size2 !== h || ow * size2 !== w) spread = tf.pad(spread, [[0, 0], [0, h - oh * size2], [0, w - ow * size2], [0, 0]]);
      const back = tf.mul(tf.reshape(spread, [n, s, h, w, c]), perRow(mask));
      return { A: back, bias };
    }
  };
}
function reluOp(inShape) {
  return {
    kind: "relu",
    inShape,
    outShape: inShape,
    affine: false,
    mixing: false,
    forward: (x) => tf.relu(x),
    ibp: (box) => ({ lower: tf.relu(box.lower), upper: tf.relu(box.upper) }),
    backward(A, mode, inBox) {
      const { lower: l, upper: u } = inBox;
      const active = positive(l);
      const alive = positive(u);
      const unstable = tf.mul(alive, tf.sub(1, active));
      const den = tf.add(tf.mul(unstable, tf.sub(u, l)), tf.sub(1, unstable));
      const slopeU = tf.add(active, tf.mul(unstable, tf.div(u, den)));
      const interceptU = tf.mul(unstable, tf.neg(tf.div(tf.mul(u, l), den)));
      const alpha = positive(tf.add(u, l));
      const slopeL = tf.add(active, tf.mul(unstable, alpha));
      const Apos = tf.relu(A);
      const Aneg = tf.sub(A, Apos);
      const dU = perRow(slopeU);
      const dL = perRow(slopeL);
      const bU = perRow(interceptU);
      if (mode === "lower") {
        return { A: tf.add(tf.mul(Apos, dL), tf.mul(Aneg, dU)), bias: sumFeatures(tf.mul(Aneg, bU)) };
      }
      return { A: tf.add(tf.mul(Apos, dU), tf.mul(Aneg, dL)), bias: sumFeatures(tf.mul(Apos, bU)) };
    }
  };
}
const OPERATORS = {
  linear: (l, p, s) => linearOp(p(l.weight), p(l.bias), s),
  conv2d: (l, p, s) => conv2dOp(p(l.weight), p(l.bias), l.stride, l.pad, s),
  relu: (_l, _p, s) => reluOp(s),
  maxpool: (l, _p, s) => maxpoolOp(l.size, l.stride, s),
  avgpool: (l, _p, s) => avgpoolOp(l.size, l.stride, s),
  "flatten-chw": (_l, _p, s) => flattenChwOp(s),
  batchnorm: (l, p, s) => batchnormOp({ weight: p(l.weight), bias: p(l.bias), mean: p(l.runningMean), variance: p(l.runningVar), eps: l.eps }, s)
};
function makeOperator(layer, param, inShape) {
  const make = OPERATORS[layer.op];
  if (!make) throw new LabError("bad_input", `Bound propagation has no operator for layer "${layer.op}".`);
  return make(layer, param, inShape);
}
class BoundGraph {
  constructor(ops, inShape) {
    this.ops = ops;
    this.inShape = inShape;
  }
  ops;
  inShape;
  static fromLayers(layers, params, input) {
    const get = (name) => {
      if (name === void 0) return null;
      const t = params instanceof Map ? params.get(name) : params[name];
      if (!t) throw new LabError("shape_mismatch", `The layer list names a parameter "${name}" that the model does not have.`);
      return t;
    };
    let shape = [input.height, input.width, input.channels];
    const ops = [];
    for (const layer of layers) {
      const op = makeOperator(layer, get, shape);
      ops.push(op);
      shape = op.outShape;
    }
    if (ops.length === 0) throw new LabError("bad_input", "The layer list is empty.");
    return new BoundGraph(ops, [input.height, input.width, input.channels]);
  }
  /** The graph of a model, or a LabError if its architecture has no layer-graph view. */
  static fromModel(model) {
    if (!model.arch.layers) {
      throw new LabError(
        "bad_input",
        `The ${model.archName} architecture has no layer list, so its bounds cannot be computed; certify an mlp, mnist-cnn or cnn-bn model.`
      );
    }
    return BoundGraph.fromLayers(model.arch.layers(model.input, model.numClasses), model.tensorsByName(), model.input);
  }
  get outShape() {
    return this.ops[this.ops.length - 1].outShape;
  }
  /** The plain forward pass through the operators (equals the architecture's forward). */
  forward(x) {
    return tf.tidy(() => this.ops.reduce((h, op) => op.forward(h), x));
  }
}
function graphOf(model) {
  if (!model.arch.layers) {
    throw new LabError("bad_input", `Certified training needs an architecture with a layer list; ${model.archName} has none. Choose mlp or mnist-cnn.`);
  }
  return BoundGraph.fromModel(model);
}
function marginBounds(model, x, y, eps, crownIbp2) {
  const b = computeBounds(graphOf(model), inputBox(x, eps), marginSpec(y, model.numClasses), { method: crownIbp2 ? "crown-ibp" : "ibp", intersectIbp: false });
  return { ibp: b.ibp.lower, crownIbp: crownIbp2 ? b.lower : null };
}
function robustCe(marginLower, y) {
  return tf.mean(ce(worstCaseLogits(marginLower), y));
}
function certifiedFraction(marginLower, y, numClasses) {
  return tf.mean(tf.step(minMargin(marginLower, y, numClasses), 0));
}
function stackPair(x, xAdv) {
  const out = tf.concat([x, xAdv], 0);
  xAdv.dispose();
  return out;
}
function splitPair(logits) {
  const n = logits.shape[0] / 2;
  return [tf.slice(logits, [0, 0], [n, -1]), tf.slice(logits, [n, 0], [n, -1])];
}
const ccIbp = {
  entry: {
    name: "cc-ibp",
    title: "Certified training with CC-IBP (adversarial + IBP mix)",
    description: "Mixes an adversarial attack with interval bounds (De Palma et al.): alpha near 0 behaves like adversarial training (better clean and empirical robust accuracy, little is certified), alpha near 1 like IBP training (more certified, less clean accuracy). About 3× the time of standard training.",
    params: [
      epsParam(0.1, "The radius to defend and certify; training ramps up to it."),
      ...rampParams(),
      {
        key: "alpha",
        label: "Alpha (IBP share)",
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        default: 0.5,
        help: "Weight of the IBP worst case against the adversarial one: 0 = adversarial training, 1 = IBP training."
      },
      {
        key: "combine",
        label: "Combine",
        type: "enum",
        default: "logits",
        options: [
          { value: "logits", label: "Logits (CC-IBP)" },
          { value: "losses", label: "Losses (MTL-IBP)" }
        ],
        help: "Mix the two worst cases before the loss (CC-IBP) or mix their losses (MTL-IBP).",
        advanced: true
      },
      {
        key: "attackSteps",
        label: "Attack steps",
        type: "integer",
        min: 1,
        max: 100,
        default: 1,
        help: "Steps of the attack that finds the adversarial point; 1 (a step to a corner of the box from a random start) is what the paper uses.",
        advanced: true
      }
    ]
  },
  needsLayers: true,
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    const eps = p.eps * rampFraction(p, ctx);
    const xAdv = linfAdversary(model, x, y, { eps, steps: p.attackSteps, stepSize: 0, start: "uniform", rng: ctx.rng });
    return stackPair(x, xAdv);
  },
  loss(model, pair, y, p, ctx) {
    const f = rampFraction(p, ctx);
    const eps = p.eps * f;
    const alpha = p.alpha;
    const n = pair.shape[0] / 2;
    const x = tf.slice(pair, [0, 0, 0, 0], [n, -1, -1, -1]);
    const [clean, adv] = splitPair(model.forward(pair, { training: true }));
    const lb = marginBounds(model, x, y, eps, false).ibp;
    const worst = worstCaseLogits(lb);
    let loss;
    if (p.combine === "losses") {
      loss = tf.add(tf.mul(tf.mean(ce(adv, y)), 1 - alpha), tf.mul(tf.mean(ce(worst, y)), alpha));
    } else {
      const advY = tf.sum(tf.mul(adv, oneHot(y, adv.shape[1])), -1, true);
      const mixed = tf.add(tf.mul(tf.sub(adv, advY), 1 - alpha), tf.mul(worst, alpha));
      loss = tf.mean(ce(mixed, y));
    }
    return {
      loss,
      logits: clean,
      metrics: { eps: tf.scalar(eps), adv_accuracy: batchAccuracy(adv, y), certified_accuracy: certifiedFraction(lb, y, model.numClasses) }
    };
  }
};
const crownIbp = {
  entry: {
    name: "crown-ibp",
    title: "Certified training with CROWN-IBP",
    description: "Like IBP certified training, but the worst case is bounded with tighter linear bounds (CROWN) early on, which makes training more stable and usually gives better certified accuracy at small and medium eps (Zhang et al.). About 2× slower than IBP training; mlp recommended.",
    params: [
      epsParam(0.1, "The radius to certify, on the 0–1 pixel scale; training ramps up to it."),
      ...rampParams(),
      {
        key: "kappaEnd",
        label: "Final kappa",
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        default: 0,
        help: "Weight of the clean loss at the end of the ramp (it starts at 1)."
      },
      {
        key: "betaStart",
        label: "Start beta",
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        default: 1,
        help: "Share of the CROWN-IBP bound (vs. the IBP bound) at the start of the ramp.",
        advanced: true
      },
      {
        key: "betaEnd",
        label: "Final beta",
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        default: 0,
        help: "Share of the CROWN-IBP bound at the end of the ramp (0: pure IBP, which is what is usually certified).",
        advanced: true
      }
    ]
  },
  needsLayers: true,
  monitorEps: (p) => p.eps,
  loss(model, x, y, p, ctx) {
    const f = rampFraction(p, ctx);
    const eps = p.eps * f;
    const kappa = 1 - (1 - p.kappaEnd) * f;
    const beta2 = p.betaStart + (p.betaEnd - p.betaStart) * f;
    const logits = model.forward(x, { training: true });
    const clean = tf.mean(ce(logits, y));
    const metrics = { eps: tf.scalar(eps), kappa: tf.scalar(kappa), beta: tf.scalar(beta2) };
    if (kappa >= 1) return { loss: clean, logits, metrics };
    const b = marginBounds(model, x, y, eps, beta2 > 0);
    const lb = b.crownIbp ? tf.add(tf.mul(b.crownIbp, beta2), tf.mul(b.ibp, 1 - beta2)) : b.ibp;
    const robust = robustCe(lb, y);
    metrics.robust_loss = robust;
    metrics.certified_accuracy = certifiedFraction(b.ibp, y, model.numClasses);
    return { loss: tf.add(tf.mul(clean, kappa), tf.mul(robust, 1 - kappa)), logits, metrics };
  }
};
function dafaWeights(P, lambda) {
  const k = P.length;
  return P.map((_, i) => {
    let s = 0;
    for (let j = 0; j < k; j++) if (j !== i) s += P[i][j] - P[j][i];
    return Math.min(5, Math.max(0.2, 1 + lambda * s));
  });
}
function classWeights(ctx, lambda, warmup) {
  const st = ctx.state;
  if (ctx.epoch <= warmup) return null;
  if (!st.weights) {
    const k = ctx.numClasses;
    const P = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_2, j) => st.counts?.[i] ? st.sums[i][j] / st.counts[i] : i === j ? 1 : 0));
    st.weights = dafaWeights(P, lambda);
    delete st.sums;
    delete st.counts;
  }
  return st.weights;
}
const dafa = {
  entry: {
    name: "dafa",
    title: "Class-aware adversarial training (DAFA-style, robust fairness)",
    description: "Adversarial training that, after a warm-up, gives classes that are easily confused with similar classes a larger loss weight and a larger training radius (simplified DAFA). Raises the worst class’s robust accuracy at little cost in average robust accuracy; same time as PGD-AT.",
    params: [
      epsParam(),
      { key: "lambda", label: "Lambda (reweighting strength)", type: "number", min: 0, max: 10, step: 0.1, default: 1, help: "How strongly class weights and radii follow the class confusions; 0 is plain PGD-AT." },
      { key: "warmupEpochs", label: "Warm-up epochs", type: "integer", min: 1, max: 1e3, default: 1, help: "Epochs of plain PGD-AT used to measure which classes are confused before the weights are set." },
      stepsParam(10),
      stepSizeParam(),
      randomStartParam()
    ]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    const eps = p.eps;
    const weights = classWeights(ctx, p.lambda, p.warmupEpochs);
    const labels = y.dataSync();
    let scale;
    if (weights) {
      scale = new Float32Array(labels.length);
      for (let i = 0; i < labels.length; i++) scale[i] = eps > 0 ? Math.min(weights[labels[i]], 1 / eps) : 1;
    }
    const xAdv = linfAdversary(model, x, y, {
      eps,
      steps: p.steps,
      stepSize: p.stepSize,
      start: p.randomStart ? "uniform" : "none",
      rng: ctx.rng,
      scale
    });
    if (ctx.epoch === p.warmupEpochs) {
      const st = ctx.state;
      const k = ctx.numClasses;
      st.sums ??= Array.from({ length: k }, () => new Array(k).fill(0));
      st.counts ??= new Array(k).fill(0);
      const probs2 = tf.tidy(() => tf.softmax(model.forward(xAdv, { training: false })));
      const pv = probs2.dataSync();
      probs2.dispose();
      for (let i = 0; i < labels.length; i++) {
        st.counts[labels[i]]++;
        for (let j = 0; j < k; j++) st.sums[labels[i]][j] += pv[i * k + j];
      }
    }
    return xAdv;
  },
  loss(model, xAdv, y, p, ctx) {
    const logits = model.forward(xAdv, { training: true });
    const weights = ctx.state.weights;
    const per = ce(logits, y);
    const metrics = { adv_accuracy: batchAccuracy(logits, y) };
    if (!weights || ctx.epoch <= p.warmupEpochs) return { loss: tf.mean(per), logits, metrics };
    const w = tf.gather(tf.tensor1d(weights), tf.cast(y, "int32"));
    metrics.max_class_weight = tf.scalar(Math.max(...weights));
    return { loss: tf.mean(tf.mul(per, w)), logits, metrics };
  }
};
const erm = {
  entry: {
    name: "erm",
    title: "Standard training (cross-entropy)",
    description: "Minimizes the average cross-entropy on the training images. Highest clean accuracy for the time spent, but no protection against attacks or label noise.",
    params: []
  },
  shardable: "cross-entropy",
  loss(model, x, y) {
    const logits = model.forward(x, { training: true });
    return { loss: crossEntropy(logits, y, "mean"), logits };
  }
};
const fgsmRs = {
  entry: {
    name: "fgsm-rs",
    title: "Fast adversarial training (FGSM with random start)",
    description: 'Adversarial training with a single attack step from a random start (Wong et al.). About 2× the time of standard training instead of 11× for PGD-AT, with most of its robustness; at large eps it can suddenly lose all robustness ("catastrophic overfitting"), so check the PGD accuracy.',
    params: [
      epsParam(),
      {
        key: "alphaFactor",
        label: "Step size (× eps)",
        type: "number",
        min: 0.1,
        max: 4,
        step: 0.05,
        default: 1.25,
        help: "The FGSM step as a multiple of eps; Wong et al. recommend 1.25. Larger steps tend to overfit catastrophically.",
        advanced: true
      }
    ]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    const eps = p.eps;
    return linfAdversary(model, x, y, { eps, steps: 1, stepSize: p.alphaFactor * eps, start: "uniform", rng: ctx.rng });
  },
  loss(model, xAdv, y) {
    const logits = model.forward(xAdv, { training: true });
    return { loss: tf.mean(ce(logits, y)), logits, metrics: { adv_accuracy: batchAccuracy(logits, y) } };
  }
};
const gce = lossMethod(
  {
    name: "gce",
    title: "Generalized cross-entropy (GCE, for noisy labels)",
    description: `Loss (1 − p_y^q)/q, between cross-entropy (q → 0) and mean absolute error (q = 1), which gives wrong labels less pull. ${NOISY_TRADE}`,
    params: [
      {
        key: "q",
        label: "q",
        type: "number",
        min: 0.01,
        max: 1,
        step: 0.05,
        default: 0.7,
        help: "Closer to 1 ignores wrong labels more but learns slower; closer to 0 behaves like cross-entropy. 0.7 is the usual value."
      }
    ]
  },
  (logits, y, p) => gceLoss(logits, y, p.q)
);
const ITEM = String.raw`\s*\d+(\s*-\s*\d+)?\s*`;
const GROUP = `${ITEM}(,${ITEM})*`;
const GROUPS_PATTERN = `^(\\s*|${GROUP}(;${GROUP})*)$`;
function parseGroups(text, numClasses) {
  const groupOf = new Int32Array(numClasses).fill(-1);
  if (!text.trim()) return { groupOf: Int32Array.from({ length: numClasses }, (_, i) => i), count: numClasses };
  const parts = text.split(";");
  parts.forEach((part, g) => {
    for (const item of part.split(",")) {
      const [a, b] = item.split("-").map((s) => Number(s.trim()));
      const hi = b === void 0 ? a : b;
      if (!(a <= hi)) throw new LabError("bad_input", `Group DRO: the range "${item.trim()}" is empty; write low-high.`);
      for (let c = a; c <= hi; c++) {
        if (c >= numClasses) throw new LabError("bad_input", `Group DRO: class ${c} does not exist (the classes are 0 to ${numClasses - 1}).`);
        if (groupOf[c] !== -1) throw new LabError("bad_input", `Group DRO: class ${c} is in two groups; put each class in one group.`);
        groupOf[c] = g;
      }
    }
  });
  let count = parts.length;
  if (groupOf.some((g) => g === -1)) {
    for (let c = 0; c < numClasses; c++) if (groupOf[c] === -1) groupOf[c] = count;
    count++;
  }
  return { groupOf, count };
}
function updateGroupWeights(q, groupLoss, present, eta) {
  const next = q.map((w, g) => present[g] > 0 ? w * Math.exp(eta * groupLoss[g]) : w);
  const s = next.reduce((a, b) => a + b, 0);
  return next.map((w) => w / s);
}
function groupsOf(p, numClasses) {
  return parseGroups(String(p.groups ?? ""), numClasses);
}
const groupDro = {
  entry: {
    name: "group-dro",
    title: "Group DRO (worst-group training)",
    description: "Minimizes the loss of the worst class (or the worst of your groups of classes) instead of the average, by giving groups that do badly more and more weight. Raises the worst group’s accuracy, usually at some cost in average accuracy; same time as standard training.",
    params: [
      {
        key: "eta",
        label: "Eta (group weight step)",
        type: "number",
        min: 0,
        max: 10,
        step: 1e-3,
        default: 0.01,
        help: "How fast weight moves to the worst group; 0 keeps equal weights (plain class-balanced loss)."
      },
      {
        key: "groups",
        label: "Groups",
        type: "string",
        default: "",
        pattern: GROUPS_PATTERN,
        help: 'Empty: every class is its own group. Or groups of class numbers separated by semicolons, e.g. "0,6,8;3,5;1-2" (classes not listed form one more group).'
      }
    ]
  },
  check(p) {
    if (String(p.groups ?? "").trim()) parseGroups(String(p.groups), 1e5);
  },
  loss(model, x, y, p, ctx) {
    const { groupOf, count } = groupsOf(p, ctx.numClasses);
    const logits = model.forward(x, { training: true });
    const per = ce(logits, y);
    const gidx = tf.gather(tf.tensor1d(groupOf, "int32"), tf.cast(y, "int32"));
    const gmask = oneHot(gidx, count);
    const counts = tf.sum(gmask, 0);
    const groupLoss = tf.div(tf.sum(tf.mul(gmask, tf.expandDims(per, 1)), 0), tf.maximum(counts, 1));
    let q = ctx.state.q;
    if (!q || q.length !== count) q = new Array(count).fill(1 / count);
    const gl = groupLoss.dataSync();
    const present = counts.dataSync();
    q = updateGroupWeights(q, gl, present, p.eta);
    ctx.state.q = q;
    let worst = 0;
    for (let g = 0; g < count; g++) if (present[g] > 0) worst = Math.max(worst, gl[g]);
    return {
      loss: tf.sum(tf.mul(tf.tensor1d(q), groupLoss)),
      logits,
      metrics: { worst_group_loss: tf.scalar(worst), max_group_weight: tf.scalar(Math.max(...q)) }
    };
  }
};
const ibp = {
  entry: {
    name: "ibp",
    title: "Certified training with IBP (interval bounds)",
    description: "Trains the model so that interval bounds can prove it robust: the loss mixes the usual loss with the loss of the worst-case output over the whole eps-box (Gowal et al.). Gives certified accuracy where other methods give ~0, at a large cost in clean accuracy; about 2–3× the time of standard training. Works with mlp and mnist-cnn.",
    params: [
      epsParam(0.1, "The radius to certify, on the 0–1 pixel scale; training ramps up to it."),
      ...rampParams(),
      {
        key: "kappaEnd",
        label: "Final kappa",
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        default: 0.5,
        help: "Weight of the clean loss at the end of the ramp (it starts at 1). Lower values give more certified and less clean accuracy."
      }
    ]
  },
  needsLayers: true,
  monitorEps: (p) => p.eps,
  loss(model, x, y, p, ctx) {
    const f = rampFraction(p, ctx);
    const eps = p.eps * f;
    const kappa = 1 - (1 - p.kappaEnd) * f;
    const logits = model.forward(x, { training: true });
    const clean = tf.mean(ce(logits, y));
    const metrics = { eps: tf.scalar(eps), kappa: tf.scalar(kappa) };
    if (kappa >= 1) return { loss: clean, logits, metrics };
    const lb = marginBounds(model, x, y, eps, false).ibp;
    const robust = robustCe(lb, y);
    metrics.robust_loss = robust;
    metrics.certified_accuracy = certifiedFraction(lb, y, model.numClasses);
    return { loss: tf.add(tf.mul(clean, kappa), tf.mul(robust, 1 - kappa)), logits, metrics };
  }
};
const labelSmoothing = lossMethod(
  {
    name: "label-smoothing",
    title: "Label smoothing",
    description: "Trains toward a softened label (most weight on the given class, a little on every class) instead of a hard one. Better-calibrated confidence and a little tolerance to wrong labels at about the same clean accuracy; same time as standard training.",
    params: [
      { key: "smoothing", label: "Smoothing", type: "number", min: 0, max: 0.99, step: 0.01, default: 0.1, help: "Share of the target spread evenly over all classes; 0 is cross-entropy, 0.1 is usual." }
    ]
  },
  (logits, y, p) => labelSmoothingLoss(logits, y, p.smoothing)
);
const logitClip = lossMethod(
  {
    name: "logit-clip",
    title: "Logit clipping (for noisy labels)",
    description: `Cross-entropy on outputs whose size is capped, so the model cannot become overconfident on (possibly wrong) training labels. ${NOISY_TRADE}`,
    params: [
      { key: "tau", label: "Tau", type: "number", min: 0.01, max: 10, step: 0.05, default: 0.5, help: "The output vector is scaled down to length at most 1/tau: larger tau caps harder (more tolerance to wrong labels, less confident predictions)." }
    ]
  },
  (logits, y, p) => logitClipLoss(logits, y, p.tau)
);
function martLoss(clean, adv, y, lambda) {
  const k = adv.shape[1];
  const pAdv = tf.softmax(adv);
  const mask = oneHot(y, k);
  const wrongMax = tf.max(tf.sub(pAdv, tf.mul(mask, 2)), -1);
  const bce = tf.add(ce(adv, y), tf.neg(tf.log(tf.add(tf.sub(1.0001, wrongMax), 1e-12))));
  const pClean = trueProb(tf.softmax(clean), y);
  const kl = tf.mul(klFromLogits(clean, adv), tf.sub(1.0000001, pClean));
  return tf.add(tf.mean(bce), tf.mul(tf.mean(kl), lambda));
}
const mart = {
  entry: {
    name: "mart",
    title: "MART (misclassification-aware adversarial training)",
    description: "Adversarial training that pushes harder on the images the model still gets wrong (Wang et al.): a boosted loss on the attacked images plus a stability penalty weighted toward misclassified ones. Usually a little more robust than PGD-AT at a similar clean-accuracy cost; same time cost as PGD-AT.",
    params: [
      {
        key: "lambda",
        label: "Lambda (stability weight)",
        type: "number",
        min: 0,
        max: 100,
        step: 0.5,
        default: 5,
        help: "Weight of the KL stability penalty (5–6 in the paper). 0 keeps only the boosted loss on attacked images."
      },
      epsParam(),
      stepsParam(10),
      stepSizeParam(),
      randomStartParam()
    ]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    const xAdv = linfAdversary(model, x, y, {
      eps: p.eps,
      steps: p.steps,
      stepSize: p.stepSize,
      start: p.randomStart ? "uniform" : "none",
      rng: ctx.rng
    });
    return stackPair(x, xAdv);
  },
  loss(model, pair, y, p) {
    const [clean, adv] = splitPair(model.forward(pair, { training: true }));
    return { loss: martLoss(clean, adv, y, p.lambda), logits: adv, metrics: { adv_accuracy: batchAccuracy(adv, y), clean_accuracy: batchAccuracy(clean, y) } };
  }
};
function gamma(rng, shape) {
  if (shape < 1) {
    const u = 1 - rng.next();
    return gamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (; ; ) {
    let z2;
    let v;
    do {
      z2 = rng.normal();
      v = 1 + c * z2;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * z2 * z2 + d - d * v + d * Math.log(v)) return d * v;
  }
}
function beta(rng, a, b) {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}
function mixupDraw(rng, n, alpha) {
  const r = rng.fork("mixup");
  const lambda = alpha > 0 ? beta(r, alpha, alpha) : 1;
  return { lambda, perm: r.permutation(n) };
}
function draw(n, alpha, ctx) {
  return mixupDraw(ctx.rng, n, alpha);
}
const mixup = {
  entry: {
    name: "mixup",
    title: "Mixup",
    description: "Trains on blends of two images with the matching blend of their labels. A cheap regularizer: smoother predictions, better calibration, some tolerance to label noise and corruptions, often similar clean accuracy; same time as standard training. No adversarial robustness by itself.",
    params: [
      {
        key: "alpha",
        label: "Alpha",
        type: "number",
        min: 0,
        max: 10,
        step: 0.1,
        default: 0.4,
        help: "Shape of the Beta(alpha, alpha) distribution of the blend weight: small values mostly keep one image, 1 blends uniformly. 0 is standard training."
      }
    ]
  },
  async prepare(_model, x, _y, p, ctx) {
    const { lambda, perm } = draw(x.shape[0], p.alpha, ctx);
    return tf.tidy(() => tf.add(tf.mul(x, lambda), tf.mul(tf.gather(x, tf.tensor1d(perm, "int32")), 1 - lambda)));
  },
  loss(model, xMix, y, p, ctx) {
    const { lambda, perm } = draw(xMix.shape[0], p.alpha, ctx);
    const logits = model.forward(xMix, { training: true });
    const yPerm = tf.gather(y, tf.tensor1d(perm, "int32"));
    const loss = tf.add(tf.mul(tf.mean(ce(logits, y)), lambda), tf.mul(tf.mean(ce(logits, yPerm)), 1 - lambda));
    return { loss, logits, metrics: { lambda: tf.scalar(lambda) } };
  }
};
const nceMae = lossMethod(
  {
    name: "nce-mae",
    title: "NCE + MAE (active-passive loss, for noisy labels)",
    description: `Normalized cross-entropy plus mean absolute error (1 − p_y); both are provably robust to wrong labels. ${NOISY_TRADE}`,
    params: [
      { key: "alpha", label: "Alpha (NCE weight)", type: "number", min: 0, max: 100, step: 0.1, default: 1, help: "Weight of the normalized cross-entropy; 1 in the paper." },
      { key: "beta", label: "Beta (MAE weight)", type: "number", min: 0, max: 100, step: 0.1, default: 1, help: "Weight of the mean absolute error; 1 for CIFAR-10, up to 10 for MNIST in the authors’ settings." }
    ]
  },
  (logits, y, p) => tf.add(tf.mul(nceLoss(logits, y), p.alpha), tf.mul(maeLoss(logits, y), p.beta))
);
const nceRce = lossMethod(
  {
    name: "nce-rce",
    title: "NCE + RCE (active-passive loss, for noisy labels)",
    description: `Normalized cross-entropy (the "active" part, which pulls toward the label) plus reverse cross-entropy (the "passive" part, which pushes other classes down); both are provably robust to wrong labels. ${NOISY_TRADE}`,
    params: [
      { key: "alpha", label: "Alpha (NCE weight)", type: "number", min: 0, max: 100, step: 0.1, default: 1, help: "Weight of the normalized cross-entropy; 1 in the paper." },
      { key: "beta", label: "Beta (RCE weight)", type: "number", min: 0, max: 100, step: 0.1, default: 1, help: "Weight of the reverse cross-entropy; 1 for CIFAR-10, up to 10 for MNIST in the authors’ settings." }
    ]
  },
  (logits, y, p) => tf.add(tf.mul(nceLoss(logits, y), p.alpha), tf.mul(rceLoss(logits, y), p.beta))
);
const poly = lossMethod(
  {
    name: "poly",
    title: "Poly-1 loss",
    description: "Cross-entropy plus epsilon × (1 − p_y): a one-parameter adjustment of how hard confident and unconfident examples pull. Positive epsilon helps when training underfits, negative epsilon (toward −1) tolerates label noise a little better. Same time as standard training.",
    params: [
      { key: "epsilon", label: "Epsilon", type: "number", min: -1, max: 10, step: 0.1, default: 1, help: "Weight of the (1 − p_y) term; 0 is cross-entropy, 1 is the paper’s default." }
    ]
  },
  (logits, y, p) => polyLoss(logits, y, p.epsilon)
);
const sam = {
  entry: {
    name: "sam",
    title: "Sharpness-aware minimization (SAM)",
    description: "Looks for weights whose whole neighbourhood has low loss (a flat minimum), which tends to generalize better and to be a little more robust to corruptions and label noise. Each step needs two gradient passes, so about 2× the time of standard training; no adversarial robustness by itself.",
    params: [
      {
        key: "rho",
        label: "Rho (neighbourhood size)",
        type: "number",
        min: 0,
        max: 10,
        step: 0.01,
        default: 0.05,
        help: "How far (in the L2 norm of all weights) the step looks uphill; 0.05 is the usual value, 0 is standard training."
      }
    ]
  },
  perturbWeights(model, lossAt, p) {
    const rho = p.rho;
    if (!(rho > 0)) return null;
    const grads = gradientsAt(model, lossAt);
    const norm = globalNorm(grads);
    const deltas = tf.tidy(() => grads.map((g) => tf.keep(tf.mul(g, rho / (norm + 1e-12)))));
    tf.dispose(grads);
    const restore = moveWeights(model, deltas);
    tf.dispose(deltas);
    return restore;
  },
  loss(model, x, y) {
    const logits = model.forward(x, { training: true });
    return { loss: crossEntropy(logits, y, "mean"), logits };
  }
};
const sce = lossMethod(
  {
    name: "sce",
    title: "Symmetric cross-entropy (SCE, for noisy labels)",
    description: `Cross-entropy plus reverse cross-entropy, which is robust to wrong labels; alpha and beta weigh the two. ${NOISY_TRADE}`,
    params: [
      { key: "alpha", label: "Alpha (CE weight)", type: "number", min: 0, max: 100, step: 0.01, default: 0.1, help: "Weight of the cross-entropy term (fits the data; 0.01–0.1 for digits, 0.1 for CIFAR-10 in the paper)." },
      { key: "beta", label: "Beta (RCE weight)", type: "number", min: 0, max: 100, step: 0.1, default: 1, help: "Weight of the reverse cross-entropy term (robust to wrong labels); 1 in the paper." }
    ]
  },
  (logits, y, p) => sceLoss(logits, y, p.alpha, p.beta)
);
function tradesLoss(clean, adv, y, beta2) {
  return tf.add(tf.mean(ce(clean, y)), tf.mul(tf.mean(klFromLogits(clean, adv)), beta2));
}
const trades = {
  entry: {
    name: "trades",
    title: "TRADES (clean loss + robustness regularizer)",
    description: "Keeps the usual loss on clean images and adds a penalty when the prediction changes under attack (Zhang et al.). Beta sets the trade: higher beta gives more robustness and less clean accuracy. Costs about (steps + 2)× the time of standard training.",
    params: [
      {
        key: "beta",
        label: "Beta (robustness weight)",
        type: "number",
        min: 0,
        max: 100,
        step: 0.5,
        default: 6,
        help: "Weight of the robustness penalty: 0 is standard training; 1–6 is the usual range (6 in the paper for the most robust models)."
      },
      epsParam(),
      stepsParam(10),
      stepSizeParam()
    ]
  },
  monitorEps: (p) => p.eps,
  async prepare(model, x, y, p, ctx) {
    const cleanLogits = tf.tidy(() => detach(model.forward(x, { training: false })));
    try {
      const xAdv = linfAdversary(model, x, y, {
        eps: p.eps,
        steps: p.steps,
        stepSize: p.stepSize,
        start: "small-normal",
        rng: ctx.rng,
        objective: (logits) => tf.sum(klFromLogits(cleanLogits, logits))
      });
      return stackPair(x, xAdv);
    } finally {
      cleanLogits.dispose();
    }
  },
  loss(model, pair, y, p) {
    const [clean, adv] = splitPair(model.forward(pair, { training: true }));
    return { loss: tradesLoss(clean, adv, y, p.beta), logits: clean, metrics: { adv_accuracy: batchAccuracy(adv, y) } };
  }
};
function l2normalize(t) {
  const n = t.shape[0];
  const flat = tf.reshape(t, [n, -1]);
  const scaled = tf.div(flat, tf.add(tf.max(tf.abs(flat), 1, true), 1e-30));
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(scaled), 1, true), 1e-12));
  return tf.reshape(tf.div(scaled, norm), t.shape);
}
const vat = {
  entry: {
    name: "vat",
    title: "Virtual adversarial training (VAT)",
    description: "Penalizes the change of the prediction under the small L2 perturbation that changes it most (found without labels). Smoother decision boundaries and some robustness to small perturbations and noise, with little clean-accuracy cost; about (iterations + 2)× the time of standard training. Not a defense against L∞ attacks at the eps of adversarial training.",
    params: [
      { key: "eps", label: "Epsilon (L2)", type: "number", min: 0, max: 100, step: 0.1, default: 2, unit: "L2 norm of the pixel change", help: "Size of the virtual adversarial perturbation as the L2 norm over the whole image (2 for 28×28 digits in the paper)." },
      { key: "xi", label: "Xi (probe size)", type: "number", min: 1e-6, max: 10, step: 0.01, default: 0.1, help: "Size of the probe step used to find the direction; small but not so small that float32 rounding hides the change.", advanced: true },
      { key: "iterations", label: "Power iterations", type: "integer", min: 1, max: 10, default: 1, help: "Refinements of the direction; 1 is enough in practice.", advanced: true },
      { key: "alpha", label: "Alpha (penalty weight)", type: "number", min: 0, max: 100, step: 0.1, default: 1, help: "Weight of the smoothness penalty; 0 is standard training." }
    ]
  },
  async prepare(model, x, _y, p, ctx) {
    const xi = p.xi;
    const clean = tf.tidy(() => detach(model.forward(x, { training: false })));
    try {
      const xv = tf.tidy(() => {
        let d = l2normalize(tf.tensor(ctx.rng.fillNormal(new Float32Array(x.size)), x.shape));
        const g = tf.grad((r) => tf.sum(klFromLogits(clean, model.forward(tf.add(x, r), { training: false }))));
        for (let i = 0; i < p.iterations; i++) d = l2normalize(g(tf.mul(d, xi)));
        return tf.clipByValue(tf.add(x, tf.mul(d, p.eps)), 0, 1);
      });
      return stackPair(x, xv);
    } finally {
      clean.dispose();
    }
  },
  loss(model, pair, y, p) {
    const [clean, pert] = splitPair(model.forward(pair, { training: true }));
    const penalty = tf.mean(klFromLogits(detach(clean), pert));
    return { loss: tf.add(tf.mean(ce(clean, y)), tf.mul(penalty, p.alpha)), logits: clean, metrics: { vat_penalty: penalty } };
  }
};
const ALL$1 = [
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
  vat
];
const METHODS = Object.fromEntries(ALL$1.map((m) => [m.entry.name, m]));
function listMethods() {
  return ALL$1.map((m) => m.entry);
}
function resolveMethod(name, raw) {
  const method = Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : void 0;
  if (!method) {
    throw new LabError("bad_input", `Unknown training method "${name}"; known methods: ${Object.keys(METHODS).join(", ")}.`);
  }
  const params = parseParams(`method ${name}`, method.entry.params, raw);
  method.check?.(params);
  return { method, params };
}
function checkpointPath(labDir, runId) {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new LabError("bad_input", `"${runId}" is not a run id.`);
  return path.join(labDir, "checkpoints", `${runId}.safetensors`);
}
function weightArrays(model) {
  const out = {};
  for (const [name, v] of model.params) out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync()) };
  Object.assign(out, model.bufferArrays());
  return out;
}
function loadWeightArrays(model, w) {
  for (const [name, v] of model.params) {
    const a = w[name];
    if (!a || a.data.length !== v.size) {
      throw new LabError("bad_file", `The checkpoint has no usable values for parameter "${name}"; it does not belong to this model.`);
    }
    const t = tf.tensor(a.data, v.shape, "float32");
    v.assign(t);
    t.dispose();
  }
  model.loadBufferArrays(w);
}
function saveCheckpoint(labDir, c) {
  const tensors = {};
  for (const [k, a] of Object.entries(c.weights)) tensors[`model.${k}`] = a;
  for (const [k, a] of Object.entries(c.optimizer.tensors)) tensors[`opt.${k}`] = a;
  for (const [k, a] of Object.entries(c.bestWeights ?? {})) tensors[`best.${k}`] = a;
  const meta = { ...c.meta, optimizerNumbers: c.optimizer.numbers };
  const file = checkpointPath(labDir, c.meta.runId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, encodeSafetensors(tensors, { robustlab: JSON.stringify(meta) }));
}
function loadCheckpoint(labDir, runId) {
  const file = checkpointPath(labDir, runId);
  if (!fs.existsSync(file)) {
    throw new LabError("not_found", `Run "${runId}" has no checkpoint to resume from (it ended before finishing its first epoch, or was trained before checkpoints existed).`);
  }
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file));
  let meta;
  try {
    meta = JSON.parse(metadata.robustlab ?? "");
  } catch {
    throw new LabError("bad_file", `The checkpoint of run "${runId}" is damaged (no readable metadata).`);
  }
  if (meta.format !== "robustlab-checkpoint-1") throw new LabError("bad_file", `The checkpoint of run "${runId}" has an unknown format.`);
  const weights = {};
  const opt = {};
  const best = {};
  for (const [k, t] of Object.entries(tensors)) {
    const a = { shape: t.shape, data: t.data };
    if (k.startsWith("model.")) weights[k.slice(6)] = a;
    else if (k.startsWith("opt.")) opt[k.slice(4)] = a;
    else if (k.startsWith("best.")) best[k.slice(5)] = a;
  }
  return { meta, weights, optimizer: { tensors: opt, numbers: meta.optimizerNumbers ?? {} }, bestWeights: Object.keys(best).length ? best : null };
}
const SAME = ["dataset", "arch", "method", "methodParams", "batchSize", "optimizer", "schedule", "seed", "limit", "valFraction", "warmupEpochs", "initModel"];
function checkResumable(spec, meta) {
  for (const key of SAME) {
    const a = JSON.stringify(spec[key] ?? null);
    const b = JSON.stringify(meta.spec[key] ?? null);
    if (a !== b) {
      throw new LabError("bad_input", `Cannot resume run "${meta.runId}" with a different ${key} (${b} before, ${a} now); keep the original settings and change only the epochs.`);
    }
  }
  if (spec.epochs <= meta.epoch) {
    throw new LabError("bad_input", `Run "${meta.runId}" already completed ${meta.epoch} epochs; ask for more than ${meta.epoch} epochs to continue it.`);
  }
}
function shardable(model) {
  const m = model;
  return typeof m.arch?.forward === "function" && m.params instanceof Map && !!m.input && Object.getPrototypeOf(model) !== Object.prototype;
}
function valueAndGrad(model, x, lossOf) {
  const tag = lossOf.shard;
  if (tag && tag.y.length === x.shape[0] && shardable(model)) return valueAndInputGrad(model, x, tag.objective, tag.y, tag.t);
  let z2 = new Float32Array(0);
  let kept = null;
  const grad = tf.tidy(
    () => tf.grad((xi) => {
      const logits = model.forward(xi, { training: false });
      z2 = Float32Array.from(logits.dataSync());
      const l = lossOf(logits, z2);
      kept = tf.keep(l);
      return tf.sum(l);
    })(x)
  );
  const k = kept;
  const loss = Float32Array.from(k.dataSync());
  k.dispose();
  return { grad, z: z2, loss };
}
function logitsOf(model, x) {
  const t = shardable(model) ? forwardEval(model, x) : tf.tidy(() => model.forward(x, { training: false }));
  const z2 = Float32Array.from(t.dataSync());
  t.dispose();
  return z2;
}
function argmaxRows(z2, n, k) {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < k; c++) {
      const v = z2[i * k + c];
      if (v > best) {
        best = v;
        arg = c;
      }
    }
    out[i] = arg;
  }
  return out;
}
function perPoint(values) {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);
}
function projectLinf(xAdv, x0, eps) {
  return tf.tidy(() => tf.clipByValue(tf.minimum(tf.maximum(xAdv, tf.sub(x0, eps)), tf.add(x0, eps)), 0, 1));
}
function l2NormsT(t) {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)));
}
function projectL2(xAdv, x0, eps) {
  return tf.tidy(() => {
    const d = tf.sub(xAdv, x0);
    const norm = l2NormsT(d);
    const scale = tf.minimum(1, tf.div(eps, tf.add(norm, 1e-12)));
    return tf.clipByValue(tf.add(x0, tf.mul(d, scale)), 0, 1);
  });
}
function project(norm, xAdv, x0, eps) {
  return norm === "linf" ? projectLinf(xAdv, x0, eps) : projectL2(xAdv, x0, eps);
}
function ascentDirection(norm, grad) {
  return tf.tidy(() => norm === "linf" ? tf.sign(grad) : tf.div(grad, tf.add(l2NormsT(grad), 1e-12)));
}
function rowNorms(delta, n, norm) {
  const d = n ? delta.length / n : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const v = delta[j];
      if (norm === "linf") s = Math.max(s, Math.abs(v));
      else s += v * v;
    }
    out[i] = norm === "linf" ? s : Math.sqrt(s);
  }
  return out;
}
function randomStart(norm, x0, eps, rng) {
  const n = x0.shape[0];
  const d = n ? x0.size / n : 0;
  const noise = new Float32Array(x0.size);
  for (let i = 0; i < n; i++) {
    if (norm === "linf") {
      for (let j = i * d; j < (i + 1) * d; j++) noise[j] = eps[i] * (2 * rng.next() - 1);
    } else {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) {
        noise[j] = rng.normal();
        s += noise[j] * noise[j];
      }
      const r = eps[i] * Math.pow(rng.next(), 1 / Math.max(1, d)) / Math.max(Math.sqrt(s), 1e-12);
      for (let j = i * d; j < (i + 1) * d; j++) noise[j] *= r;
    }
  }
  return tf.tidy(() => tf.clipByValue(tf.add(x0, tf.tensor(noise, x0.shape)), 0, 1));
}
function gatherRows(t, idx) {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(Int32Array.from(idx), "int32")));
}
function copyRow(src, i, dst, j, d) {
  for (let q = 0; q < d; q++) dst[j * d + q] = src[i * d + q];
}
function remaining(done) {
  const out = [];
  for (let i = 0; i < done.length; i++) if (!done[i]) out.push(i);
  return out;
}
function labelsOf(y) {
  return Int32Array.from(y.dataSync());
}
const COMPACT_FRACTION = 0.2;
async function iterativeAttack(model, x, labels, o) {
  const n = x.shape[0];
  const d = n ? x.size / n : 0;
  const x0 = Float32Array.from(x.dataSync());
  const best = Float32Array.from(x0);
  const k0 = logitsOf(model, x);
  const k = n ? k0.length / n : 0;
  const pred0 = argmaxRows(k0, n, k);
  let queries = n;
  let gradEvals = 0;
  const targets = o.targets ?? null;
  const fooled = new Uint8Array(n);
  const hit = targets ? new Uint8Array(n) : null;
  for (let i = 0; i < n; i++) {
    fooled[i] = pred0[i] !== labels[i] ? 1 : 0;
    if (hit && pred0[i] === targets[i]) hit[i] = 1;
  }
  const done = new Uint8Array(n);
  for (let i = 0; i < n; i++) done[i] = hit ? hit[i] | fooled[i] : fooled[i];
  for (let pass = 0; pass < o.passes; pass++) {
    let active = remaining(done);
    if (!active.length) break;
    let xs = gatherRows(x, active);
    let epsT = perPoint(active.map((g) => o.eps[g]));
    let xa = o.randomStart ? randomStart(o.norm, xs, Float32Array.from(active.map((g) => o.eps[g])), o.rng.fork(`${o.label}-${pass}`)) : xs.clone();
    try {
      for (let t = 0; t <= o.steps; t++) {
        await o.tick();
        const m = active.length;
        const yLocal = Int32Array.from(active.map((g) => labels[g]));
        const tLocal = targets ? Int32Array.from(active.map((g) => targets[g])) : null;
        let grad = null;
        let z2;
        if (t < o.steps) {
          const r = valueAndGrad(model, xa, lossFor(o.loss(t, pass), yLocal, tLocal));
          grad = r.grad;
          z2 = r.z;
          gradEvals += m;
        } else {
          z2 = logitsOf(model, xa);
          queries += m;
        }
        const pred = argmaxRows(z2, m, k);
        let xaData = null;
        const rowOf = () => xaData ??= Float32Array.from(xa.dataSync());
        let newlyDone = 0;
        for (let i = 0; i < m; i++) {
          const g = active[i];
          if (hit && pred[i] === targets[g] && !hit[g]) {
            hit[g] = 1;
            fooled[g] = 1;
            copyRow(rowOf(), i, best, g, d);
            done[g] = 1;
            newlyDone++;
          } else if (pred[i] !== labels[g] && !fooled[g]) {
            fooled[g] = 1;
            copyRow(rowOf(), i, best, g, d);
            if (!hit) {
              done[g] = 1;
              newlyDone++;
            }
          }
        }
        if (t === o.steps) {
          for (let i = 0; i < m; i++) if (!fooled[active[i]]) copyRow(rowOf(), i, best, active[i], d);
        }
        if (grad) {
          const factor = o.alphaFactor ? o.alphaFactor(t, pass) : 1;
          const alphaT = perPoint(active.map((g) => o.alpha[g] * factor));
          const next = tf.tidy(() => project(o.norm, tf.add(xa, tf.mul(ascentDirection(o.norm, grad), alphaT)), xs, epsT));
          tf.dispose([grad, alphaT, xa]);
          xa = next;
        }
        if (newlyDone && t < o.steps) {
          const keepLocal = [];
          for (let i = 0; i < m; i++) if (!done[active[i]]) keepLocal.push(i);
          if (!keepLocal.length) break;
          if (newlyDone >= Math.max(1, COMPACT_FRACTION * m)) {
            const nxs = gatherRows(xs, keepLocal);
            const nxa = gatherRows(xa, keepLocal);
            const neps = gatherRows(epsT, keepLocal);
            tf.dispose([xs, xa, epsT]);
            xs = nxs;
            xa = nxa;
            epsT = neps;
            active = keepLocal.map((i) => active[i]);
          }
        }
      }
    } finally {
      tf.dispose([xs, xa, epsT]);
    }
  }
  return { best, fooled, hit, gradEvals, queries };
}
function chooseTargets(rule, z2, y, k, rng) {
  const n = y.length;
  if (k < 2) throw new LabError("bad_input", "A targeted attack needs at least 2 classes.");
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (rule === "runner-up") {
      out[i] = maxOther(z2, i, k, y[i]);
    } else if (rule === "least-likely") {
      let best = Infinity;
      let arg = -1;
      for (let c = 0; c < k; c++) {
        if (c === y[i]) continue;
        if (z2[i * k + c] < best || arg < 0) {
          best = z2[i * k + c];
          arg = c;
        }
      }
      out[i] = arg;
    } else {
      const r = rng.int(k - 1);
      out[i] = r >= y[i] ? r + 1 : r;
    }
  }
  return out;
}
function rankedTargets(z2, n, k, rank) {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = sortedClasses(z2, i, k)[rank - 1];
  return out;
}
const TARGET_PARAMS = [
  {
    key: "targeted",
    label: "Targeted",
    type: "boolean",
    default: false,
    help: "Push each image towards one chosen wrong class instead of any wrong class. Robust accuracy still counts every misclassification; the report also gives how often the target was reached.",
    advanced: true
  },
  {
    key: "target",
    label: "Target class",
    type: "enum",
    default: "least-likely",
    options: [
      { value: "least-likely", label: "Least likely class (hardest)" },
      { value: "random", label: "Random wrong class" },
      { value: "runner-up", label: "Runner-up class (easiest)" }
    ],
    help: "Which wrong class each image is pushed towards, chosen from the model’s outputs on the clean image (used only when Targeted is on).",
    advanced: true
  }
];
function pgdStepSize(eps, steps, stepSize) {
  return stepSize > 0 ? stepSize : 2.5 * eps / steps;
}
function targetsFor(model, x, y, params, ctx, label) {
  if (!params.targeted) return null;
  const z2 = logitsOf(model, x);
  const k = y.length ? z2.length / y.length : 0;
  return chooseTargets(params.target, z2, y, k, ctx.rng.fork(`${label}-targets`));
}
async function runPgd(model, x, y, o, ctx) {
  const n = x.shape[0];
  const labels = labelsOf(y);
  const targets = targetsFor(model, x, labels, o.params, ctx, o.label);
  const r = await iterativeAttack(model, x, labels, {
    norm: o.norm,
    eps: new Float32Array(n).fill(o.eps),
    alpha: new Float32Array(n).fill(o.alpha),
    steps: o.steps,
    passes: o.restarts,
    randomStart: o.randomStart,
    loss: () => targets ? "ce-targeted" : "ce",
    targets,
    rng: ctx.rng,
    tick: ctx.tick,
    label: o.label
  });
  const res = {
    xAdv: tf.tensor4d(r.best, x.shape),
    fooled: r.fooled,
    gradEvals: n ? r.gradEvals / n : 0,
    queries: n ? (r.queries + (targets ? n : 0)) / n : 0
  };
  if (targets) {
    res.targets = targets;
    res.targetHit = r.hit;
  }
  return res;
}
function pgdParams(norm) {
  return [
    norm === "linf" ? {
      key: "eps",
      label: "Epsilon",
      type: "number",
      min: 0,
      max: 1,
      step: 0.01,
      default: 0.1,
      unit: "pixel (0–1)",
      help: "Largest change allowed per pixel, on the 0–1 scale."
    } : {
      key: "eps",
      label: "Epsilon (L2)",
      type: "number",
      min: 0,
      max: 1e3,
      step: 0.1,
      default: 1.5,
      unit: "L2 length (0–1 pixels)",
      help: "Largest allowed length of the whole change, the square root of the summed squared pixel changes (0–1 scale). 1.5–2 is common for 28×28 digits, 0.5 for 32×32 colour photos."
    },
    {
      key: "steps",
      label: "Steps",
      type: "integer",
      min: 1,
      max: 1e4,
      default: 20,
      help: "Gradient steps per restart; more steps find stronger attacks and cost proportionally more time."
    },
    {
      key: "stepSize",
      label: "Step size",
      type: "number",
      min: 0,
      max: norm === "linf" ? 1 : 1e3,
      step: 1e-3,
      default: 0,
      unit: norm === "linf" ? "pixel (0–1)" : "L2 length",
      help: "Change per step; 0 picks 2.5 × eps / steps automatically.",
      advanced: true
    },
    {
      key: "restarts",
      label: "Restarts",
      type: "integer",
      min: 1,
      max: 100,
      default: 1,
      help: "Independent attempts from different random starts; a point is robust only if it survives all of them.",
      advanced: true
    },
    {
      key: "randomStart",
      label: "Random start",
      type: "boolean",
      default: true,
      help: "Start each attempt from a random point inside the allowed region instead of the image itself.",
      advanced: true
    },
    ...TARGET_PARAMS
  ];
}
function makePgd(norm) {
  const name = norm === "linf" ? "pgd" : "pgd-l2";
  return {
    entry: {
      name,
      title: norm === "linf" ? "PGD (projected gradient descent, L∞)" : "PGD-L2 (projected gradient descent, L2)",
      description: norm === "linf" ? "Many small steps that each increase the loss, kept within eps of the original image. The standard first-order attack; use several restarts for a trustworthy number." : "Many small steps that each increase the loss, keeping the total length of the change (L2 norm) within eps. Allows large changes to a few pixels instead of small changes to all of them.",
      params: pgdParams(norm)
    },
    radius: (p) => ({ norm, eps: p.eps }),
    check(p) {
      if (p.restarts > 1 && p.randomStart === false) {
        throw new LabError("bad_input", "PGD restarts need a random start: without it every restart repeats the same path; set randomStart to true or restarts to 1.");
      }
    },
    async run(model, x, y, params, ctx) {
      const eps = params.eps;
      const steps = params.steps;
      return runPgd(
        model,
        x,
        y,
        { norm, eps, steps, alpha: pgdStepSize(eps, steps, params.stepSize), restarts: params.restarts, randomStart: params.randomStart, params, label: name },
        ctx
      );
    }
  };
}
const pgd = makePgd("linf");
function marginLowerBounds(graph, x, y, eps, numClasses, method, opts = {}) {
  const spec = marginSpec(y, numClasses);
  return computeBounds(graph, inputBox(x, eps), spec, { ...opts, method }).lower;
}
async function certifyBatch(model, x, y, eps, method, opts = {}) {
  if (!(eps >= 0) || eps > 1) throw new LabError("bad_input", `The certification radius eps must be between 0 and 1, got ${eps}.`);
  const graph = BoundGraph.fromModel(model);
  const n = x.shape[0];
  const chunk = opts.chunk ?? (method === "ibp" ? 500 : model.archName === "mlp" ? 100 : 25);
  const margin = new Float32Array(n);
  for (let s = 0; s < n; s += chunk) {
    await opts.tick?.();
    const e = Math.min(n, s + chunk);
    const m = tf.tidy(() => {
      const xs = e - s === n ? x : tf.slice(x, [s, 0, 0, 0], [e - s, -1, -1, -1]);
      const ys = e - s === n ? y : tf.slice(y, [s], [e - s]);
      return minMargin(marginLowerBounds(graph, xs, ys, eps, model.numClasses, method, opts.bounds), ys, model.numClasses);
    });
    margin.set(m.dataSync(), s);
    m.dispose();
  }
  const certified = new Uint8Array(n);
  for (let i = 0; i < n; i++) certified[i] = margin[i] > 0 ? 1 : 0;
  return { margin, certified };
}
function summarizeMargins(margins2) {
  const a = Float64Array.from(margins2).sort();
  const n = a.length;
  const q = (p) => n ? a[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))] : NaN;
  let sum = 0;
  let cert = 0;
  for (let i = 0; i < n; i++) {
    sum += a[i];
    if (a[i] > 0) cert++;
  }
  return { count: n, certified: cert, min: n ? a[0] : NaN, p10: q(0.1), median: q(0.5), mean: n ? sum / n : NaN, p90: q(0.9), max: n ? a[n - 1] : NaN };
}
function certifierAsAttack(method, eps) {
  const margins2 = [];
  return {
    details: () => ({ method, eps, perPointMarginLowerBound: summarizeMargins(margins2) }),
    entry: { name: `certify-${method}`, title: `Certified (${method.toUpperCase()})`, description: "Verified lower bounds of the margins over the eps-box.", params: [] },
    radius: () => ({ norm: "linf", eps }),
    margins: margins2,
    summary: () => summarizeMargins(margins2),
    async run(model, x, y, _params, ctx) {
      const r = await certifyBatch(model, x, y, eps, method, { tick: ctx.tick });
      for (const m of r.margin) margins2.push(m);
      const fooled = new Uint8Array(r.certified.length);
      for (let i = 0; i < fooled.length; i++) fooled[i] = r.certified[i] ? 0 : 1;
      return { xAdv: x.clone(), fooled, gradEvals: 0 };
    }
  };
}
function certifierForSpec(spec, arch) {
  if (!spec.certify) return null;
  if (spec.eps === void 0) throw new LabError("bad_input", `Certification needs a radius: give eps (e.g. 0.1) with certify ${spec.certify}.`);
  if (spec.attack.name !== "none") throw new LabError("bad_input", `Certification replaces the attack: leave the attack at none (got ${spec.attack.name}), or evaluate the attack in a separate run.`);
  if (spec.epsGrid?.length) throw new LabError("bad_input", "An eps grid is not available with certification yet; run one certification per eps.");
  if (spec.benchmark) throw new LabError("bad_input", "Certification and the corruption benchmark are separate evaluations; run them one at a time.");
  if (arch && !arch.layers) throw new LabError("bad_input", `The ${arch.name} architecture has no layer list, so it cannot be certified; certify an mlp or mnist-cnn model.`);
  return certifierAsAttack(spec.certify, spec.eps);
}
const fgsm = {
  entry: {
    name: "fgsm",
    title: "FGSM (fast gradient sign)",
    description: "One step in the direction that increases the loss most, changing every pixel by at most eps. Fast and weak: a model that resists only FGSM is not necessarily robust.",
    params: [
      {
        key: "eps",
        label: "Epsilon",
        type: "number",
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: "pixel (0–1)",
        help: "Largest change allowed per pixel, on the 0–1 scale (8/255 ≈ 0.031 is invisible on photos; 0.1–0.3 is common for MNIST)."
      },
      ...TARGET_PARAMS
    ]
  },
  radius: (p) => ({ norm: "linf", eps: p.eps }),
  async run(model, x, y, params, ctx) {
    const eps = params.eps;
    return runPgd(model, x, y, { norm: "linf", eps, steps: 1, alpha: eps, restarts: 1, randomStart: false, params, label: "fgsm" }, ctx);
  }
};
const pgdL2 = makePgd("l2");
const APGD_MOMENTUM = 0.75;
const APGD_RHO = 0.75;
function apgdCheckpoints(steps) {
  const ps = [0, 0.22];
  while (ps[ps.length - 1] < 1) {
    const j = ps.length - 1;
    ps.push(ps[j] + Math.max(ps[j] - ps[j - 1] - 0.03, 0.06));
  }
  const out = [];
  for (const p of ps.slice(1)) {
    const w = Math.ceil(p * steps - 1e-9);
    if (w > 0 && w <= steps && (!out.length || w > out[out.length - 1])) out.push(w);
  }
  return out;
}
async function apgdAttack(model, x, labels, o) {
  const n = x.shape[0];
  const d = n ? x.size / n : 0;
  const best = Float32Array.from(x.dataSync());
  const z0 = logitsOf(model, x);
  const k = n ? z0.length / n : 0;
  const pred0 = argmaxRows(z0, n, k);
  let queries = n;
  let gradEvals = 0;
  const fooled = new Uint8Array(n);
  const done = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    fooled[i] = pred0[i] !== labels[i] ? 1 : 0;
    done[i] = fooled[i] || o.only && !o.only[i] ? 1 : 0;
  }
  const checkpoints = apgdCheckpoints(o.steps);
  const lossOfLocal = (act) => lossFor(o.loss, Int32Array.from(act.map((g) => labels[g])), o.targets ? Int32Array.from(act.map((g) => o.targets[g])) : null);
  for (let restart = 0; restart < o.restarts; restart++) {
    let active = remaining(done);
    if (!active.length) break;
    let m = active.length;
    const epsArr = new Float32Array(m).fill(o.eps);
    let xs = gatherRows(x, active);
    let epsT = perPoint(epsArr);
    let xk = randomStart(o.norm, xs, epsArr, o.rng.fork(`${o.label}-${restart}`));
    let xPrev = xk.clone();
    let grad;
    let xBest;
    let gradBest;
    let eta = new Float32Array(m).fill(2 * o.eps);
    let lossCur;
    let lossBest;
    let lossBestAtCheck;
    let increases = new Int32Array(m);
    let reducedAtCheck = new Uint8Array(m);
    {
      const r = valueAndGrad(model, xk, lossOfLocal(active));
      gradEvals += m;
      grad = r.grad;
      lossCur = r.loss;
      lossBest = Float32Array.from(r.loss);
      lossBestAtCheck = Float32Array.from(r.loss);
      xBest = xk.clone();
      gradBest = grad.clone();
      const pred = argmaxRows(r.z, m, k);
      const xData = xk.dataSync();
      for (let i = 0; i < m; i++) {
        if (pred[i] !== labels[active[i]]) {
          fooled[active[i]] = 1;
          done[active[i]] = 1;
          copyRow(xData, i, best, active[i], d);
        }
      }
    }
    let lastCheck = 0;
    try {
      for (let it = 0; it < o.steps; it++) {
        await o.tick();
        const keep = [];
        for (let i = 0; i < m; i++) if (!done[active[i]]) keep.push(i);
        if (!keep.length) break;
        if (keep.length < m) {
          const g = (t) => gatherRows(t, keep);
          const next = [g(xs), g(epsT), g(xk), g(xPrev), g(grad), g(xBest), g(gradBest)];
          tf.dispose([xs, epsT, xk, xPrev, grad, xBest, gradBest]);
          [xs, epsT, xk, xPrev, grad, xBest, gradBest] = next;
          const pick2 = (a2) => {
            const out = new a2.constructor(keep.length);
            keep.forEach((i, j) => out[j] = a2[i]);
            return out;
          };
          eta = pick2(eta);
          lossCur = pick2(lossCur);
          lossBest = pick2(lossBest);
          lossBestAtCheck = pick2(lossBestAtCheck);
          increases = pick2(increases);
          reducedAtCheck = pick2(reducedAtCheck);
          active = keep.map((i) => active[i]);
          m = active.length;
        }
        const a = it === 0 ? 1 : APGD_MOMENTUM;
        const etaT = perPoint(eta);
        const xNext = tf.tidy(() => {
          const zk = project(o.norm, tf.add(xk, tf.mul(ascentDirection(o.norm, grad), etaT)), xs, epsT);
          const mixed = tf.add(tf.add(xk, tf.mul(tf.sub(zk, xk), a)), tf.mul(tf.sub(xk, xPrev), 1 - a));
          return project(o.norm, mixed, xs, epsT);
        });
        etaT.dispose();
        xPrev.dispose();
        xPrev = xk;
        xk = xNext;
        grad.dispose();
        let z2;
        let loss;
        const last = it === o.steps - 1;
        if (!last) {
          const r = valueAndGrad(model, xk, lossOfLocal(active));
          gradEvals += m;
          grad = r.grad;
          z2 = r.z;
          loss = r.loss;
        } else {
          z2 = logitsOf(model, xk);
          queries += m;
          loss = new Float32Array(m);
          for (let i = 0; i < m; i++) loss[i] = lossValue(o.loss, z2, i, k, labels[active[i]], o.targets ? o.targets[active[i]] : -1);
          grad = tf.zerosLike(xk);
        }
        const pred = argmaxRows(z2, m, k);
        let xData = null;
        const improved = new Uint8Array(m);
        let anyImproved = false;
        for (let i = 0; i < m; i++) {
          if (pred[i] !== labels[active[i]] && !fooled[active[i]]) {
            xData ??= xk.dataSync();
            fooled[active[i]] = 1;
            done[active[i]] = 1;
            copyRow(xData, i, best, active[i], d);
          }
          if (loss[i] > lossCur[i]) increases[i]++;
          lossCur[i] = loss[i];
          if (loss[i] > lossBest[i]) {
            lossBest[i] = loss[i];
            improved[i] = 1;
            anyImproved = true;
          }
        }
        if (anyImproved) {
          const mask = tf.tensor4d(Float32Array.from(improved), [m, 1, 1, 1]);
          const nb = tf.tidy(() => tf.add(tf.mul(xk, mask), tf.mul(xBest, tf.sub(1, mask))));
          const ng = tf.tidy(() => tf.add(tf.mul(grad, mask), tf.mul(gradBest, tf.sub(1, mask))));
          tf.dispose([mask, xBest, gradBest]);
          xBest = nb;
          gradBest = ng;
        }
        const w = it + 1;
        if (checkpoints.includes(w) && !last) {
          const span = w - lastCheck;
          lastCheck = w;
          const halve = new Uint8Array(m);
          let anyHalve = false;
          for (let i = 0; i < m; i++) {
            const oscillating = increases[i] < APGD_RHO * span;
            const stalled = !reducedAtCheck[i] && lossBest[i] <= lossBestAtCheck[i];
            halve[i] = oscillating || stalled ? 1 : 0;
            reducedAtCheck[i] = halve[i];
            lossBestAtCheck[i] = lossBest[i];
            increases[i] = 0;
            if (halve[i]) {
              eta[i] /= 2;
              lossCur[i] = lossBest[i];
              anyHalve = true;
            }
          }
          if (anyHalve) {
            const mask = tf.tensor4d(Float32Array.from(halve), [m, 1, 1, 1]);
            const sel = (a1, b) => tf.tidy(() => tf.add(tf.mul(a1, mask), tf.mul(b, tf.sub(1, mask))));
            const nx = sel(xBest, xk);
            const np = sel(xBest, xPrev);
            const ng = sel(gradBest, grad);
            tf.dispose([mask, xk, xPrev, grad]);
            xk = nx;
            xPrev = np;
            grad = ng;
          }
        }
      }
      const bestData = xBest.dataSync();
      for (let i = 0; i < m; i++) if (!fooled[active[i]]) copyRow(bestData, i, best, active[i], d);
    } finally {
      tf.dispose([xs, epsT, xk, xPrev, grad, xBest, gradBest]);
    }
  }
  return { best, fooled, gradEvals, queries };
}
function apgdParams(defaultSteps = 100) {
  return [
    {
      key: "eps",
      label: "Epsilon",
      type: "number",
      min: 0,
      max: 1e3,
      step: 0.01,
      default: 0.1,
      unit: "pixel (0–1) for L∞, length for L2",
      help: "Radius of the allowed change: the largest change per pixel (L∞, 0–1 scale; at most 1) or the largest length of the whole change (L2)."
    },
    {
      key: "norm",
      label: "Norm",
      type: "enum",
      default: "linf",
      options: [
        { value: "linf", label: "L∞ (every pixel changes by at most eps)" },
        { value: "l2", label: "L2 (total length of the change at most eps)" }
      ],
      help: "How the size of a change is measured."
    },
    {
      key: "steps",
      label: "Steps",
      type: "integer",
      min: 1,
      max: 1e4,
      default: defaultSteps,
      help: "Gradient steps per restart (AutoAttack uses 100). The step size adapts itself, so there is no step size to tune."
    },
    {
      key: "restarts",
      label: "Restarts",
      type: "integer",
      min: 1,
      max: 100,
      default: 1,
      help: "Independent attempts from different random starts on the points still unbroken.",
      advanced: true
    }
  ];
}
function checkApgdParams(p, what) {
  if (p.norm === "linf" && p.eps > 1) {
    throw new LabError("bad_input", `${what}: an L∞ eps above 1 allows any image; use at most 1 (pixels are on the 0–1 scale).`);
  }
}
const apgdCe = {
  entry: {
    name: "apgd-ce",
    title: "APGD-CE (Auto-PGD, cross-entropy)",
    description: "PGD with momentum and a step size that adjusts itself (halved whenever progress stalls), so it needs no tuning and is usually stronger than PGD with the same number of steps. Maximises the cross-entropy loss.",
    params: apgdParams()
  },
  radius: (p) => ({ norm: p.norm, eps: p.eps }),
  check: (p) => checkApgdParams(p, "APGD-CE"),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const r = await apgdAttack(model, x, labelsOf(y), {
      norm: params.norm,
      eps: params.eps,
      steps: params.steps,
      restarts: params.restarts,
      loss: "ce",
      rng: ctx.rng,
      tick: ctx.tick,
      label: "apgd-ce"
    });
    return { xAdv: tf.tensor4d(r.best, x.shape), fooled: r.fooled, gradEvals: n ? r.gradEvals / n : 0, queries: n ? r.queries / n : 0 };
  }
};
const apgdDlr = {
  entry: {
    name: "apgd-dlr",
    title: "APGD-DLR (Auto-PGD, logit-ratio loss)",
    description: "Auto-PGD on the DLR loss, a ratio of logit differences that ignores how large the logits are. It sees through models whose cross-entropy gradients vanish because of very confident outputs. Needs at least 3 classes.",
    params: apgdParams()
  },
  minClasses: () => 3,
  radius: (p) => ({ norm: p.norm, eps: p.eps }),
  check: (p) => checkApgdParams(p, "APGD-DLR"),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    if (ctx.numClasses !== void 0) requireClasses("dlr", ctx.numClasses, "APGD-DLR");
    const r = await apgdAttack(model, x, labelsOf(y), {
      norm: params.norm,
      eps: params.eps,
      steps: params.steps,
      restarts: params.restarts,
      loss: "dlr",
      rng: ctx.rng,
      tick: ctx.tick,
      label: "apgd-dlr"
    });
    return { xAdv: tf.tensor4d(r.best, x.shape), fooled: r.fooled, gradEvals: n ? r.gradEvals / n : 0, queries: n ? r.queries / n : 0 };
  }
};
const apgdT = {
  entry: {
    name: "apgd-t",
    title: "APGD-T (targeted Auto-PGD, logit-ratio loss)",
    description: "Auto-PGD aimed in turn at each of the classes the model finds most likely after the true one (9 by default), on the targeted DLR loss. A point is broken if any of these runs makes the model wrong. Stronger than untargeted attacks on many defended models; needs at least 4 classes.",
    params: [
      ...apgdParams(),
      {
        key: "targetClasses",
        label: "Target classes",
        type: "integer",
        min: 1,
        max: 1e3,
        default: 9,
        help: "How many target classes to try, starting from the most likely wrong class (AutoAttack uses 9)."
      }
    ]
  },
  minClasses: () => 4,
  radius: (p) => ({ norm: p.norm, eps: p.eps }),
  check: (p) => checkApgdParams(p, "APGD-T"),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const d = n ? x.size / n : 0;
    const labels = labelsOf(y);
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : ctx.numClasses ?? 0;
    requireClasses("dlr-targeted", k, "APGD-T");
    const fooled = new Uint8Array(n);
    const best = Float32Array.from(x.dataSync());
    let gradEvals = 0;
    let queries = n;
    const runs = Math.min(params.targetClasses, k - 1);
    let first = true;
    for (let rank = 2; rank <= runs + 1; rank++) {
      const only = new Uint8Array(n);
      let any = false;
      for (let i = 0; i < n; i++) {
        only[i] = fooled[i] ? 0 : 1;
        any ||= !fooled[i];
      }
      if (!any) break;
      const r = await apgdAttack(model, x, labels, {
        norm: params.norm,
        eps: params.eps,
        steps: params.steps,
        restarts: params.restarts,
        loss: "dlr-targeted",
        targets: rankedTargets(z0, n, k, rank),
        rng: ctx.rng.fork(`target-${rank}`),
        tick: ctx.tick,
        label: "apgd-t",
        only
      });
      gradEvals += r.gradEvals;
      queries += r.queries;
      for (let i = 0; i < n; i++) {
        if (!only[i]) continue;
        if (r.fooled[i] || first) copyRow(r.best, i, best, i, d);
        if (r.fooled[i]) fooled[i] = 1;
      }
      first = false;
    }
    return { xAdv: tf.tensor4d(best, x.shape), fooled, gradEvals: n ? gradEvals / n : 0, queries: n ? queries / n : 0 };
  }
};
function squareP(pInit, it, budget) {
  const i = Math.floor(it / budget * 1e4);
  const halvings = [10, 50, 200, 500, 1e3, 2e3, 4e3, 6e3, 8e3].filter((b) => i > b).length;
  return pInit / 2 ** halvings;
}
function margins(logits, labels, rows, k) {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = logits[i * k + labels[i]] - logits[i * k + maxOther(logits, i, k, labels[i])];
  return out;
}
const square = {
  entry: {
    name: "square",
    title: "Square attack (black-box, L∞)",
    description: "A random search that only looks at the model’s outputs, never at its gradients: it changes random squares of pixels by ±eps and keeps each change that brings the model closer to a mistake. If it beats gradient attacks, the gradients are misleading (gradient masking).",
    params: [
      {
        key: "eps",
        label: "Epsilon",
        type: "number",
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: "pixel (0–1)",
        help: "Largest change allowed per pixel, on the 0–1 scale."
      },
      {
        key: "queries",
        label: "Query budget",
        type: "integer",
        min: 1,
        max: 1e5,
        default: 1e3,
        help: "Most model evaluations per image (AutoAttack uses 5000). Cost grows with it on images the attack cannot break."
      },
      {
        key: "pInit",
        label: "Initial square size",
        type: "number",
        min: 1e-3,
        max: 1,
        step: 0.01,
        default: 0.8,
        help: "Fraction of the image the first squares cover; it shrinks on a fixed schedule.",
        advanced: true
      }
    ]
  },
  blackBox: true,
  radius: (p) => ({ norm: "linf", eps: p.eps }),
  async run(model, x, y, params, ctx) {
    const eps = params.eps;
    const budget = params.queries;
    const pInit = params.pInit;
    const [n, h, w, c] = x.shape;
    const d = h * w * c;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync());
    const rng = ctx.rng.fork("square");
    const forward = (data, rows) => {
      const t = tf.tensor4d(data, [rows, h, w, c]);
      try {
        return logitsOf(model, t);
      } finally {
        t.dispose();
      }
    };
    const clip = (v) => v < 0 ? 0 : v > 1 ? 1 : v;
    const queriesPerPoint = new Float32Array(n);
    if (!n) return { xAdv: x.clone(), fooled: new Uint8Array(0), gradEvals: 0, queries: 0, queriesPerPoint };
    const zClean = forward(x0, n);
    const k = zClean.length / n;
    if (k < 2) throw new LabError("bad_input", "The Square attack needs a model with at least 2 classes.");
    const mClean = margins(zClean, labels, n, k);
    const fooled = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      queriesPerPoint[i] = 1;
      if (mClean[i] <= 0) fooled[i] = 1;
    }
    const best = Float32Array.from(x0);
    const todo0 = [];
    for (let i = 0; i < n; i++) if (!fooled[i]) todo0.push(i);
    const marginBest = new Float32Array(n).fill(Infinity);
    if (todo0.length && budget > 1) {
      const init = new Float32Array(todo0.length * d);
      todo0.forEach((g, j) => {
        for (let col = 0; col < w; col++) {
          for (let ch = 0; ch < c; ch++) {
            const s = rng.next() < 0.5 ? -eps : eps;
            for (let row = 0; row < h; row++) {
              const q = (row * w + col) * c + ch;
              init[j * d + q] = clip(x0[g * d + q] + s);
            }
          }
        }
      });
      await ctx.tick();
      const m0 = margins(forward(init, todo0.length), todo0.map((g) => labels[g]), todo0.length, k);
      todo0.forEach((g, j) => {
        queriesPerPoint[g]++;
        copyRow(init, j, best, g, d);
        marginBest[g] = m0[j];
        if (m0[j] <= 0) fooled[g] = 1;
      });
    }
    const iterations = budget - 2;
    for (let it = 0; it < iterations; it++) {
      const active = [];
      for (let i = 0; i < n; i++) if (!fooled[i] && queriesPerPoint[i] < budget) active.push(i);
      if (!active.length) break;
      await ctx.tick();
      const p = squareP(pInit, it, iterations);
      const s = Math.min(h, w, Math.max(1, Math.round(Math.sqrt(p * h * w))));
      const cand = new Float32Array(active.length * d);
      active.forEach((g, j) => {
        copyRow(best, g, cand, j, d);
        const top = rng.int(h - s + 1);
        const left = rng.int(w - s + 1);
        for (let ch = 0; ch < c; ch++) {
          const sign2 = rng.next() < 0.5 ? -eps : eps;
          for (let row = top; row < top + s; row++) {
            for (let col = left; col < left + s; col++) {
              const q = (row * w + col) * c + ch;
              cand[j * d + q] = clip(x0[g * d + q] + sign2);
            }
          }
        }
      });
      const m = margins(forward(cand, active.length), active.map((g) => labels[g]), active.length, k);
      active.forEach((g, j) => {
        queriesPerPoint[g]++;
        if (m[j] < marginBest[g]) {
          marginBest[g] = m[j];
          copyRow(cand, j, best, g, d);
          if (m[j] <= 0) fooled[g] = 1;
        }
      });
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += queriesPerPoint[i];
    return { xAdv: tf.tensor4d(best, x.shape), fooled, gradEvals: 0, queries: total / n, queriesPerPoint };
  }
};
function minimalEpsParam(norm) {
  return {
    key: "eps",
    label: "Report radius",
    type: "number",
    min: 0,
    max: 1e3,
    step: 0.01,
    default: 0,
    unit: norm === "linf" ? "pixel (0–1)" : norm === "l2" ? "L2 length" : "in the attack’s norm",
    help: "Robust accuracy is reported at this radius: a point counts as broken if its smallest breaking change is at most this large. 0 means no limit (only points the attack could not break at all count as robust). The full curve of accuracy against radius is always in the report."
  };
}
function minimalResult(x, adv, norms, eps, cost) {
  const n = x.shape[0];
  const d = n ? x.size / n : 0;
  const out = Float32Array.from(x.dataSync());
  const fooled = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(norms[i]) && (eps <= 0 || norms[i] <= eps * (1 + 1e-6))) {
      fooled[i] = 1;
      copyRow(adv, i, out, i, d);
    }
  }
  return {
    xAdv: tf.tensor4d(out, x.shape),
    fooled,
    perturbation: norms,
    gradEvals: n ? cost.gradEvals / n : 0,
    queries: n ? cost.queries / n : 0
  };
}
const deepfool = {
  entry: {
    name: "deepfool",
    title: "DeepFool (smallest change, L2 or L∞)",
    description: "Finds, for each image, a close-to-smallest change that makes the model wrong, by repeatedly stepping to the nearest decision boundary of a straight-line approximation of the model. Reports how large that change is (per image, the median, and accuracy against size) instead of a yes/no at one eps.",
    params: [
      {
        key: "norm",
        label: "Norm",
        type: "enum",
        default: "l2",
        options: [
          { value: "l2", label: "L2 (length of the whole change)" },
          { value: "linf", label: "L∞ (largest change of any pixel)" }
        ],
        help: "How the size of a change is measured."
      },
      {
        key: "steps",
        label: "Max iterations",
        type: "integer",
        min: 1,
        max: 1e3,
        default: 50,
        help: "Most linearisation steps per image; most images need fewer than 5."
      },
      {
        key: "overshoot",
        label: "Overshoot",
        type: "number",
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.02,
        help: "How far past the boundary to go, as a fraction of the step (0.02 = 2 %), so the point lands on the wrong side.",
        advanced: true
      },
      {
        key: "candidates",
        label: "Candidate classes",
        type: "integer",
        min: 2,
        max: 1e3,
        default: 10,
        help: "How many of the most likely classes (the true one included) to consider as the next class; fewer is faster.",
        advanced: true
      },
      minimalEpsParam("either")
    ]
  },
  kind: "minimal",
  radius: (p) => p.eps > 0 ? { norm: p.norm, eps: p.eps } : null,
  async run(model, x, y, params, ctx) {
    const norm = params.norm;
    const maxIter = params.steps;
    const overshoot = params.overshoot;
    const [n, h, w, ch] = x.shape;
    const d = h * w * ch;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync());
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : 0;
    const C = Math.min(params.candidates, k);
    const pred0 = argmaxRows(z0, n, k);
    const norms = new Float32Array(n).fill(Infinity);
    const adv = Float32Array.from(x0);
    let gradEvals = 0;
    let queries = n;
    const cand = [];
    let active = [];
    for (let i = 0; i < n; i++) {
      const others = sortedClasses(z0, i, k).filter((c) => c !== labels[i]).slice(0, C - 1);
      cand.push(Int32Array.from([labels[i], ...others]));
      if (pred0[i] !== labels[i]) norms[i] = 0;
      else active.push(i);
    }
    const cur = Float32Array.from(x0);
    const rTot = new Float32Array(n * d);
    const broken = new Uint8Array(n);
    for (let iter = 0; iter <= maxIter && active.length; iter++) {
      await ctx.tick();
      const m = active.length;
      let z2;
      let g = null;
      if (iter < maxIter) {
        const xr = new Float32Array(C * m * d);
        const mask = new Float32Array(C * m * k);
        for (let c = 0; c < C; c++) {
          for (let j = 0; j < m; j++) {
            const i = active[j];
            copyRow(cur, i, xr, c * m + j, d);
            mask[(c * m + j) * k + cand[i][c]] = 1;
          }
        }
        let zAll = new Float32Array(0);
        const gt = tf.tidy(() => {
          const xt = tf.tensor4d(xr, [C * m, h, w, ch]);
          const mt = tf.tensor2d(mask, [C * m, k]);
          return tf.grad((xi) => {
            const logits = model.forward(xi, { training: false });
            zAll = Float32Array.from(logits.dataSync());
            return tf.sum(tf.mul(logits, mt));
          })(xt);
        });
        g = Float32Array.from(gt.dataSync());
        gt.dispose();
        z2 = zAll.subarray(0, m * k);
        gradEvals += C * m;
      } else {
        const xr = new Float32Array(m * d);
        active.forEach((i, j) => copyRow(cur, i, xr, j, d));
        const t = tf.tensor4d(xr, [m, h, w, ch]);
        z2 = logitsOf(model, t);
        t.dispose();
        queries += m;
      }
      const pred = argmaxRows(z2, m, k);
      const still = [];
      for (let j = 0; j < m; j++) {
        const i = active[j];
        if (pred[j] !== labels[i]) {
          copyRow(cur, i, adv, i, d);
          broken[i] = 1;
          continue;
        }
        if (!g) continue;
        still.push(i);
        let bestDist = Infinity;
        let bestC = -1;
        let bestF = 0;
        let bestNorm = 0;
        for (let c = 1; c < C; c++) {
          const f = z2[j * k + cand[i][c]] - z2[j * k + labels[i]];
          let s = 0;
          for (let q = 0; q < d; q++) {
            const wq = g[(c * m + j) * d + q] - g[j * d + q];
            s += norm === "l2" ? wq * wq : Math.abs(wq);
          }
          const wn = norm === "l2" ? Math.sqrt(s) : s;
          const dist = Math.abs(f) / (wn + 1e-12);
          if (dist < bestDist) {
            bestDist = dist;
            bestC = c;
            bestF = f;
            bestNorm = s;
          }
        }
        if (bestC < 0) continue;
        const scale = (Math.abs(bestF) + 1e-4) / (bestNorm + 1e-12);
        for (let q = 0; q < d; q++) {
          const wq = g[(bestC * m + j) * d + q] - g[j * d + q];
          rTot[i * d + q] += norm === "l2" ? scale * wq : scale * Math.sign(wq);
          const v = x0[i * d + q] + (1 + overshoot) * rTot[i * d + q];
          cur[i * d + q] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
      active = still;
    }
    const delta = new Float32Array(n * d);
    for (let q = 0; q < n * d; q++) delta[q] = adv[q] - x0[q];
    const sizes = rowNorms(delta, n, norm);
    for (let i = 0; i < n; i++) if (broken[i]) norms[i] = sizes[i];
    return minimalResult(x, adv, norms, params.eps, { gradEvals, queries });
  }
};
const cwL2 = {
  entry: {
    name: "cw-l2",
    title: "Carlini–Wagner L2 (smallest change)",
    description: "Searches, for each image, the smallest change (by L2 length) that makes the model wrong, by optimisation with a trade-off constant tuned by binary search. Slow but precise; reports the size of the change per image, the median, and accuracy against size.",
    params: [
      {
        key: "steps",
        label: "Steps per round",
        type: "integer",
        min: 1,
        max: 1e4,
        default: 100,
        help: "Optimiser (Adam) steps in each round of the binary search."
      },
      {
        key: "binarySteps",
        label: "Binary search rounds",
        type: "integer",
        min: 1,
        max: 30,
        default: 6,
        help: "Rounds of the search for the trade-off constant c; each round costs `steps` gradient evaluations."
      },
      {
        key: "initialConst",
        label: "Initial constant c",
        type: "number",
        min: 1e-6,
        max: 1e6,
        step: 0.01,
        default: 0.1,
        help: "Starting weight of the misclassification term against the size of the change.",
        advanced: true
      },
      {
        key: "confidence",
        label: "Confidence κ",
        type: "number",
        min: 0,
        max: 1e3,
        step: 0.1,
        default: 0,
        help: "How many logits the wrong class must win by; 0 finds the smallest change that just flips the prediction.",
        advanced: true
      },
      {
        key: "lr",
        label: "Learning rate",
        type: "number",
        min: 1e-5,
        max: 1,
        step: 1e-3,
        default: 0.01,
        help: "Adam step size in the tanh-space variable.",
        advanced: true
      },
      minimalEpsParam("l2")
    ]
  },
  kind: "minimal",
  radius: (p) => p.eps > 0 ? { norm: "l2", eps: p.eps } : null,
  async run(model, x, y, params, ctx) {
    const steps = params.steps;
    const binarySteps = params.binarySteps;
    const kappa = params.confidence;
    const lr = params.lr;
    const [n, h, w, ch] = x.shape;
    const d = h * w * ch;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync());
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : 0;
    const pred0 = argmaxRows(z0, n, k);
    const norms = new Float32Array(n).fill(Infinity);
    const adv = Float32Array.from(x0);
    const active = [];
    for (let i = 0; i < n; i++) {
      if (pred0[i] !== labels[i]) norms[i] = 0;
      else active.push(i);
    }
    let gradEvals = 0;
    const queries = n;
    const m = active.length;
    if (!m) return minimalResult(x, adv, norms, params.eps, { gradEvals, queries });
    const xs = gatherRows(x, active);
    const yLocal = Int32Array.from(active.map((g) => labels[g]));
    const xsData = xs.dataSync();
    const w0 = tf.tensor4d(
      xsData.map((v) => Math.atanh((2 * v - 1) * (1 - 1e-6))),
      xs.shape
    );
    const lo = new Float64Array(m);
    const hi = new Float64Array(m).fill(1e10);
    const c = new Float64Array(m).fill(params.initialConst);
    const bestL2 = new Float64Array(m).fill(Infinity);
    const beta1 = 0.9;
    const beta2 = 0.999;
    try {
      for (let b = 0; b < binarySteps; b++) {
        let wv = w0.clone();
        let mom = tf.zerosLike(wv);
        let vel = tf.zerosLike(wv);
        const cT = tf.tensor1d(Float32Array.from(c));
        const succeeded = new Uint8Array(m);
        let prevLoss = Infinity;
        const checkEvery = Math.max(1, Math.ceil(steps / 10));
        try {
          for (let it = 0; it < steps; it++) {
            await ctx.tick();
            let z2 = new Float32Array(0);
            let keptX = null;
            let keptL2 = null;
            let keptLoss = null;
            const grad = tf.tidy(
              () => tf.grad((wi) => {
                const xw = tf.div(tf.add(tf.tanh(wi), 1), 2);
                const l2sq = tf.sum(tf.square(tf.sub(xw, xs)), [1, 2, 3]);
                const logits = model.forward(xw, { training: false });
                z2 = Float32Array.from(logits.dataSync());
                const a = new Float32Array(m * k);
                for (let i = 0; i < m; i++) {
                  a[i * k + yLocal[i]] += 1;
                  a[i * k + maxOther(z2, i, k, yLocal[i])] -= 1;
                }
                const margin = tf.sum(tf.mul(logits, tf.tensor2d(a, [m, k])), 1);
                const f = tf.relu(tf.add(margin, kappa));
                const total = tf.sum(tf.add(l2sq, tf.mul(cT, f)));
                keptX = tf.keep(xw);
                keptL2 = tf.keep(l2sq);
                keptLoss = tf.keep(total);
                return total;
              })(wv)
            );
            gradEvals += m;
            const xData = keptX.dataSync();
            const l2 = keptL2.dataSync();
            const totalLoss = keptLoss.dataSync()[0];
            const pred = argmaxRows(z2, m, k);
            for (let i = 0; i < m; i++) {
              const margin = z2[i * k + yLocal[i]] - z2[i * k + maxOther(z2, i, k, yLocal[i])];
              if (pred[i] !== yLocal[i] && margin + kappa <= 0) {
                succeeded[i] = 1;
                const dist = Math.sqrt(l2[i]);
                if (dist < bestL2[i]) {
                  bestL2[i] = dist;
                  copyRow(xData, i, adv, active[i], d);
                }
              }
            }
            tf.dispose([keptX, keptL2, keptLoss]);
            const t = it + 1;
            const next = tf.tidy(() => {
              const nm = tf.add(tf.mul(mom, beta1), tf.mul(grad, 1 - beta1));
              const nv = tf.add(tf.mul(vel, beta2), tf.mul(tf.square(grad), 1 - beta2));
              const mhat = tf.div(nm, 1 - beta1 ** t);
              const vhat = tf.div(nv, 1 - beta2 ** t);
              const nw = tf.sub(wv, tf.mul(tf.div(mhat, tf.add(tf.sqrt(vhat), 1e-8)), lr));
              return [nw, nm, nv];
            });
            tf.dispose([grad, wv, mom, vel]);
            [wv, mom, vel] = next;
            if ((it + 1) % checkEvery === 0) {
              if (totalLoss > prevLoss * 0.9999) break;
              prevLoss = totalLoss;
            }
          }
        } finally {
          tf.dispose([wv, mom, vel, cT]);
        }
        for (let i = 0; i < m; i++) {
          if (succeeded[i]) {
            hi[i] = Math.min(hi[i], c[i]);
            c[i] = (lo[i] + hi[i]) / 2;
          } else {
            lo[i] = Math.max(lo[i], c[i]);
            c[i] = hi[i] < 1e9 ? (lo[i] + hi[i]) / 2 : c[i] * 10;
          }
        }
      }
    } finally {
      tf.dispose([xs, w0]);
    }
    for (let i = 0; i < m; i++) {
      if (!Number.isFinite(bestL2[i])) continue;
      const g = active[i];
      let s = 0;
      for (let q = 0; q < d; q++) s += (adv[g * d + q] - x0[g * d + q]) ** 2;
      norms[g] = Math.sqrt(s);
    }
    return minimalResult(x, adv, norms, params.eps, { gradEvals, queries });
  }
};
const md = {
  entry: {
    name: "md",
    title: "MD attack (margin decomposition)",
    description: "Two-stage attack for models whose gradients are imbalanced: it first pushes down the true class’s score alone (or up the strongest wrong class alone), then the full margin between them. Breaks models that only look robust to PGD because one part of the loss hides the other.",
    params: [
      {
        key: "eps",
        label: "Epsilon",
        type: "number",
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: "pixel (0–1)",
        help: "Largest change allowed per pixel, on the 0–1 scale."
      },
      {
        key: "steps",
        label: "Steps per run",
        type: "integer",
        min: 2,
        max: 1e4,
        default: 50,
        help: "Gradient steps of each run (both stages together)."
      },
      {
        key: "stage1",
        label: "First-stage fraction",
        type: "number",
        min: 0,
        max: 1,
        step: 0.05,
        default: 0.5,
        help: "Fraction of the steps spent on a single term before switching to the full margin.",
        advanced: true
      },
      {
        key: "restarts",
        label: "Restarts",
        type: "integer",
        min: 1,
        max: 100,
        default: 1,
        help: "Each restart is two runs (one per term), from fresh random starts, on the points still unbroken."
      }
    ]
  },
  radius: (p) => ({ norm: "linf", eps: p.eps }),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const eps = params.eps;
    const steps = params.steps;
    const change = Math.min(steps, Math.max(0, Math.round(params.stage1 * steps)));
    const cosine = (t, len) => len > 0 ? 0.5 * (1 + Math.cos(Math.PI * t / len)) : 1;
    const r = await iterativeAttack(model, x, labelsOf(y), {
      norm: "linf",
      eps: new Float32Array(n).fill(eps),
      alpha: new Float32Array(n).fill(2 * eps),
      steps,
      passes: 2 * params.restarts,
      randomStart: true,
      loss: (t, pass) => t < change ? pass % 2 === 0 ? "neg-true-logit" : "max-other-logit" : "margin",
      alphaFactor: (t) => t < change ? cosine(t, change) : cosine(t - change, steps - change),
      rng: ctx.rng,
      tick: ctx.tick,
      label: "md"
    });
    return { xAdv: tf.tensor4d(r.best, x.shape), fooled: r.fooled, gradEvals: n ? r.gradEvals / n : 0, queries: n ? r.queries / n : 0 };
  }
};
const pgdMin = {
  entry: {
    name: "pgd-min",
    title: "PGD smallest-eps search",
    description: "For each image, the smallest eps at which PGD makes the model wrong, found by bisection between 0 and a largest radius. Gives accuracy as a function of eps from a single run, and the median breaking eps.",
    params: [
      {
        key: "norm",
        label: "Norm",
        type: "enum",
        default: "linf",
        options: [
          { value: "linf", label: "L∞ (largest change of any pixel)" },
          { value: "l2", label: "L2 (length of the whole change)" }
        ],
        help: "How the size of a change is measured."
      },
      {
        key: "maxEps",
        label: "Largest radius",
        type: "number",
        min: 1e-4,
        max: 1e3,
        step: 0.01,
        default: 0.5,
        help: "The search runs between 0 and this radius (for L∞ at most 1); points PGD cannot break here count as robust at every radius searched."
      },
      {
        key: "searchSteps",
        label: "Bisection rounds",
        type: "integer",
        min: 1,
        max: 30,
        default: 7,
        help: "Each round halves the uncertainty about the breaking radius and costs one PGD run on the breakable points."
      },
      {
        key: "steps",
        label: "PGD steps",
        type: "integer",
        min: 1,
        max: 1e4,
        default: 20,
        help: "Gradient steps of each PGD run (step size 2.5 × eps / steps)."
      },
      {
        key: "restarts",
        label: "Restarts",
        type: "integer",
        min: 1,
        max: 100,
        default: 1,
        help: "Random restarts of each PGD run.",
        advanced: true
      },
      minimalEpsParam("either")
    ]
  },
  kind: "minimal",
  radius: (p) => p.eps > 0 ? { norm: p.norm, eps: p.eps } : null,
  check(p) {
    if (p.norm === "linf" && p.maxEps > 1) {
      throw new LabError("bad_input", "pgd-min: an L∞ largest radius above 1 means nothing on the 0–1 pixel scale; use at most 1.");
    }
  },
  async run(model, x, y, params, ctx) {
    const norm = params.norm;
    const maxEps = params.maxEps;
    const steps = params.steps;
    const restarts = params.restarts;
    const n = x.shape[0];
    const d = n ? x.size / n : 0;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync());
    const adv = Float32Array.from(x0);
    const norms = new Float32Array(n).fill(Infinity);
    let gradEvals = 0;
    let queries = 0;
    const pgdAt2 = async (idx, eps, round) => {
      const xs = gatherRows(x, idx);
      try {
        const r = await iterativeAttack(model, xs, Int32Array.from(idx.map((i) => labels[i])), {
          norm,
          eps,
          alpha: eps.map((e) => 2.5 * e / steps),
          steps,
          passes: restarts,
          randomStart: true,
          loss: () => "ce",
          rng: ctx.rng.fork(`pgd-min-${round}`),
          tick: ctx.tick,
          label: "pgd-min"
        });
        gradEvals += r.gradEvals;
        queries += r.queries;
        const delta = new Float32Array(idx.length * d);
        for (let j = 0; j < idx.length; j++) for (let q = 0; q < d; q++) delta[j * d + q] = r.best[j * d + q] - x0[idx[j] * d + q];
        return { fooled: r.fooled, best: r.best, sizes: rowNorms(delta, idx.length, norm) };
      } finally {
        xs.dispose();
      }
    };
    const all = Array.from({ length: n }, (_, i) => i);
    if (!n) return minimalResult(x, adv, norms, params.eps, { gradEvals, queries });
    const first = await pgdAt2(all, new Float32Array(n).fill(maxEps), 0);
    const lo = new Float32Array(n);
    const hi = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (!first.fooled[i]) continue;
      copyRow(first.best, i, adv, i, d);
      norms[i] = first.sizes[i];
      hi[i] = first.sizes[i];
    }
    for (let round = 1; round <= params.searchSteps; round++) {
      const idx = all.filter((i) => Number.isFinite(norms[i]) && norms[i] > 0 && hi[i] - lo[i] > 1e-6);
      if (!idx.length) break;
      const mid = Float32Array.from(idx.map((i) => (lo[i] + hi[i]) / 2));
      const r = await pgdAt2(idx, mid, round);
      idx.forEach((i, j) => {
        if (r.fooled[j] && r.sizes[j] <= hi[i]) {
          copyRow(r.best, j, adv, i, d);
          norms[i] = r.sizes[j];
          hi[i] = Math.min(mid[j], r.sizes[j]);
        } else if (!r.fooled[j]) {
          lo[i] = mid[j];
        }
      });
    }
    return minimalResult(x, adv, norms, params.eps, { gradEvals, queries });
  }
};
function autoAttackMembers(p) {
  const eps = p.eps;
  const steps = p.steps;
  const members = [
    { attack: apgdCe, params: () => ({ eps, norm: "linf", steps, restarts: 1 }) },
    { attack: apgdT, params: () => ({ eps, norm: "linf", steps, restarts: 1, targetClasses: p.targetClasses }) }
  ];
  if (p.fabSubstitute === "apgd-dlr") members.push({ attack: apgdDlr, params: () => ({ eps, norm: "linf", steps, restarts: 1 }) });
  if (p.fabSubstitute === "md") members.push({ attack: md, params: () => ({ eps, steps, restarts: 1 }) });
  members.push({ attack: square, params: () => ({ eps, queries: p.squareQueries }) });
  return members;
}
const autoattack = {
  entry: {
    name: "autoattack",
    title: "AutoAttack (standard, L∞)",
    description: "The standard reliable evaluation: APGD-CE, then APGD-T (targeted, 9 classes), then APGD-DLR in place of FAB-T (which this lab does not implement; MD or nothing can be chosen instead), then the black-box Square attack with 5000 queries — each only on the images still unbroken. Reports robust accuracy after each member and which member broke which images.",
    params: [
      {
        key: "eps",
        label: "Epsilon",
        type: "number",
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: "pixel (0–1)",
        help: "Largest change allowed per pixel, on the 0–1 scale (8/255 ≈ 0.031 for CIFAR-10, 0.3 for MNIST in the literature)."
      },
      {
        key: "steps",
        label: "APGD steps",
        type: "integer",
        min: 1,
        max: 1e4,
        default: 100,
        help: "Steps of each APGD run (the standard version uses 100).",
        advanced: true
      },
      {
        key: "targetClasses",
        label: "Target classes",
        type: "integer",
        min: 1,
        max: 1e3,
        default: 9,
        help: "Target classes tried by APGD-T (the standard version uses 9).",
        advanced: true
      },
      {
        key: "fabSubstitute",
        label: "Third member",
        type: "enum",
        default: "apgd-dlr",
        options: [
          { value: "apgd-dlr", label: "APGD-DLR (untargeted)" },
          { value: "md", label: "MD attack" },
          { value: "none", label: "None" }
        ],
        help: "What runs in the place of FAB-T, which is not implemented here.",
        advanced: true
      },
      {
        key: "squareQueries",
        label: "Square queries",
        type: "integer",
        min: 1,
        max: 1e5,
        default: 5e3,
        help: "Query budget of the Square attack per image (the standard version uses 5000); it only runs on images the gradient attacks could not break.",
        advanced: true
      }
    ]
  },
  radius: (p) => ({ norm: "linf", eps: p.eps }),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const d = n ? x.size / n : 0;
    const labels = labelsOf(y);
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : ctx.numClasses ?? 0;
    const pred0 = argmaxRows(z0, n, k);
    const fooled = new Uint8Array(n);
    for (let i = 0; i < n; i++) fooled[i] = pred0[i] !== labels[i] ? 1 : 0;
    const best = Float32Array.from(x.dataSync());
    let gradEvals = 0;
    let queries = n;
    const stages = [];
    let first = true;
    for (const member of autoAttackMembers(params)) {
      const a = member.attack;
      const stage = { name: a.entry.name, title: a.entry.title, broke: new Uint8Array(n), ran: 0, seconds: 0, gradEvals: 0, queries: 0 };
      stages.push(stage);
      const need = a.minClasses?.({}) ?? 2;
      if (k < need) {
        stage.skipped = `needs at least ${need} classes; the model has ${k}`;
        continue;
      }
      const idx = [];
      for (let i = 0; i < n; i++) if (!fooled[i]) idx.push(i);
      if (!idx.length) continue;
      const t0 = Date.now();
      const mp = parseParams(`AutoAttack member ${a.entry.name}`, a.entry.params, member.params(params));
      const xs = gatherRows(x, idx);
      const ys = gatherRows(y, idx);
      let res;
      try {
        res = await a.run(model, xs, ys, mp, { rng: ctx.rng.fork(a.entry.name), tick: ctx.tick, numClasses: k });
      } finally {
        tf.dispose([xs, ys]);
      }
      const advData = res.xAdv.dataSync();
      idx.forEach((g, j) => {
        if (res.fooled[j]) {
          fooled[g] = 1;
          stage.broke[g] = 1;
          copyRow(advData, j, best, g, d);
        } else if (first) {
          copyRow(advData, j, best, g, d);
        }
      });
      res.xAdv.dispose();
      first = false;
      stage.ran = idx.length;
      stage.seconds = (Date.now() - t0) / 1e3;
      stage.gradEvals = res.gradEvals * idx.length;
      stage.queries = (res.queries ?? 0) * idx.length;
      gradEvals += stage.gradEvals;
      queries += stage.queries;
    }
    return { xAdv: tf.tensor4d(best, x.shape), fooled, gradEvals: n ? gradEvals / n : 0, queries: n ? queries / n : 0, stages };
  }
};
const NONE = {
  name: "none",
  title: "No attack (clean accuracy)",
  description: "Measures how often the model is right on the unchanged images.",
  params: []
};
const ATTACKS = {
  fgsm,
  pgd,
  "pgd-l2": pgdL2,
  "apgd-ce": apgdCe,
  "apgd-dlr": apgdDlr,
  "apgd-t": apgdT,
  square,
  deepfool,
  "cw-l2": cwL2,
  md,
  "pgd-min": pgdMin,
  autoattack
};
function listAttacks() {
  return [NONE, ...Object.values(ATTACKS).map((a) => a.entry)];
}
function getAttack(name) {
  return Object.prototype.hasOwnProperty.call(ATTACKS, name) ? ATTACKS[name] : null;
}
function resolveAttack(spec, numClasses) {
  if (spec.name === "none") {
    parseParams("the clean evaluation", [], spec.params);
    return { attack: null, params: {} };
  }
  const attack = getAttack(spec.name);
  if (!attack) {
    throw new LabError("bad_input", `Unknown attack "${spec.name}"; known attacks: ${listAttacks().map((a) => a.name).join(", ")}.`);
  }
  const params = parseParams(`attack ${spec.name}`, attack.entry.params, spec.params);
  attack.check?.(params);
  return { attack, params };
}
function checkClasses$1(attack, params, numClasses) {
  const need = attack.minClasses?.(params) ?? 2;
  if (numClasses < need) {
    throw new LabError(
      "bad_input",
      `Attack ${attack.entry.name} needs a model with at least ${need} classes (its DLR loss compares the ${need === 3 ? "three" : "four"} largest outputs), but this model has ${numClasses}. Use apgd-ce, pgd or autoattack instead.`
    );
  }
}
const ECE_BINS = 15;
class CalibrationAccumulator {
  constructor(bins = ECE_BINS) {
    this.bins = bins;
    this.counts = new Float64Array(bins);
    this.confSums = new Float64Array(bins);
    this.correctSums = new Float64Array(bins);
  }
  bins;
  counts;
  confSums;
  correctSums;
  /** Adds one point: its confidence (0..1) and whether it was classified correctly. */
  add(confidence, correct) {
    const b = Math.min(this.bins - 1, Math.max(0, Math.ceil(confidence * this.bins - 1e-9) - 1));
    this.counts[b]++;
    this.confSums[b] += confidence;
    this.correctSums[b] += correct ? 1 : 0;
  }
  /** Adds a batch of logits (row-major [n, k]) with their labels. */
  addLogits(z2, labels, k) {
    const n = labels.length;
    for (let i = 0; i < n; i++) {
      const { confidence, predicted } = softmaxTop(z2, i, k);
      this.add(confidence, predicted === labels[i]);
    }
  }
  result() {
    let total = 0;
    for (const c of this.counts) total += c;
    let ece = 0;
    const bins = [];
    for (let b = 0; b < this.bins; b++) {
      const n = this.counts[b];
      const confidence = n ? this.confSums[b] / n : null;
      const accuracy2 = n ? this.correctSums[b] / n : null;
      if (n && total) ece += n / total * Math.abs(accuracy2 - confidence);
      bins.push({ lo: b / this.bins, hi: (b + 1) / this.bins, count: n, confidence, accuracy: accuracy2 });
    }
    return { ece, count: total, bins };
  }
}
function softmaxTop(z2, i, k) {
  let m = -Infinity;
  let arg = 0;
  for (let c = 0; c < k; c++) {
    const v = z2[i * k + c];
    if (v > m) {
      m = v;
      arg = c;
    }
  }
  let s = 0;
  for (let c = 0; c < k; c++) s += Math.exp(z2[i * k + c] - m);
  return { confidence: 1 / s, predicted: arg };
}
function encodePixels(v, offset, size2) {
  const out = new Uint8Array(size2);
  for (let i = 0; i < size2; i++) {
    const p = Math.round(v[offset + i] * 255);
    out[i] = p < 0 ? 0 : p > 255 ? 255 : p;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString("base64");
}
function encodePerturbation(clean, adv, offset, size2) {
  let linf = 0;
  let l2 = 0;
  for (let i = 0; i < size2; i++) {
    const dlt = adv[offset + i] - clean[offset + i];
    linf = Math.max(linf, Math.abs(dlt));
    l2 += dlt * dlt;
  }
  const amplification = linf > 0 ? 127 / (255 * linf) : 1;
  const out = new Uint8Array(size2);
  for (let i = 0; i < size2; i++) {
    const p = Math.round(128 + amplification * 255 * (adv[offset + i] - clean[offset + i]));
    out[i] = p < 0 ? 0 : p > 255 ? 255 : p;
  }
  return { data: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString("base64"), amplification, linf, l2: Math.sqrt(l2) };
}
class GalleryCollector {
  constructor(size2) {
    this.size = size2;
  }
  size;
  broken = [];
  others = [];
  /** Whether another item of this kind is still wanted (so callers skip encoding otherwise). */
  wants(broken) {
    return this.size > 0 && (broken ? this.broken.length < this.size : this.others.length < this.size);
  }
  add(item) {
    if (!this.wants(item.broken)) return;
    (item.broken ? this.broken : this.others).push(item);
  }
  items() {
    return [...this.broken, ...this.others].slice(0, this.size).sort((a, b) => a.index - b.index);
  }
}
function checkOutputs(model, x) {
  const n = x.shape[0];
  const z1 = logitsOf(model, x);
  const z2 = logitsOf(model, x);
  const k = n ? z1.length / n : 0;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < z1.length; i++) {
    diff = Math.max(diff, Math.abs(z1[i] - z2[i]));
    scale = Math.max(scale, Math.abs(z1[i]));
  }
  let prob = n > 0 && k > 1;
  let logProb = n > 0 && k > 1;
  for (let i = 0; i < n && (prob || logProb); i++) {
    let sum = 0;
    let expSum = 0;
    for (let c = 0; c < k; c++) {
      const v = z1[i * k + c];
      if (v < -1e-6 || v > 1 + 1e-6) prob = false;
      if (v > 1e-6) logProb = false;
      sum += v;
      expSum += Math.exp(v);
    }
    if (Math.abs(sum - 1) > 1e-3) prob = false;
    if (Math.abs(expSum - 1) > 1e-3) logProb = false;
  }
  return { points: n, repeatDifference: diff / Math.max(1, scale) > 1e-5 ? diff : 0, probabilityLike: prob, logProbabilityLike: logProb };
}
function zeroGradientFraction(model, x, y) {
  const n = x.shape[0];
  if (!n) return 0;
  const maxAbs = tf.tidy(() => {
    const g = tf.grad((xi) => tf.sum(crossEntropy(model.forward(xi, { training: false }), y, "none")))(x);
    return tf.max(tf.abs(g), [1, 2, 3]);
  });
  const m = maxAbs.dataSync();
  maxAbs.dispose();
  let zero = 0;
  for (let i = 0; i < n; i++) if (!(m[i] > 1e-12)) zero++;
  return zero / n;
}
async function unboundedAccuracy(model, x, y, rng, tick) {
  const n = x.shape[0];
  if (!n) return 0;
  const params = parseParams("the eps = 1 check", pgd.entry.params, { eps: 1, steps: 50, stepSize: 0.1, restarts: 1, randomStart: true });
  const r = await pgd.run(model, x, y, params, { rng, tick });
  r.xAdv.dispose();
  let robust = 0;
  for (let i = 0; i < n; i++) robust += r.fooled[i] ? 0 : 1;
  return robust / n;
}
async function squareOnRobust(model, x, y, robust, eps, queries, rng, tick) {
  const idx = [];
  for (let i = 0; i < robust.length; i++) if (robust[i]) idx.push(i);
  if (!idx.length) return { ran: 0, broke: 0 };
  const ii = tf.tensor1d(Int32Array.from(idx), "int32");
  const xs = tf.gather(x, ii);
  const ys = tf.gather(y, ii);
  try {
    const params = parseParams("the black-box check", square.entry.params, { eps, queries });
    const r = await square.run(model, xs, ys, params, { rng, tick });
    r.xAdv.dispose();
    return { ran: idx.length, broke: r.fooled.reduce((a, b) => a + b, 0) };
  } finally {
    tf.dispose([ii, xs, ys]);
  }
}
function maskingWarnings(f) {
  const out = [];
  const pct = (v) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
  if (f.outputs?.probabilityLike) {
    out.push({
      code: "probability-outputs",
      message: "The model’s outputs look like probabilities (each row is between 0 and 1 and sums to 1), not logits. Attacks then apply softmax a second time, which flattens the gradients and makes the model look more robust than it is. Remove the final softmax so the model returns logits, then evaluate again.",
      value: 1
    });
  } else if (f.outputs?.logProbabilityLike) {
    out.push({
      code: "probability-outputs",
      message: "The model’s outputs look like log-probabilities (log-softmax) rather than logits. Cross-entropy attacks still work, but margin-based attacks and checks may be affected; prefer returning raw logits.",
      value: 1
    });
  }
  if (f.outputs && f.outputs.repeatDifference > 0) {
    out.push({
      code: "random-outputs",
      message: `The same image gave different outputs on two passes (largest difference ${f.outputs.repeatDifference.toPrecision(3)}): the model is random at test time. Gradients are then noisy and one attack run understates what an attacker achieves. Evaluate with an attack that averages gradients over many passes (EOT) and more restarts, or make the model deterministic.`,
      value: f.outputs.repeatDifference
    });
  }
  if (f.zeroGradients && f.zeroGradients.fraction >= 0.1) {
    out.push({
      code: "zero-gradients",
      message: `The input gradient is exactly zero on ${pct(f.zeroGradients.fraction)} of ${f.zeroGradients.points} checked images, so gradient attacks cannot move from there. This usually comes from saturated outputs, rounding or other non-differentiable steps, not from robustness. Check with the Square attack (black-box) and the DLR-based attacks (apgd-dlr, autoattack).`,
      value: f.zeroGradients.fraction
    });
  }
  if (f.unbounded) {
    const chance = 1 / Math.max(1, f.unbounded.numClasses);
    if (f.unbounded.accuracy > chance) {
      out.push({
        code: "unbounded-not-broken",
        message: `With eps = 1 (any image allowed) PGD left accuracy at ${pct(f.unbounded.accuracy)} on ${f.unbounded.points} images, above chance (${pct(chance)}). A working attack must reach chance or below here, so the attack is being misled (gradient masking) and the robust accuracy above is not trustworthy. Try autoattack, more steps and restarts, or the Square attack.`,
        value: f.unbounded.accuracy
      });
    }
  }
  if (f.blackBox && f.blackBox.broke > 0 && f.blackBox.broke >= 0.01 * f.blackBox.count) {
    out.push({
      code: "blackbox-beats-whitebox",
      message: `The black-box Square attack, which sees only the model’s outputs, broke ${f.blackBox.broke} image${f.blackBox.broke === 1 ? "" : "s"} (${pct(f.blackBox.broke / Math.max(1, f.blackBox.count))}) that ${f.blackBox.source} could not. A black-box attack should not beat a gradient attack: either the gradients are misleading (gradient masking) or the gradient attack was too weak. Trust the lower accuracy, and evaluate with autoattack or with more steps and restarts.`,
      value: f.blackBox.broke / Math.max(1, f.blackBox.count)
    });
  }
  return out;
}
const CHECK_POINTS = 100;
const BLACKBOX_QUERIES = 1e3;
function attackNorm(attack, params) {
  if (!attack) return null;
  const r = attack.radius?.({ ...params, eps: 1 });
  return r?.norm ?? null;
}
function checkEpsGrid(attack, attackName, params, grid) {
  if (!grid?.length) return;
  if (!attack) throw new LabError("bad_input", "An eps grid needs an attack; choose one (for example pgd) or leave the grid out.");
  if (attack.kind === "minimal") return;
  if (!attack.entry.params.some((p) => p.key === "eps")) {
    throw new LabError("bad_input", `Attack ${attackName} has no eps, so it cannot be run on an eps grid.`);
  }
  for (const eps of grid) resolveAttack({ name: attackName, params: { ...params, eps } });
}
function median(v) {
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
class EvaluationSuite {
  constructor(model, attack, params, o) {
    this.model = model;
    this.attack = attack;
    this.params = params;
    this.o = o;
    const k = o.numClasses;
    this.perClass = Array.from({ length: k }, () => ({ count: 0, clean: 0, robust: 0 }));
    this.confClean = Array.from({ length: k }, () => new Array(k).fill(0));
    this.confAdv = Array.from({ length: k }, () => new Array(k).fill(0));
    this.gallery = new GalleryCollector(o.gallery);
    this.grid = attack ? [...new Set(o.epsGrid ?? [])].sort((a, b) => a - b) : [];
    this.curveRobust = this.grid.map(() => 0);
    this.norm = attackNorm(attack, params);
    this.mainEps = attack?.radius?.(params)?.eps ?? null;
  }
  model;
  attack;
  params;
  o;
  count = 0;
  cleanCorrect = 0;
  robustCorrect = 0;
  perClass;
  confClean;
  confAdv;
  calClean = new CalibrationAccumulator(ECE_BINS);
  calAdv = new CalibrationAccumulator(ECE_BINS);
  gallery;
  grid;
  curveRobust;
  minimalNorms = [];
  stageSums = /* @__PURE__ */ new Map();
  targetAttempted = 0;
  targetHits = 0;
  gradEvals = 0;
  queries = 0;
  attackSeconds = 0;
  curveSeconds = 0;
  checkSeconds = 0;
  findings = {};
  checksRan = /* @__PURE__ */ new Set();
  blackBox = { ran: 0, broke: 0 };
  shape = [0, 0, 0];
  norm;
  mainEps;
  /**
   * Evaluates one batch: clean predictions, the attack, and everything measured on top.
   * Returns the clean predictions and the attack's `fooled` flags (null without an attack).
   */
  async batch(x, y, labels, start, rng, tick) {
    const [n, h, w, c] = x.shape;
    const d = h * w * c;
    const k = this.o.numClasses;
    this.shape = [h, w, c];
    const zClean = logitsOf(this.model, x);
    const kOut = n ? zClean.length / n : k;
    const cleanPred = argmaxRows(zClean, n, kOut);
    for (let i = 0; i < n; i++) {
      const t = labels[i];
      if (t >= k) {
        throw new LabError("shape_mismatch", `The dataset has label ${t} but the model predicts only ${k} classes; evaluate it on a dataset with the same classes.`);
      }
    }
    this.calClean.addLogits(zClean, labels, kOut);
    const cleanOk = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      cleanOk[i] = cleanPred[i] === labels[i] ? 1 : 0;
      this.confClean[labels[i]][cleanPred[i]]++;
    }
    if (this.count === 0) await this.firstBatchChecks(x, y, rng, tick);
    let fooled = null;
    let batchGradEvals = 0;
    if (this.attack) {
      const t0 = Date.now();
      const res = await this.attack.run(this.model, x, y, this.params, { rng: rng.fork("attack"), tick, numClasses: k });
      this.attackSeconds += (Date.now() - t0) / 1e3;
      try {
        fooled = res.fooled;
        batchGradEvals = res.gradEvals;
        this.gradEvals += res.gradEvals * n;
        this.queries += (res.queries ?? 0) * n;
        await this.afterAttack(x, y, labels, cleanOk, zClean, kOut, res, start, rng, tick);
      } finally {
        res.xAdv.dispose();
      }
    } else if (this.o.gallery > 0) {
      const xData = x.dataSync();
      for (let i = 0; i < n && this.gallery.wants(false); i++) {
        const top = softmaxTop(zClean, i, kOut);
        const p = encodePerturbation(xData, xData, i * d, d);
        const img = encodePixels(xData, i * d, d);
        this.gallery.add({
          index: start + i,
          label: labels[i],
          labelName: this.className(labels[i]),
          cleanPred: cleanPred[i],
          advPred: cleanPred[i],
          cleanConfidence: top.confidence,
          advConfidence: top.confidence,
          broken: false,
          clean: img,
          adversarial: img,
          perturbation: p.data,
          amplification: p.amplification,
          linf: 0,
          l2: 0
        });
      }
    }
    for (let i = 0; i < n; i++) {
      const pc = this.perClass[labels[i]];
      pc.count++;
      this.count++;
      if (cleanOk[i]) {
        pc.clean++;
        this.cleanCorrect++;
        if (!fooled || !fooled[i]) {
          pc.robust++;
          this.robustCorrect++;
        }
      }
    }
    return { cleanPred, fooled, gradEvals: batchGradEvals };
  }
  className(label) {
    return this.o.classNames[label] ?? String(label);
  }
  async firstBatchChecks(x, y, rng, tick) {
    const m = Math.min(CHECK_POINTS, x.shape[0]);
    if (!m || !this.o.checks.masking && !this.o.checks.unbounded) return;
    const t0 = Date.now();
    const idx = Array.from({ length: m }, (_, i) => i);
    const xs = gatherRows(x, idx);
    const ys = gatherRows(y, idx);
    try {
      if (this.o.checks.masking) {
        this.findings.outputs = checkOutputs(this.model, xs);
        this.findings.zeroGradients = { fraction: zeroGradientFraction(this.model, xs, ys), points: m };
        this.checksRun("outputs", "zero-gradients");
      }
      if (this.o.checks.unbounded) {
        this.findings.unbounded = { accuracy: await unboundedAccuracy(this.model, xs, ys, rng.fork("unbounded-check"), tick), points: m, numClasses: this.o.numClasses };
        this.checksRun("unbounded");
      }
    } finally {
      tf.dispose([xs, ys]);
    }
    this.checkSeconds += (Date.now() - t0) / 1e3;
  }
  checksRun(...names) {
    for (const nm of names) this.checksRan.add(nm);
  }
  async afterAttack(x, y, labels, cleanOk, zClean, kOut, res, start, rng, tick) {
    const [n, h, w, c] = x.shape;
    const d = h * w * c;
    const zAdv = logitsOf(this.model, res.xAdv);
    const advPred = argmaxRows(zAdv, n, kOut);
    this.calAdv.addLogits(zAdv, labels, kOut);
    for (let i = 0; i < n; i++) this.confAdv[labels[i]][advPred[i]]++;
    if (res.perturbation) for (let i = 0; i < n; i++) this.minimalNorms.push(res.perturbation[i]);
    if (res.stages) {
      for (const s of res.stages) {
        const acc = this.stageSums.get(s.name) ?? { name: s.name, title: s.title, ran: 0, broke: 0, seconds: 0, gradEvals: 0, queries: 0 };
        acc.ran += s.ran;
        for (let i = 0; i < n; i++) if (s.broke[i] && cleanOk[i]) acc.broke++;
        acc.seconds += s.seconds;
        acc.gradEvals += s.gradEvals;
        acc.queries += s.queries;
        if (s.skipped) acc.skipped = s.skipped;
        this.stageSums.set(s.name, acc);
      }
      const sq = res.stages.find((s) => s.name === "square" && !s.skipped);
      if (sq) {
        let broke = 0;
        for (let i = 0; i < n; i++) if (sq.broke[i] && cleanOk[i]) broke++;
        this.blackBox.ran += sq.ran;
        this.blackBox.broke += broke;
        this.checksRun("blackbox");
      }
    }
    if (res.targetHit) {
      for (let i = 0; i < n; i++) {
        if (!cleanOk[i]) continue;
        this.targetAttempted++;
        this.targetHits += res.targetHit[i];
      }
    }
    if (this.o.gallery > 0) {
      let xData = null;
      let advData = null;
      for (let i = 0; i < n; i++) {
        const broken = !!cleanOk[i] && advPred[i] !== labels[i];
        if (!this.gallery.wants(broken)) continue;
        xData ??= x.dataSync();
        advData ??= res.xAdv.dataSync();
        const p = encodePerturbation(xData, advData, i * d, d);
        this.gallery.add({
          index: start + i,
          label: labels[i],
          labelName: this.className(labels[i]),
          cleanPred: argmaxRows(zClean.subarray(i * kOut, (i + 1) * kOut), 1, kOut)[0],
          advPred: advPred[i],
          cleanConfidence: softmaxTop(zClean, i, kOut).confidence,
          advConfidence: softmaxTop(zAdv, i, kOut).confidence,
          broken,
          clean: encodePixels(xData, i * d, d),
          adversarial: encodePixels(advData, i * d, d),
          perturbation: p.data,
          amplification: p.amplification,
          linf: p.linf,
          l2: p.l2
        });
      }
    }
    if (this.grid.length && this.attack.kind !== "minimal") {
      const t0 = Date.now();
      const broken = new Uint8Array(n);
      for (let i = 0; i < n; i++) broken[i] = !cleanOk[i] ? 1 : 0;
      for (let g = 0; g < this.grid.length; g++) {
        const eps = this.grid[g];
        if (this.mainEps !== null && eps >= this.mainEps) {
          for (let i = 0; i < n; i++) if (res.fooled[i]) broken[i] = 1;
        }
        const idx = [];
        for (let i = 0; i < n; i++) if (!broken[i]) idx.push(i);
        if (idx.length && eps > 0) {
          const xs = gatherRows(x, idx);
          const ys = gatherRows(y, idx);
          try {
            const { params } = resolveAttack({ name: this.o.attackName, params: { ...this.params, eps } });
            const r = await this.attack.run(this.model, xs, ys, params, { rng: rng.fork(`curve-${g}`), tick, numClasses: this.o.numClasses });
            r.xAdv.dispose();
            idx.forEach((i, j) => {
              if (r.fooled[j]) broken[i] = 1;
            });
          } finally {
            tf.dispose([xs, ys]);
          }
        }
        let robust = 0;
        for (let i = 0; i < n; i++) robust += broken[i] ? 0 : 1;
        this.curveRobust[g] += robust;
      }
      this.curveSeconds += (Date.now() - t0) / 1e3;
    }
    if (this.o.checks.blackBox && !this.attack.blackBox && this.attack.kind !== "minimal" && !res.stages && this.norm === "linf" && this.mainEps !== null) {
      const t0 = Date.now();
      const robust = new Uint8Array(n);
      for (let i = 0; i < n; i++) robust[i] = cleanOk[i] && !res.fooled[i] ? 1 : 0;
      const r = await squareOnRobust(this.model, x, y, robust, Math.min(1, this.mainEps), BLACKBOX_QUERIES, rng.fork("blackbox-check"), tick);
      this.blackBox.ran += r.ran;
      this.blackBox.broke += r.broke;
      this.checksRun("blackbox");
      this.checkSeconds += (Date.now() - t0) / 1e3;
    }
  }
  /** The full report, after the last batch. */
  report(seconds) {
    const a = this.attack;
    const k = this.o.numClasses;
    const count = this.count;
    const cleanAccuracy = count ? this.cleanCorrect / count : 0;
    const robustAccuracy = a ? count ? this.robustCorrect / count : 0 : null;
    const perClass = this.perClass.map((p, label) => ({
      label,
      name: this.className(label),
      count: p.count,
      cleanCorrect: p.clean,
      robustCorrect: a ? p.robust : null,
      cleanAccuracy: p.count ? p.clean / p.count : null,
      robustAccuracy: a && p.count ? p.robust / p.count : null
    }));
    const worst = (key) => {
      let best = null;
      for (const p of perClass) {
        const v = p[key];
        if (v == null || !p.count) continue;
        if (!best || v < best.accuracy) best = { label: p.label, name: p.name, accuracy: v };
      }
      return best;
    };
    const norm = this.norm;
    let epsCurve = null;
    let minimal = null;
    if (a?.kind === "minimal" && norm) {
      const found = this.minimalNorms.filter((v) => Number.isFinite(v));
      const attacked = this.minimalNorms.filter((v) => v > 0).length;
      const positives = found.filter((v) => v > 0);
      minimal = {
        norm,
        median: median(this.minimalNorms.filter((v) => v > 0).map((v) => Number.isFinite(v) ? v : Number.MAX_VALUE)) ?? null,
        mean: positives.length ? positives.reduce((s, v) => s + v, 0) / positives.length : null,
        found: positives.length,
        attacked,
        perPoint: this.minimalNorms.map((v) => Number.isFinite(v) ? v : null)
      };
      if (minimal.median === Number.MAX_VALUE) minimal.median = null;
      const maxFound = positives.length ? Math.max(...positives) : 1;
      const grid = this.o.epsGrid?.length ? [...new Set(this.o.epsGrid)].sort((x, y) => x - y) : Array.from({ length: 21 }, (_, i) => i / 20 * maxFound * 1.05);
      epsCurve = {
        source: "minimal",
        norm,
        points: grid.map((eps) => ({ eps, robustAccuracy: count ? this.minimalNorms.filter((v) => v > 0 && !(v <= eps)).length / count : 0 }))
      };
    } else if (this.grid.length && norm) {
      epsCurve = { source: "grid", norm, points: this.grid.map((eps, g) => ({ eps, robustAccuracy: count ? this.curveRobust[g] / count : 0 })) };
    }
    let stages = null;
    if (this.stageSums.size) {
      let robust = this.cleanCorrect;
      stages = [...this.stageSums.values()].map((s) => {
        robust -= s.broke;
        return {
          name: s.name,
          title: s.title,
          ran: s.ran,
          broke: s.broke,
          robustAccuracyAfter: count ? robust / count : 0,
          seconds: s.seconds,
          gradEvalsPerPoint: count ? s.gradEvals / count : 0,
          queriesPerPoint: count ? s.queries / count : 0,
          ...s.skipped ? { skipped: s.skipped } : {}
        };
      });
    }
    if (this.checksRan.has("blackbox")) {
      this.findings.blackBox = { ...this.blackBox, count, source: stages ? "the gradient attacks before it" : `the ${a?.entry.name ?? ""} attack` };
    }
    const measurements = {};
    if (this.findings.outputs) {
      measurements.repeat_difference = this.findings.outputs.repeatDifference;
      measurements.probability_like = this.findings.outputs.probabilityLike ? 1 : 0;
    }
    if (this.findings.zeroGradients) measurements.zero_gradient_fraction = this.findings.zeroGradients.fraction;
    if (this.findings.unbounded) measurements.eps1_accuracy = this.findings.unbounded.accuracy;
    if (this.findings.blackBox) {
      measurements.blackbox_ran = this.findings.blackBox.ran;
      measurements.blackbox_broke = this.findings.blackBox.broke;
    }
    const radius = a?.radius?.(this.params) ?? null;
    const gradEvalsPerPoint = count ? this.gradEvals / count : 0;
    return {
      version: 1,
      attack: {
        name: this.o.attackName,
        title: a?.entry.title ?? "No attack (clean accuracy)",
        params: { ...this.params },
        kind: a ? a.kind ?? "bounded" : "none",
        blackBox: !!a?.blackBox,
        norm,
        eps: radius?.eps ?? null
      },
      count,
      numClasses: k,
      classNames: Array.from({ length: k }, (_, i) => this.className(i)),
      cleanAccuracy,
      robustAccuracy,
      perClass,
      worstClass: { clean: worst("cleanAccuracy"), robust: a ? worst("robustAccuracy") : null },
      confusion: { clean: this.confClean, adversarial: a ? this.confAdv : null },
      epsCurve,
      minimal,
      stages,
      targeted: this.targetAttempted ? { successRate: this.targetHits / this.targetAttempted, attempted: this.targetAttempted } : null,
      calibration: { bins: ECE_BINS, clean: this.calClean.result(), adversarial: a ? this.calAdv.result() : null },
      cost: {
        seconds,
        attackSeconds: this.attackSeconds,
        curveSeconds: this.curveSeconds,
        checkSeconds: this.checkSeconds,
        secondsPerPoint: count ? this.attackSeconds / count : 0,
        gradEvalsPerPoint,
        queriesPerPoint: count ? this.queries / count : 0
      },
      checks: { ran: [...this.checksRan], warnings: maskingWarnings(this.findings), measurements },
      gallery: { height: this.shape[0], width: this.shape[1], channels: this.shape[2], items: this.gallery.items() },
      gradEvalsPerPoint,
      seconds,
      radius
    };
  }
}
function makeImage(height, width, channels, fill = 0) {
  const data = new Float32Array(height * width * channels);
  if (fill !== 0) data.fill(fill);
  return { data, height, width, channels };
}
const BYTE_TO_UNIT = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 255;
  return t;
})();
function imageFromBytes(bytes, index, height, width, channels) {
  const per = height * width * channels;
  const out = new Float32Array(per);
  const off = index * per;
  for (let p = 0; p < per; p++) out[p] = BYTE_TO_UNIT[bytes[off + p]];
  return { data: out, height, width, channels };
}
function imageToBytes(img, bytes, index) {
  const per = img.data.length;
  const off = index * per;
  const d = img.data;
  for (let p = 0; p < per; p++) {
    const v = d[p];
    bytes[off + p] = v > 0 ? v >= 1 ? 255 : Math.round(v * 255) : 0;
  }
}
function clip01InPlace(img) {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    d[i] = v > 0 ? v < 1 ? v : 1 : 0;
  }
  return img;
}
function colourChannels(channels) {
  if (channels === 1) return { colour: 1, alpha: false };
  if (channels === 2) return { colour: 1, alpha: true };
  if (channels === 3) return { colour: 3, alpha: false };
  if (channels === 4) return { colour: 3, alpha: true };
  throw new LabError("shape_mismatch", `Images with ${channels} channels cannot be corrupted; use 1 (grey), 3 (RGB) or 4 (RGBA) channels.`);
}
function splitAlpha(img) {
  const { colour, alpha } = colourChannels(img.channels);
  if (!alpha) return { colour: img, alpha: null };
  const n = img.height * img.width;
  const c = img.channels;
  const col = makeImage(img.height, img.width, colour);
  const a = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < colour; k++) col.data[p * colour + k] = img.data[p * c + k];
    a[p] = img.data[p * c + colour];
  }
  return { colour: col, alpha: a };
}
function joinAlpha(colour, alpha) {
  if (!alpha) return colour;
  const n = colour.height * colour.width;
  const cc = colour.channels;
  const out = makeImage(colour.height, colour.width, cc + 1);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < cc; k++) out.data[p * (cc + 1) + k] = colour.data[p * cc + k];
    out.data[p * (cc + 1) + cc] = alpha[p];
  }
  return out;
}
function getPlane(img, k) {
  const n = img.height * img.width;
  const c = img.channels;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = img.data[p * c + k];
  return out;
}
function setPlane(img, k, plane) {
  const n = img.height * img.width;
  const c = img.channels;
  for (let p = 0; p < n; p++) img.data[p * c + k] = plane[p];
}
function mapPlanes(img, fn) {
  if (img.channels === 1) {
    return { ...img, data: fn(img.data, img.height, img.width) };
  }
  const out = makeImage(img.height, img.width, img.channels);
  for (let k = 0; k < img.channels; k++) setPlane(out, k, fn(getPlane(img, k), img.height, img.width));
  return out;
}
const LUMA = [0.299, 0.587, 0.114];
function greyPlane(img) {
  if (img.channels === 1) return new Float32Array(img.data);
  const n = img.height * img.width;
  const out = new Float32Array(n);
  const d = img.data;
  for (let p = 0; p < n; p++) out[p] = LUMA[0] * d[p * 3] + LUMA[1] * d[p * 3 + 1] + LUMA[2] * d[p * 3 + 2];
  return out;
}
function rgbToHsv(r, g, b) {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  const v = max;
  const s = max === 0 ? 0 : delta / max;
  let h = 0;
  if (delta > 0) {
    if (max === r) h = (g - b) / delta / 6;
    else if (max === g) h = (2 + (b - r) / delta) / 6;
    else h = (4 + (r - g) / delta) / 6;
    if (h < 0) h += 1;
  }
  return [h, s, v];
}
function hsvToRgb(h, s, v) {
  const h6 = (h - Math.floor(h)) * 6;
  const i = Math.floor(h6) % 6;
  const f = h6 - Math.floor(h6);
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (i) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}
const SMALL_IMAGE_MAX_SIDE = 64;
const PRESET_PARAM = {
  key: "preset",
  label: "Parameter set",
  type: "enum",
  default: "auto",
  options: [
    { value: "auto", label: "Automatic (by image size)" },
    { value: "cifar", label: "CIFAR-10-C (small images)" },
    { value: "imagenet", label: "ImageNet-C (large images)" }
  ],
  help: `Which published severity values to use. Automatic takes the CIFAR-10-C values for images up to ${SMALL_IMAGE_MAX_SIDE} pixels on a side and the ImageNet-C values for larger ones.`,
  advanced: true
};
function regimeOf(img, params) {
  const p = params.preset;
  if (p === "cifar") return "small";
  if (p === "imagenet") return "large";
  return Math.max(img.height, img.width) <= SMALL_IMAGE_MAX_SIDE ? "small" : "large";
}
function level(table, severity) {
  return table[Math.min(table.length, Math.max(1, severity)) - 1];
}
function pick(small, large, img, params, severity) {
  return regimeOf(img, params) === "small" ? level(small, severity) : level(large, severity);
}
function strengthParam(d) {
  return {
    key: "strength",
    label: d.label,
    type: "number",
    min: d.min ?? 0,
    max: d.max,
    step: d.step,
    default: 0,
    unit: d.unit,
    help: `${d.help} 0 uses the value of the chosen severity.`
  };
}
function strengthOr(params, fallback) {
  const s = params.strength;
  return typeof s === "number" && s > 0 ? s : fallback;
}
function describeLevels(unit2, small, large) {
  if (!large) return `Severities 1–5: ${unit2} ${small.join(", ")}.`;
  return `Severities 1–5: ${unit2} ${small.join(", ")} on small images (CIFAR-10-C), ${large.join(", ")} on large ones (ImageNet-C).`;
}
const LABEL_NOISE_RATES = [0.1, 0.2, 0.3, 0.4, 0.5];
const RATE_PARAM = {
  key: "rate",
  label: "Noise rate",
  type: "number",
  min: 0,
  max: 1,
  step: 0.01,
  default: 0,
  help: "Chance that a label is changed. 0 uses the value of the chosen severity (0.1, 0.2, 0.3, 0.4, 0.5 for severities 1–5)."
};
function checkClasses(numClasses, what) {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new LabError("bad_input", `${what} needs at least 2 classes; this dataset has ${numClasses}.`);
  }
}
function symmetricMatrix(numClasses, rate) {
  checkClasses(numClasses, "Symmetric label noise");
  const off = rate / (numClasses - 1);
  return Array.from({ length: numClasses }, (_, i) => Array.from({ length: numClasses }, (_2, j) => i === j ? 1 - rate : off));
}
function checkClassMap(map, numClasses) {
  if (!map) return Array.from({ length: numClasses }, (_, i) => (i + 1) % numClasses);
  if (map.length !== numClasses) {
    throw new LabError("bad_input", `The class map has ${map.length} entries but the dataset has ${numClasses} classes; give one target class per class (the class itself for "no flip").`);
  }
  map.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= numClasses) {
      throw new LabError("bad_input", `The class map sends class ${i} to ${String(t)}; targets must be class numbers from 0 to ${numClasses - 1}.`);
    }
  });
  return map;
}
function pairFlipMatrix(numClasses, rate, classMap) {
  checkClasses(numClasses, "Pair-flip label noise");
  const map = checkClassMap(classMap, numClasses);
  return Array.from({ length: numClasses }, (_, i) => {
    const row = new Array(numClasses).fill(0);
    row[i] += 1 - rate;
    row[map[i]] += rate;
    return row;
  });
}
function validateTransitionMatrix(matrix, numClasses) {
  if (!Array.isArray(matrix) || matrix.length !== numClasses) {
    const n = Array.isArray(matrix) ? matrix.length : 0;
    throw new LabError("bad_input", `The transition matrix must have one row per class: ${numClasses} rows for this dataset, got ${n}.`);
  }
  return matrix.map((row, i) => {
    if (!Array.isArray(row) || row.length !== numClasses) {
      throw new LabError("bad_input", `Row ${i} of the transition matrix must have ${numClasses} entries (one per class), got ${Array.isArray(row) ? row.length : 0}.`);
    }
    let sum = 0;
    row.forEach((v, j) => {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new LabError("bad_input", `Entry [${i}][${j}] of the transition matrix is ${String(v)}; entries are probabilities (numbers ≥ 0).`);
      }
      sum += v;
    });
    if (Math.abs(sum - 1) > 1e-6) {
      throw new LabError("bad_input", `Row ${i} of the transition matrix sums to ${+sum.toFixed(6)}; each row gives the chances of every label for class ${i} and must sum to 1.`);
    }
    return row;
  });
}
function applyTransition(labels, matrix, rng) {
  const cum = matrix.map((row) => {
    const c = new Float64Array(row.length);
    let s = 0;
    for (let j = 0; j < row.length; j++) {
      s += row[j];
      c[j] = s;
    }
    return c;
  });
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const row = cum[y];
    if (!row) throw new LabError("bad_input", `Label ${y} has no row in the transition matrix (${matrix.length} classes).`);
    const u = rng.next() * row[row.length - 1];
    let j = 0;
    while (j < row.length - 1 && u >= row[j]) j++;
    out[i] = j;
  }
  return out;
}
function labelNoiseRate(noisy, clean) {
  if (noisy.length !== clean.length) throw new LabError("shape_mismatch", `There are ${noisy.length} noisy labels but ${clean.length} true labels.`);
  let d = 0;
  for (let i = 0; i < noisy.length; i++) if (noisy[i] !== clean[i]) d++;
  return noisy.length ? d / noisy.length : 0;
}
function rateOf(params, severity) {
  const r = params.rate;
  return r > 0 ? r : level(LABEL_NOISE_RATES, severity);
}
function relabel(state, matrix, rng) {
  return { state: { ...state, labels: applyTransition(state.labels, matrix, rng) } };
}
const symmetricLabelNoise = {
  kind: "split",
  name: "labels/symmetric",
  title: "Label noise: symmetric",
  description: "Mislabels examples at random, as careless annotators would: each label is replaced, with the noise rate as chance, by one of the other classes picked uniformly. Rates 0.1–0.5 for severities 1–5.",
  family: "labels",
  suite: "labels",
  defaultSeverity: 2,
  usesSeverity: true,
  params: [RATE_PARAM],
  plan(state, severity, params, _extra, rng) {
    return relabel(state, symmetricMatrix(state.numClasses, rateOf(params, severity)), rng);
  }
};
const pairFlipLabelNoise = {
  kind: "split",
  name: "labels/pair_flip",
  title: "Label noise: pair flip (asymmetric)",
  description: "Confuses each class with one specific other class, as annotators mix up similar things (e.g. 7 ↔ 1): with the noise rate as chance, class i gets the label the class map gives it (default: the next class, i → i+1). Rates 0.1–0.5 for severities 1–5.",
  family: "labels",
  suite: "labels",
  defaultSeverity: 2,
  usesSeverity: true,
  params: [RATE_PARAM],
  plan(state, severity, params, extra, rng) {
    return relabel(state, pairFlipMatrix(state.numClasses, rateOf(params, severity), extra.classMap), rng);
  }
};
const transitionLabelNoise = {
  kind: "split",
  name: "labels/transition",
  title: "Label noise: transition matrix",
  description: "Redraws every label from a transition matrix you give: row i lists the chances that an example of class i gets each label, so each row must sum to 1. The severity is not used.",
  family: "labels",
  suite: "labels",
  defaultSeverity: 1,
  usesSeverity: false,
  params: [],
  plan(state, _severity, _params, extra, rng) {
    if (!extra.matrix) {
      throw new LabError("bad_input", 'Label noise with a transition matrix needs the matrix: give the step a "matrix" with one row of label chances per class.');
    }
    return relabel(state, validateTransitionMatrix(extra.matrix, state.numClasses), rng);
  }
};
function borderIndex(i, n, mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case "nearest":
      return i < 0 ? 0 : n - 1;
    case "constant":
      return -1;
    case "reflect": {
      if (n === 1) return 0;
      const period = 2 * n;
      let k = i % period;
      if (k < 0) k += period;
      return k < n ? k : period - 1 - k;
    }
    case "mirror": {
      if (n === 1) return 0;
      const period = 2 * n - 2;
      let k = i % period;
      if (k < 0) k += period;
      return k < n ? k : period - k;
    }
  }
}
function gaussianKernel1d(sigma, truncate = 4) {
  const radius = Math.max(0, Math.floor(truncate * sigma + 0.5));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-0.5 * i * i / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}
function convolve1d(src, h, w, kernel, axis, mode) {
  const out = new Float32Array(h * w);
  const r = kernel.length - 1 >> 1;
  const n = axis === 1 ? w : h;
  const idx = new Int32Array(n * kernel.length);
  for (let i = 0; i < n; i++) for (let t = 0; t < kernel.length; t++) idx[i * kernel.length + t] = borderIndex(i + t - r, n, mode);
  const kl = kernel.length;
  if (axis === 1) {
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        let s = 0;
        const base = x * kl;
        for (let t = 0; t < kl; t++) {
          const j = idx[base + t];
          if (j >= 0) s += kernel[t] * src[row + j];
        }
        out[row + x] = s;
      }
    }
  } else {
    for (let y = 0; y < h; y++) {
      const base = y * kl;
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = 0; t < kl; t++) {
          const j = idx[base + t];
          if (j >= 0) s += kernel[t] * src[j * w + x];
        }
        out[y * w + x] = s;
      }
    }
  }
  return out;
}
function gaussianBlurPlane(src, h, w, sigma, opts = {}) {
  if (!(sigma > 0)) return new Float32Array(src);
  const k = gaussianKernel1d(sigma, opts.truncate ?? 4);
  const mode = opts.mode ?? "nearest";
  return convolve1d(convolve1d(src, h, w, k, 0, mode), h, w, k, 1, mode);
}
function filter2d(src, h, w, kernel, kh, kw, mode = "mirror") {
  const out = new Float32Array(h * w);
  const ry = kh - 1 >> 1;
  const rx = kw - 1 >> 1;
  const taps = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) if (kernel[i * kw + j] !== 0) taps.push({ dy: i - ry, dx: j - rx, v: kernel[i * kw + j] });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (const t of taps) {
        const yy = borderIndex(y + t.dy, h, mode);
        const xx = borderIndex(x + t.dx, w, mode);
        if (yy >= 0 && xx >= 0) s += t.v * src[yy * w + xx];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}
function boxBlurPlane(src, h, w, size2 = 3) {
  const k = new Float64Array(size2).fill(1 / size2);
  return convolve1d(convolve1d(src, h, w, k, 0, "mirror"), h, w, k, 1, "mirror");
}
function diskKernel(radius, aliasBlur) {
  const half = radius <= 8 ? 8 : Math.ceil(radius);
  const size2 = 2 * half + 1;
  const disk = new Float32Array(size2 * size2);
  let sum = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      if (x * x + y * y <= radius * radius) {
        disk[(y + half) * size2 + (x + half)] = 1;
        sum++;
      }
    }
  }
  for (let i = 0; i < disk.length; i++) disk[i] /= sum;
  const ks = radius <= 8 ? 3 : 5;
  const g = new Float64Array(ks);
  let gs = 0;
  for (let i = 0; i < ks; i++) {
    const d = i - (ks - 1) / 2;
    g[i] = Math.exp(-d * d / (2 * aliasBlur * aliasBlur));
    gs += g[i];
  }
  for (let i = 0; i < ks; i++) g[i] /= gs;
  const blurred = convolve1d(convolve1d(disk, size2, size2, g, 0, "mirror"), size2, size2, g, 1, "mirror");
  let r = 0;
  for (let y = 0; y < size2; y++) {
    for (let x = 0; x < size2; x++) {
      if (blurred[y * size2 + x] > 1e-12) r = Math.max(r, Math.abs(y - half), Math.abs(x - half));
    }
  }
  const cs = 2 * r + 1;
  const k = new Float32Array(cs * cs);
  let total = 0;
  for (let y = 0; y < cs; y++) for (let x = 0; x < cs; x++) total += k[y * cs + x] = blurred[(y + half - r) * size2 + (x + half - r)];
  for (let i = 0; i < k.length; i++) k[i] /= total;
  return { k, size: cs };
}
function motionBlurPlane(src, h, w, radius, sigma, angleDeg) {
  const width = 2 * Math.round(radius) + 1;
  const weights = new Float64Array(width);
  let sum = 0;
  for (let i = 0; i < width; i++) {
    weights[i] = Math.exp(-i * i / (2 * sigma * sigma));
    sum += weights[i];
  }
  const a = angleDeg * Math.PI / 180;
  const sy = Math.sin(a);
  const sx = Math.cos(a);
  const out = new Float32Array(h * w);
  let used = 0;
  let taps = 0;
  for (; taps < width; taps++) {
    if (Math.abs(Math.ceil(taps * sy - 0.5)) >= h || Math.abs(Math.ceil(taps * sx - 0.5)) >= w) break;
    used += weights[taps];
  }
  sum = used;
  for (let i = 0; i < taps; i++) {
    const dy = -Math.ceil(i * sy - 0.5);
    const dx = -Math.ceil(i * sx - 0.5);
    const wt = weights[i] / sum;
    for (let y = 0; y < h; y++) {
      const yy = Math.min(h - 1, Math.max(0, y - dy));
      for (let x = 0; x < w; x++) {
        const xx = Math.min(w - 1, Math.max(0, x - dx));
        out[y * w + x] += wt * src[yy * w + xx];
      }
    }
  }
  return out;
}
function cannyPlane(src, h, w, opts) {
  const s = opts.sigma > 0 ? gaussianBlurPlane(src, h, w, opts.sigma, { mode: "nearest" }) : src;
  const gx = new Float32Array(h * w);
  const gy = new Float32Array(h * w);
  const mag = new Float32Array(h * w);
  const at = (y, x) => s[borderIndex(y, h, "mirror") * w + borderIndex(x, w, "mirror")];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = at(y - 1, x - 1);
      const b = at(y - 1, x);
      const c = at(y - 1, x + 1);
      const d = at(y, x - 1);
      const f = at(y, x + 1);
      const g = at(y + 1, x - 1);
      const hh = at(y + 1, x);
      const i = at(y + 1, x + 1);
      const vx = c + 2 * f + i - (a + 2 * d + g);
      const vy = g + 2 * hh + i - (a + 2 * b + c);
      const p = y * w + x;
      gx[p] = vx;
      gy[p] = vy;
      mag[p] = opts.magnitude === "l1" ? Math.abs(vx) + Math.abs(vy) : Math.hypot(vx, vy);
    }
  }
  const TAN22 = Math.tan(Math.PI / 8);
  const TAN67 = Math.tan(3 * Math.PI / 8);
  const state = new Uint8Array(h * w);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      const m = mag[p];
      if (m < opts.low || m === 0) continue;
      const ax = Math.abs(gx[p]);
      const ay = Math.abs(gy[p]);
      let n1;
      let n2;
      if (ay <= ax * TAN22) {
        n1 = mag[p - 1];
        n2 = mag[p + 1];
      } else if (ay >= ax * TAN67) {
        n1 = mag[p - w];
        n2 = mag[p + w];
      } else if (gx[p] * gy[p] > 0) {
        n1 = mag[p - w - 1];
        n2 = mag[p + w + 1];
      } else {
        n1 = mag[p - w + 1];
        n2 = mag[p + w - 1];
      }
      if (m >= n1 && m >= n2) state[p] = m >= opts.high ? 2 : 1;
    }
  }
  const out = new Float32Array(h * w);
  const stack = [];
  for (let p = 0; p < h * w; p++) {
    if (state[p] === 2) {
      out[p] = 1;
      stack.push(p);
    }
  }
  while (stack.length) {
    const p = stack.pop();
    const y = p / w | 0;
    const x = p - y * w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const q = yy * w + xx;
        if (state[q] === 1 && out[q] === 0) {
          out[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  return out;
}
function dt1d(f, n, d, v, z2) {
  let k = 0;
  v[0] = 0;
  z2[0] = -Infinity;
  z2[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (f[v[k]] === Infinity) {
      v[k] = q;
      continue;
    }
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (k > 0 && s <= z2[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z2[k] = s;
    z2[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z2[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = f[v[k]] === Infinity ? Infinity : dq * dq + f[v[k]];
  }
}
function distanceTransform(isFeature, h, w) {
  const n = Math.max(h, w);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z2 = new Float64Array(n + 1);
  const tmp = new Float64Array(h * w);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = isFeature[y * w + x] ? 0 : Infinity;
    dt1d(f, h, d, v, z2);
    for (let y = 0; y < h; y++) tmp[y * w + x] = d[y];
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = tmp[y * w + x];
    dt1d(f, w, d, v, z2);
    for (let x = 0; x < w; x++) out[y * w + x] = Math.sqrt(d[x]);
  }
  return out;
}
function equalizeHist(src) {
  const hist = new Int32Array(256);
  const total = src.length;
  for (let i = 0; i < total; i++) hist[Math.max(0, Math.min(255, Math.round(src[i])))]++;
  let i0 = 0;
  while (i0 < 255 && hist[i0] === 0) i0++;
  const out = new Float32Array(total);
  if (hist[i0] === total) {
    out.fill(i0);
    return out;
  }
  const lut = new Float32Array(256);
  const scale = 255 / (total - hist[i0]);
  let sum = 0;
  for (let j = i0 + 1; j < 256; j++) {
    sum += hist[j];
    lut[j] = Math.min(255, Math.max(0, Math.round(sum * scale)));
  }
  for (let i = 0; i < total; i++) out[i] = lut[Math.max(0, Math.min(255, Math.round(src[i])))];
  return out;
}
const LOG_FACT_TABLE = (() => {
  const t = new Float64Array(64);
  for (let k = 1; k < 64; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();
function logFactorial(k) {
  if (k < 64) return LOG_FACT_TABLE[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}
function poisson(rng, lambda) {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > l) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (; ; ) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || us < 0.013 && v > us) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}
function nextPowerOfTwo(n) {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
let plasmaBuffer = null;
function plasmaWindow(size2, decay, rng, h, w) {
  const n = size2;
  if (n < 1 || (n & n - 1) !== 0) throw new RangeError(`The plasma fractal needs a power-of-two size, got ${n}.`);
  if (h > n || w > n) throw new RangeError(`A ${h}×${w} window does not fit a ${n}×${n} fractal.`);
  const mask = n - 1;
  if (!plasmaBuffer || plasmaBuffer.length < n * n) plasmaBuffer = new Float64Array(n * n);
  const m = plasmaBuffer;
  m[0] = 0;
  let x32 = rng.nextUint32() | 1;
  const u = () => {
    x32 ^= x32 << 13;
    x32 ^= x32 >>> 17;
    x32 ^= x32 << 5;
    return (x32 >>> 0) / 2147483648 - 1;
  };
  let step = n;
  let wibble = 100;
  while (step >= 2) {
    const half = step >> 1;
    const amp = wibble * wibble;
    for (let y = half; y < n; y += step) {
      const ya = (y - half & mask) * n;
      const yb = (y + half & mask) * n;
      for (let x = half; x < n; x += step) {
        const xa = x - half & mask;
        const xb = x + half & mask;
        m[y * n + x] = (m[ya + xa] + m[ya + xb] + m[yb + xa] + m[yb + xb]) * 0.25 + amp * u();
      }
    }
    for (let y = 0; y < n; y += half) {
      const ya = (y - half & mask) * n;
      const yb = (y + half & mask) * n;
      const row = y * n;
      for (let x = y / half % 2 === 0 ? half : 0; x < n; x += step) {
        const xa = x - half & mask;
        const xb = x + half & mask;
        m[row + x] = (m[ya + x] + m[yb + x] + m[row + xa] + m[row + xb]) * 0.25 + amp * u();
      }
    }
    step = half;
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n * n; i++) {
    const v = m[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(h * w);
  const span = hi - lo || 1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (m[y * n + x] - lo) / span;
  return out;
}
function splat(plane, h, w, y, x, v) {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const put = (yy, xx, wt) => {
    if (yy >= 0 && yy < h && xx >= 0 && xx < w) plane[yy * w + xx] += v * wt;
  };
  put(y0, x0, (1 - fy) * (1 - fx));
  put(y0, x0 + 1, (1 - fy) * fx);
  put(y0 + 1, x0, fy * (1 - fx));
  put(y0 + 1, x0 + 1, fy * fx);
}
const FROST_SEEDS_PER_PIXEL = 0.5;
function frostTexture(h, w, rng, scale = 1) {
  const size2 = Math.max(h, w);
  const p = nextPowerOfTwo(size2);
  const haze = plasmaWindow(p, 2, rng, h, w);
  const crystals = new Float32Array(h * w);
  const seeds = Math.max(3, Math.round(FROST_SEEDS_PER_PIXEL * h * w / size2));
  const stepLen = 0.5;
  const grow = (y0, x0, angle, length, intensity, depth) => {
    let y = y0;
    let x = x0;
    let a = angle;
    const steps = Math.max(2, Math.round(length / stepLen));
    for (let s = 0; s < steps; s++) {
      const fade = 1 - 0.6 * s / steps;
      splat(crystals, h, w, y, x, intensity * fade);
      a += 0.12 * rng.normal();
      y += stepLen * Math.sin(a);
      x += stepLen * Math.cos(a);
      if (depth < 2 && rng.next() < 0.06) {
        const side = rng.next() < 0.5 ? -1 : 1;
        grow(y, x, a + side * Math.PI / 3 + 0.2 * rng.normal(), length * (1 - s / steps) * 0.45, intensity * 0.8, depth + 1);
      }
    }
  };
  for (let i = 0; i < seeds; i++) {
    const y = rng.uniform(-2, h + 2);
    const x = rng.uniform(-2, w + 2);
    grow(y, x, rng.uniform(0, 2 * Math.PI), size2 * scale * rng.uniform(0.12, 0.4), rng.uniform(0.5, 1), 0);
  }
  const soft = gaussianBlurPlane(crystals, h, w, 0.5, { mode: "nearest" });
  const out = new Float32Array(h * w);
  for (let i = 0; i < out.length; i++) {
    const c = 1 - Math.exp(-1.6 * soft[i]);
    const v = 0.2 + 0.3 * haze[i] + 0.7 * c;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
const GAUSSIAN_NOISE = { small: [0.04, 0.06, 0.08, 0.09, 0.1], large: [0.08, 0.12, 0.18, 0.26, 0.38] };
const SHOT_NOISE = { small: [500, 250, 100, 75, 50], large: [60, 25, 12, 5, 3] };
const IMPULSE_NOISE = { small: [0.01, 0.02, 0.03, 0.05, 0.07], large: [0.03, 0.06, 0.09, 0.17, 0.27] };
const SPECKLE_NOISE = { small: [0.06, 0.1, 0.12, 0.16, 0.2], large: [0.15, 0.2, 0.35, 0.45, 0.6] };
const gaussianNoise = {
  kind: "image",
  name: "gaussian_noise",
  title: "Gaussian noise",
  description: `Adds random grain like a dim, grainy photo: every pixel value moves by a normal random amount with standard deviation σ. ${describeLevels("σ =", GAUSSIAN_NOISE.small, GAUSSIAN_NOISE.large)}`,
  family: "noise",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Noise σ", help: "Standard deviation of the noise on the 0–1 scale.", max: 1, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params, rng) {
    const c = strengthOr(params, pick(GAUSSIAN_NOISE.small, GAUSSIAN_NOISE.large, img, params, severity));
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] += c * rng.normal();
    return img;
  }
};
const shotNoise = {
  kind: "image",
  name: "shot_noise",
  title: "Shot noise",
  description: `Photon noise of a camera in low light: each value becomes a Poisson count of x·λ photons, divided by λ. Fewer photons (smaller λ) means more noise. ${describeLevels("λ =", SHOT_NOISE.small, SHOT_NOISE.large)}`,
  family: "noise",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: "photons",
      label: "Photons λ",
      type: "number",
      min: 0,
      max: 1e5,
      step: 1,
      default: 0,
      help: "Photons per unit brightness; fewer photons give more noise. 0 uses the value of the chosen severity."
    },
    PRESET_PARAM
  ],
  apply(img, severity, params, rng) {
    const p = params.photons;
    const c = p > 0 ? p : pick(SHOT_NOISE.small, SHOT_NOISE.large, img, params, severity);
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] = poisson(rng, Math.max(0, d[i]) * c) / c;
    return img;
  }
};
const impulseNoise = {
  kind: "image",
  name: "impulse_noise",
  title: "Impulse noise",
  description: `Salt-and-pepper noise, like dead or stuck sensor pixels: a fraction of pixel values is set to black or white (half each). ${describeLevels("fraction", IMPULSE_NOISE.small, IMPULSE_NOISE.large)}`,
  family: "noise",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Fraction of values", help: "Share of pixel values replaced by black or white.", max: 1, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params, rng) {
    const amount = Math.min(1, strengthOr(params, pick(IMPULSE_NOISE.small, IMPULSE_NOISE.large, img, params, severity)));
    saltAndPepper(img.data, amount, rng);
    return img;
  }
};
function saltAndPepper(d, amount, rng) {
  for (let i = 0; i < d.length; i++) {
    if (rng.next() < amount) d[i] = rng.next() < 0.5 ? 1 : 0;
  }
}
const speckleNoise = {
  kind: "image",
  name: "speckle_noise",
  title: "Speckle noise",
  description: `Multiplicative grain (as in radar or ultrasound images): each value x becomes x + x·n with n normal of standard deviation σ, so bright areas get more noise. ${describeLevels("σ =", SPECKLE_NOISE.small, SPECKLE_NOISE.large)}`,
  family: "noise",
  suite: "imagenet-c-extra",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Noise σ", help: "Standard deviation of the multiplicative noise.", max: 2, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params, rng) {
    const c = strengthOr(params, pick(SPECKLE_NOISE.small, SPECKLE_NOISE.large, img, params, severity));
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] += d[i] * c * rng.normal();
    return img;
  }
};
function bilinear(src, h, w, y, x, mode) {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const ya = borderIndex(y0, h, mode);
  const yb = borderIndex(y0 + 1, h, mode);
  const xa = borderIndex(x0, w, mode);
  const xb = borderIndex(x0 + 1, w, mode);
  const v = (yy, xx) => yy < 0 || xx < 0 ? 0 : src[yy * w + xx];
  return (1 - fy) * ((1 - fx) * v(ya, xa) + fx * v(ya, xb)) + fy * ((1 - fx) * v(yb, xa) + fx * v(yb, xb));
}
function displacePlane(src, h, w, dx, dy, mode) {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const sx = x + dx[p];
      const sy = y + dy[p];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const fx = sx - x0;
        const fy = sy - y0;
        const q = y0 * w + x0;
        out[p] = (1 - fy) * ((1 - fx) * src[q] + fx * src[q + 1]) + fy * ((1 - fx) * src[q + w] + fx * src[q + w + 1]);
      } else {
        out[p] = bilinear(src, h, w, sy, sx, mode);
      }
    }
  }
  return out;
}
function invertAffine(m) {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) return [1, 0, 0, 0, 1, 0];
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}
function affineFromPoints(src, dst) {
  const [[x1, y1], [x2, y2], [x3, y3]] = src;
  const det = x1 * (y2 - y3) - y1 * (x2 - x3) + (x2 * y3 - x3 * y2);
  if (Math.abs(det) < 1e-12) return [1, 0, 0, 0, 1, 0];
  const solve = (u1, u2, u3) => {
    const a2 = (u1 * (y2 - y3) - y1 * (u2 - u3) + (u2 * y3 - u3 * y2)) / det;
    const b2 = (x1 * (u2 - u3) - u1 * (x2 - x3) + (x2 * u3 - x3 * u2)) / det;
    const c2 = (x1 * (y2 * u3 - y3 * u2) - y1 * (x2 * u3 - x3 * u2) + u1 * (x2 * y3 - x3 * y2)) / det;
    return [a2, b2, c2];
  };
  const [a, b, c] = solve(dst[0][0], dst[1][0], dst[2][0]);
  const [d, e, f] = solve(dst[0][1], dst[1][1], dst[2][1]);
  return [a, b, c, d, e, f];
}
function warpPlane(src, h, w, inverse, mode) {
  const out = new Float32Array(h * w);
  const [a, b, c, d, e, f] = inverse;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const fx = sx - x0;
        const fy = sy - y0;
        const p = y0 * w + x0;
        out[y * w + x] = (1 - fy) * ((1 - fx) * src[p] + fx * src[p + 1]) + fy * ((1 - fx) * src[p + w] + fx * src[p + w + 1]);
      } else if (mode === "constant" && (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h)) {
        out[y * w + x] = 0;
      } else {
        out[y * w + x] = bilinear(src, h, w, sy, sx, mode);
      }
    }
  }
  return out;
}
function zoomAxis(n, z2) {
  const size2 = Math.max(1, Math.round(n * z2));
  const coord = new Float64Array(size2);
  const f = size2 > 1 ? (n - 1) / (size2 - 1) : 0;
  for (let i = 0; i < size2; i++) coord[i] = i * f;
  return { size: size2, coord };
}
function clippedZoomPlane(src, h, w, z2) {
  const ch = Math.ceil(h / z2);
  const cw = Math.ceil(w / z2);
  const top = h - ch >> 1;
  const left = w - cw >> 1;
  const ay = zoomAxis(ch, z2);
  const ax = zoomAxis(cw, z2);
  const trimY = ay.size - h >> 1;
  const trimX = ax.size - w >> 1;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const yi = y + trimY;
    const sy = yi < ay.size ? ay.coord[yi] : ch - 1;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const y1 = Math.min(ch - 1, y0 + 1);
    for (let x = 0; x < w; x++) {
      const xi = x + trimX;
      const sx = xi < ax.size ? ax.coord[xi] : cw - 1;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const x1 = Math.min(cw - 1, x0 + 1);
      const v00 = src[(top + y0) * w + left + x0];
      const v01 = src[(top + y0) * w + left + x1];
      const v10 = src[(top + y1) * w + left + x0];
      const v11 = src[(top + y1) * w + left + x1];
      out[y * w + x] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
    }
  }
  return out;
}
function boxWeights(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 0.5 * filterscale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const w = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let k = 0; k < xmax && k < stride; k++) {
      const t = (k + xmin - center + 0.5) / filterscale;
      const v = t > -0.5 && t <= 0.5 ? 1 : 0;
      w[i * stride + k] = v;
      total += v;
    }
    if (total === 0) {
      w[i * stride] = 1;
      total = 1;
    }
    for (let k = 0; k < stride; k++) w[i * stride + k] /= total;
    start[i] = xmin;
    count[i] = Math.min(xmax, stride);
  }
  return { start, count, w, stride };
}
function resizeBoxPlane(src, h, w, nh, nw) {
  const bx = boxWeights(w, nw);
  const tmp = new Float32Array(h * nw);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < nw; x++) {
      let s = 0;
      for (let k = 0; k < bx.count[x]; k++) s += bx.w[x * bx.stride + k] * src[y * w + bx.start[x] + k];
      tmp[y * nw + x] = s;
    }
  }
  const by = boxWeights(h, nh);
  const out = new Float32Array(nh * nw);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      let s = 0;
      for (let k = 0; k < by.count[y]; k++) s += by.w[y * by.stride + k] * tmp[(by.start[y] + k) * nw + x];
      out[y * nw + x] = s;
    }
  }
  return out;
}
const GAUSSIAN_BLUR = { small: [0.4, 0.6, 0.7, 0.8, 1], large: [1, 2, 3, 4, 6] };
const GLASS_BLUR = {
  small: [
    [0.05, 1, 1],
    [0.25, 1, 1],
    [0.4, 1, 1],
    [0.25, 1, 2],
    [0.4, 1, 2]
  ],
  large: [
    [0.7, 1, 2],
    [0.9, 2, 1],
    [1, 2, 3],
    [1.1, 3, 2],
    [1.5, 4, 2]
  ]
};
const DEFOCUS_BLUR = {
  small: [
    [0.3, 0.4],
    [0.4, 0.5],
    [0.5, 0.6],
    [1, 0.2],
    [1.5, 0.1]
  ],
  large: [
    [3, 0.1],
    [4, 0.5],
    [6, 0.5],
    [8, 0.5],
    [10, 0.5]
  ]
};
const MOTION_BLUR = {
  small: [
    [6, 1],
    [6, 1.5],
    [6, 2],
    [8, 2],
    [9, 2.5]
  ],
  large: [
    [10, 3],
    [15, 5],
    [15, 8],
    [15, 12],
    [20, 15]
  ]
};
function range(start, count, step) {
  return Array.from({ length: count }, (_, i) => Math.round((start + i * step) * 100) / 100);
}
const ZOOM_BLUR = {
  small: [range(1, 7, 0.01), range(1, 12, 0.01), range(1, 16, 0.01), range(1, 21, 0.01), range(1, 26, 0.01)],
  large: [range(1, 12, 0.01), range(1, 16, 0.01), range(1, 11, 0.02), range(1, 13, 0.02), range(1, 11, 0.03)]
};
const gaussianBlur = {
  kind: "image",
  name: "gaussian_blur",
  title: "Gaussian blur",
  description: `Softens the whole image evenly, like a slightly out-of-focus lens: a Gaussian blur of standard deviation σ pixels. ${describeLevels("σ =", GAUSSIAN_BLUR.small, GAUSSIAN_BLUR.large)}`,
  family: "blur",
  suite: "imagenet-c-extra",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Blur σ", help: "Standard deviation of the blur in pixels.", max: 20, step: 0.1, unit: "px" }), PRESET_PARAM],
  apply(img, severity, params) {
    const sigma = strengthOr(params, pick(GAUSSIAN_BLUR.small, GAUSSIAN_BLUR.large, img, params, severity));
    return mapPlanes(img, (p, h, w) => gaussianBlurPlane(p, h, w, sigma, { mode: "nearest" }));
  }
};
function glassBlurImage(img, sigma, delta, iterations, rng, swapChance = 1) {
  const { height: h, width: w, channels: c } = img;
  const blurred = mapPlanes(img, (p) => gaussianBlurPlane(p, h, w, sigma, { mode: "nearest" }));
  const d = blurred.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.floor(Math.min(1, Math.max(0, d[i])) * 255) / 255;
  for (let it = 0; it < iterations; it++) {
    for (let y = h - delta; y > delta; y--) {
      for (let x = w - delta; x > delta; x--) {
        if (swapChance < 1 && rng.next() >= swapChance) continue;
        const dx = rng.int(2 * delta) - delta;
        const dy = rng.int(2 * delta) - delta;
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const a = (y * w + x) * c;
        const b = (yy * w + xx) * c;
        for (let k = 0; k < c; k++) {
          const t = d[a + k];
          d[a + k] = d[b + k];
          d[b + k] = t;
        }
      }
    }
  }
  return mapPlanes(blurred, (p) => gaussianBlurPlane(p, h, w, sigma, { mode: "nearest" }));
}
const glassBlur = {
  kind: "image",
  name: "glass_blur",
  title: "Glass blur",
  description: "Looking through frosted glass: the image is blurred, then pixels are swapped with random close neighbours and blurred again. Severities set the blur σ, the largest swap distance and the number of passes (published CIFAR-10-C / ImageNet-C values).",
  family: "blur",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [sigma, delta, iterations] = pick(GLASS_BLUR.small, GLASS_BLUR.large, img, params, severity);
    return glassBlurImage(img, sigma, delta, iterations, rng);
  }
};
const defocusBlur = {
  kind: "image",
  name: "defocus_blur",
  title: "Defocus blur",
  description: `An out-of-focus camera: each point spreads into a small disk (bokeh). ${describeLevels("disk radius (px)", DEFOCUS_BLUR.small.map((v) => v[0]), DEFOCUS_BLUR.large.map((v) => v[0]))}`,
  family: "blur",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Disk radius", help: "Radius of the blur disk in pixels (anti-alias σ 0.5).", max: 30, step: 0.1, unit: "px" }), PRESET_PARAM],
  apply(img, severity, params) {
    const [r0, alias0] = pick(DEFOCUS_BLUR.small, DEFOCUS_BLUR.large, img, params, severity);
    const s = params.strength;
    const [radius, alias] = s > 0 ? [s, 0.5] : [r0, alias0];
    const { k, size: size2 } = diskKernel(radius, alias);
    return mapPlanes(img, (p, h, w) => filter2d(p, h, w, k, size2, size2, "mirror"));
  }
};
function motionBlurImage(img, radius, sigma, angle) {
  return mapPlanes(img, (p, h, w) => motionBlurPlane(p, h, w, radius, sigma, angle));
}
const motionBlur = {
  kind: "image",
  name: "motion_blur",
  title: "Motion blur",
  description: `A camera that moved during the exposure: the image is smeared along a random direction between −45° and 45°. ${describeLevels("smear radius (px)", MOTION_BLUR.small.map((v) => v[0]), MOTION_BLUR.large.map((v) => v[0]))}`,
  family: "blur",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [radius, sigma] = pick(MOTION_BLUR.small, MOTION_BLUR.large, img, params, severity);
    return motionBlurImage(img, radius, sigma, rng.uniform(-45, 45));
  }
};
function zoomBlurImage(img, factors) {
  return mapPlanes(img, (p, h, w) => {
    const acc = new Float32Array(p);
    for (const z2 of factors) {
      const zp = clippedZoomPlane(p, h, w, z2);
      for (let i = 0; i < acc.length; i++) acc[i] += zp[i];
    }
    for (let i = 0; i < acc.length; i++) acc[i] /= factors.length + 1;
    return acc;
  });
}
const zoomBlur = {
  kind: "image",
  name: "zoom_blur",
  title: "Zoom blur",
  description: "A camera zooming in quickly during the exposure: the image is averaged with zoomed-in copies of itself (factors from 1 up to 1.06–1.25 on small images, 1.11–1.30 on large ones).",
  family: "blur",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params) {
    return zoomBlurImage(img, pick(ZOOM_BLUR.small, ZOOM_BLUR.large, img, params, severity));
  }
};
const SNOW = {
  small: [
    [0.1, 0.2, 1, 0.6, 8, 3, 0.95],
    [0.1, 0.2, 1, 0.5, 10, 4, 0.9],
    [0.15, 0.3, 1.75, 0.55, 10, 4, 0.9],
    [0.25, 0.3, 2.25, 0.6, 12, 6, 0.85],
    [0.3, 0.3, 1.25, 0.65, 14, 12, 0.8]
  ],
  large: [
    [0.1, 0.3, 3, 0.5, 10, 4, 0.8],
    [0.2, 0.3, 2, 0.5, 12, 4, 0.7],
    [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
    [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65],
    [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55]
  ]
};
const FROST = {
  small: [
    [1, 0.2],
    [1, 0.3],
    [0.9, 0.4],
    [0.85, 0.4],
    [0.75, 0.45]
  ],
  large: [
    [1, 0.4],
    [0.8, 0.6],
    [0.7, 0.7],
    [0.65, 0.7],
    [0.6, 0.75]
  ]
};
const FOG = {
  small: [
    [0.2, 3],
    [0.5, 3],
    [0.75, 2.5],
    [1, 2],
    [1.5, 1.75]
  ],
  large: [
    [1.5, 2],
    [2, 2],
    [2.5, 1.7],
    [2.5, 1.5],
    [3, 1.4]
  ]
};
const SPATTER = {
  small: [
    [0.62, 0.1, 0.7, 0.7, 0.5, 0],
    [0.65, 0.1, 0.8, 0.7, 0.5, 0],
    [0.65, 0.3, 1, 0.69, 0.5, 0],
    [0.65, 0.1, 0.7, 0.69, 0.6, 1],
    [0.65, 0.1, 0.5, 0.68, 0.6, 1]
  ],
  large: [
    [0.65, 0.3, 4, 0.69, 0.6, 0],
    [0.65, 0.3, 3, 0.68, 0.6, 0],
    [0.65, 0.3, 2, 0.68, 0.5, 0],
    [0.65, 0.3, 1, 0.65, 1.5, 1],
    [0.67, 0.4, 1, 0.65, 1.5, 1]
  ]
};
function rot180(p) {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[p.length - 1 - i];
  return out;
}
const snow = {
  kind: "image",
  name: "snow",
  title: "Snow",
  description: "Falling snow: bright flakes streaked by wind along a random direction, over a slightly whitened image. Severities add more, larger and longer flakes (published CIFAR-10-C / ImageNet-C values).",
  family: "weather",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [mean2, std, zoom, threshold, radius, sigma, blend] = pick(SNOW.small, SNOW.large, img, params, severity);
    const { height: h, width: w, channels: c } = img;
    let layer = new Float32Array(h * w);
    for (let i = 0; i < layer.length; i++) layer[i] = mean2 + std * rng.normal();
    layer = clippedZoomPlane(layer, h, w, zoom);
    for (let i = 0; i < layer.length; i++) {
      const v = layer[i] < threshold ? 0 : Math.min(1, layer[i]);
      layer[i] = Math.floor(v * 255) / 255;
    }
    layer = motionBlurPlane(layer, h, w, radius, sigma, rng.uniform(-135, -45));
    for (let i = 0; i < layer.length; i++) layer[i] = Math.round(Math.min(1, Math.max(0, layer[i])) * 255) / 255;
    const flakes = rot180(layer);
    const grey = greyPlane(img);
    const d = img.data;
    for (let p = 0; p < h * w; p++) {
      const bright = grey[p] * 1.5 + 0.5;
      for (let k = 0; k < c; k++) {
        const x = d[p * c + k];
        d[p * c + k] = blend * x + (1 - blend) * Math.max(x, bright) + layer[p] + flakes[p];
      }
    }
    return img;
  }
};
const frost = {
  kind: "image",
  name: "frost",
  title: "Frost",
  description: "Looking through a frosted window: the image is dimmed and overlaid with ice crystals. The crystals are generated procedurally (no photographs), with the published weights of image and frost per severity.",
  family: "weather",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [a, b] = pick(FROST.small, FROST.large, img, params, severity);
    const { height: h, width: w, channels: c } = img;
    const tex = frostTexture(h, w, rng);
    const tint = c === 3 ? [0.86, 0.93, 1] : [1];
    const d = img.data;
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = a * d[p * c + k] + b * tex[p] * tint[k];
    return img;
  }
};
function fogImage(img, amount, decay, rng, mapSize) {
  const { height: h, width: w, channels: c } = img;
  const size2 = mapSize ?? nextPowerOfTwo(Math.max(h, w));
  const haze = plasmaWindow(size2, decay, rng, h, w);
  const d = img.data;
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  const scale = max / (max + amount);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = (d[p * c + k] + amount * haze[p]) * scale;
  return img;
}
const fog = {
  kind: "image",
  name: "fog",
  title: "Fog",
  description: "Patchy fog: a cloudy fractal haze is added and the contrast drops. Severities thicken the fog and make it smoother (published CIFAR-10-C / ImageNet-C values).",
  family: "weather",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [amount, decay] = pick(FOG.small, FOG.large, img, params, severity);
    return fogImage(img, amount, decay, rng);
  }
};
const WATER_RGB = [175 / 255, 238 / 255, 238 / 255];
const MUD_RGB = [63 / 255, 42 / 255, 20 / 255];
const EMBOSS = [-2, -1, 0, -1, 1, 1, 0, 1, 2];
function liquidLayer(h, w, mean2, std, sigma, threshold, rng) {
  let l = new Float32Array(h * w);
  for (let i = 0; i < l.length; i++) l[i] = mean2 + std * rng.normal();
  l = gaussianBlurPlane(l, h, w, sigma, { mode: "nearest" });
  for (let i = 0; i < l.length; i++) if (l[i] < threshold) l[i] = 0;
  return l;
}
function mudMask(liquid, h, w, threshold, sigma) {
  const m = new Float32Array(h * w);
  for (let i = 0; i < m.length; i++) m[i] = liquid[i] > threshold ? 1 : 0;
  const s = gaussianBlurPlane(m, h, w, sigma, { mode: "nearest" });
  for (let i = 0; i < s.length; i++) if (s[i] < 0.8) s[i] = 0;
  return s;
}
const spatter = {
  kind: "image",
  name: "spatter",
  title: "Spatter",
  description: "Drops on the lens: pale water drops with glossy edges at severities 1–3, opaque brown mud splashes at 4–5 (published CIFAR-10-C / ImageNet-C values).",
  family: "weather",
  suite: "imagenet-c-extra",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const [mean2, std, sigma, threshold, intensity, mud] = pick(SPATTER.small, SPATTER.large, img, params, severity);
    const { height: h, width: w, channels: c } = img;
    const liquid = liquidLayer(h, w, mean2, std, sigma, threshold, rng);
    const d = img.data;
    if (mud === 0) {
      const l8 = new Float32Array(h * w);
      for (let i = 0; i < l8.length; i++) l8[i] = Math.floor(Math.min(255, Math.max(0, liquid[i] * 255)));
      const edges = cannyPlane(l8, h, w, { sigma: 0, low: 50, high: 150, magnitude: "l1" });
      const feature = new Uint8Array(h * w);
      for (let i = 0; i < feature.length; i++) feature[i] = edges[i] > 0 ? 1 : 0;
      let dist = distanceTransform(feature, h, w);
      for (let i = 0; i < dist.length; i++) dist[i] = Math.min(20, dist[i]);
      dist = boxBlurPlane(dist, h, w, 3);
      for (let i = 0; i < dist.length; i++) dist[i] = Math.floor(dist[i]);
      dist = equalizeHist(dist);
      dist = filter2d(dist, h, w, EMBOSS, 3, 3, "mirror");
      for (let i = 0; i < dist.length; i++) dist[i] = Math.min(255, Math.max(0, Math.round(dist[i])));
      dist = boxBlurPlane(dist, h, w, 3);
      const m = new Float32Array(h * w);
      let max = 0;
      for (let i = 0; i < m.length; i++) {
        m[i] = l8[i] * dist[i];
        if (m[i] > max) max = m[i];
      }
      const scale = max > 0 ? intensity / max : 0;
      for (let p = 0; p < h * w; p++) {
        const mv = m[p] * scale;
        if (c === 3) {
          for (let k = 0; k < 3; k++) d[p * 3 + k] += mv * WATER_RGB[k];
        } else {
          let g = 0;
          for (let k = 0; k < 3; k++) g += LUMA[k] * Math.min(1, mv * WATER_RGB[k]);
          d[p] += g;
        }
      }
    } else {
      const m = mudMask(liquid, h, w, threshold, intensity);
      const greyMud = LUMA[0] * MUD_RGB[0] + LUMA[1] * MUD_RGB[1] + LUMA[2] * MUD_RGB[2];
      for (let p = 0; p < h * w; p++) {
        for (let k = 0; k < c; k++) {
          const col = c === 3 ? MUD_RGB[k] : greyMud;
          d[p * c + k] = d[p * c + k] * (1 - m[p]) + col * m[p];
        }
      }
    }
    return img;
  }
};
const BRIGHTNESS = { small: [0.05, 0.1, 0.15, 0.2, 0.3], large: [0.1, 0.2, 0.3, 0.4, 0.5] };
const CONTRAST = { small: [0.75, 0.5, 0.4, 0.3, 0.15], large: [0.4, 0.3, 0.2, 0.1, 0.05] };
const SATURATE = {
  small: [
    [0.3, 0],
    [0.1, 0],
    [1.5, 0],
    [2, 0.1],
    [2.5, 0.2]
  ],
  large: [
    [0.3, 0],
    [0.1, 0],
    [2, 0],
    [5, 0.1],
    [20, 0.2]
  ]
};
const PIXELATE = { small: [0.95, 0.9, 0.85, 0.75, 0.65], large: [0.6, 0.5, 0.4, 0.3, 0.25] };
const JPEG_QUALITY = { small: [80, 65, 58, 50, 40], large: [25, 18, 15, 10, 7] };
const ELASTIC = {
  small: [
    [0, 0, 0.08],
    [0.05, 0.2, 0.07],
    [0.08, 0.06, 0.06],
    [0.1, 0.04, 0.05],
    [0.1, 0.03, 0.03]
  ],
  /** ImageNet-C's values were written for a side of 244 on 224-pixel images; kept as published. */
  large: [
    [2, 0.7, 0.1],
    [2, 0.08, 0.2],
    [0.05, 0.01, 0.02],
    [0.07, 0.01, 0.02],
    [0.12, 0.01, 0.02]
  ]
};
function brightenImage(img, amount) {
  const d = img.data;
  if (img.channels !== 3) {
    for (let i = 0; i < d.length; i++) d[i] = Math.min(1, Math.max(0, d[i]) + amount);
    return img;
  }
  for (let p = 0; p < d.length; p += 3) {
    const v = Math.max(d[p], d[p + 1], d[p + 2]);
    const nv = Math.min(1, Math.max(0, v + amount));
    if (v > 0) {
      const s = nv / v;
      d[p] *= s;
      d[p + 1] *= s;
      d[p + 2] *= s;
    } else {
      d[p] = d[p + 1] = d[p + 2] = nv;
    }
  }
  return img;
}
const brightness = {
  kind: "image",
  name: "brightness",
  title: "Brightness",
  description: `Over-exposure, like a photo in harsh sun: the HSV value (brightness) of every pixel goes up by c, keeping its colour. ${describeLevels("c =", BRIGHTNESS.small, BRIGHTNESS.large)}`,
  family: "weather",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Brightness added", help: "Amount added to the HSV value (0–1 scale).", max: 1, step: 0.01 }), PRESET_PARAM],
  apply(img, severity, params) {
    return brightenImage(img, strengthOr(params, pick(BRIGHTNESS.small, BRIGHTNESS.large, img, params, severity)));
  }
};
const contrast = {
  kind: "image",
  name: "contrast",
  title: "Contrast",
  description: `A washed-out image, as in haze or a poor screen: every value moves towards its channel's mean, (x − mean)·c + mean. ${describeLevels("c =", CONTRAST.small, CONTRAST.large)}`,
  family: "digital",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: "factor",
      label: "Contrast factor",
      type: "number",
      min: 0,
      max: 1,
      step: 0.01,
      default: 0,
      help: "How much contrast is kept (1 = unchanged, near 0 = flat grey). 0 uses the value of the chosen severity."
    },
    PRESET_PARAM
  ],
  apply(img, severity, params) {
    const f = params.factor;
    const c = f > 0 ? f : pick(CONTRAST.small, CONTRAST.large, img, params, severity);
    const { channels: ch } = img;
    const n = img.height * img.width;
    const d = img.data;
    for (let k = 0; k < ch; k++) {
      let mean2 = 0;
      for (let p = 0; p < n; p++) mean2 += d[p * ch + k];
      mean2 /= n;
      for (let p = 0; p < n; p++) d[p * ch + k] = (d[p * ch + k] - mean2) * c + mean2;
    }
    return img;
  }
};
const saturate = {
  kind: "image",
  name: "saturate",
  title: "Saturate",
  description: "Wrong colour saturation, like a badly set camera or screen: the HSV saturation of every pixel becomes s·a + b, washed out at severities 1–2 and oversaturated at 3–5 (published CIFAR-10-C / ImageNet-C values).",
  family: "digital",
  suite: "imagenet-c-extra",
  defaultSeverity: 3,
  usesSeverity: true,
  colourOnly: "Saturate changes colour saturation, and grey images have none, so it would leave them unchanged; use it on a colour (RGB) dataset, or pick brightness or contrast.",
  params: [PRESET_PARAM],
  apply(img, severity, params) {
    const [a, b] = pick(SATURATE.small, SATURATE.large, img, params, severity);
    const d = img.data;
    for (let p = 0; p < d.length; p += 3) {
      const [h, s, v] = rgbToHsv(d[p], d[p + 1], d[p + 2]);
      const ns = Math.min(1, Math.max(0, s * a + b));
      const [r, g, bb] = hsvToRgb(h, ns, v);
      d[p] = r;
      d[p + 1] = g;
      d[p + 2] = bb;
    }
    return img;
  }
};
const elasticTransform = {
  kind: "image",
  name: "elastic_transform",
  title: "Elastic transform",
  description: "Wobbly glass or a stretched print: a small random affine distortion followed by smooth local warping of the pixels (published CIFAR-10-C / ImageNet-C values, scaled to the image size).",
  family: "digital",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [PRESET_PARAM],
  apply(img, severity, params, rng) {
    const regime = regimeOf(img, params);
    const { height: h, width: w } = img;
    const side = Math.min(h, w) * (regime === "large" ? 244 / 224 : 1);
    const [fa, fs2, fj] = pick(ELASTIC.small, ELASTIC.large, img, params, severity);
    const alpha = fa * side;
    const sigma = fs2 * side;
    const jitter = fj * side;
    const cx = Math.floor(w / 2);
    const cy = Math.floor(h / 2);
    const sq = Math.floor(Math.min(h, w) / 3);
    const src = [
      [cx + sq, cy + sq],
      [cx + sq, cy - sq],
      [cx - sq, cy - sq]
    ];
    const dst = src.map(([x, y]) => [x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)]);
    const inv = invertAffine(affineFromPoints(src, dst));
    const field = () => {
      const f = new Float32Array(h * w);
      for (let i = 0; i < f.length; i++) f[i] = rng.uniform(-1, 1);
      const s = gaussianBlurPlane(f, h, w, sigma, { mode: "reflect", truncate: 3 });
      for (let i = 0; i < s.length; i++) s[i] *= alpha;
      return s;
    };
    const dx = field();
    const dy = field();
    return mapPlanes(img, (p) => displacePlane(warpPlane(p, h, w, inv, "mirror"), h, w, dx, dy, "reflect"));
  }
};
const pixelate = {
  kind: "image",
  name: "pixelate",
  title: "Pixelate",
  description: `Low resolution blown up, as in a heavily zoomed video: the image is shrunk by a factor and enlarged back with box resampling. ${describeLevels("factor", PIXELATE.small, PIXELATE.large)}`,
  family: "digital",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: "factor",
      label: "Size factor",
      type: "number",
      min: 0,
      max: 1,
      step: 0.01,
      default: 0,
      help: "Size of the shrunk image relative to the original (smaller = blockier). 0 uses the value of the chosen severity."
    },
    PRESET_PARAM
  ],
  apply(img, severity, params) {
    const f = params.factor;
    const c = f > 0 ? f : pick(PIXELATE.small, PIXELATE.large, img, params, severity);
    const { height: h, width: w } = img;
    const nh = Math.max(1, Math.trunc(h * c));
    const nw = Math.max(1, Math.trunc(w * c));
    return mapPlanes(img, (p) => resizeBoxPlane(resizeBoxPlane(p, h, w, nh, nw), nh, nw, h, w));
  }
};
const BLOCK = 8;
const JPEG_MAX_PIXELS = 1 << 22;
function jpegRoundTrip(imgs, quality) {
  if (imgs.length === 0) return [];
  const q = Math.max(1, Math.min(100, Math.round(quality)));
  const out = [];
  const { height: h, width: w, channels: c } = imgs[0];
  const ph = Math.ceil(h / BLOCK) * BLOCK;
  const pw = Math.ceil(w / BLOCK) * BLOCK;
  const tiles = Math.max(1, Math.floor(JPEG_MAX_PIXELS / (ph * pw)));
  for (let g = 0; g < imgs.length; g += tiles) {
    const group = imgs.slice(g, g + tiles);
    const cols = Math.ceil(Math.sqrt(group.length));
    const rows = Math.ceil(group.length / cols);
    const W = cols * pw;
    const H = rows * ph;
    const rgba = new Uint8Array(W * H * 4);
    group.forEach((img, t) => {
      const oy = Math.floor(t / cols) * ph;
      const ox = t % cols * pw;
      const d = img.data;
      for (let y = 0; y < ph; y++) {
        const sy = Math.min(y, h - 1);
        for (let x = 0; x < pw; x++) {
          const sx = Math.min(x, w - 1);
          const p = sy * w + sx;
          const o = ((oy + y) * W + ox + x) * 4;
          for (let k = 0; k < 3; k++) {
            const v = d[p * c + (c === 3 ? k : 0)];
            rgba[o + k] = v > 0 ? v >= 1 ? 255 : Math.round(v * 255) : 0;
          }
          rgba[o + 3] = 255;
        }
      }
    });
    const encoded = jpeg.encode({ data: rgba, width: W, height: H }, q);
    const px = jpeg.decode(encoded.data, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 }).data;
    group.forEach((img, t) => {
      const oy = Math.floor(t / cols) * ph;
      const ox = t % cols * pw;
      const res = new Float32Array(h * w * c);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = ((oy + y) * W + ox + x) * 4;
          const p = y * w + x;
          if (c === 3) {
            for (let k = 0; k < 3; k++) res[p * 3 + k] = px[o + k] / 255;
          } else {
            res[p] = Math.round(LUMA[0] * px[o] + LUMA[1] * px[o + 1] + LUMA[2] * px[o + 2]) / 255;
          }
        }
      }
      out.push({ ...img, data: res });
    });
  }
  return out;
}
function jpegQuality(img, severity, params) {
  const q = params.quality;
  return q > 0 ? q : pick(JPEG_QUALITY.small, JPEG_QUALITY.large, img, params, severity);
}
const jpegCompression = {
  kind: "image",
  name: "jpeg_compression",
  title: "JPEG compression",
  description: `Blocky compression artefacts of a heavily compressed photo: the image is saved as a JPEG of low quality and read back. ${describeLevels("quality", JPEG_QUALITY.small, JPEG_QUALITY.large)}`,
  family: "digital",
  suite: "imagenet-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: "quality",
      label: "JPEG quality",
      type: "integer",
      min: 0,
      max: 100,
      step: 1,
      default: 0,
      help: "JPEG quality from 1 (worst) to 100 (best). 0 uses the value of the chosen severity."
    },
    PRESET_PARAM
  ],
  apply(img, severity, params) {
    return jpegRoundTrip([img], jpegQuality(img, severity, params))[0];
  },
  applyBatch(imgs, severity, params) {
    if (!imgs.length) return [];
    return jpegRoundTrip(imgs, jpegQuality(imgs[0], severity, params));
  }
};
const MNISTC_SHEAR = [0.2, 0.4, 0.6, 0.8, 1];
const MNISTC_ROTATE = [0.2, 0.4, 0.6, 0.8, 1];
const MNISTC_SCALE = [0.9, 0.8, 0.7, 0.6, 0.5];
const MNISTC_TRANSLATE = [1, 2, 3, 4, 5];
const MNISTC_BRIGHTNESS = [0.1, 0.2, 0.3, 0.4, 0.5];
const MNISTC_STRIPE = [0.07, 0.14, 0.2, 0.25, 0.32];
const MNISTC_LINES = [1, 2, 3, 4, 5];
const MNISTC_CANNY = [0.2, 0.4, 0.6, 0.8, 1];
const DEG = Math.PI / 180;
function unit(img) {
  return img.width / 28;
}
function sign(rng) {
  return rng.next() < 0.5 ? -1 : 1;
}
function warpAboutCentre(img, a, b, d, e, tx = 0, ty = 0) {
  const { height: h, width: w } = img;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const inv = [a, b, cx - a * cx - b * cy + tx, d, e, cy - d * cx - e * cy + ty];
  return mapPlanes(img, (p) => warpPlane(p, h, w, inv, "constant"));
}
function lineFromPoints(h, w, c0, r0, c1, r1, u) {
  const out = new Float32Array(h * w);
  if (c1 === c0) return out;
  const m = (r1 - r0) / (c1 - c0);
  const reach = 2.3 * u;
  const left = Math.floor(c0);
  const right = Math.ceil(c1);
  for (let x = Math.max(0, left); x < Math.min(w, right); x++) {
    const f = m * (x - c0) + r0;
    for (let y = 0; y < h; y++) {
      const dist = Math.min(Math.abs(y - f), reach - 1e-10);
      const v = Math.log(1 - dist / reach) + 1;
      out[y * w + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}
function addPlane(img, plane) {
  const c = img.channels;
  const d = img.data;
  for (let p = 0; p < plane.length; p++) {
    if (plane[p] === 0) continue;
    for (let k = 0; k < c; k++) d[p * c + k] = Math.min(1, d[p * c + k] + plane[p]);
  }
}
const SHORT = "mnistc/";
const mnistcShotNoise = {
  kind: "image",
  name: `${SHORT}shot_noise`,
  title: "MNIST-C: shot noise",
  description: "Poisson photon noise as in ImageNet-C (λ = 60, 25, 12, 5, 3 for severities 1–5); MNIST-C uses severity 5.",
  family: "noise",
  suite: "mnist-c",
  defaultSeverity: 5,
  usesSeverity: true,
  params: [
    {
      key: "photons",
      label: "Photons λ",
      type: "number",
      min: 0,
      max: 1e5,
      step: 1,
      default: 0,
      help: "Photons per unit brightness; fewer photons give more noise. 0 uses the value of the chosen severity."
    }
  ],
  apply(img, severity, params, rng) {
    const p = params.photons;
    const c = p > 0 ? p : level(SHOT_NOISE.large, severity);
    const d = img.data;
    for (let i = 0; i < d.length; i++) d[i] = poisson(rng, Math.max(0, d[i]) * c) / c;
    return img;
  }
};
const mnistcImpulseNoise = {
  kind: "image",
  name: `${SHORT}impulse_noise`,
  title: "MNIST-C: impulse noise",
  description: "Salt-and-pepper noise as in ImageNet-C (fractions 0.03, 0.06, 0.09, 0.17, 0.27); MNIST-C uses severity 4.",
  family: "noise",
  suite: "mnist-c",
  defaultSeverity: 4,
  usesSeverity: true,
  params: [strengthParam({ label: "Fraction of pixels", help: "Share of pixel values set to black or white.", max: 1, step: 0.01 })],
  apply(img, severity, params, rng) {
    saltAndPepper(img.data, Math.min(1, strengthOr(params, level(IMPULSE_NOISE.large, severity))), rng);
    return img;
  }
};
const mnistcGlassBlur = {
  kind: "image",
  name: `${SHORT}glass_blur`,
  title: "MNIST-C: glass blur",
  description: "Frosted-glass blur with the ImageNet-C settings, where each pixel swap happens with probability ½; MNIST-C uses severity 1.",
  family: "blur",
  suite: "mnist-c",
  defaultSeverity: 1,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [sigma, delta, iterations] = level(GLASS_BLUR.large, severity);
    return glassBlurImage(img, sigma, delta, iterations, rng, 0.5);
  }
};
const mnistcMotionBlur = {
  kind: "image",
  name: `${SHORT}motion_blur`,
  title: "MNIST-C: motion blur",
  description: "Motion blur along a random direction between −45° and 45° with the ImageNet-C settings (radius 10–20 px); MNIST-C uses severity 1.",
  family: "blur",
  suite: "mnist-c",
  defaultSeverity: 1,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [radius, sigma] = level(MOTION_BLUR.large, severity);
    return motionBlurImage(img, radius, sigma, rng.uniform(-45, 45));
  }
};
const mnistcShear = {
  kind: "image",
  name: `${SHORT}shear`,
  title: "MNIST-C: shear",
  description: "Slants the digit sideways about its centre, to the left or right at random. Shear angle 0.2, 0.4, 0.6, 0.8, 1.0 rad for severities 1–5; MNIST-C uses severity 2 (0.4 rad ≈ 23°).",
  family: "geometric",
  suite: "mnist-c",
  defaultSeverity: 2,
  usesSeverity: true,
  params: [strengthParam({ label: "Shear angle", help: "Shear angle in degrees.", max: 80, step: 1, unit: "°" })],
  apply(img, severity, params, rng) {
    const sv = params.strength;
    const s = (sv > 0 ? sv * DEG : level(MNISTC_SHEAR, severity)) * sign(rng);
    return warpAboutCentre(img, 1, -Math.sin(s), 0, Math.cos(s));
  }
};
const mnistcScale = {
  kind: "image",
  name: `${SHORT}scale`,
  title: "MNIST-C: scale",
  description: "Shrinks the digit about its centre to 0.9, 0.8, 0.7, 0.6 or 0.5 of its size (severities 1–5); MNIST-C uses severity 3 (0.7).",
  family: "geometric",
  suite: "mnist-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: "factor",
      label: "Size factor",
      type: "number",
      min: 0,
      max: 4,
      step: 0.05,
      default: 0,
      help: "Size of the result relative to the original (below 1 shrinks, above 1 enlarges). 0 uses the value of the chosen severity."
    }
  ],
  apply(img, severity, params) {
    const f = params.factor;
    const s = f > 0 ? f : level(MNISTC_SCALE, severity);
    return warpAboutCentre(img, 1 / s, 0, 0, 1 / s);
  }
};
const mnistcRotate = {
  kind: "image",
  name: `${SHORT}rotate`,
  title: "MNIST-C: rotate",
  description: "Turns the digit about its centre, clockwise or anticlockwise at random, by 0.2, 0.4, 0.6, 0.8 or 1.0 rad (severities 1–5); MNIST-C uses severity 2 (0.4 rad ≈ 23°).",
  family: "geometric",
  suite: "mnist-c",
  defaultSeverity: 2,
  usesSeverity: true,
  params: [strengthParam({ label: "Rotation angle", help: "Rotation angle in degrees.", max: 180, step: 1, unit: "°" })],
  apply(img, severity, params, rng) {
    const sv = params.strength;
    const t = (sv > 0 ? sv * DEG : level(MNISTC_ROTATE, severity)) * sign(rng);
    return warpAboutCentre(img, Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t));
  }
};
const mnistcBrightness = {
  kind: "image",
  name: `${SHORT}brightness`,
  title: "MNIST-C: brightness",
  description: "Raises the brightness of every pixel by 0.1–0.5 (severities 1–5), clipped at white; MNIST-C uses severity 5 (+0.5).",
  family: "weather",
  suite: "mnist-c",
  defaultSeverity: 5,
  usesSeverity: true,
  params: [strengthParam({ label: "Brightness added", help: "Amount added to every pixel (0–1 scale).", max: 1, step: 0.01 })],
  apply(img, severity, params) {
    return brightenImage(img, strengthOr(params, level(MNISTC_BRIGHTNESS, severity)));
  }
};
const mnistcTranslate = {
  kind: "image",
  name: `${SHORT}translate`,
  title: "MNIST-C: translate",
  description: "Moves the digit by 1–5 pixels (severities 1–5) both across and up or down, each direction at random; MNIST-C uses severity 3 (3 px).",
  family: "geometric",
  suite: "mnist-c",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [strengthParam({ label: "Shift", help: "Shift along each axis in pixels of a 28×28 image.", max: 28, step: 1, unit: "px" })],
  apply(img, severity, params, rng) {
    const c = strengthOr(params, level(MNISTC_TRANSLATE, severity)) * unit(img);
    const dx = c * sign(rng);
    const dy = c * sign(rng);
    return warpAboutCentre(img, 1, 0, 0, 1, dx, dy);
  }
};
const mnistcStripe = {
  kind: "image",
  name: `${SHORT}stripe`,
  title: "MNIST-C: stripe",
  description: "Inverts a vertical band at the left and right edges of the image (black becomes white). Band widths 2, 4, 6, 7, 9 px on 28×28 for severities 1–5; MNIST-C uses 7 px (severity 4).",
  family: "overlay",
  suite: "mnist-c",
  defaultSeverity: 4,
  usesSeverity: true,
  params: [strengthParam({ label: "Band width", help: "Width of each inverted band in pixels of a 28×28 image.", max: 14, step: 1, unit: "px" })],
  apply(img, severity, params) {
    const { height: h, width: w, channels: c } = img;
    const sv = params.strength;
    const band = Math.min(Math.floor(w / 2), Math.round(sv > 0 ? sv * unit(img) : level(MNISTC_STRIPE, severity) * w));
    const d = img.data;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x >= band && x < w - band) continue;
        for (let k = 0; k < c; k++) d[(y * w + x) * c + k] = 1 - d[(y * w + x) * c + k];
      }
    }
    return img;
  }
};
const mnistcFog = {
  kind: "image",
  name: `${SHORT}fog`,
  title: "MNIST-C: fog",
  description: "Fractal fog with the ImageNet-C settings, cut from a 256×256 fractal so it is smooth across the digit; MNIST-C uses severity 5.",
  family: "weather",
  suite: "mnist-c",
  defaultSeverity: 5,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [amount, decay] = level(FOG.large, severity);
    const size2 = Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(img.height, img.width))));
    return fogImage(img, amount, decay, rng, size2);
  }
};
const mnistcSpatter = {
  kind: "image",
  name: `${SHORT}spatter`,
  title: "MNIST-C: spatter",
  description: "Dark grey blots of mud over the digit, with the ImageNet-C spatter settings (always mud); MNIST-C uses severity 4.",
  family: "weather",
  suite: "mnist-c",
  defaultSeverity: 4,
  usesSeverity: true,
  params: [],
  apply(img, severity, _params, rng) {
    const [mean2, std, sigma, threshold, mudSigma] = level(SPATTER.large, severity);
    const { height: h, width: w, channels: c } = img;
    const m = mudMask(liquidLayer(h, w, mean2, std, sigma, threshold, rng), h, w, threshold, mudSigma);
    const mud = 63 / 255;
    const d = img.data;
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = d[p * c + k] * (1 - m[p]) + mud * m[p];
    return img;
  }
};
const mnistcDottedLine = {
  kind: "image",
  name: `${SHORT}dotted_line`,
  title: "MNIST-C: dotted line",
  description: "Draws a dashed white line across the image between two random heights. Severities 1–5 draw 1–5 lines; MNIST-C uses one (severity 1).",
  family: "overlay",
  suite: "mnist-c",
  defaultSeverity: 1,
  usesSeverity: true,
  params: [strengthParam({ label: "Lines", help: "Number of dotted lines.", max: 20, step: 1 })],
  apply(img, severity, params, rng) {
    const { height: h, width: w } = img;
    const u = unit(img);
    const lines = Math.round(strengthOr(params, level(MNISTC_LINES, severity)));
    const dash = 2 * u;
    for (let l = 0; l < lines; l++) {
      const r0 = rng.int(27) * u;
      const r1 = rng.int(27) * u;
      const line = lineFromPoints(h, w, 0, r0, w - 1, r1, u);
      for (let x = 0; x < w; x++) {
        if (Math.floor(x / dash) % 2 === 0) for (let y = 0; y < h; y++) line[y * w + x] = 0;
      }
      addPlane(img, line);
    }
    return img;
  }
};
function drawZigzag(img, rng) {
  const { height: h, width: w } = img;
  const u = unit(img);
  const a = 2;
  const b = 2;
  const c0 = 2;
  const c1 = 25;
  const r0 = rng.int(27);
  const r1 = r0 + rng.int(10) - 5;
  const theta = Math.atan((r1 - r0) / (c1 - c0));
  const d = (c1 - c0) / Math.cos(theta);
  const pts = [[0, 0]];
  let ri = 0;
  const count = Math.floor((d - a) / (2 * a)) + 1;
  for (let i = 0; i < count; i++) {
    ri = (i % 2 === 0 ? 1 : -1) * b;
    pts.push([(2 * i + 1) * a, ri]);
  }
  const maxC = 2 * a * Math.floor(d / (2 * a));
  if (d !== maxC) pts.push([d, ri / (2 * (d - maxC))]);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const rotated = pts.map(([c, r]) => [(cos * c - sin * r + c0) * u, (sin * c + cos * r + r0) * u]);
  for (let i = 1; i < rotated.length; i++) {
    addPlane(img, lineFromPoints(h, w, rotated[i - 1][0], rotated[i - 1][1], rotated[i][0], rotated[i][1], u));
  }
}
const mnistcZigzag = {
  kind: "image",
  name: `${SHORT}zigzag`,
  title: "MNIST-C: zigzag",
  description: "Draws a white zigzag line across the digit at a random height and slight tilt. Severities 1–5 draw 1–5 zigzags; MNIST-C uses one (severity 1).",
  family: "overlay",
  suite: "mnist-c",
  defaultSeverity: 1,
  usesSeverity: true,
  params: [strengthParam({ label: "Zigzags", help: "Number of zigzag lines.", max: 20, step: 1 })],
  apply(img, severity, params, rng) {
    const n = Math.round(strengthOr(params, level(MNISTC_LINES, severity)));
    for (let i = 0; i < n; i++) drawZigzag(img, rng);
    return img;
  }
};
const mnistcCannyEdges = {
  kind: "image",
  name: `${SHORT}canny_edges`,
  title: "MNIST-C: Canny edges",
  description: "Replaces the digit by its outline (Canny edge detector, σ = 1). Severities 1–5 mix 20–100 % of the outline into the image; MNIST-C uses the outline alone (severity 5).",
  family: "digital",
  suite: "mnist-c",
  defaultSeverity: 5,
  usesSeverity: true,
  params: [strengthParam({ label: "Outline weight", help: "Share of the outline image in the result (1 = outline only).", max: 1, step: 0.05 })],
  apply(img, severity, params) {
    const a = Math.min(1, strengthOr(params, level(MNISTC_CANNY, severity)));
    const { height: h, width: w, channels: c } = img;
    const edges = cannyPlane(greyPlane(img), h, w, { sigma: 1, low: 0.1, high: 0.2, magnitude: "l2" });
    const d = img.data;
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) d[p * c + k] = (1 - a) * d[p * c + k] + a * edges[p];
    return img;
  }
};
const MNISTC_CORRUPTIONS = [
  mnistcShotNoise,
  mnistcImpulseNoise,
  mnistcGlassBlur,
  mnistcMotionBlur,
  mnistcShear,
  mnistcScale,
  mnistcRotate,
  mnistcBrightness,
  mnistcTranslate,
  mnistcStripe,
  mnistcFog,
  mnistcSpatter,
  mnistcDottedLine,
  mnistcZigzag,
  mnistcCannyEdges
];
const IMBALANCE_RATIOS = [10, 20, 50, 100, 200];
const POISON_FRACTIONS = [0.01, 0.02, 0.05, 0.1, 0.2];
function longTailCounts(available, ratio, nMax) {
  const C = available.length;
  const present = available.filter((n) => n > 0);
  const top = nMax && nMax > 0 ? nMax : present.length ? Math.min(...present) : 0;
  return available.map((n, c) => {
    const share = C > 1 ? Math.floor(top * ratio ** (-c / (C - 1)) + 1e-9) : top;
    return Math.min(n, Math.max(0, share));
  });
}
const imbalance = {
  kind: "split",
  name: "data/imbalance",
  title: "Class imbalance (long tail)",
  description: "Makes some classes rare, as in real collections where a few classes dominate: class c keeps n_max · ρ^(−c/(C−1)) examples, so class 0 keeps the most and the last class ρ times fewer. Ratios ρ = 10, 20, 50, 100, 200 for severities 1–5.",
  family: "data",
  suite: "data",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: "ratio",
      label: "Imbalance ratio ρ",
      type: "number",
      min: 0,
      max: 1e5,
      step: 1,
      default: 0,
      help: "How many times more examples the largest class keeps than the smallest (≥ 1). 0 uses the value of the chosen severity."
    },
    {
      key: "maxPerClass",
      label: "Examples of the largest class",
      type: "integer",
      min: 0,
      max: 1e8,
      step: 1,
      default: 0,
      help: "n_max: examples kept of class 0. 0 uses the size of the smallest class, so every class has enough examples.",
      advanced: true
    }
  ],
  plan(state, severity, params, _extra, rng) {
    const r = params.ratio;
    const ratio = r > 0 ? r : level(IMBALANCE_RATIOS, severity);
    if (ratio < 1) throw new LabError("bad_input", `The imbalance ratio must be at least 1 (1 = balanced), got ${ratio}.`);
    const C = state.numClasses;
    const byClass = Array.from({ length: C }, () => []);
    for (let i = 0; i < state.labels.length; i++) byClass[state.labels[i]].push(i);
    const counts = longTailCounts(
      byClass.map((l) => l.length),
      ratio,
      params.maxPerClass
    );
    const keep = new Uint8Array(state.labels.length);
    byClass.forEach((members, c) => {
      const perm = rng.fork(c).permutation(members.length);
      for (let k = 0; k < counts[c]; k++) keep[members[perm[k]]] = 1;
    });
    const idx = [];
    for (let i = 0; i < keep.length; i++) if (keep[i]) idx.push(i);
    return {
      state: {
        ...state,
        origins: Int32Array.from(idx, (i) => state.origins[i]),
        labels: Int32Array.from(idx, (i) => state.labels[i])
      },
      note: { classCounts: counts, ratio }
    };
  }
};
const POSITIONS = ["bottom-right", "bottom-left", "top-right", "top-left", "center", "random"];
function stampPatch(img, top, left, size2, pattern, value) {
  const { width: w, channels: c } = img;
  for (let y = 0; y < size2; y++) {
    for (let x = 0; x < size2; x++) {
      const v = pattern === "checkerboard" && (x + y) % 2 === 1 ? 1 - value : value;
      const p = ((top + y) * w + (left + x)) * c;
      for (let k = 0; k < c; k++) img.data[p + k] = v;
    }
  }
}
const backdoor = {
  kind: "split",
  name: "data/backdoor",
  title: "Backdoor poisoning (trigger patch)",
  description: 'Plants a backdoor (BadNets): a small patch is stamped on a fraction of the images, which are relabelled as the target class, so a model trained on them learns "patch means target". Poisoned fractions 1, 2, 5, 10, 20 % for severities 1–5; the poisoned examples are recorded.',
  family: "data",
  suite: "data",
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    { key: "target", label: "Target class", type: "integer", min: 0, max: 99999, step: 1, default: 0, help: "The class the poisoned images are labelled as." },
    {
      key: "fraction",
      label: "Poisoned fraction",
      type: "number",
      min: 0,
      max: 1,
      step: 5e-3,
      default: 0,
      help: "Share of the split that gets the trigger. 0 uses the value of the chosen severity."
    },
    {
      key: "pattern",
      label: "Trigger pattern",
      type: "enum",
      default: "checkerboard",
      options: [
        { value: "checkerboard", label: "Checkerboard" },
        { value: "square", label: "Solid square" }
      ],
      help: "What the trigger looks like."
    },
    { key: "size", label: "Trigger size", type: "integer", min: 1, max: 512, step: 1, default: 3, unit: "px", help: "Side of the square trigger in pixels." },
    {
      key: "position",
      label: "Position",
      type: "enum",
      default: "bottom-right",
      options: POSITIONS.map((p) => ({ value: p, label: p[0].toUpperCase() + p.slice(1).replace("-", " ") })),
      help: 'Where the trigger goes; "random" picks a place for each image.'
    },
    { key: "margin", label: "Margin", type: "integer", min: 0, max: 256, step: 1, default: 1, unit: "px", help: "Distance from the image edge for corner positions.", advanced: true },
    { key: "value", label: "Trigger brightness", type: "number", min: 0, max: 1, step: 0.05, default: 1, help: "Brightness of the trigger (1 = white).", advanced: true },
    { key: "relabel", label: "Relabel as target", type: "boolean", default: true, help: "Change the labels of poisoned images to the target class (off: keep their labels, e.g. to build a test set that measures the attack)." },
    {
      key: "includeTarget",
      label: "Also poison the target class",
      type: "boolean",
      default: false,
      help: "Let images already of the target class receive the trigger too (off: only other classes are poisoned).",
      advanced: true
    }
  ],
  plan(state, severity, params, _extra, rng) {
    const target = params.target;
    if (target >= state.numClasses) {
      throw new LabError("bad_input", `Backdoor target class ${target} does not exist; this dataset has classes 0 to ${state.numClasses - 1}.`);
    }
    const size2 = params.size;
    const margin = params.margin;
    const position = params.position;
    const room = Math.min(state.height, state.width) - (position === "random" || position === "center" ? 0 : 2 * margin);
    if (size2 > room) {
      throw new LabError("bad_input", `A ${size2}-pixel trigger does not fit in ${state.height}×${state.width} images with a ${margin}-pixel margin; make it at most ${Math.max(0, room)} pixels.`);
    }
    const f = params.fraction;
    const fraction = f > 0 ? f : level(POISON_FRACTIONS, severity);
    const candidates = [];
    for (let i = 0; i < state.labels.length; i++) if (params.includeTarget || state.labels[i] !== target) candidates.push(i);
    const k = Math.min(candidates.length, Math.round(fraction * state.labels.length));
    const perm = rng.fork("choose").permutation(candidates.length);
    const maxOrigin = state.origins.length ? state.origins[state.origins.length - 1] : -1;
    const marked = new Uint8Array(maxOrigin + 1);
    const labels = new Int32Array(state.labels);
    for (let j = 0; j < k; j++) {
      const i = candidates[perm[j]];
      marked[state.origins[i]] = 1;
      if (params.relabel) labels[i] = target;
    }
    const { height: h, width: w } = state;
    const pattern = params.pattern;
    const value = params.value;
    const stamp = {
      marked,
      stamp(img, imgRng) {
        let top;
        let left;
        switch (position) {
          case "top-left":
            [top, left] = [margin, margin];
            break;
          case "top-right":
            [top, left] = [margin, w - margin - size2];
            break;
          case "bottom-left":
            [top, left] = [h - margin - size2, margin];
            break;
          case "center":
            [top, left] = [h - size2 >> 1, w - size2 >> 1];
            break;
          case "random":
            top = imgRng.int(h - size2 + 1);
            left = imgRng.int(w - size2 + 1);
            break;
          default:
            [top, left] = [h - margin - size2, w - margin - size2];
        }
        stampPatch(img, top, left, size2, pattern, value);
      }
    };
    return { state: { ...state, labels }, stamp, note: { poisoned: k, target, fraction: state.labels.length ? k / state.labels.length : 0 } };
  }
};
const IMAGENET_C_15 = [
  "gaussian_noise",
  "shot_noise",
  "impulse_noise",
  "defocus_blur",
  "glass_blur",
  "motion_blur",
  "zoom_blur",
  "snow",
  "frost",
  "fog",
  "brightness",
  "contrast",
  "elastic_transform",
  "pixelate",
  "jpeg_compression"
];
const ALL = [
  gaussianNoise,
  shotNoise,
  impulseNoise,
  defocusBlur,
  glassBlur,
  motionBlur,
  zoomBlur,
  snow,
  frost,
  fog,
  brightness,
  contrast,
  elasticTransform,
  pixelate,
  jpegCompression,
  speckleNoise,
  gaussianBlur,
  spatter,
  saturate,
  ...MNISTC_CORRUPTIONS,
  symmetricLabelNoise,
  pairFlipLabelNoise,
  transitionLabelNoise,
  imbalance,
  backdoor
];
const CORRUPTIONS = new Map(ALL.map((c) => [c.name, c]));
MNISTC_CORRUPTIONS.map((c) => c.name);
function listCorruptions() {
  return ALL.map((c) => ({
    name: c.name,
    title: c.title,
    description: c.description,
    params: c.params,
    family: c.family,
    suite: c.suite,
    target: c.kind === "image" ? "images" : c.family === "labels" ? "labels" : "dataset",
    severities: c.usesSeverity ? [1, 2, 3, 4, 5] : [],
    defaultSeverity: c.defaultSeverity,
    colourOnly: c.kind === "image" && !!c.colourOnly,
    needs: c.name === "labels/transition" ? "matrix" : c.name === "labels/pair_flip" ? "classMap" : void 0
  }));
}
function closest(name) {
  const n = name.toLowerCase();
  return [...CORRUPTIONS.keys()].filter((k) => k.includes(n) || n.includes(k.replace(/^[a-z]+\//, ""))).slice(0, 4);
}
function getCorruption(name) {
  const c = CORRUPTIONS.get(name);
  if (!c) {
    const near = closest(name);
    throw new LabError(
      "bad_input",
      `Unknown corruption "${name}"${near.length ? `; did you mean ${near.join(", ")}?` : ""} Run \`robustlab corruptions list\` to see all ${CORRUPTIONS.size} corruptions.`
    );
  }
  return c;
}
function checkSeverity(c, severity) {
  if (severity === void 0 || severity === null) return c.defaultSeverity;
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) {
    throw new LabError(
      "bad_input",
      `Severity of ${c.name} must be a whole number from 1 to 5, got ${String(severity)}; for a stronger or weaker effect use its parameters.`
    );
  }
  return severity;
}
function resolveStep(step, shape) {
  const corruption = getCorruption(step.corruption);
  const severity = checkSeverity(corruption, step.severity);
  const params = parseParams(`corruption ${corruption.name}`, corruption.params, step.params ?? {});
  if (corruption.kind === "image" && corruption.colourOnly && colourChannels(shape.channels).colour === 1) {
    throw new LabError("bad_input", corruption.colourOnly);
  }
  if (corruption.kind === "image" && (step.matrix || step.classMap)) {
    throw new LabError("bad_input", `Corruption ${corruption.name} changes images; a class map or transition matrix only goes with label noise.`);
  }
  return { corruption, severity, params };
}
function resolveRecipe(recipe, shape) {
  if (!recipe || !Array.isArray(recipe.steps) || recipe.steps.length === 0) {
    throw new LabError("bad_input", "A recipe needs at least one step: a corruption with its severity.");
  }
  return recipe.steps.map((s, index) => {
    try {
      const { corruption, severity, params } = resolveStep(s, shape);
      return { index, corruption, severity, params, classMap: s.classMap, matrix: s.matrix, splits: s.splits };
    } catch (err) {
      if (err instanceof LabError && recipe.steps.length > 1) throw new LabError(err.code, `Step ${index + 1}: ${err.message}`);
      throw err;
    }
  });
}
function planSplit(source, recipe, opts = {}) {
  validateSplit(source, `The ${opts.splitName ?? "test"} split`);
  const splitName2 = opts.splitName ?? "test";
  const seed2 = opts.seed ?? recipe.seed ?? 0;
  if (!Number.isInteger(seed2) || seed2 < 0) throw new LabError("bad_input", `The seed must be a whole number of at least 0, got ${seed2}.`);
  const steps = resolveRecipe(recipe, source).filter((s) => !s.splits || s.splits.includes(splitName2));
  let maxLabel = 0;
  for (let i = 0; i < source.count; i++) if (source.labels[i] > maxLabel) maxLabel = source.labels[i];
  const numClasses = Math.max(opts.numClasses ?? 0, maxLabel + 1);
  const root = new Rng(seed2);
  const streams = [];
  const stamps = /* @__PURE__ */ new Map();
  const notes = [];
  let state = {
    origins: Int32Array.from({ length: source.count }, (_, i) => i),
    labels: Int32Array.from(source.labels),
    numClasses,
    height: source.height,
    width: source.width,
    channels: source.channels
  };
  let changesLabels = false;
  let subsamples = false;
  for (const s of steps) {
    const stream = root.fork(`step:${s.index}:${splitName2}`);
    streams[s.index] = stream;
    if (s.corruption.kind !== "split") continue;
    try {
      const r = s.corruption.plan(state, s.severity, s.params, { classMap: s.classMap, matrix: s.matrix }, stream.fork("plan"));
      if (r.state.labels !== state.labels) changesLabels = true;
      if (r.state.origins !== state.origins) subsamples = true;
      state = r.state;
      if (r.stamp) stamps.set(s.index, r.stamp);
      if (r.note) notes.push({ step: s.index, corruption: s.corruption.name, note: r.note });
    } catch (err) {
      if (err instanceof LabError && recipe.steps.length > 1) throw new LabError(err.code, `Step ${s.index + 1}: ${err.message}`);
      throw err;
    }
  }
  const trueLabels = Int32Array.from(state.origins, (o) => source.labels[o]);
  return { splitName: splitName2, seed: seed2, steps, origins: state.origins, labels: state.labels, trueLabels, stamps, notes, streams, changesLabels, subsamples };
}
function corruptImages(plan, source, origins) {
  let imgs = Array.from(origins, (o) => imageFromBytes(source.images, o, source.height, source.width, source.channels));
  for (const s of plan.steps) {
    const c = s.corruption;
    if (c.kind === "image") {
      const parts = imgs.map(splitAlpha);
      const rngs = Array.from(origins, (o) => plan.streams[s.index].fork(o));
      const outs = c.applyBatch ? c.applyBatch(parts.map((p) => p.colour), s.severity, s.params, rngs) : parts.map((p, i) => c.apply(p.colour, s.severity, s.params, rngs[i]));
      imgs = outs.map((out, i) => {
        if (out.height !== source.height || out.width !== source.width || out.channels !== parts[i].colour.channels) {
          throw new LabError("internal", `Internal error: corruption ${c.name} changed the image shape.`);
        }
        return joinAlpha(clip01InPlace(out), parts[i].alpha);
      });
    } else {
      const stamp = plan.stamps.get(s.index);
      if (!stamp) continue;
      imgs = imgs.map((img, i) => {
        const o = origins[i];
        if (o >= stamp.marked.length || !stamp.marked[o]) return img;
        const { colour, alpha } = splitAlpha(img);
        stamp.stamp(colour, plan.streams[s.index].fork(o));
        return joinAlpha(clip01InPlace(colour), alpha);
      });
    }
  }
  return imgs;
}
function corruptImage(plan, source, origin) {
  return corruptImages(plan, source, [origin])[0];
}
function touchesPixels(plan) {
  return plan.steps.some((s) => s.corruption.kind === "image" || plan.stamps.has(s.index));
}
function labelArray(labels, like) {
  if (like instanceof Uint8Array) {
    let max = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
    if (max <= 255) return Uint8Array.from(labels);
  }
  return labels;
}
function allocateResult(plan, source) {
  const per = source.height * source.width * source.channels;
  const images = new Uint8Array(plan.origins.length * per);
  if (!touchesPixels(plan)) {
    for (let i = 0; i < plan.origins.length; i++) {
      images.set(source.images.subarray(plan.origins[i] * per, (plan.origins[i] + 1) * per), i * per);
    }
  }
  return {
    images,
    labels: labelArray(plan.labels, source.labels),
    count: plan.origins.length,
    height: source.height,
    width: source.width,
    channels: source.channels
  };
}
function corruptRange(plan, source, out, start, end) {
  if (!touchesPixels(plan)) return;
  const imgs = corruptImages(plan, source, plan.origins.subarray(start, end));
  for (let i = start; i < end; i++) imageToBytes(imgs[i - start], out.images, i);
}
function finishResult(plan, source, out, numClasses) {
  let poisoned = null;
  if (plan.stamps.size) {
    const idx = [];
    for (let i = 0; i < plan.origins.length; i++) {
      const o = plan.origins[i];
      for (const st of plan.stamps.values()) {
        if (o < st.marked.length && st.marked[o]) {
          idx.push(i);
          break;
        }
      }
    }
    poisoned = Int32Array.from(idx);
  }
  let C = Math.max(numClasses ?? 0, 1);
  for (let i = 0; i < plan.labels.length; i++) if (plan.labels[i] + 1 > C) C = plan.labels[i] + 1;
  const classCounts = new Array(C).fill(0);
  for (let i = 0; i < plan.labels.length; i++) classCounts[plan.labels[i]]++;
  return {
    split: out,
    trueLabels: plan.changesLabels ? plan.trueLabels : null,
    poisoned,
    sourceIndices: plan.subsamples ? plan.origins : null,
    report: {
      count: out.count,
      sourceCount: source.count,
      labelNoiseRate: plan.changesLabels ? labelNoiseRate(plan.labels, plan.trueLabels) : null,
      classCounts,
      poisoned: poisoned ? poisoned.length : null,
      steps: plan.notes
    }
  };
}
const CHUNK = 256;
function resolveCorruptSpec(store, spec) {
  const parent = store.getDataset(spec.dataset);
  const available = ["train", "test"].filter((s) => parent.splits[s]);
  const splits = spec.splits ? [...new Set(spec.splits)] : available;
  for (const s of splits) {
    if (!parent.splits[s]) throw new LabError("bad_input", `Dataset "${parent.name}" has no ${s} split; choose ${available.join(" or ")}.`);
  }
  const seed2 = spec.seed ?? spec.recipe.seed ?? 0;
  const first = spec.recipe.steps[0];
  const name = spec.name ?? `${parent.name}-${first.corruption.replace("/", "-")}${first.severity ? `-s${first.severity}` : ""}${spec.recipe.steps.length > 1 ? `-plus${spec.recipe.steps.length - 1}` : ""}`;
  return { ...spec, dataset: parent.id, seed: seed2, splits, name, recipe: { ...spec.recipe, seed: seed2 } };
}
async function corruptDataset(store, specIn, opts) {
  const spec = resolveCorruptSpec(store, specIn);
  const parent = store.getDataset(spec.dataset);
  if (store.findDatasetByName(spec.name)) {
    throw new LabError("conflict", `A dataset named "${spec.name}" already exists; choose another name.`);
  }
  const results = {};
  const sources = {};
  const plans = spec.splits.map((s) => {
    const source = readSplit(store.labDir, parent.files, s);
    sources[s] = source;
    return { s, plan: planSplit(source, spec.recipe, { splitName: s, numClasses: parent.numClasses, seed: spec.seed }) };
  });
  const total = plans.reduce((a, p) => a + p.plan.origins.length, 0);
  let done = 0;
  for (const { s, plan } of plans) {
    const source = sources[s];
    const out = allocateResult(plan, source);
    for (let start = 0; start < out.count; start += CHUNK) {
      await opts.tick();
      const end = Math.min(out.count, start + CHUNK);
      corruptRange(plan, source, out, start, end);
      done += end - start;
      opts.onProgress?.(done, total, s);
    }
    if (out.count === 0) {
      throw new LabError("bad_input", `The recipe leaves no examples in the ${s} split; lower the imbalance ratio or choose another split.`);
    }
    results[s] = finishResult(plan, source, out, parent.numClasses);
  }
  await opts.tick();
  const id = newId("ds");
  const extras = {};
  for (const s of spec.splits) {
    const r = results[s];
    const e = {};
    if (r.trueLabels) e.trueLabels = { dtype: "int32", shape: [r.trueLabels.length], data: r.trueLabels };
    if (r.poisoned) e.poisoned = { dtype: "int32", shape: [r.poisoned.length], data: r.poisoned };
    if (r.sourceIndices) e.sourceIndices = { dtype: "int32", shape: [r.sourceIndices.length], data: r.sourceIndices };
    extras[s] = e;
  }
  const files = writeDatasetDirAtomic(store.labDir, id, { train: results.train?.split, test: results.test?.split }, extras);
  try {
    opts.beforeInsert?.();
    const recipe = {
      steps: spec.recipe.steps,
      seed: spec.seed,
      splits: spec.splits,
      parent: { id: parent.id, name: parent.name },
      runId: opts.runId ?? null,
      report: Object.fromEntries(spec.splits.map((s) => [s, results[s].report])),
      createdBy: "corrupt"
    };
    store.insertDataset({
      id,
      name: spec.name,
      source: `corrupted:${parent.name}`,
      height: parent.height,
      width: parent.width,
      channels: parent.channels,
      numClasses: parent.numClasses,
      classNames: parent.classNames,
      splits: Object.fromEntries(spec.splits.map((s) => [s, { count: results[s].split.count }])),
      files,
      parentId: parent.id,
      recipe
    });
  } catch (err) {
    fs.rmSync(path.join(store.labDir, "datasets", id), { recursive: true, force: true });
    throw err;
  }
  return id;
}
async function runCorruptJob(ctx, spec) {
  const t0 = Date.now();
  const id = await corruptDataset(ctx.store, spec, {
    runId: ctx.run.id,
    tick: () => ctx.tick(),
    onProgress: (done, total, split) => {
      const secs2 = (Date.now() - t0) / 1e3;
      ctx.progress({
        phase: "corrupt",
        epoch: 0,
        epochs: 0,
        step: done,
        steps: total,
        fraction: total ? done / total : 1,
        imagesPerSec: secs2 > 0 ? done / secs2 : void 0,
        message: `${done} of ${total} images (${split})`
      });
    }
  });
  const ds = ctx.store.getDataset(id);
  const secs = (Date.now() - t0) / 1e3;
  const count = (ds.splits.train?.count ?? 0) + (ds.splits.test?.count ?? 0);
  const metrics = [
    { key: "images", step: 0, value: count },
    { key: "time/seconds", step: 0, value: secs },
    { key: "images_per_s", step: 0, value: secs > 0 ? count / secs : 0 }
  ];
  const report = ds.recipe.report;
  for (const s of ["train", "test"]) {
    const r = report[s];
    if (r?.labelNoiseRate != null) metrics.push({ key: `${s}/label_noise_rate`, step: 0, value: r.labelNoiseRate });
    if (r?.poisoned != null) metrics.push({ key: `${s}/poisoned`, step: 0, value: r.poisoned });
  }
  ctx.log(metrics);
  ctx.progress({ phase: "corrupt", epoch: 0, epochs: 0, step: count, steps: count, fraction: 1, message: `Saved dataset "${ds.name}" (${ds.id})` });
  return id;
}
const ALL_SEVERITIES = [1, 2, 3, 4, 5];
function checkModelFits(model, ds) {
  const [h, w, c] = model.inputShape;
  if (ds.height !== h || ds.width !== w || ds.channels !== c) {
    throw new LabError(
      "shape_mismatch",
      `Model "${model.name}" takes ${h}×${w}×${c} images but dataset "${ds.name}" has ${ds.height}×${ds.width}×${ds.channels}; pick a matching dataset.`
    );
  }
  if (ds.numClasses > model.numClasses) {
    throw new LabError("shape_mismatch", `Model "${model.name}" predicts ${model.numClasses} classes but dataset "${ds.name}" has ${ds.numClasses}; pick a matching dataset.`);
  }
}
function checkCorruptionBenchmark(store, spec, ds) {
  if (spec.attack.name !== "none") {
    throw new LabError("bad_input", `The corruption benchmark measures accuracy on corrupted images without an attack; leave the attack at "none" (got "${spec.attack.name}").`);
  }
  const corruptions = [...new Set(spec.corruptions ?? [...IMAGENET_C_15])];
  for (const name of corruptions) {
    const c = getCorruption(name);
    if (c.kind !== "image") {
      throw new LabError("bad_input", `${name} changes labels or the split, not the images; the corruption benchmark takes image corruptions only.`);
    }
    resolveStep({ corruption: name }, { channels: ds.channels });
  }
  const severities = [...new Set(spec.severities ?? ALL_SEVERITIES)].sort((a, b) => a - b);
  let baselineModel;
  if (spec.baselineModel) {
    const b = store.getModel(spec.baselineModel);
    checkModelFits(b, ds);
    baselineModel = b.id;
  }
  return { corruptions, severities, ...baselineModel ? { baselineModel } : {} };
}
async function accuracy(model, split, batchSize, tick) {
  let correct = 0;
  const { height: h, width: w, channels: c } = split;
  for (let start = 0; start < split.count; start += batchSize) {
    await tick();
    const end = Math.min(split.count, start + batchSize);
    const batch = gatherBatch(
      split,
      Array.from({ length: end - start }, (_, i) => start + i)
    );
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    try {
      const pred = tf.tidy(() => tf.argMax(model.forward(x, { training: false }), 1));
      const p = pred.dataSync();
      pred.dispose();
      for (let i = 0; i < batch.n; i++) if (p[i] === batch.y[i]) correct++;
    } finally {
      x.dispose();
    }
  }
  return split.count ? correct / split.count : 0;
}
function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
function benchmarkScores(acc, clean, baseAcc, baseClean) {
  const ce2 = [];
  const rel = [];
  acc.forEach((row, c) => {
    if (!baseAcc || baseClean == null) {
      ce2.push(null);
      rel.push(null);
      return;
    }
    const ef = row.reduce((a, v) => a + (1 - v), 0);
    const eb = baseAcc[c].reduce((a, v) => a + (1 - v), 0);
    ce2.push(eb > 0 ? ef / eb : null);
    const rf = row.reduce((a, v) => a + (1 - v - (1 - clean)), 0);
    const rb = baseAcc[c].reduce((a, v) => a + (1 - v - (1 - baseClean)), 0);
    rel.push(rb > 0 ? rf / rb : null);
  });
  const defined = (xs) => xs.filter((v) => v != null);
  return {
    ce: ce2,
    relativeCe: rel,
    mCE: defined(ce2).length ? mean(defined(ce2)) : null,
    relativeMCE: defined(rel).length ? mean(defined(rel)) : null,
    meanAccuracy: mean(acc.flat())
  };
}
async function runCorruptionBenchmark(ctx, spec) {
  const { store } = ctx;
  const t0 = Date.now();
  const ds = store.getDataset(spec.dataset);
  const resolved = checkCorruptionBenchmark(store, spec, ds);
  const { model, record } = loadStoredModel(store, spec.model);
  const base = resolved.baselineModel ? loadStoredModel(store, resolved.baselineModel) : null;
  try {
    checkModelFits(record, ds);
    const split = limitSplit(readSplit(store.labDir, ds.files, spec.split), spec.limit);
    const tick = () => ctx.tick();
    const models = base ? [model, base.model] : [model];
    const clean = [];
    for (const m of models) clean.push(await accuracy(m, split, spec.batchSize, tick));
    const { corruptions, severities } = resolved;
    const acc = corruptions.map(() => []);
    const baseAcc = base ? corruptions.map(() => []) : null;
    const total = corruptions.length * severities.length;
    let done = 0;
    for (let ci = 0; ci < corruptions.length; ci++) {
      for (const s of severities) {
        const recipe = { steps: [{ corruption: corruptions[ci], severity: s, params: {} }], seed: spec.seed };
        const plan = planSplit(split, recipe, { splitName: spec.split, numClasses: ds.numClasses, seed: spec.seed });
        const corrupted = allocateResult(plan, split);
        for (let start = 0; start < corrupted.count; start += 256) {
          await tick();
          corruptRange(plan, split, corrupted, start, Math.min(corrupted.count, start + 256));
        }
        acc[ci].push(await accuracy(model, corrupted, spec.batchSize, tick));
        if (base && baseAcc) baseAcc[ci].push(await accuracy(base.model, corrupted, spec.batchSize, tick));
        done++;
        const secs = (Date.now() - t0) / 1e3;
        ctx.progress({
          phase: "corruptions",
          epoch: 0,
          epochs: 0,
          step: done,
          steps: total,
          fraction: done / total,
          accuracy: acc[ci][acc[ci].length - 1],
          imagesPerSec: secs > 0 ? done * split.count / secs : void 0,
          message: `${corruptions[ci]} severity ${s} (${done} of ${total})`
        });
      }
    }
    const scores = benchmarkScores(acc, clean[0], baseAcc, base ? clean[1] : null);
    const metrics = [
      { key: "clean_accuracy", step: 0, value: clean[0] },
      { key: "corruption_accuracy", step: 0, value: scores.meanAccuracy }
    ];
    if (scores.mCE != null) metrics.push({ key: "mce", step: 0, value: scores.mCE });
    if (scores.relativeMCE != null) metrics.push({ key: "relative_mce", step: 0, value: scores.relativeMCE });
    corruptions.forEach((c, i) => metrics.push({ key: `corruption_accuracy/${c}`, step: 0, value: mean(acc[i]) }));
    ctx.log(metrics);
    return store.insertEvaluation({
      runId: ctx.run.id,
      modelId: record.id,
      datasetId: ds.id,
      split: spec.split,
      attack: {
        name: "corruptions",
        params: { corruptions: corruptions.length, severities: severities.join(","), baseline: base?.record.id ?? "", seed: spec.seed }
      },
      count: split.count,
      cleanAccuracy: clean[0],
      robustAccuracy: scores.meanAccuracy,
      details: {
        benchmark: "corruptions",
        corruptions,
        titles: corruptions.map((c) => getCorruption(c).title),
        severities,
        /** accuracy[c][k]: accuracy under corruptions[c] at severities[k] (heatmap rows × columns). */
        accuracy: acc,
        meanCorruptionAccuracy: scores.meanAccuracy,
        meanCorruptionError: 1 - scores.meanAccuracy,
        ce: scores.ce,
        relativeCe: scores.relativeCe,
        mCE: scores.mCE,
        relativeMCE: scores.relativeMCE,
        baseline: base ? { modelId: base.record.id, name: base.record.name, cleanAccuracy: clean[1], accuracy: baseAcc } : null,
        seed: spec.seed,
        seconds: (Date.now() - t0) / 1e3
      }
    });
  } finally {
    model.dispose();
    base?.model.dispose();
  }
}
export {
  TERMINAL_STATUSES as A,
  planSplit as B,
  CorruptSpecSchema as C,
  imageToBytes as D,
  EvaluationSuite as E,
  corruptImage as F,
  resolveCorruptSpec as G,
  resolveRecipe as H,
  ImportModelRequestSchema as I,
  JobSpecSchema as J,
  listCorruptions as K,
  LabStore as L,
  Model as M,
  modelInfo as N,
  checkCorruptionBenchmark as O,
  PreviewCorruptionRequestSchema as P,
  newId as Q,
  Rng as R,
  SamplesRequestSchema as S,
  TrainSpecSchema as T,
  UpdateRunRequestSchema as U,
  checkpointPath as V,
  modelFromSafetensors as W,
  listMethods as X,
  listAttacks as Y,
  importIdx as Z,
  writeDatasetDirAtomic as _,
  resolveMethod as a,
  loadCheckpoint as b,
  certifyBatch as c,
  checkResumable as d,
  loadWeightArrays as e,
  loadStoredModel as f,
  gatherBatch as g,
  saveModel as h,
  certifierForSpec as i,
  resolveAttack as j,
  checkClasses$1 as k,
  limitSplit as l,
  checkEpsGrid as m,
  runCorruptJob as n,
  runCorruptionBenchmark as o,
  pgd as p,
  RegenerateDatasetRequestSchema as q,
  readSplit as r,
  saveCheckpoint as s,
  EmptySchema as t,
  ExportEvaluationRequestSchema as u,
  RunIdSchema as v,
  weightArrays as w,
  ListRunsRequestSchema as x,
  EvalSpecSchema as y,
  ImportDatasetRequestSchema as z
};
//# sourceMappingURL=corruption-benchmark-C54-vvh4.js.map
