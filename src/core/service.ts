/**
 * The Lab facade: the one object that Electron main, the web server, the CLI and tests call.
 * It validates every request, owns the store connection and the job queue of this process,
 * and turns anything a person can get wrong into a LabError with one clear sentence.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZodError } from 'zod';
import { API_INPUTS, isApiMethod, type ApiMethod, type ApiOutputs, type ApiParsed } from '../shared/api';
import { LabError } from '../shared/errors';
import { describeZodIssues } from '../shared/validation';
import type { BackendInfo, DatasetInfo, JobSpec, LabEvent, LabStatus, RunDetail, RunInfo, TrainSpec } from '../shared/schemas';
import { schemaVersion } from './store/db';
import './job-kinds';
import { patchingHandlers } from './patching/handlers';
import { byoHandlers } from './byo-handlers';
import { attachArchitectureStore } from './store/architecture-store';
import { sweepHandlers } from './sweeps/handlers';
import { SweepScheduler } from './sweeps/scheduler';
import { RedisJobQueue, workerBundle, workerCheckpoint, workerFile, workerResult, type WorkerResult } from './remote/host';
import { getSweepRecord, sweepDetail } from './sweeps/records';
import type { SweepDetail } from '../shared/sweeps';
import { historyHandlers, purgeOldDeletedRuns } from './history/handlers';
import { getJobKind } from './jobs/registry';
import { initEngine, plannedBackend } from './engine/backend';
import { getArchitecture, listArchitectures } from './models/registry';
import { modelFromSafetensors, readSafetensorsFile } from './models/safetensors';
import { BUILTIN_DATASETS, loadBuiltin } from './data/builtin';
import { importIdx, readSplit, writeDatasetDirAtomic } from './data/dataset';
import { recognizeLabels } from './data/known-datasets';
import { resumeProblem } from './training/checkpoint';
import { deleteItem, dependentsOf, modelWeightsFile, purgeTrash, renameDataset, renameModel, restoreDeleted, setClassNames, UNDO_SECONDS } from './manage';
import { exportFilename, reportToCsv, reportToHtml } from './eval/report';
import { benchmarkToCsv, benchmarkToHtml } from './eval/benchmark-report';
import { benchmarkContext, readBenchmark } from '../shared/benchmark-text';
import { listMethods } from './training/methods/registry';
import { listAttacks } from './attacks/registry';
import { LabStore, newId, type DatasetRecord, type RunRecord } from './store/store';
import { modelInfo, saveModel } from './store/model-files';
import { checkLab, sweepLeftovers } from './store/maintenance';
import { storageError } from './store/errors';
import { JobQueue, recoverInterruptedRuns } from './jobs/queue';
import { nodeSpawnWorker } from './jobs/node-worker';
import type { SpawnWorker } from './jobs/protocol';
import { listCorruptions } from './corruptions/registry';
import { previewCorruption, regenerateSpec } from './corruptions/service';

export const LAB_VERSION = '0.1.0';

export interface LabOptions {
  labDir: string;
  mode: LabStatus['mode'];
  spawnWorker?: SpawnWorker;
  backend?: string;
  /** Jobs run at once; default 1 (each job already uses every core). */
  concurrency?: number;
}

/** The per-user application-data folder, the same one Electron's app.getPath('userData') gives. */
export function defaultAppDataDir(): string {
  const home = os.homedir();
  const name = 'robustness-lab';
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), name);
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', name);
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), name);
}

/** --lab DIR, else ROBUSTLAB_HOME, else <app data>/lab. */
export function resolveLabDir(opts: { lab?: string; appDataDir?: string } = {}): string {
  if (opts.lab) return path.resolve(opts.lab);
  if (process.env.ROBUSTLAB_HOME) return path.resolve(process.env.ROBUSTLAB_HOME);
  return path.join(opts.appDataDir ?? defaultAppDataDir(), 'lab');
}

/**
 * Calls that only read or write the store: they never start the compute engine, so `datasets
 * list`, `runs list` and the like stay instant (#12). Every other call starts it first (in the
 * app and the web server it is already running). test/integration/lazy-engine.test.ts checks that
 * these leave tfjs unloaded.
 */
const ENGINE_FREE: ReadonlySet<ApiMethod> = new Set<ApiMethod>([
  'status', 'doctor', 'checkLab', 'cancelRun',
  'listDatasets', 'datasetSamples', 'updateDataset', 'exportDataset',
  'listModels', 'updateModel', 'exportModelWeights', 'modelBundle',
  'listArchitectures', 'getArchitecture', 'listAttacks', 'listMethods', 'listCorruptions',
  'listRuns', 'getRun', 'updateRun', 'listEvaluations', 'exportEvaluation',
  'listDependents', 'deleteItem', 'undoDelete',
  'queryRuns', 'checkQuery', 'groupRuns', 'setRunFlags', 'deleteRuns', 'restoreRuns',
  'compareRuns', 'exportComparison', 'exportRuns', 'listViews', 'saveView', 'deleteView', 'runLineage',
  'listSignatures', 'getSignature', 'deleteSignature', 'patchLineage',
  'listSweeps', 'getSweep', 'listWorkers', 'workerBundle', 'workerFile', 'workerCheckpoint', 'workerResult',
]);

/** One sentence from a zod error: the first issue, naming its field (shared by every transport). */
export function zodMessage(err: ZodError): string {
  return describeZodIssues(err.issues);
}

function flattenParams(obj: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && !Array.isArray(v)) flattenParams(v as Record<string, unknown>, key, out);
    else out[key] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  }
  return out;
}


export class Lab {
  readonly labDir: string;
  /**
   * The store and the queue behind the facade. Hosts (main, server, cli) never touch them: they
   * use `call()` (test/unit/layers.test.ts fails otherwise). They stay readable for tests and
   * bench scripts that inspect a lab they drive; new tests should open a LabStore themselves.
   */
  readonly store: LabStore;
  readonly queue: JobQueue;
  private readonly sweeps: SweepScheduler;
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private status!: LabStatus;

  private constructor(
    private readonly opts: LabOptions,
    store: LabStore,
  ) {
    this.labDir = store.labDir;
    this.store = store;
    const local = new JobQueue({
      store,
      spawnWorker: opts.spawnWorker ?? nodeSpawnWorker,
      emit: (e) => this.emit(e),
      concurrency: opts.concurrency ?? 1,
      backend: opts.backend,
    });
    // Web mode with ROBUSTLAB_REDIS_URL: train and eval jobs go to remote workers through BullMQ
    // (src/core/remote/host.ts), which fetch and upload through this server's API.
    const redisUrl = process.env.ROBUSTLAB_REDIS_URL;
    this.queue =
      redisUrl && opts.mode === 'web'
        ? (new RedisJobQueue({ store, emit: (e) => this.emit(e), url: redisUrl, labVersion: LAB_VERSION, local }) as unknown as JobQueue)
        : local;
    this.sweeps = new SweepScheduler({
      store,
      submit: (spec, groupId) => this.submitJob(spec, { groupId }),
      waitFor: (runId) => this.queue.waitFor(runId),
      cancel: (runId) => this.queue.cancel(runId),
      emit: (e) => this.emit(e),
      setParallel: (n) => this.queue.setMinConcurrency(n),
    });
  }

  static async open(opts: LabOptions): Promise<Lab> {
    const store = LabStore.open(opts.labDir);
    attachArchitectureStore(store);
    const lab = new Lab(opts, store);
    try {
      if ((lab.queue as unknown) instanceof RedisJobQueue) await (lab.queue as unknown as RedisJobQueue).ready();
      // A one-shot command starts the engine only when a call needs it (ENGINE_FREE); the app and
      // the web server start it now, so their first attack or preview does not wait for it.
      const planned = opts.mode === 'cli' ? plannedBackend({ force: opts.backend }) : null;
      const backend = planned ?? (await lab.engine());
      lab.status = { version: LAB_VERSION, labDir: store.labDir, backend, mode: opts.mode, readOnly: store.readOnly };
      if (!store.readOnly) {
        recoverInterruptedRuns(store);
        purgeTrash(store);
        purgeOldDeletedRuns(store);
        // After recovery: the runs it ended no longer count as live work whose files must stay.
        const swept = sweepLeftovers(store);
        if (swept.length) {
          process.stderr.write(
            `robustlab: removed ${swept.length} leftover${swept.length === 1 ? '' : 's'} of interrupted work from the lab folder (${swept.slice(0, 3).join(', ')}${swept.length > 3 ? ', …' : ''}).\n`,
          );
        }
        lab.ensureBuiltins();
        // Long-lived hosts continue sweeps whose host process is gone (a one-shot CLI command must not).
        if (opts.mode !== 'cli') lab.sweeps.adopt();
      }
    } catch (err) {
      store.close();
      throw err;
    }
    return lab;
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    this.watchCatalog();
    return () => this.listeners.delete(listener);
  }

  private catalogTimer: ReturnType<typeof setInterval> | null = null;
  private catalogSig = '';

  /**
   * While anyone listens, looks every 1.5 s whether datasets, models or runs changed — made by
   * this process, a worker, another tab or the CLI on the same lab folder — and emits one
   * 'catalog' event when they did, so every list can update without a reload. The query reads
   * only names and counts (small tables), not metrics.
   */
  private watchCatalog(): void {
    if (this.catalogTimer) return;
    this.catalogSig = this.catalogSignature();
    this.catalogTimer = setInterval(() => {
      if (!this.listeners.size || !this.store.db.open) return;
      try {
        const now = this.catalogSignature();
        if (now !== this.catalogSig) {
          this.catalogSig = now;
          this.emit({ type: 'catalog' });
        }
      } catch {
        /* a busy or closing database: try again next time */
      }
    }, 1500);
    this.catalogTimer.unref?.();
  }

  private catalogSignature(): string {
    return JSON.stringify(
      this.store.db
        .prepare(
          `SELECT (SELECT group_concat(id || ':' || name || ':' || class_names, '|') FROM datasets) AS d,
                  (SELECT group_concat(id || ':' || name, '|') FROM models) AS m,
                  (SELECT count(*) || ':' || ifnull(max(created_at), '') FROM runs) AS r,
                  (SELECT count(*) FROM runs WHERE status IN ('queued', 'running')) AS a,
                  (SELECT count(*) FROM evaluations) AS e`,
        )
        .get(),
    );
  }

  /** A change made here: tell the listeners now (once; the watcher will not repeat it). */
  private catalogChanged(): void {
    try {
      if (this.catalogTimer) this.catalogSig = this.catalogSignature();
    } catch {
      /* the watcher catches up */
    }
    this.emit({ type: 'catalog' });
  }

  private emit(e: LabEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (a closed window) must not stop the others.
      }
    }
  }

  private engineStart: Promise<BackendInfo> | null = null;

  /** Starts the compute engine in this process once; the status then shows what started. */
  private engine(): Promise<BackendInfo> {
    this.engineStart ??= initEngine({ force: this.opts.backend }).then((backend) => {
      if (this.status) this.status = { ...this.status, backend };
      return backend;
    });
    return this.engineStart;
  }

  /** Validates and dispatches one API call. Every error leaves as a LabError. */
  async call<M extends ApiMethod>(method: M, input: unknown): Promise<ApiOutputs[M]> {
    if (!isApiMethod(method)) throw new LabError('not_found', `Unknown call "${String(method)}".`);
    let parsed: ApiParsed<M>;
    try {
      parsed = API_INPUTS[method].parse(input ?? {}) as ApiParsed<M>;
    } catch (err) {
      if (err instanceof ZodError) throw new LabError('bad_input', zodMessage(err));
      throw err;
    }
    try {
      if (!ENGINE_FREE.has(method)) await this.engine();
      const handler = this.handlers[method] as (i: ApiParsed<M>) => ApiOutputs[M] | Promise<ApiOutputs[M]>;
      return await handler(parsed);
    } catch (err) {
      if (err instanceof ZodError) throw new LabError('bad_input', zodMessage(err));
      throw storageError(err, this.labDir, this.store.readOnly) ?? LabError.from(err);
    }
  }

  /** Resolves with the run once it has ended (CLI and tests). */
  async waitForRun(runId: string): Promise<RunInfo> {
    await this.queue.waitFor(runId);
    return this.publicRun(this.store.getRun(runId));
  }

  /** Resolves with the sweep once it has ended (CLI and tests). */
  async waitForSweep(sweepId: string): Promise<SweepDetail> {
    const id = getSweepRecord(this.store, sweepId).id;
    await this.sweeps.waitFor(id);
    return sweepDetail(this.store, getSweepRecord(this.store, id));
  }

  async close(): Promise<void> {
    this.sweeps.close();
    if (this.catalogTimer) clearInterval(this.catalogTimer);
    this.catalogTimer = null;
    await this.queue.close();
    this.store.close();
    this.listeners.clear();
  }

  // ------------------------------------------------------------------------------- handlers
  private readonly handlers: { [M in ApiMethod]: (input: ApiParsed<M>) => ApiOutputs[M] | Promise<ApiOutputs[M]> } = {
    ...patchingHandlers(() => this),
    ...byoHandlers(() => ({ store: this.store, submitJob: (spec) => this.submitJob(spec), emit: (e) => this.emit(e) })),
    ...historyHandlers(() => this),
    ...sweepHandlers(() => ({ store: this.store, sweeps: this.sweeps })),
    workerBundle: ({ runId }) => workerBundle(this.store, runId),
    workerFile: ({ rel }) => workerFile(this.store, rel),
    workerCheckpoint: (req) => workerCheckpoint(this.store, req),
    workerResult: (req) => workerResult(this.store, req as unknown as WorkerResult),
    listWorkers: async () =>
      (this.queue as unknown) instanceof RedisJobQueue ? (this.queue as unknown as RedisJobQueue).workers() : { queue: 'embedded' as const, workers: [] },
    status: () => this.status,
    checkLab: (req) => checkLab(this.store, { repair: req.repair }),
    listDatasets: () => this.store.listDatasets().map(publicDataset),
    importDataset: (req) => this.importDataset(req),
    datasetSamples: (req) => {
      const ds = this.store.getDataset(req.dataset);
      if (!ds.splits[req.split]) {
        throw new LabError('not_found', `Dataset "${ds.name}" has no ${req.split} split.`);
      }
      const split = readSplit(this.labDir, ds.files as never, req.split);
      const px = split.height * split.width * split.channels;
      const classes = ds.classNames.map((name, label) => ({ label, name, images: [] as string[] }));
      for (let i = 0; i < split.count; i++) {
        const row = classes[split.labels[i]];
        if (row && row.images.length < req.perClass) {
          row.images.push(Buffer.from(split.images.buffer, split.images.byteOffset + i * px, px).toString('base64'));
        }
        if (classes.every((c) => c.images.length >= req.perClass)) break;
      }
      return { datasetId: ds.id, split: req.split, height: split.height, width: split.width, channels: split.channels, classes };
    },
    listArchitectures: () => listArchitectures(),
    listAttacks: () => listAttacks(),
    listMethods: () => listMethods(),
    listModels: () => this.store.listModels().map(modelInfo),
    importModel: (req) => {
      const file = path.resolve(req.file);
      getArchitecture(req.arch);
      let input = req.inputShape ? { height: req.inputShape[0], width: req.inputShape[1], channels: req.inputShape[2] } : undefined;
      let datasetId: string | null = null;
      if (req.datasetId) {
        const ds = this.store.getDataset(req.datasetId);
        datasetId = ds.id;
        input ??= { height: ds.height, width: ds.width, channels: ds.channels };
      }
      const model = modelFromSafetensors(readSafetensorsFile(file, `Model file "${req.file}"`), req.arch, input ? { input } : {});
      try {
        return modelInfo(saveModel(this.store, model, { name: req.name, source: 'imported', datasetId, runId: null }));
      } finally {
        model.dispose();
      }
    },
    submitTrain: (spec) => this.submitJob(spec),
    submitEval: (spec) => this.submitJob(spec),
    resumeTrain: ({ runId, epochs, name }) => {
      const from = this.store.getRun(runId);
      if (from.kind !== 'train') throw new LabError('bad_input', `Run "${from.name}" is not a training run; only training runs can be resumed.`);
      // The original run's spec, so every setting matches; only the epoch count and the name may change.
      const { name: _old, ...spec } = from.spec as TrainSpec;
      return this.submitJob({ ...spec, name, resumeFrom: from.id, ...(epochs !== undefined ? { epochs } : {}) });
    },
    doctor: () => ({
      status: this.status,
      sqliteVersion: (this.store.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
      schemaVersion: schemaVersion(this.store.db),
    }),
    cancelRun: ({ runId }) => {
      const run = this.store.getRun(runId);
      if (run.status !== 'queued' && run.status !== 'running') {
        throw new LabError('conflict', `Run "${run.name}" has already ended (${run.status}); there is nothing to cancel.`);
      }
      this.queue.cancel(runId);
      return this.publicRun(this.store.getRun(runId));
    },
    listRuns: (req) => this.store.listRuns(req).map((r) => this.publicRun(r)),
    getRun: ({ runId }): RunDetail => {
      const run = this.store.getRun(runId);
      let model = null;
      if (run.modelId) {
        try {
          model = modelInfo(this.store.getModel(run.modelId));
        } catch {
          model = null;
        }
      }
      return {
        run: this.publicRun(run),
        metrics: this.store.getMetrics(runId),
        // An eval run shows its own evaluation; a training run, every evaluation of its model.
        evaluations:
          run.kind === 'eval'
            ? this.store.listEvaluations({ runId })
            : run.modelId
              ? this.store.listEvaluations({ modelId: run.modelId })
              : [],
        model,
        resume: run.kind === 'train' ? { possible: !resumeProblem(this.labDir, run), reason: resumeProblem(this.labDir, run) } : null,
      };
    },
    updateRun: (req) => this.publicRun(this.store.updateRun(req.runId, req)),
    listEvaluations: (req) => this.store.listEvaluations({ modelId: req.modelId }),
    exportEvaluation: (req) => {
      const ev = this.store.listEvaluations({}).find((e) => e.id === req.evaluationId);
      if (!ev) throw new LabError('not_found', `No evaluation "${req.evaluationId}" in this lab; \`robustlab runs show RUN\` lists a run's evaluations.`);
      const nameOf = <T>(get: () => T | null): T | null => {
        try {
          return get();
        } catch {
          return null;
        }
      };
      const model = nameOf(() => this.store.getModel(ev.modelId));
      const ds = nameOf(() => this.store.getDataset(ev.datasetId));
      const run = ev.runId ? nameOf(() => this.store.getRun(ev.runId!)) : null;
      const filename = exportFilename(ev, req.format, model?.name);
      const bench = readBenchmark(ev);
      if (bench) {
        const ctx = benchmarkContext(ds);
        if (req.format === 'csv') return { filename, content: benchmarkToCsv(ev, bench, ctx), mimeType: 'text/csv' };
        const meta = { modelName: model?.name, runName: run?.name, backend: run?.backend, device: run?.device };
        return { filename, content: benchmarkToHtml(ev, bench, ctx, meta), mimeType: 'text/html' };
      }
      if (req.format === 'csv') return { filename, content: reportToCsv(ev), mimeType: 'text/csv' };
      const content = reportToHtml(ev, { modelName: model?.name, datasetName: ds?.name, runName: run?.name, backend: run?.backend, device: run?.device });
      return { filename, content, mimeType: 'text/html' };
    },
    listCorruptions: () => listCorruptions(),
    previewCorruption: (req) => previewCorruption(this.store, req),
    submitCorrupt: (spec) => this.submitJob(spec),
    regenerateDataset: (req) => this.submitJob(regenerateSpec(this.store, req)),
    updateDataset: (req) => {
      if (req.name !== undefined) renameDataset(this.store, req.dataset, req.name);
      if (req.classNames !== undefined) setClassNames(this.store, req.name ?? req.dataset, req.classNames);
      this.catalogChanged();
      return publicDataset(this.store.getDataset(req.name ?? req.dataset));
    },
    updateModel: (req) => {
      const id = this.store.getModel(req.model).id;
      renameModel(this.store, id, req.name);
      this.catalogChanged();
      return modelInfo(this.store.getModel(id));
    },
    listDependents: (req) => dependentsOf(this.store, req.kind, req.id),
    deleteItem: (req) => {
      const out = deleteItem(this.store, req.kind, req.id);
      this.catalogChanged();
      // Remove it for good once the undo time is over (also done at the next start).
      setTimeout(() => {
        try {
          purgeTrash(this.store);
        } catch {
          /* the lab may be closed by then */
        }
      }, UNDO_SECONDS * 1000 + 1000).unref?.();
      return out;
    },
    undoDelete: (req) => {
      const out = restoreDeleted(this.store, req.undoToken);
      this.catalogChanged();
      return out;
    },
    exportModelWeights: (req) => modelWeightsFile(this.store, req.model),
  };

  /**
   * Checks a job spec with its kind's rules (the same ones the worker relies on), records the run
   * with the complete spec, and queues it.
   */
  submitJob(spec: JobSpec, opts: { groupId?: string } = {}): RunInfo {
    const id = newId('r');
    const sub = getJobKind(spec.kind).check(this.store, spec, id);
    const run = this.store.insertRun({
      id,
      kind: spec.kind,
      name: sub.name,
      spec: sub.spec,
      datasetId: sub.datasetId,
      modelId: sub.modelId,
      groupId: opts.groupId ?? null,
      params: flattenParams({ ...sub.spec, ...sub.extraParams, kind: undefined, name: undefined }),
    });
    this.emit({ type: 'run', runId: id, status: 'queued' });
    this.queue.enqueue(id);
    return this.publicRun(run);
  }

  private publicRun(r: RunRecord): RunInfo {
    const { hostPid: _h, workerPid: _w, heartbeatAt: _b, ...info } = r;
    return info;
  }

  private async importDataset(req: ApiParsed<'importDataset'>): Promise<DatasetInfo> {
    if (this.store.findDatasetByName(req.name)) {
      throw new LabError('conflict', `A dataset named "${req.name}" already exists; choose another name.`);
    }
    const imported = await importIdx(req);
    const numClasses = imported.numClasses;
    if (req.classNames && req.classNames.length < numClasses) {
      throw new LabError('bad_input', `The files have ${numClasses} classes but only ${req.classNames.length} class names were given.`);
    }
    const id = newId('ds');
    const files = writeDatasetDirAtomic(this.labDir, id, { train: imported.train, test: imported.test });
    try {
      const rec = this.store.insertDataset({
        id,
        name: req.name,
        source: 'idx',
        height: imported.height,
        width: imported.width,
        channels: imported.channels,
        numClasses,
        classNames:
          req.classNames?.slice(0, numClasses) ??
          // Known public label files (Fashion-MNIST) get their class names; others stay numbered.
          recognizeLabels([imported.train?.labels, imported.test?.labels])?.classNames.slice(0, numClasses) ??
          Array.from({ length: numClasses }, (_, i) => String(i)),
        splits: {
          ...(imported.train ? { train: { count: imported.train.count } } : {}),
          ...(imported.test ? { test: { count: imported.test.count } } : {}),
        },
        files: files as unknown as Record<string, unknown>,
        parentId: null,
        recipe: null,
      });
      return publicDataset(rec);
    } catch (err) {
      fs.rmSync(path.join(this.labDir, 'datasets', id), { recursive: true, force: true });
      throw err;
    }
  }

  private ensureBuiltins(): void {
    for (const b of BUILTIN_DATASETS) {
      if (this.store.findDatasetByName(b.name)) continue;
      const data = loadBuiltin(b.name);
      const id = newId('ds');
      const files = writeDatasetDirAtomic(this.labDir, id, { train: data.train, test: data.test });
      try {
        this.store.insertDataset({
          id,
          name: b.name,
          source: `builtin:${b.name}`,
          height: data.height,
          width: data.width,
          channels: data.channels,
          numClasses: data.classNames.length,
          classNames: data.classNames,
          splits: { train: { count: data.train.count }, test: { count: data.test.count } },
          files: files as unknown as Record<string, unknown>,
          parentId: null,
          recipe: null,
        });
      } catch (err) {
        fs.rmSync(path.join(this.labDir, 'datasets', id), { recursive: true, force: true });
        // Another process created it at the same moment: fine.
        if (!(err instanceof LabError && err.code === 'conflict') && !this.store.findDatasetByName(b.name)) throw err;
      }
    }
  }
}

function publicDataset(d: DatasetRecord): DatasetInfo {
  const { files: _f, ...info } = d;
  return info;
}
