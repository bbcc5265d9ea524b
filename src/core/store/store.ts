/**
 * The experiment store: one typed interface over the SQLite file and the artifact files.
 * Every SQL statement of the lab lives in this file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type {
  AttackSpec,
  DatasetInfo,
  EvaluationInfo,
  JobSpec,
  MetricPoint,
  ModelInfo,
  RunInfo,
  RunStatus,
} from '../../shared/schemas';
import type { PatchLineage, SignatureInfo, SignatureTensorStats } from '../../shared/patching';
import type { Statement } from 'better-sqlite3';
import { openLabDb, type Db, type OpenedDb } from './db';

let lastMs = 0;
let seq = 0;

/**
 * Ids that sort by creation time within and across processes: milliseconds, a per-process
 * sequence for ids made in the same millisecond, and a random tail so they never collide.
 */
export function newId(prefix: string): string {
  const ms = Date.now();
  seq = ms === lastMs ? seq + 1 : 0;
  lastMs = ms;
  const t = ms.toString(36).padStart(9, '0');
  const s = seq.toString(36).padStart(3, '0');
  const r = crypto.randomBytes(4).toString('hex');
  return `${prefix}_${t}${s}${r}`;
}

const now = () => new Date().toISOString();

export interface DatasetRecord extends DatasetInfo {
  files: Record<string, unknown>;
}

export interface ModelRecord extends ModelInfo {
  artifact: string;
  parentId: string | null;
}

export interface SignatureRecord extends SignatureInfo {
  artifact: string;
  tensors: SignatureTensorStats[];
}

export interface RunRecord extends RunInfo {
  hostPid: number | null;
  workerPid: number | null;
  heartbeatAt: number | null;
}

type Row = Record<string, unknown>;

function parseJson<T>(s: unknown, fallback: T): T {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

export class LabStore {
  readonly db: Db;
  readonly labDir: string;
  /** The lab folder cannot be written (permissions, read-only disk): it is browsed from a read-only database. */
  readonly readOnly: boolean;
  private readonly snapshotDir: string | null;

  private constructor(labDir: string, opened: OpenedDb) {
    this.labDir = labDir;
    this.db = opened.db;
    this.readOnly = opened.readOnly;
    this.snapshotDir = opened.snapshotDir;
  }

  static open(labDir: string): LabStore {
    const dir = path.resolve(labDir);
    return new LabStore(dir, openLabDb(dir));
  }

  close(): void {
    if (this.db.open) this.db.close();
    if (this.snapshotDir) fs.rmSync(this.snapshotDir, { recursive: true, force: true });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ------------------------------------------------------------------------------- artifacts
  /**
   * Writes bytes as a content-addressed artifact: temp name, fsync, rename. Returns the path
   * relative to the lab folder. Writing the same content twice is a no-op.
   */
  writeArtifact(bytes: Uint8Array, ext: string): { rel: string; sha256: string; size: number } {
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const rel = path.join('artifacts', sha256.slice(0, 2), `${sha256}.${ext}`);
    const abs = path.join(this.labDir, rel);
    if (!fs.existsSync(abs)) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      const tmp = `${abs}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
      try {
        const fd = fs.openSync(tmp, 'w');
        try {
          let off = 0;
          while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, abs);
      } catch (err) {
        // A full disk (or any failure) leaves no half file behind.
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    }
    return { rel, sha256, size: bytes.byteLength };
  }

  // ----------------------------------------------------------------------------- maintenance
  /** SQLite's own check of the database file: ['ok'] when sound, else its findings. */
  integrityCheck(): string[] {
    return (this.db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  /**
   * Every file a row points at, relative to the lab folder with '/' separators: dataset arrays,
   * model and signature artifacts, and each run's checkpoint (which may legitimately be absent).
   */
  fileReferences(): { rel: string; owner: string; optional: boolean }[] {
    const out: { rel: string; owner: string; optional: boolean }[] = [];
    for (const r of this.db.prepare('SELECT id, name, files FROM datasets').all() as { id: string; name: string; files: string }[]) {
      const files = parseJson<Record<string, Record<string, string>>>(r.files, {});
      for (const split of Object.values(files)) {
        for (const rel of Object.values(split ?? {})) if (typeof rel === 'string') out.push({ rel, owner: `dataset "${r.name}"`, optional: false });
      }
    }
    for (const r of this.db.prepare('SELECT name, artifact FROM models').all() as { name: string; artifact: string }[]) {
      out.push({ rel: r.artifact.split(path.sep).join('/'), owner: `model "${r.name}"`, optional: false });
    }
    const hasSignatures = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signatures'").get();
    if (hasSignatures) {
      for (const r of this.db.prepare('SELECT name, artifact FROM signatures').all() as { name: string; artifact: string }[]) {
        out.push({ rel: r.artifact.split(path.sep).join('/'), owner: `signature "${r.name}"`, optional: false });
      }
    }
    for (const r of this.db.prepare('SELECT id, name FROM runs').all() as { id: string; name: string }[]) {
      out.push({ rel: `checkpoints/${r.id}.safetensors`, owner: `run "${r.name}"`, optional: true });
    }
    return out;
  }

  /** When the oldest queued or running job was created (ms since epoch), or null when none is live. */
  oldestLiveRunMs(): number | null {
    const r = this.db.prepare(`SELECT MIN(created_at) AS t FROM runs WHERE status IN ('queued', 'running')`).get() as { t: string | null } | undefined;
    return r?.t ? Date.parse(r.t) : null;
  }

  readArtifact(rel: string): Buffer {
    const abs = path.join(this.labDir, rel);
    if (!fs.existsSync(abs)) {
      throw new LabError('not_found', `The file ${rel} is missing from the lab folder; it may have been deleted by hand.`);
    }
    return fs.readFileSync(abs);
  }

  // -------------------------------------------------------------------------------- datasets
  insertDataset(d: Omit<DatasetRecord, 'createdAt'>): DatasetRecord {
    if (this.findDatasetByName(d.name)) {
      throw new LabError('conflict', `A dataset named "${d.name}" already exists; choose another name.`);
    }
    const createdAt = now();
    this.db
      .prepare(
        `INSERT INTO datasets(id, name, source, height, width, channels, num_classes, class_names, splits, files, parent_id, recipe, created_at)
         VALUES (@id, @name, @source, @height, @width, @channels, @numClasses, @classNames, @splits, @files, @parentId, @recipe, @createdAt)`,
      )
      .run({
        ...d,
        classNames: JSON.stringify(d.classNames),
        splits: JSON.stringify(d.splits),
        files: JSON.stringify(d.files),
        recipe: d.recipe == null ? null : JSON.stringify(d.recipe),
        createdAt,
      });
    return { ...d, createdAt };
  }

  private toDataset(r: Row): DatasetRecord {
    return {
      id: r.id as string,
      name: r.name as string,
      source: r.source as string,
      height: r.height as number,
      width: r.width as number,
      channels: r.channels as number,
      numClasses: r.num_classes as number,
      classNames: parseJson<string[]>(r.class_names, []),
      splits: parseJson(r.splits, {}),
      files: parseJson(r.files, {}),
      parentId: (r.parent_id as string | null) ?? null,
      recipe: parseJson(r.recipe, null),
      createdAt: r.created_at as string,
    };
  }

  listDatasets(): DatasetRecord[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY created_at, name').all() as Row[]).map((r) =>
      this.toDataset(r),
    );
  }

  findDatasetByName(name: string): DatasetRecord | null {
    const r = this.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as Row | undefined;
    return r ? this.toDataset(r) : null;
  }

  getDataset(idOrName: string): DatasetRecord {
    const r = this.db.prepare('SELECT * FROM datasets WHERE id = ? OR name = ? LIMIT 1').get(idOrName, idOrName) as
      | Row
      | undefined;
    if (!r) {
      const names = this.listDatasets().map((d) => d.name);
      throw new LabError(
        'not_found',
        `No dataset "${idOrName}" in this lab; known datasets: ${names.length ? names.join(', ') : 'none'}.`,
      );
    }
    return this.toDataset(r);
  }

  // ---------------------------------------------------------------------------------- models
  insertModel(m: Omit<ModelRecord, 'createdAt'>): ModelRecord {
    const createdAt = now();
    this.db
      .prepare(
        `INSERT INTO models(id, name, arch, input_h, input_w, input_c, num_classes, param_count, source, dataset_id, run_id, parent_id, sha256, size_bytes, artifact, created_at)
         VALUES (@id, @name, @arch, @h, @w, @c, @numClasses, @paramCount, @source, @datasetId, @runId, @parentId, @sha256, @sizeBytes, @artifact, @createdAt)`,
      )
      .run({
        ...m,
        h: m.inputShape[0],
        w: m.inputShape[1],
        c: m.inputShape[2],
        createdAt,
      });
    return { ...m, createdAt };
  }

  private toModel(r: Row): ModelRecord {
    return {
      id: r.id as string,
      name: r.name as string,
      arch: r.arch as string,
      inputShape: [r.input_h as number, r.input_w as number, r.input_c as number],
      numClasses: r.num_classes as number,
      paramCount: r.param_count as number,
      source: r.source as ModelInfo['source'],
      datasetId: (r.dataset_id as string | null) ?? null,
      runId: (r.run_id as string | null) ?? null,
      parentId: (r.parent_id as string | null) ?? null,
      sha256: r.sha256 as string,
      sizeBytes: r.size_bytes as number,
      artifact: r.artifact as string,
      createdAt: r.created_at as string,
    };
  }

  listModels(): ModelRecord[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY created_at DESC').all() as Row[]).map((r) => this.toModel(r));
  }

  /** By id, else the newest model with that name. */
  getModel(idOrName: string): ModelRecord {
    const r = (this.db.prepare('SELECT * FROM models WHERE id = ?').get(idOrName) ??
      this.db.prepare('SELECT * FROM models WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(idOrName)) as
      | Row
      | undefined;
    if (!r) throw new LabError('not_found', `No model "${idOrName}" in this lab; pick one from the Models page or "robustlab models list".`);
    return this.toModel(r);
  }

  // ------------------------------------------------------------------------------------ runs
  insertRun(r: {
    id: string;
    kind: JobSpec['kind'];
    name: string;
    spec: JobSpec;
    datasetId: string | null;
    modelId: string | null;
    groupId?: string | null;
    params: Record<string, string>;
  }): RunRecord {
    const createdAt = now();
    this.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs(id, kind, name, status, spec, dataset_id, model_id, group_id, created_at, host_pid)
           VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
        )
        .run(r.id, r.kind, r.name, JSON.stringify(r.spec), r.datasetId, r.modelId, r.groupId ?? null, createdAt, process.pid);
      const ins = this.db.prepare('INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(r.params)) ins.run(r.id, k, v);
    });
    return this.getRun(r.id);
  }

  private toRun(r: Row, tags: string[], latest: Record<string, number>): RunRecord {
    return {
      id: r.id as string,
      kind: r.kind as RunInfo['kind'],
      name: r.name as string,
      status: r.status as RunStatus,
      spec: parseJson<JobSpec>(r.spec, {} as JobSpec),
      datasetId: (r.dataset_id as string | null) ?? null,
      modelId: (r.model_id as string | null) ?? null,
      groupId: (r.group_id as string | null) ?? null,
      createdAt: r.created_at as string,
      startedAt: (r.started_at as string | null) ?? null,
      endedAt: (r.ended_at as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      backend: (r.backend as string | null) ?? null,
      device: (r.device as string | null) ?? null,
      tags,
      note: (r.note as string) ?? '',
      latestMetrics: latest,
      hostPid: (r.host_pid as number | null) ?? null,
      workerPid: (r.worker_pid as number | null) ?? null,
      heartbeatAt: (r.heartbeat_at as number | null) ?? null,
    };
  }

  getRun(id: string): RunRecord {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new LabError('not_found', `No run "${id}" in this lab; pick one from the Runs page or "robustlab runs list".`);
    const tags = (this.db.prepare('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag').all(id) as { tag: string }[]).map(
      (t) => t.tag,
    );
    const latest: Record<string, number> = {};
    for (const m of this.db.prepare('SELECT key, value FROM latest_metrics WHERE run_id = ?').all(id) as {
      key: string;
      value: number;
    }[])
      latest[m.key] = m.value;
    return this.toRun(r, tags, latest);
  }

  /** Newest first. Tags and latest metrics come from their own tables in two queries, not per row. */
  listRuns(opts: { kind?: string; status?: string; limit: number; offset: number }): RunRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.kind) {
      where.push('kind = ?');
      args.push(opts.kind);
    }
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    where.push('deleted_at IS NULL');
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...args, opts.limit, opts.offset) as Row[];
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id as string);
    const marks = ids.map(() => '?').join(',');
    const tagMap = new Map<string, string[]>();
    for (const t of this.db.prepare(`SELECT run_id, tag FROM tags WHERE run_id IN (${marks}) ORDER BY tag`).all(...ids) as {
      run_id: string;
      tag: string;
    }[]) {
      if (!tagMap.has(t.run_id)) tagMap.set(t.run_id, []);
      tagMap.get(t.run_id)!.push(t.tag);
    }
    const latestMap = new Map<string, Record<string, number>>();
    for (const m of this.db
      .prepare(`SELECT run_id, key, value FROM latest_metrics WHERE run_id IN (${marks})`)
      .all(...ids) as { run_id: string; key: string; value: number }[]) {
      if (!latestMap.has(m.run_id)) latestMap.set(m.run_id, {});
      latestMap.get(m.run_id)![m.key] = m.value;
    }
    return rows.map((r) => this.toRun(r, tagMap.get(r.id as string) ?? [], latestMap.get(r.id as string) ?? {}));
  }

  /** Moves a run to running, unless it was cancelled meanwhile. Returns false if it was not queued. */
  markRunning(id: string, info: { backend: string; device: string; workerPid: number }): boolean {
    const res = this.db
      .prepare(
        `UPDATE runs SET status = 'running', started_at = ?, backend = ?, device = ?, worker_pid = ?, heartbeat_at = ?
         WHERE id = ? AND status = 'queued'`,
      )
      .run(now(), info.backend, info.device, info.workerPid, Date.now(), id);
    return res.changes === 1;
  }

  heartbeat(id: string): void {
    this.db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now(), id);
  }

  /**
   * Ends a run. Only a run that has not ended already changes: a finished run is never turned
   * into interrupted by a late exit, and so on. Returns whether it changed.
   */
  endRun(id: string, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): boolean {
    const res = this.db
      .prepare(
        `UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status IN ('queued', 'running')`,
      )
      .run(status, now(), error, id);
    return res.changes === 1;
  }

  setRunModel(id: string, modelId: string): void {
    this.db.prepare('UPDATE runs SET model_id = ? WHERE id = ?').run(modelId, id);
  }

  updateRun(id: string, u: { name?: string; note?: string; tags?: string[] }): RunRecord {
    this.getRun(id);
    this.transaction(() => {
      if (u.name !== undefined) this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(u.name, id);
      if (u.note !== undefined) this.db.prepare('UPDATE runs SET note = ? WHERE id = ?').run(u.note, id);
      if (u.tags !== undefined) {
        this.db.prepare('DELETE FROM tags WHERE run_id = ?').run(id);
        const ins = this.db.prepare('INSERT OR IGNORE INTO tags(run_id, tag) VALUES (?, ?)');
        for (const t of u.tags) ins.run(id, t);
      }
    });
    return this.getRun(id);
  }

  /** Runs that claim to be active: for crash recovery. */
  activeRuns(): RunRecord[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE status IN ('queued', 'running')`).all() as Row[]).map((r) =>
      this.toRun(r, [], {}),
    );
  }

  getParams(runId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.db.prepare('SELECT key, value FROM params WHERE run_id = ?').all(runId) as {
      key: string;
      value: string;
    }[])
      out[p.key] = p.value;
    return out;
  }

  // --------------------------------------------------------------------------------- metrics
  private insMetric?: Statement<unknown[]>;
  private upLatest?: Statement<unknown[]>;

  /** Logs metric values; each call is one committed transaction, so a kill loses nothing logged. */
  logMetrics(runId: string, values: { key: string; step: number; value: number; time?: number }[]): void {
    this.insMetric ??= this.db.prepare<unknown[]>('INSERT INTO metrics(run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)');
    this.upLatest ??= this.db.prepare<unknown[]>(
      `INSERT INTO latest_metrics(run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value, time = excluded.time
       WHERE excluded.step >= latest_metrics.step`,
    );
    const ins = this.insMetric;
    const up = this.upLatest;
    this.transaction(() => {
      for (const v of values) {
        if (!Number.isFinite(v.value)) continue; // NaN/inf: SQLite REAL cannot hold NaN; the trainer reports divergence itself
        const t = v.time ?? Date.now();
        ins.run(runId, v.key, v.step, v.value, t);
        up.run(runId, v.key, v.step, v.value, t);
      }
    });
  }

  getMetrics(runId: string): Record<string, MetricPoint[]> {
    const out: Record<string, MetricPoint[]> = {};
    for (const m of this.db
      .prepare('SELECT key, step, value, time FROM metrics WHERE run_id = ? ORDER BY key, step, time')
      .all(runId) as { key: string; step: number; value: number; time: number }[]) {
      (out[m.key] ??= []).push({ step: m.step, value: m.value, time: m.time });
    }
    return out;
  }

  // ----------------------------------------------------------------------------- evaluations
  insertEvaluation(e: Omit<EvaluationInfo, 'id' | 'createdAt'>): EvaluationInfo {
    const id = newId('ev');
    const createdAt = now();
    this.db
      .prepare(
        `INSERT INTO evaluations(id, run_id, model_id, dataset_id, split, attack, count, clean_accuracy, robust_accuracy, details, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
        createdAt,
      );
    return { ...e, id, createdAt };
  }

  listEvaluations(filter: { modelId?: string; runId?: string } = {}): EvaluationInfo[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.modelId) {
      where.push('model_id = ?');
      args.push(filter.modelId);
    }
    if (filter.runId) {
      where.push('run_id = ?');
      args.push(filter.runId);
    }
    const rows = this.db
      .prepare(`SELECT * FROM evaluations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC`)
      .all(...args) as Row[];
    return rows.map((r) => ({
      id: r.id as string,
      runId: (r.run_id as string | null) ?? null,
      modelId: r.model_id as string,
      datasetId: r.dataset_id as string,
      split: r.split as 'train' | 'test',
      attack: parseJson<AttackSpec>(r.attack, { name: 'none', params: {} }),
      count: r.count as number,
      cleanAccuracy: r.clean_accuracy as number,
      robustAccuracy: (r.robust_accuracy as number | null) ?? null,
      details: parseJson(r.details, {}),
      createdAt: r.created_at as string,
    }));
  }

  // ------------------------------------------------------------------------------ signatures
  insertSignature(s: Omit<SignatureRecord, 'createdAt'>): SignatureRecord {
    if (this.db.prepare('SELECT 1 FROM signatures WHERE name = ?').get(s.name)) {
      throw new LabError('conflict', `A signature named "${s.name}" already exists; choose another name.`);
    }
    const createdAt = now();
    this.db
      .prepare(
        `INSERT INTO signatures(id, name, arch, input_h, input_w, input_c, num_classes, base_model_id, clean_model_id, source_model_id,
           source_dataset_id, layers, projection, compression, size_bytes, model_bytes, sha256, artifact, tensors, effect, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id, s.name, s.arch, s.inputShape[0], s.inputShape[1], s.inputShape[2], s.numClasses, s.baseModelId, s.cleanModelId,
        s.sourceModelId, s.sourceDatasetId, JSON.stringify(s.layers), s.projection ? 1 : 0, JSON.stringify(s.compression),
        s.sizeBytes, s.modelBytes, s.sha256, s.artifact, JSON.stringify(s.tensors), s.effect ? JSON.stringify(s.effect) : null, createdAt,
      );
    return { ...s, createdAt };
  }

  private toSignature(r: Row): SignatureRecord {
    return {
      id: r.id as string,
      name: r.name as string,
      arch: r.arch as string,
      inputShape: [r.input_h as number, r.input_w as number, r.input_c as number],
      numClasses: r.num_classes as number,
      baseModelId: r.base_model_id as string,
      cleanModelId: (r.clean_model_id as string | null) ?? null,
      sourceModelId: r.source_model_id as string,
      sourceDatasetId: (r.source_dataset_id as string | null) ?? null,
      layers: parseJson<string[]>(r.layers, []),
      projection: r.projection === 1,
      compression: parseJson(r.compression, {}),
      sizeBytes: r.size_bytes as number,
      modelBytes: r.model_bytes as number,
      sha256: r.sha256 as string,
      artifact: r.artifact as string,
      tensors: parseJson(r.tensors, []),
      effect: parseJson(r.effect, null),
      createdAt: r.created_at as string,
    };
  }

  listSignatures(): SignatureRecord[] {
    return (this.db.prepare('SELECT * FROM signatures ORDER BY created_at DESC').all() as Row[]).map((r) => this.toSignature(r));
  }

  /** By id, else by name. */
  getSignature(idOrName: string): SignatureRecord {
    const r = (this.db.prepare('SELECT * FROM signatures WHERE id = ?').get(idOrName) ??
      this.db.prepare('SELECT * FROM signatures WHERE name = ?').get(idOrName)) as Row | undefined;
    if (!r) throw new LabError('not_found', `No signature "${idOrName}" in this lab; the Patching page or "robustlab signatures list" shows them.`);
    return this.toSignature(r);
  }

  setSignatureEffect(id: string, effect: unknown): void {
    this.db.prepare('UPDATE signatures SET effect = ? WHERE id = ?').run(JSON.stringify(effect), id);
  }

  /** Deletes the row (patched models keep the signature's name and α in their lineage). */
  deleteSignature(id: string): void {
    this.db.prepare('DELETE FROM signatures WHERE id = ?').run(id);
  }

  /** Inserts a patched model's row and its lineage in one transaction. */
  insertPatchedModel(m: Omit<ModelRecord, 'createdAt'>, lineage: Omit<PatchLineage, 'modelId'>): ModelRecord {
    return this.transaction(() => {
      const rec = this.insertModel(m);
      this.db
        .prepare('INSERT INTO patched_models(model_id, target_id, terms, bn, bn_dataset_id) VALUES (?, ?, ?, ?, ?)')
        .run(rec.id, lineage.targetId, JSON.stringify(lineage.terms), lineage.bn, lineage.bnDatasetId);
      return rec;
    });
  }

  getPatchLineage(modelId: string): PatchLineage | null {
    const r = this.db.prepare('SELECT * FROM patched_models WHERE model_id = ?').get(modelId) as Row | undefined;
    if (!r) return null;
    return {
      modelId: r.model_id as string,
      targetId: r.target_id as string,
      terms: parseJson(r.terms, []),
      bn: r.bn as PatchLineage['bn'],
      bnDatasetId: (r.bn_dataset_id as string | null) ?? null,
    };
  }
}
