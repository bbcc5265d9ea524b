/**
 * The history's SQL: the runs table over the whole history (query, sort, page, group), flags,
 * soft delete with undo and purge, saved views. The WHERE clause comes from the query language
 * (src/core/history/evaluate.ts); every statement that reads or writes the tables is here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type {
  DeleteRunsResult,
  GroupRunsResult,
  KeptArtifact,
  QueryRunsResult,
  RunGroup,
  RunSummary,
  SavedView,
} from '../../shared/history';
import { compileToSql, mentionsArchived, SQL_FUNCTIONS } from '../history/evaluate';
import { fieldLabel, parseQuery, RUN_COLUMNS, type FieldRef, type QueryNode } from '../history/query';
import type { Db } from './db';
import type { LabStore } from './store';

type Row = Record<string, unknown>;

const registered = new WeakSet<Db>();

/** Registers the query language's SQLite functions on a connection (once). */
export function registerHistoryFunctions(db: Db): void {
  if (registered.has(db)) return;
  for (const [name, fn] of Object.entries(SQL_FUNCTIONS)) {
    db.function(name, { deterministic: true, varargs: true }, (...a: unknown[]) => fn(...a) as never);
  }
  registered.add(db);
}

/** Parses a query or throws a LabError with the parser's sentence. */
export function parseOrThrow(query: string): QueryNode {
  const r = parseQuery(query);
  if (!r.ok) throw new LabError('bad_input', r.error.message);
  return r.ast;
}

/** `key`, `key:asc|desc`, `-key` → a field and a direction. */
export function parseSort(sort: string): { field: FieldRef | { scope: 'duration' }; desc: boolean } {
  let s = sort.trim() || 'created:desc';
  let desc = false;
  if (s.startsWith('-')) {
    desc = true;
    s = s.slice(1);
  }
  const m = /^(.*?)(?::(asc|desc))?$/i.exec(s)!;
  if (m[2]) desc = m[2].toLowerCase() === 'desc';
  return { field: parseFieldName(m[1]), desc };
}

/** A field name as typed in --sort, --columns or group-by. */
export function parseFieldName(name: string): FieldRef | { scope: 'duration' } {
  const n = name.trim();
  if (!n) throw new LabError('bad_input', 'Name a field to sort or group by, such as created, name, method or metrics.test/accuracy.');
  const lower = n.toLowerCase();
  if (lower === 'duration') return { scope: 'duration' };
  if (lower.startsWith('metrics.') || lower.startsWith('metric.')) return { scope: 'metric', key: n.slice(n.indexOf('.') + 1) };
  if (lower.startsWith('params.') || lower.startsWith('param.')) return { scope: 'param', key: n.slice(n.indexOf('.') + 1) };
  if (Object.prototype.hasOwnProperty.call(RUN_COLUMNS, lower)) return { scope: 'column', name: lower as keyof typeof RUN_COLUMNS };
  return { scope: 'param', key: n };
}

function visibleWhere(ast: QueryNode, includeArchived: boolean): { sql: string; args: unknown[] } {
  const w = compileToSql(ast);
  const hideArchived = !includeArchived && !mentionsArchived(ast);
  return {
    sql: `runs.deleted_at IS NULL${hideArchived ? ' AND runs.archived_at IS NULL' : ''} AND ${w.sql}`,
    args: w.args,
  };
}

export class HistoryStore {
  constructor(private readonly store: LabStore) {
    registerHistoryFunctions(store.db);
  }

  private get db(): Db {
    return this.store.db;
  }

  // ------------------------------------------------------------------------------ querying
  private idCache: { key: string; version: string; ids: string[] } | null = null;

  /** Changes when anything is written, by this connection or another process. */
  private version(): string {
    const dv = this.db.pragma('data_version', { simple: true });
    const tc = (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    return `${dv}:${tc}`;
  }

  /**
   * Every visible run matching the query, in the sort order: one pass over the runs (the sort key
   * joined once per run), cached until the lab changes so the next pages cost only their rows.
   */
  sortedIds(query: string, sort: string, includeArchived: boolean): string[] {
    const key = JSON.stringify([query, sort, includeArchived]);
    const version = this.version();
    if (this.idCache && this.idCache.key === key && this.idCache.version === version) return this.idCache.ids;
    const where = visibleWhere(parseOrThrow(query), includeArchived);
    const { field, desc } = parseSort(sort);
    const dir = desc ? 'DESC' : 'ASC';
    const joinArgs: unknown[] = [];
    let join = '';
    let order: string;
    if (field.scope === 'duration') {
      const e = `(julianday(runs.ended_at) - julianday(runs.started_at))`;
      order = `(${e} IS NULL), ${e} ${dir}`;
    } else if (field.scope === 'column') {
      const c = `runs.${RUN_COLUMNS[field.name]}`;
      order = `(${c} IS NULL), ${c} ${dir}`;
    } else if (field.scope === 'metric') {
      join = 'LEFT JOIN latest_metrics s ON s.run_id = runs.id AND s.key = ?';
      joinArgs.push(field.key);
      order = `(s.value IS NULL), s.value ${dir}`;
    } else {
      join = 'LEFT JOIN params s ON s.run_id = runs.id AND s.key = ?';
      joinArgs.push(field.key);
      // Numbers first, in numeric order; then text; missing last.
      order = `(s.value IS NULL), (rl_num(s.value) IS NULL), rl_num(s.value) ${dir}, s.value ${dir}`;
    }
    const ids = this.db
      .prepare(`SELECT runs.id FROM runs ${join} WHERE ${where.sql} ORDER BY ${order}, runs.created_at DESC, runs.id DESC`)
      .pluck()
      .all(...joinArgs, ...where.args) as string[];
    this.idCache = { key, version, ids };
    return ids;
  }

  queryRuns(req: { query: string; sort: string; limit: number; offset: number; includeArchived: boolean }): QueryRunsResult {
    const ids = this.sortedIds(req.query, req.sort, req.includeArchived);
    const page = ids.slice(req.offset, req.offset + req.limit);
    let rows: Row[] = [];
    if (page.length) {
      const byId = new Map(
        (
          this.db
            .prepare(`SELECT runs.*, d.name AS dataset_name FROM runs LEFT JOIN datasets d ON d.id = runs.dataset_id WHERE runs.id IN (${page.map(() => '?').join(',')})`)
            .all(...page) as Row[]
        ).map((r) => [r.id as string, r]),
      );
      rows = page.map((id) => byId.get(id)).filter((r): r is Row => !!r);
    }
    return { total: ids.length, runs: this.summaries(rows), ...(req.offset === 0 ? this.keys() : { paramKeys: [], metricKeys: [] }) };
  }

  /** Param and metric keys in use (for pickers); distinct over the indexes, not over the rows. */
  keys(): { paramKeys: string[]; metricKeys: string[] } {
    // A skip scan over the (key, …) indexes: one index lookup per distinct key, not one per row.
    const distinct = (table: string) =>
      (
        this.db
          .prepare(
            `WITH RECURSIVE k(key) AS (SELECT MIN(key) FROM ${table} UNION ALL SELECT (SELECT MIN(key) FROM ${table} WHERE key > k.key) FROM k WHERE k.key IS NOT NULL)
             SELECT key FROM k WHERE key IS NOT NULL`,
          )
          .all() as { key: string }[]
      ).map((r) => r.key);
    const paramKeys = distinct('params');
    const metricKeys = distinct('latest_metrics');
    return { paramKeys, metricKeys };
  }

  summaries(rows: Row[]): RunSummary[] {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id as string);
    const marks = ids.map(() => '?').join(',');
    const tags = new Map<string, string[]>();
    for (const t of this.db.prepare(`SELECT run_id, tag FROM tags WHERE run_id IN (${marks}) ORDER BY tag`).all(...ids) as Row[]) {
      const k = t.run_id as string;
      if (!tags.has(k)) tags.set(k, []);
      tags.get(k)!.push(t.tag as string);
    }
    const metrics = new Map<string, Record<string, number>>();
    for (const m of this.db.prepare(`SELECT run_id, key, value FROM latest_metrics WHERE run_id IN (${marks})`).all(...ids) as Row[]) {
      const k = m.run_id as string;
      if (!metrics.has(k)) metrics.set(k, {});
      metrics.get(k)![m.key as string] = m.value as number;
    }
    const params = new Map<string, Record<string, string>>();
    for (const p of this.db.prepare(`SELECT run_id, key, value FROM params WHERE run_id IN (${marks})`).all(...ids) as Row[]) {
      const k = p.run_id as string;
      if (!params.has(k)) params.set(k, {});
      params.get(k)![p.key as string] = p.value as string;
    }
    return rows.map((r) => {
      const id = r.id as string;
      const started = r.started_at as string | null;
      const ended = r.ended_at as string | null;
      return {
        id,
        name: r.name as string,
        kind: r.kind as string,
        status: r.status as string,
        createdAt: r.created_at as string,
        startedAt: started ?? null,
        endedAt: ended ?? null,
        durationS: started && ended ? (Date.parse(ended) - Date.parse(started)) / 1000 : null,
        datasetId: (r.dataset_id as string | null) ?? null,
        datasetName: (r.dataset_name as string | null) ?? null,
        modelId: (r.model_id as string | null) ?? null,
        backend: (r.backend as string | null) ?? null,
        tags: tags.get(id) ?? [],
        note: (r.note as string) ?? '',
        starred: r.starred === 1,
        archived: r.archived_at != null,
        metrics: metrics.get(id) ?? {},
        params: params.get(id) ?? {},
      };
    });
  }

  /** Ids of the visible runs a query matches, newest first (CLI, bench, property test). */
  matchIds(query: string, includeArchived = false): string[] {
    const where = visibleWhere(parseOrThrow(query), includeArchived);
    return (this.db.prepare(`SELECT id FROM runs WHERE ${where.sql} ORDER BY created_at DESC, id DESC`).all(...where.args) as Row[]).map(
      (r) => r.id as string,
    );
  }

  groupRuns(req: { query: string; by: string; metric: string; includeArchived: boolean }): GroupRunsResult {
    const where = visibleWhere(parseOrThrow(req.query), req.includeArchived);
    const field = parseFieldName(req.by);
    let valueExpr: string;
    let join = '';
    const args: unknown[] = [];
    if (field.scope === 'duration') throw new LabError('bad_input', 'Group by a param or a column such as method, arch or status; duration has no groups.');
    if (field.scope === 'column') valueExpr = `runs.${RUN_COLUMNS[field.name]}`;
    else if (field.scope === 'param') {
      join = 'LEFT JOIN params g ON g.run_id = runs.id AND g.key = ?';
      valueExpr = 'g.value';
      args.push(field.key);
    } else {
      join = 'LEFT JOIN latest_metrics g ON g.run_id = runs.id AND g.key = ?';
      valueExpr = 'CAST(g.value AS TEXT)';
      args.push(field.key);
    }
    const rows = this.db
      .prepare(
        `SELECT runs.id AS id, runs.name AS name, ${valueExpr} AS g, m.value AS m
         FROM runs ${join} LEFT JOIN latest_metrics m ON m.run_id = runs.id AND m.key = ?
         WHERE ${where.sql}`,
      )
      .all(...args, req.metric, ...where.args) as { id: string; name: string; g: string | null; m: number | null }[];
    // Losses and errors: the lowest is best.
    const lowerIsBetter = /loss|error|mce/i.test(req.metric);
    const groups = new Map<string | null, RunGroup>();
    for (const r of rows) {
      let g = groups.get(r.g);
      if (!g) groups.set(r.g, (g = { value: r.g, count: 0, best: null }));
      g.count++;
      if (r.m !== null && (g.best === null || (lowerIsBetter ? r.m < g.best.value : r.m > g.best.value))) g.best = { runId: r.id, name: r.name, value: r.m };
    }
    const list = [...groups.values()].sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
    return { by: field.scope === 'column' ? field.name : fieldLabel(field as FieldRef), metric: req.metric, groups: list };
  }

  /** Metric keys with a history (logged at a step ≥ 1) in any of the runs. */
  curveKeys(runIds: string[]): string[] {
    if (!runIds.length) return [];
    return this.db
      .prepare(`SELECT DISTINCT key FROM latest_metrics WHERE run_id IN (${runIds.map(() => '?').join(',')}) AND step >= 1 ORDER BY key`)
      .pluck()
      .all(...runIds) as string[];
  }

  /** Metric histories of several runs in one statement, rows as arrays (the compare page's curves). */
  metricHistories(runIds: string[], keys?: string[]): Map<string, Map<string, { step: number; value: number; time: number }[]>> {
    const out = new Map<string, Map<string, { step: number; value: number; time: number }[]>>();
    if (!runIds.length) return out;
    const keyFilter = keys?.length ? ` AND key IN (${keys.map(() => '?').join(',')})` : '';
    const rows = this.db
      .prepare(`SELECT run_id, key, step, value, time FROM metrics WHERE run_id IN (${runIds.map(() => '?').join(',')})${keyFilter} ORDER BY run_id, key, step`)
      .raw(true)
      .all(...runIds, ...(keys ?? [])) as [string, string, number, number, number][];
    for (const [run, key, step, value, time] of rows) {
      let m = out.get(run);
      if (!m) out.set(run, (m = new Map()));
      let list = m.get(key);
      if (!list) m.set(key, (list = []));
      list.push({ step, value, time });
    }
    return out;
  }

  // --------------------------------------------------------------------------------- flags
  private requireRuns(runIds: string[], opts: { deleted?: boolean } = {}): void {
    const get = this.db.prepare('SELECT id, deleted_at FROM runs WHERE id = ?');
    for (const id of runIds) {
      const r = get.get(id) as Row | undefined;
      if (!r || (!opts.deleted && r.deleted_at != null)) {
        throw new LabError('not_found', `No run "${id}" in this lab; pick one from the Runs page or "robustlab runs list".`);
      }
    }
  }

  setFlags(req: { runIds: string[]; starred?: boolean; archived?: boolean; addTags?: string[]; removeTags?: string[] }): void {
    this.requireRuns(req.runIds);
    const ts = new Date().toISOString();
    this.store.transaction(() => {
      for (const id of req.runIds) {
        if (req.starred !== undefined) this.db.prepare('UPDATE runs SET starred = ? WHERE id = ?').run(req.starred ? 1 : 0, id);
        if (req.archived !== undefined) this.db.prepare('UPDATE runs SET archived_at = ? WHERE id = ?').run(req.archived ? ts : null, id);
        for (const t of req.addTags ?? []) this.db.prepare('INSERT OR IGNORE INTO tags(run_id, tag) VALUES (?, ?)').run(id, t);
        for (const t of req.removeTags ?? []) this.db.prepare('DELETE FROM tags WHERE run_id = ? AND tag = ?').run(id, t);
      }
    });
  }

  flags(runId: string): { starred: boolean; archived: boolean; deleted: boolean } {
    const r = this.db.prepare('SELECT starred, archived_at, deleted_at FROM runs WHERE id = ?').get(runId) as Row | undefined;
    if (!r) throw new LabError('not_found', `No run "${runId}" in this lab; pick one from the Runs page or "robustlab runs list".`);
    return { starred: r.starred === 1, archived: r.archived_at != null, deleted: r.deleted_at != null };
  }

  // -------------------------------------------------------------------------------- delete
  /**
   * Hides runs (undo with `restore`) or, with purge, removes them. A run's own model is removed
   * only when nothing else uses it: no other run, evaluation, derived model or signature. Datasets
   * are never removed with runs. `kept` says what stayed and why.
   */
  deleteRuns(runIds: string[], purge: boolean): DeleteRunsResult {
    this.requireRuns(runIds, { deleted: true });
    for (const id of runIds) {
      const r = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as Row;
      if (r.status === 'queued' || r.status === 'running') {
        throw new LabError('conflict', `Run "${id}" is still ${r.status}; cancel it before deleting it.`);
      }
    }
    const plan = this.plan(runIds);
    const ts = new Date().toISOString();
    this.store.transaction(() => {
      const up = this.db.prepare('UPDATE runs SET deleted_at = COALESCE(deleted_at, ?) WHERE id = ?');
      for (const id of runIds) up.run(ts, id);
    });
    if (purge) this.purge(runIds);
    return { deleted: runIds, purged: purge, removedModels: plan.remove, kept: plan.kept };
  }

  restore(runIds: string[]): void {
    this.requireRuns(runIds, { deleted: true });
    this.store.transaction(() => {
      for (const id of runIds) this.db.prepare('UPDATE runs SET deleted_at = NULL WHERE id = ?').run(id);
    });
  }

  private tableExists(name: string): boolean {
    return !!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
  }

  /** Which of the runs' own models go with them, and what stays and why. */
  private plan(runIds: string[]): { remove: string[]; kept: KeptArtifact[] } {
    const leaving = new Set(runIds);
    const remove: string[] = [];
    const kept: KeptArtifact[] = [];
    const owned = this.db.prepare('SELECT id, name FROM models WHERE run_id = ?');
    for (const runId of runIds) {
      for (const m of owned.all(runId) as Row[]) {
        const reason = this.modelUse(m.id as string, m.name as string, leaving);
        if (reason) kept.push({ kind: 'model', id: m.id as string, name: m.name as string, reason });
        else remove.push(m.id as string);
      }
      const ds = this.db
        .prepare('SELECT d.id, d.name FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?')
        .get(runId) as Row | undefined;
      if (ds && !kept.some((k) => k.id === ds.id)) {
        kept.push({ kind: 'dataset', id: ds.id as string, name: ds.name as string, reason: `Dataset "${ds.name}" is kept: deleting a run never deletes a dataset (remove datasets from the Datasets page).` });
      }
    }
    return { remove, kept };
  }

  /** One sentence naming what still uses a model, or null when nothing outside `leaving` does. */
  private modelUse(modelId: string, name: string, leaving: Set<string>): string | null {
    const runs = (this.db.prepare('SELECT id, name FROM runs WHERE model_id = ? AND deleted_at IS NULL').all(modelId) as Row[]).filter(
      (r) => !leaving.has(r.id as string),
    );
    if (runs.length) return `Model "${name}" is kept: run "${runs[0].name}"${runs.length > 1 ? ` and ${runs.length - 1} more` : ''} still use${runs.length > 1 ? '' : 's'} it.`;
    const evs = (this.db.prepare('SELECT id, run_id FROM evaluations WHERE model_id = ?').all(modelId) as Row[]).filter(
      (e) => e.run_id == null || !leaving.has(e.run_id as string),
    );
    if (evs.length) return `Model "${name}" is kept: evaluation ${evs[0].id}${evs.length > 1 ? ` and ${evs.length - 1} more` : ''} still refer${evs.length > 1 ? '' : 's'} to it.`;
    const init = (this.db.prepare("SELECT r.id, r.name FROM params p JOIN runs r ON r.id = p.run_id WHERE p.key = 'initModel' AND (p.value = ? OR p.value = ?) AND r.deleted_at IS NULL").all(modelId, name) as Row[]).filter((r) => !leaving.has(r.id as string));
    if (init.length) return `Model "${name}" is kept: run "${init[0].name}" started from its weights.`;
    const child = this.db.prepare('SELECT name FROM models WHERE parent_id = ? LIMIT 1').get(modelId) as Row | undefined;
    if (child) return `Model "${name}" is kept: model "${child.name}" was derived from it.`;
    if (this.tableExists('signatures')) {
      const sig = this.db
        .prepare('SELECT name FROM signatures WHERE base_model_id = ? OR clean_model_id = ? OR source_model_id = ? LIMIT 1')
        .get(modelId, modelId, modelId) as Row | undefined;
      if (sig) return `Model "${name}" is kept: weight signature "${sig.name}" was made from it.`;
    }
    if (this.tableExists('patched_models')) {
      const p = this.db.prepare('SELECT model_id FROM patched_models WHERE target_id = ? LIMIT 1').get(modelId) as Row | undefined;
      if (p) return `Model "${name}" is kept: patched model ${p.model_id} was made from it.`;
    }
    return null;
  }

  /** Removes runs that are deleted (hidden) for good: their rows, own evaluations, unused models, checkpoints. */
  purge(runIds?: string[], olderThanMs?: number): string[] {
    const ids =
      runIds ??
      (this.db.prepare('SELECT id, deleted_at FROM runs WHERE deleted_at IS NOT NULL').all() as Row[])
        .filter((r) => olderThanMs === undefined || Date.now() - Date.parse(r.deleted_at as string) >= olderThanMs)
        .map((r) => r.id as string);
    if (!ids.length) return [];
    const plan = this.plan(ids);
    const files: string[] = [];
    this.store.transaction(() => {
      for (const id of ids) {
        this.db.prepare('DELETE FROM evaluations WHERE run_id = ?').run(id);
        // Kept models lose the link to their (gone) run; removed ones go below.
        this.db.prepare('UPDATE models SET run_id = NULL WHERE run_id = ?').run(id);
      }
      for (const mid of plan.remove) {
        const m = this.db.prepare('SELECT artifact FROM models WHERE id = ?').get(mid) as Row | undefined;
        if (!m) continue;
        this.db.prepare('DELETE FROM evaluations WHERE model_id = ?').run(mid);
        this.db.prepare('UPDATE runs SET model_id = NULL WHERE model_id = ?').run(mid);
        this.db.prepare('DELETE FROM models WHERE id = ?').run(mid);
        const shared = this.db.prepare('SELECT 1 FROM models WHERE artifact = ? LIMIT 1').get(m.artifact);
        if (!shared) files.push(m.artifact as string);
      }
      for (const id of ids) this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    });
    // Files after the commit: a crash in between leaves an unreferenced file, never a dangling row.
    for (const rel of files) fs.rmSync(path.join(this.store.labDir, rel), { force: true });
    for (const id of ids) fs.rmSync(path.join(this.store.labDir, 'checkpoints', `${id}.safetensors`), { force: true });
    return ids;
  }

  // --------------------------------------------------------------------------- saved views
  saveView(v: { name: string; page: 'runs' | 'compare'; route: string }): SavedView {
    const createdAt = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO saved_views(name, page, route, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET page = excluded.page, route = excluded.route`,
      )
      .run(v.name, v.page, v.route, createdAt);
    return this.getView(v.name);
  }

  getView(name: string): SavedView {
    const r = this.db.prepare('SELECT * FROM saved_views WHERE name = ?').get(name) as Row | undefined;
    if (!r) throw new LabError('not_found', `No saved view "${name}"; save one from the Runs or Compare page.`);
    return { name: r.name as string, page: r.page as 'runs' | 'compare', route: r.route as string, createdAt: r.created_at as string };
  }

  listViews(): SavedView[] {
    return (this.db.prepare('SELECT * FROM saved_views ORDER BY name').all() as Row[]).map((r) => ({
      name: r.name as string,
      page: r.page as 'runs' | 'compare',
      route: r.route as string,
      createdAt: r.created_at as string,
    }));
  }

  deleteView(name: string): void {
    this.getView(name);
    this.db.prepare('DELETE FROM saved_views WHERE name = ?').run(name);
  }
}
