/**
 * Helpers shared by every `robustlab` command group: global options, output (--json or a human
 * table), opening the lab, following a run to its end, and option parsers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../shared/errors';
import { formatPercent } from '../shared/format';
import type { LabEvent, ProgressEvent, RunInfo } from '../shared/schemas';
import { Lab, resolveLabDir } from '../core/service';

export interface GlobalOpts {
  lab?: string;
  json?: boolean;
  backend?: string;
}

/** What a command group's `addXCommands(program, helpers)` receives. */
export interface CliHelpers<G> {
  g: () => G;
  withLab: <T>(g: G, fn: (lab: Lab) => Promise<T>) => Promise<T>;
  follow: (lab: Lab, run: RunInfo, g: G) => Promise<RunInfo>;
  out: (g: G, json: Record<string, unknown>, human: string | (() => void)) => void;
  table: (rows: Record<string, unknown>[], cols: string[]) => string;
  num: (name: string, integer?: boolean) => (v: string) => number;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function out(opts: GlobalOpts, json: Record<string, unknown>, human: string | (() => void)): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else if (typeof human === 'function') {
    human();
  } else {
    process.stdout.write(`${human}\n`);
  }
}

/** Percentages as the CLI prints them (two decimals), from the one formatter in src/shared. */
export function pct(x: number | null | undefined): string {
  return formatPercent(x, 2);
}

export function table(rows: Record<string, unknown>[], cols: string[]): string {
  if (!rows.length) return '(none)';
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export async function withLab<T>(g: GlobalOpts, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.open({ labDir: resolveLabDir({ lab: g.lab }), mode: 'cli', backend: g.backend });
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

export function num(name: string, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new LabError('bad_input', `--${name} must be ${integer ? 'a whole number' : 'a number'}, got "${v}".`);
    }
    return n;
  };
}

export function bool(name: string) {
  return (v: string): boolean => {
    if (['true', '1', 'yes', 'on'].includes(v.toLowerCase())) return true;
    if (['false', '0', 'no', 'off'].includes(v.toLowerCase())) return false;
    throw new LabError('bad_input', `--${name} must be true or false, got "${v}".`);
  };
}

/** Follows a run to its end, printing progress to stderr; Ctrl-C cancels it. */
export async function follow(lab: Lab, run: RunInfo, g: GlobalOpts): Promise<RunInfo> {
  let last = 0;
  const off = lab.onEvent((e: LabEvent) => {
    if (e.type === 'catalog' || e.runId !== run.id) return;
    if (e.type === 'progress') {
      const now = Date.now();
      if (now - last < 1000 && e.fraction < 1) return;
      last = now;
      process.stderr.write(`${progressLine(e)}\n`);
    } else if (e.type === 'run' && e.status !== 'queued') {
      process.stderr.write(`run ${run.id}: ${e.status}${e.error ? ` — ${e.error}` : ''}\n`);
    }
  });
  const onSigint = () => {
    process.stderr.write('Cancelling…\n');
    lab.call('cancelRun', { runId: run.id }).catch(() => {
      // already over
    });
  };
  process.on('SIGINT', onSigint);
  try {
    return await lab.waitForRun(run.id);
  } finally {
    process.off('SIGINT', onSigint);
    off();
    void g;
  }
}

function progressLine(e: ProgressEvent): string {
  const parts = [`${(e.fraction * 100).toFixed(0).padStart(3)}%`];
  if (e.epochs) parts.push(`epoch ${e.epoch}/${e.epochs}`);
  if (e.steps) parts.push(`step ${e.step}/${e.steps}`);
  if (e.loss != null) parts.push(`loss ${e.loss.toFixed(4)}`);
  if (e.accuracy != null) parts.push(`acc ${(e.accuracy * 100).toFixed(1)}%`);
  if (e.imagesPerSec) parts.push(`${Math.round(e.imagesPerSec)} img/s`);
  if (e.etaSeconds != null) parts.push(`ETA ${Math.ceil(e.etaSeconds)} s`);
  if (e.message) parts.push(e.message);
  return parts.join('  ');
}


/** --param k=v (repeatable) into a record. */
export function keyValues(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw new LabError('bad_input', `--param must look like key=value, got "${kv}".`);
    out[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
  }
  return out;
}

/** "0.1,0.2,0.3" into numbers. */
export function numberList(name: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    const nums = parts.map(Number);
    if (!parts.length || nums.some((x) => !Number.isFinite(x))) throw new LabError('bad_input', `--${name} must be numbers separated by commas (e.g. 0.05,0.1,0.2), got "${v}".`);
    return nums;
  };
}

/** Writes an evaluation's CSV or HTML export to a file; the format follows the extension unless given. */
export async function writeExport(lab: Lab, evaluationId: string, file: string, format?: string): Promise<{ file: string; format: 'csv' | 'html' }> {
  const fmt = (format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'html')).toLowerCase();
  if (fmt !== 'csv' && fmt !== 'html') throw new LabError('bad_input', `--format must be csv or html, got "${format}".`);
  const exp = await lab.call('exportEvaluation', { evaluationId, format: fmt });
  const target = path.resolve(file);
  fs.writeFileSync(target, exp.content, 'utf8');
  return { file: target, format: fmt };
}
