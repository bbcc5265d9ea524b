/**
 * Parallel coordinates over chosen params and metrics. Drag along an axis to brush a range; runs
 * outside every brush fade, and "Keep only brushed runs" narrows the comparison to the rest.
 * Hand-written SVG (about 150 lines): the chart libraries in the app have no brushable parallel axes.
 */
import { Button, Group, MultiSelect, Paper, Text } from '@mantine/core';
import { useRef, useState } from 'react';
import type { Comparison } from '../../../shared/history';
import { formatNumber } from '../../lib/format';
import { paramOf, runColours, valueLabel } from './colours';

export type Brushes = Record<string, [number, number]>;

const W = 900;
const H = 300;
const TOP = 24;
const BOTTOM = 30;

interface Axis {
  key: string;
  /** Position 0 (bottom) … 1 (top) of each run, null when it has no value. */
  pos: (number | null)[];
  ticks: { pos: number; label: string }[];
}

function buildAxis(c: Comparison, key: string): Axis {
  const raw: (number | string | null)[] = key.startsWith('metrics.')
    ? (c.metrics.find((m) => m.key === key.slice(8))?.values ?? c.runs.map(() => null))
    : c.runs.map((_, i) => {
        const v = paramOf(c, key, i);
        return v === undefined || v === null ? null : typeof v === 'number' ? v : valueLabel(v);
      });
  const nums = raw.filter((v): v is number => typeof v === 'number');
  if (nums.length === raw.filter((v) => v !== null).length && nums.length) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const f = (v: number) => (hi === lo ? 0.5 : (v - lo) / (hi - lo));
    return { key, pos: raw.map((v) => (typeof v === 'number' ? f(v) : null)), ticks: [{ pos: 0, label: formatNumber(lo, 3) }, { pos: 1, label: formatNumber(hi, 3) }] };
  }
  const cats = [...new Set(raw.filter((v) => v !== null).map(String))].sort();
  const f = (v: string) => (cats.length === 1 ? 0.5 : cats.indexOf(v) / (cats.length - 1));
  return { key, pos: raw.map((v) => (v === null ? null : f(String(v)))), ticks: cats.map((s) => ({ pos: f(s), label: s })) };
}

export function inBrushes(axes: Axis[], brushes: Brushes, i: number): boolean {
  return axes.every((a) => {
    const b = brushes[a.key];
    if (!b) return true;
    const p = a.pos[i];
    return p !== null && p >= Math.min(...b) && p <= Math.max(...b);
  });
}

export function ParallelCoords({ c, axesKeys, choices, brushes, colourBy, onChange, onKeep }: { c: Comparison; axesKeys: string[]; choices: string[]; brushes: Brushes; colourBy: string; onChange: (p: { axes?: string[]; brushes?: Brushes }) => void; onKeep: (runIds: string[]) => void }) {
  const axes = axesKeys.map((k) => buildAxis(c, k));
  const colours = runColours(c, colourBy);
  const svgRef = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ key: string; from: number; to: number } | null>(null);
  const x = (j: number) => 60 + (axes.length <= 1 ? 0 : (j * (W - 120)) / (axes.length - 1));
  const y = (p: number) => TOP + (1 - p) * (H - TOP - BOTTOM);
  const toPos = (clientY: number) => {
    const r = svgRef.current!.getBoundingClientRect();
    const sy = ((clientY - r.top) / r.height) * H;
    return Math.max(0, Math.min(1, 1 - (sy - TOP) / (H - TOP - BOTTOM)));
  };
  const live: Brushes = drag ? { ...brushes, [drag.key]: [drag.from, drag.to] } : brushes;
  const kept = c.runs.map((r, i) => (inBrushes(axes, live, i) ? r.id : null)).filter((v): v is string => v !== null);
  return (
    <Paper withBorder p="sm" data-testid="compare-parallel">
      <Group gap="md" align="flex-end" mb="xs" wrap="wrap">
        <MultiSelect label="Axes" data={choices} value={axesKeys} onChange={(v) => onChange({ axes: v })} searchable w={520} maxDropdownHeight={260} />
        <Button size="xs" variant="default" disabled={!Object.keys(brushes).length} onClick={() => onChange({ brushes: {} })}>
          Clear brushes
        </Button>
        <Button size="xs" disabled={!Object.keys(brushes).length || kept.length < 2 || kept.length === c.runs.length} onClick={() => onKeep(kept)} data-testid="keep-brushed">
          Keep only brushed runs ({kept.length})
        </Button>
      </Group>
      {axes.length < 2 ? (
        <Text c="dimmed" size="sm">Choose at least two axes.</Text>
      ) : (
        <svg
          ref={svgRef}
          viewBox={`0 0 ${W} ${H}`}
          width="100%"
          role="img"
          aria-label="Parallel coordinates"
          style={{ userSelect: 'none', maxHeight: 340 }}
          onMouseMove={(e) => drag && setDrag({ ...drag, to: toPos(e.clientY) })}
          onMouseUp={() => {
            if (drag) {
              const next = { ...brushes };
              if (Math.abs(drag.to - drag.from) < 0.01) delete next[drag.key];
              else next[drag.key] = [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)];
              onChange({ brushes: next });
            }
            setDrag(null);
          }}
          onMouseLeave={() => setDrag(null)}
        >
          {c.runs.map((r, i) => {
            const pts = axes.map((a, j) => (a.pos[i] === null ? null : `${x(j)},${y(a.pos[i]!)}`)).filter(Boolean);
            const on = inBrushes(axes, live, i);
            return (
              <polyline key={r.id} points={pts.join(' ')} fill="none" stroke={on ? colours[i].colour : '#ced4da'} strokeWidth={on ? 2 : 1} opacity={on ? 0.9 : 0.5}>
                <title>{r.name}</title>
              </polyline>
            );
          })}
          {axes.map((a, j) => {
            const b = live[a.key];
            return (
              <g key={a.key}>
                <line x1={x(j)} x2={x(j)} y1={TOP} y2={H - BOTTOM} stroke="#495057" />
                <text x={x(j)} y={H - 10} fontSize={11} textAnchor="middle" fill="currentColor">
                  {a.key.length > 26 ? `…${a.key.slice(-25)}` : a.key}
                </text>
                {a.ticks.slice(0, 12).map((t) => (
                  <text key={t.label} x={x(j) + 5} y={y(t.pos) + 4} fontSize={10} fill="currentColor" opacity={0.7}>
                    {t.label}
                  </text>
                ))}
                {b && <rect x={x(j) - 7} width={14} y={y(Math.max(...b))} height={Math.max(2, y(Math.min(...b)) - y(Math.max(...b)))} fill="rgba(28,126,214,0.25)" stroke="#1c7ed6" />}
                <rect
                  x={x(j) - 12}
                  width={24}
                  y={TOP}
                  height={H - TOP - BOTTOM}
                  fill="transparent"
                  style={{ cursor: 'ns-resize' }}
                  data-testid={`brush-${a.key}`}
                  onMouseDown={(e) => {
                    const p = toPos(e.clientY);
                    setDrag({ key: a.key, from: p, to: p });
                  }}
                />
              </g>
            );
          })}
        </svg>
      )}
    </Paper>
  );
}
