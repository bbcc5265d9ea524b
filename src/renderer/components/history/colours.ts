/** Colour (and shape) of each compared run: by run, or by the value of any param. */
import type { Comparison, ParamValue } from '../../../shared/history';

export const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#6741d9', '#868e96'];
export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'star', 'cross', 'wye'] as const;

export function paramOf(c: Comparison, key: string, runIndex: number): ParamValue | undefined {
  const row = c.params.find((p) => p.key === key);
  return row && row.present[runIndex] ? row.values[runIndex] : undefined;
}

export function valueLabel(v: ParamValue | undefined): string {
  return v === undefined ? '(missing)' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** One entry per run: its colour and the legend label it belongs to. */
export function runColours(c: Comparison, by: string): { colour: string; label: string }[] {
  if (!by || by === 'run') return c.runs.map((r, i) => ({ colour: PALETTE[i % PALETTE.length], label: r.name }));
  const values = c.runs.map((_, i) => valueLabel(paramOf(c, by, i)));
  const distinct = [...new Set(values)];
  return values.map((v) => ({ colour: PALETTE[distinct.indexOf(v) % PALETTE.length], label: `${by} = ${v}` }));
}

export function runShapes(c: Comparison, by: string): (typeof SHAPES)[number][] {
  if (!by) return c.runs.map(() => 'circle');
  const values = c.runs.map((_, i) => valueLabel(paramOf(c, by, i)));
  const distinct = [...new Set(values)];
  return values.map((v) => SHAPES[distinct.indexOf(v) % SHAPES.length]);
}

/** Exponential moving average with weight `w` (0 = raw), the usual training-curve smoothing. */
export function smooth(values: number[], w: number): number[] {
  if (w <= 0) return values;
  const out: number[] = [];
  let last = values[0] ?? 0;
  for (const v of values) {
    last = last * w + (1 - w) * v;
    out.push(last);
  }
  return out;
}
