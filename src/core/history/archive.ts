/**
 * Run archives: a run or a group of runs as one file that another lab can import.
 *
 * The file is gzip of one JSON object `{format, version, sha256, payload}` where `payload` is the
 * JSON text of the runs (rows, params, metric histories, tags), their evaluations, their models
 * (weights in base64, each with its sha256) and the datasets they refer to (metadata and recipes;
 * image arrays only when asked), and `sha256` is the hash of that text. gzip's CRC and the hash
 * catch a damaged file; the structure is checked with zod before anything is written. Importing
 * keeps ids, so a second import of the same runs adds nothing. Row-level SQL lives in the
 * ArchiveRows section below, next to the format it serves.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { z } from 'zod';
import { LabError } from '../../shared/errors';
import type { ExportRunsResult, ImportRunsResult } from '../../shared/history';
import type { LabStore } from '../store/store';
import { maxFileBytes, readFileBounded } from '../data/fsutil';
import { readSplit, type DatasetFiles } from '../data/dataset';
import { writeFileAtomic } from '../data/npy';

export const ARCHIVE_FORMAT = 'robustlab-runs';
export const ARCHIVE_VERSION = 1;

const RowSchema = z.record(z.string(), z.unknown());
const PayloadSchema = z.object({
  createdAt: z.string(),
  runs: z.array(
    z.object({
      row: RowSchema.and(z.object({ id: z.string().min(1), kind: z.string(), name: z.string(), status: z.string(), spec: z.string(), created_at: z.string() })),
      params: z.record(z.string(), z.string()),
      metrics: z.array(z.tuple([z.string(), z.number(), z.number(), z.number()])),
      tags: z.array(z.string()),
    }),
  ),
  models: z.array(
    z.object({
      row: RowSchema.and(z.object({ id: z.string().min(1), sha256: z.string().length(64), artifact: z.string().min(1) })),
      weights: z.string(),
    }),
  ),
  evaluations: z.array(RowSchema.and(z.object({ id: z.string().min(1), model_id: z.string(), dataset_id: z.string() }))),
  datasets: z.array(
    z.object({
      row: RowSchema.and(z.object({ id: z.string().min(1), name: z.string().min(1), files: z.string() })),
      /** rel path → base64, only when exported with data. */
      files: z.record(z.string(), z.string()).nullable(),
    }),
  ),
});
type Payload = z.infer<typeof PayloadSchema>;

const EnvelopeSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.number().int(),
  sha256: z.string().length(64),
  payload: z.string(),
});

type Row = Record<string, unknown>;

const RUN_SKIP = new Set(['host_pid', 'worker_pid', 'heartbeat_at', 'deleted_at', 'imported_from']);

function relFiles(filesJson: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.startsWith('datasets/')) out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  try {
    walk(JSON.parse(filesJson));
  } catch {
    // a dataset row whose files JSON is broken has no files to carry
  }
  return out;
}

/** Builds the archive bytes for the given runs (not deleted). */
export function buildArchive(store: LabStore, runIds: string[], withData: boolean): { bytes: Buffer; sha256: string; counts: { runs: number; models: number; datasets: number } } {
  const db = store.db;
  const ids = [...new Set(runIds)];
  const runs: Payload['runs'] = [];
  const modelIds = new Set<string>();
  const datasetIds = new Set<string>();
  for (const id of ids) {
    const row = db.prepare('SELECT * FROM runs WHERE id = ? AND deleted_at IS NULL').get(id) as Row | undefined;
    if (!row) throw new LabError('not_found', `No run "${id}" in this lab; pick one from the Runs page or "robustlab runs list".`);
    if (row.status === 'queued' || row.status === 'running') throw new LabError('conflict', `Run "${row.name}" is still ${row.status}; export it once it has ended.`);
    const clean: Row = {};
    for (const [k, v] of Object.entries(row)) if (!RUN_SKIP.has(k)) clean[k] = v;
    const params = Object.fromEntries((db.prepare('SELECT key, value FROM params WHERE run_id = ?').all(id) as Row[]).map((p) => [p.key, p.value]));
    const metrics = (db.prepare('SELECT key, step, value, time FROM metrics WHERE run_id = ? ORDER BY key, step, time').all(id) as Row[]).map(
      (m) => [m.key, m.step, m.value, m.time] as [string, number, number, number],
    );
    const tags = (db.prepare('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag').all(id) as Row[]).map((t) => t.tag as string);
    runs.push({ row: clean as Payload['runs'][number]['row'], params, metrics, tags });
    if (row.model_id) modelIds.add(row.model_id as string);
    if (row.dataset_id) datasetIds.add(row.dataset_id as string);
  }
  const idSet = new Set(ids);
  const evaluations = (db.prepare(`SELECT * FROM evaluations WHERE run_id IN (${ids.map(() => '?').join(',')})`).all(...ids) as Row[]).filter((e) => idSet.has(e.run_id as string));
  for (const e of evaluations) {
    modelIds.add(e.model_id as string);
    datasetIds.add(e.dataset_id as string);
  }
  const models: Payload['models'] = [];
  for (const mid of modelIds) {
    const m = db.prepare('SELECT * FROM models WHERE id = ?').get(mid) as Row | undefined;
    if (!m) continue;
    // A model made by a run outside the archive keeps no link to it in the other lab.
    const row = { ...m, run_id: m.run_id && idSet.has(m.run_id as string) ? m.run_id : null, parent_id: null };
    if (m.dataset_id) datasetIds.add(m.dataset_id as string);
    models.push({ row: row as unknown as Payload['models'][number]['row'], weights: store.readArtifact(m.artifact as string).toString('base64') });
  }
  // Datasets with their parent chain (recipes make sense only with their parents).
  const datasets: Payload['datasets'] = [];
  const seen = new Set<string>();
  const queue = [...datasetIds];
  while (queue.length) {
    const did = queue.shift()!;
    if (seen.has(did)) continue;
    seen.add(did);
    const d = db.prepare('SELECT * FROM datasets WHERE id = ?').get(did) as Row | undefined;
    if (!d) continue;
    if (d.parent_id) queue.push(d.parent_id as string);
    let files: Record<string, string> | null = null;
    if (withData) {
      files = {};
      for (const rel of relFiles(d.files as string)) {
        let buf: Buffer;
        try {
          buf = readFileBounded(path.join(store.labDir, rel), `Dataset file "${rel}"`);
        } catch (err) {
          throw new LabError('not_found', `Dataset "${d.name as string}" has lost its file "${rel}" (${(err as Error).message.replace(/\.$/, '')}); export without its arrays, or import the dataset again first.`);
        }
        files[rel] = buf.toString('base64');
      }
    }
    datasets.push({ row: d as Payload['datasets'][number]['row'], files });
  }
  const payload: Payload = { createdAt: new Date().toISOString(), runs, models, evaluations: evaluations as Payload['evaluations'], datasets };
  const text = JSON.stringify(payload);
  const sha256 = crypto.createHash('sha256').update(text).digest('hex');
  const bytes = zlib.gzipSync(JSON.stringify({ format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, sha256, payload: text }));
  return { bytes, sha256, counts: { runs: runs.length, models: models.length, datasets: datasets.length } };
}

export function exportRuns(store: LabStore, req: { runIds: string[]; file?: string; withData: boolean }): ExportRunsResult {
  const { bytes, sha256, counts } = buildArchive(store, req.runIds, req.withData);
  const filename = req.file ? path.basename(req.file) : `runs-${new Date().toISOString().slice(0, 10)}-${sha256.slice(0, 8)}.robustlab.gz`;
  if (req.file) {
    const abs = path.resolve(req.file);
    const tmp = `${abs}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, abs);
  }
  return { file: req.file ? path.resolve(req.file) : null, base64: req.file ? null : bytes.toString('base64'), filename, ...counts, bytes: bytes.length, sha256 };
}

const DAMAGED = 'is damaged or not a Robustness Lab run archive';

/** Reads and checks an archive; throws one sentence and writes nothing when it is damaged. */
export function readArchive(bytes: Buffer, label: string): { payload: Payload; sha256: string } {
  let json: string;
  try {
    json = zlib.gunzipSync(bytes, { maxOutputLength: maxFileBytes() }).toString('utf8');
  } catch {
    throw new LabError('bad_file', `The archive ${label} ${DAMAGED} (it does not decompress); export it again.`);
  }
  let env: z.infer<typeof EnvelopeSchema>;
  try {
    env = EnvelopeSchema.parse(JSON.parse(json));
  } catch {
    throw new LabError('bad_file', `The archive ${label} ${DAMAGED} (its header is missing or wrong); export it again.`);
  }
  if (env.version > ARCHIVE_VERSION) {
    throw new LabError('bad_file', `The archive ${label} was written by a newer Robustness Lab (archive version ${env.version}); update the app to import it.`);
  }
  if (crypto.createHash('sha256').update(env.payload).digest('hex') !== env.sha256) {
    throw new LabError('bad_file', `The archive ${label} ${DAMAGED} (its content does not match its checksum); export it again.`);
  }
  let payload: Payload;
  try {
    payload = PayloadSchema.parse(JSON.parse(env.payload));
  } catch {
    throw new LabError('bad_file', `The archive ${label} ${DAMAGED} (its content has the wrong structure); export it again.`);
  }
  for (const m of payload.models) {
    const sha = crypto.createHash('sha256').update(Buffer.from(m.weights, 'base64')).digest('hex');
    if (sha !== m.row.sha256) throw new LabError('bad_file', `The archive ${label} ${DAMAGED} (the weights of model ${m.row.id} do not match their hash); export it again.`);
  }
  return { payload, sha256: env.sha256 };
}

function insertRow(store: LabStore, table: string, row: Row): void {
  const cols = Object.keys(row);
  store.db.prepare(`INSERT INTO ${table}(${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c] as never));
}

export function importRuns(store: LabStore, bytes: Buffer, label: string): ImportRunsResult {
  const { payload, sha256 } = readArchive(bytes, label);
  const db = store.db;
  const exists = (table: string, id: string) => !!db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id);

  // Datasets: the same id, else the same name with the same shape (built-ins get their own id in every lab).
  const dsMap = new Map<string, string>();
  const newDatasets: Payload['datasets'] = [];
  // Datasets already here by id but without arrays (imported earlier without them): this archive's arrays fill them in.
  const fillDatasets: Payload['datasets'] = [];
  for (const d of payload.datasets) {
    if (exists('datasets', d.row.id)) {
      dsMap.set(d.row.id, d.row.id);
      const here = db.prepare('SELECT files FROM datasets WHERE id = ?').get(d.row.id) as Row;
      if (d.files && Object.keys(d.files).length > 0 && relFiles(here.files as string).length === 0) fillDatasets.push(d);
      continue;
    }
    const same = db.prepare('SELECT id, height, width, channels, num_classes FROM datasets WHERE name = ?').get(d.row.name) as Row | undefined;
    if (same && same.height === d.row.height && same.width === d.row.width && same.channels === d.row.channels && same.num_classes === d.row.num_classes) {
      dsMap.set(d.row.id, same.id as string);
      continue;
    }
    dsMap.set(d.row.id, d.row.id);
    newDatasets.push(same ? { ...d, row: { ...d.row, name: `${d.row.name} (imported ${d.row.id.slice(-6)})` } } : d);
  }
  const mapDs = (id: unknown) => (typeof id === 'string' ? (dsMap.get(id) ?? id) : id);
  const newRuns = payload.runs.filter((r) => !exists('runs', r.row.id));
  const newModels = payload.models.filter((m) => !exists('models', m.row.id));

  // Files first (content-addressed weights, dataset folders); removed again if the rows fail.
  const written: string[] = [];
  const createdDirs: string[] = [];
  try {
    for (const m of newModels) {
      const ext = path.extname(m.row.artifact).slice(1) || 'safetensors';
      const art = store.writeArtifact(Buffer.from(m.weights, 'base64'), ext);
      m.row.artifact = art.rel;
      written.push(art.rel);
    }
    for (const d of [...newDatasets, ...fillDatasets]) {
      if (!d.files) {
        // Metadata and recipe only: the arrays stay in the lab that exported it.
        d.row.files = '{}';
        continue;
      }
      writeDatasetFiles(store, d, label, written, createdDirs);
    }
    let evalCount = 0;
    store.transaction(() => {
      // Parents before children.
      const pending = [...newDatasets];
      while (pending.length) {
        const i = pending.findIndex((d) => !d.row.parent_id || !pending.some((p) => p.row.id === d.row.parent_id));
        const [d] = pending.splice(i < 0 ? 0 : i, 1);
        insertRow(store, 'datasets', { ...d.row, parent_id: mapDs(d.row.parent_id) ?? null });
      }
      for (const d of fillDatasets) db.prepare('UPDATE datasets SET files = ? WHERE id = ?').run(d.row.files, d.row.id);
      for (const r of newRuns) {
        insertRow(store, 'runs', { ...r.row, dataset_id: mapDs(r.row.dataset_id) ?? null, imported_from: sha256 });
        const p = db.prepare('INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)');
        for (const [k, v] of Object.entries(r.params)) p.run(r.row.id, k, v);
        const t = db.prepare('INSERT OR IGNORE INTO tags(run_id, tag) VALUES (?, ?)');
        for (const tag of r.tags) t.run(r.row.id, tag);
        const m = db.prepare('INSERT INTO metrics(run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)');
        const l = db.prepare(
          `INSERT INTO latest_metrics(run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value, time = excluded.time WHERE excluded.step >= latest_metrics.step`,
        );
        for (const [key, step, value, time] of r.metrics) {
          m.run(r.row.id, key, step, value, time);
          l.run(r.row.id, key, step, value, time);
        }
      }
      for (const mo of newModels) {
        const runId = mo.row.run_id && exists('runs', mo.row.run_id as string) ? mo.row.run_id : null;
        insertRow(store, 'models', { ...mo.row, run_id: runId, dataset_id: mapDs(mo.row.dataset_id) ?? null, parent_id: null });
      }
      for (const e of payload.evaluations) {
        if (exists('evaluations', e.id)) continue;
        if (!exists('models', e.model_id)) continue;
        insertRow(store, 'evaluations', { ...e, dataset_id: mapDs(e.dataset_id) });
        evalCount++;
      }
    });
    void evalCount;
  } catch (err) {
    // Leave the lab as it was: remove files this import wrote that no row refers to.
    for (const rel of written) {
      const used = db.prepare('SELECT 1 FROM models WHERE artifact = ?').get(rel);
      if (!used && !rel.startsWith('datasets/')) fs.rmSync(path.join(store.labDir, rel), { force: true });
      if (rel.startsWith('datasets/')) fs.rmSync(path.join(store.labDir, rel), { force: true });
    }
    // A dataset folder left behind would block a later import or regeneration of that dataset.
    for (const dir of createdDirs.reverse()) fs.rmSync(dir, { recursive: true, force: true });
    if (err instanceof LabError) throw err;
    throw new LabError('bad_file', `The archive ${label} could not be imported (${(err as Error).message}); nothing was changed.`);
  }
  return {
    imported: newRuns.map((r) => r.row.id),
    skipped: payload.runs.filter((r) => !newRuns.includes(r)).map((r) => r.row.id),
    models: newModels.length,
    datasets: newDatasets.length + fillDatasets.length,
  };
}

/**
 * Writes one dataset's arrays from the archive into `datasets/<id>/` (each file atomically) and
 * checks them with the lab's own reader (`readSplit`: .npy headers and sizes, images against
 * labels, label range) and against the dataset's row (image size, classes, counts). Every file
 * the row names must be in the archive, and every file must lie in the dataset's own folder.
 * What it writes is listed in `written` / `createdDirs` so a refused import removes it.
 */
function writeDatasetFiles(store: LabStore, d: Payload['datasets'][number], label: string, written: string[], createdDirs: string[]): void {
  const files = d.files ?? {};
  const damaged = (why: string) => new LabError('bad_file', `The archive ${label} ${DAMAGED} (${why}); export it again.`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(d.row.id) || d.row.id.includes('..')) throw damaged('a dataset id cannot be a folder name');
  const folder = `datasets/${d.row.id}/`;
  for (const rel of Object.keys(files)) {
    const name = rel.slice(folder.length);
    if (!rel.startsWith(folder) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) throw damaged('a dataset file lies outside its folder');
  }
  for (const rel of relFiles(d.row.files)) {
    if (!(rel in files)) throw damaged(`dataset "${d.row.name}" names the file "${rel}" but the archive does not hold it`);
  }
  const dir = path.join(store.labDir, 'datasets', d.row.id);
  if (Object.keys(files).length > 0 && !fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    createdDirs.push(dir);
  }
  for (const [rel, b64] of Object.entries(files)) {
    writeFileAtomic(path.join(store.labDir, ...rel.split('/')), Buffer.from(b64, 'base64'));
    written.push(rel);
  }
  let parsed: DatasetFiles;
  try {
    parsed = JSON.parse(d.row.files) as DatasetFiles;
  } catch {
    throw damaged(`dataset "${d.row.name}" has an unreadable list of files`);
  }
  const splits = (() => {
    try {
      return JSON.parse(String(d.row.splits ?? '{}')) as Record<string, { count?: number }>;
    } catch {
      return {} as Record<string, { count?: number }>;
    }
  })();
  for (const split of ['train', 'test'] as const) {
    if (!parsed[split]) continue;
    let s;
    try {
      s = readSplit(store.labDir, parsed, split);
    } catch (err) {
      if (!(err instanceof LabError)) throw err;
      throw damaged(`dataset "${d.row.name}": ${err.message.replace(/;[^;]*\bagain\.?$/, '').replace(/\.$/, '')}`);
    }
    if (s.height !== d.row.height || s.width !== d.row.width || s.channels !== d.row.channels) {
      throw damaged(`dataset "${d.row.name}" has ${s.height}×${s.width}×${s.channels} ${split} images but says ${String(d.row.height)}×${String(d.row.width)}×${String(d.row.channels)}`);
    }
    const expected = splits[split]?.count;
    if (typeof expected === 'number' && expected !== s.count) throw damaged(`dataset "${d.row.name}" has ${s.count} ${split} images but says ${expected}`);
    let max = -1;
    for (let i = 0; i < s.labels.length; i++) if (s.labels[i]! > max) max = s.labels[i]!;
    if (typeof d.row.num_classes === 'number' && max >= d.row.num_classes) {
      throw damaged(`dataset "${d.row.name}" has label ${max} in its ${split} split but ${d.row.num_classes} classes`);
    }
  }
}

export function importRunsFrom(store: LabStore, req: { file?: string; base64?: string }): ImportRunsResult {
  if (req.file) {
    const abs = path.resolve(req.file);
    // Bounded (#15): a regular file of at most the global cap, one sentence otherwise.
    return importRuns(store, readFileBounded(abs, `Archive file "${req.file}"`), `"${path.basename(abs)}"`);
  }
  return importRuns(store, Buffer.from(req.base64 ?? '', 'base64'), 'uploaded');
}
