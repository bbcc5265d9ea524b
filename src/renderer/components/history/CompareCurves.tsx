/** Overlaid curves of one logged metric for every compared run: x = step/epoch or wall time, smoothing, log scale, colour by any param. */
import { Group, Paper, SegmentedControl, Select, Slider, Stack, Switch, Text } from '@mantine/core';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../shared/history';
import { formatNumber } from '../../lib/format';
import { runColours, smooth } from './colours';

export interface CurveOptions {
  metric: string;
  x: 'step' | 'time';
  smoothing: number;
  log: boolean;
  colourBy: string;
}

export function CompareCurves({ c, opts, onChange, colourChoices }: { c: Comparison; opts: CurveOptions; onChange: (p: Partial<CurveOptions>) => void; colourChoices: string[] }) {
  const keys = c.curveKeys;
  const shown = [...new Set(c.curves.map((s) => s.key))];
  const metric = shown.includes(opts.metric) ? opts.metric : (shown[0] ?? '');
  const colours = runColours(c, opts.colourBy);
  const idx = new Map(c.runs.map((r, i) => [r.id, i]));
  const series = c.curves
    .filter((s) => s.key === metric)
    .map((s) => {
      const i = idx.get(s.runId) ?? 0;
      const t0 = s.points[0]?.time ?? 0;
      const ys = smooth(s.points.map((p) => p.value), opts.smoothing);
      return {
        runId: s.runId,
        name: c.runs[i].name,
        colour: colours[i].colour,
        data: s.points.map((p, k) => ({ x: opts.x === 'time' ? (p.time - t0) / 1000 : p.step, y: ys[k] })).filter((p) => !opts.log || p.y > 0),
      };
    });
  return (
    <Paper withBorder p="sm" data-testid="compare-curves">
      <Group gap="md" align="flex-end" wrap="wrap" mb="xs">
        <Select label="Metric" data={keys} value={metric || null} onChange={(v) => v && onChange({ metric: v })} searchable w={220} data-testid="curve-metric" />
        <SegmentedControl
          value={opts.x}
          onChange={(v) => onChange({ x: v as 'step' | 'time' })}
          data={[
            { value: 'step', label: 'Epoch / step' },
            { value: 'time', label: 'Wall time (s)' },
          ]}
          aria-label="x axis"
        />
        <Stack gap={0} w={160}>
          <Text size="xs">Smoothing {opts.smoothing.toFixed(2)}</Text>
          <Slider min={0} max={0.95} step={0.05} value={opts.smoothing} onChange={(v) => onChange({ smoothing: v })} label={null} aria-label="Smoothing" />
        </Stack>
        <Switch label="Log scale" checked={opts.log} onChange={(e) => onChange({ log: e.currentTarget.checked })} data-testid="curve-log" />
        <Select label="Colour by" data={['run', ...colourChoices]} value={opts.colourBy || 'run'} onChange={(v) => onChange({ colourBy: v === 'run' ? '' : (v ?? '') })} searchable w={200} data-testid="curve-colour" />
      </Group>
      {series.length === 0 ? (
        <Text c="dimmed" size="sm">
          No run logged this metric more than once.
        </Text>
      ) : (
        <ResponsiveContainer width="100%" height={300}>
          <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} allowDuplicatedCategory={false} label={{ value: opts.x === 'time' ? 'seconds' : 'step', position: 'insideBottomRight', offset: -4 }} />
            <YAxis scale={opts.log ? 'log' : 'auto'} domain={opts.log ? ['auto', 'auto'] : ['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v, 3)} allowDataOverflow={opts.log} />
            <Tooltip formatter={(v) => formatNumber(Number(v))} labelFormatter={(l) => `${opts.x === 'time' ? 't' : 'step'} ${l}`} />
            <Legend />
            {series.map((s) => (
              <Line key={s.runId} data={s.data} dataKey="y" name={s.name} stroke={s.colour} dot={false} isAnimationActive={false} strokeWidth={1.8} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </Paper>
  );
}
