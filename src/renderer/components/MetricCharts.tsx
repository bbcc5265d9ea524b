/**
 * Line charts of a run's metrics (recharts): the training loss by step, accuracies by epoch
 * (as percentages), other losses by epoch. Loaded lazily, see Charts.tsx.
 */
import { Paper, SimpleGrid, Text, useComputedColorScheme } from '@mantine/core';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '../../shared/schemas';
import { formatNumber, isAccuracyKey, metricLabel } from '../lib/format';

export const PALETTE = ['#228be6', '#2f9e44', '#f08c00', '#ae3ec9', '#1098ad', '#e03131', '#868e96'];

interface ChartGroup {
  id: string;
  title: string;
  xLabel: string;
  keys: string[];
  percent: boolean;
}

/** Sorts metric keys into charts. Keys logged by step go on a step axis; the rest by epoch. */
export function groupMetrics(metrics: Record<string, MetricPoint[]>, epochs?: number): ChartGroup[] {
  const keys = Object.keys(metrics).sort();
  const byStep: string[] = [];
  const accEpoch: string[] = [];
  const otherEpoch: string[] = [];
  for (const k of keys) {
    const pts = metrics[k] ?? [];
    if (pts.length === 0) continue;
    const maxStep = Math.max(...pts.map((p) => p.step));
    const stepKeyed = k === 'train/loss' || (epochs !== undefined && maxStep > epochs);
    if (stepKeyed) byStep.push(k);
    else if (isAccuracyKey(k)) accEpoch.push(k);
    else otherEpoch.push(k);
  }
  const groups: ChartGroup[] = [];
  if (byStep.length) {
    groups.push({
      id: byStep.length === 1 && byStep[0] === 'train/loss' ? 'train-loss' : 'by-step',
      title: byStep.length === 1 ? `${metricLabel(byStep[0]!)} by step` : 'By training step',
      xLabel: 'step',
      keys: byStep,
      percent: byStep.every(isAccuracyKey),
    });
  }
  if (accEpoch.length) groups.push({ id: 'accuracy', title: 'Accuracy by epoch', xLabel: 'epoch', keys: accEpoch, percent: true });
  if (otherEpoch.length) {
    const allLoss = otherEpoch.every((k) => /loss/i.test(k));
    groups.push({ id: allLoss ? 'epoch-loss' : 'by-epoch', title: allLoss ? 'Loss by epoch' : 'Other metrics by epoch', xLabel: 'epoch', keys: otherEpoch, percent: false });
  }
  return groups;
}

/** Merges series into rows keyed by step, thinning long series to about `maxRows` rows. */
function toRows(metrics: Record<string, MetricPoint[]>, keys: string[], maxRows = 400): Record<string, number>[] {
  const rows = new Map<number, Record<string, number>>();
  for (const k of keys) {
    const pts = metrics[k] ?? [];
    const stride = Math.max(1, Math.ceil(pts.length / maxRows));
    pts.forEach((p, i) => {
      if (i % stride !== 0 && i !== pts.length - 1) return;
      const row = rows.get(p.step) ?? { x: p.step };
      row[k] = p.value;
      rows.set(p.step, row);
    });
  }
  return [...rows.values()].sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
}

function MetricChart({ group, metrics, height }: { group: ChartGroup; metrics: Record<string, MetricPoint[]>; height: number }) {
  const scheme = useComputedColorScheme('light');
  const axis = scheme === 'dark' ? '#a6a7ab' : '#495057';
  const grid = scheme === 'dark' ? '#373a40' : '#dee2e6';
  const rows = toRows(metrics, group.keys);
  const points = group.keys.reduce((n, k) => n + (metrics[k]?.length ?? 0), 0);
  const fmt = (v: number) => (group.percent ? `${(v * 100).toFixed(0)} %` : formatNumber(v, 3));
  const few = rows.length <= 30;
  return (
    <Paper withBorder p="sm" radius="md" data-testid={`chart-${group.id}`} data-points={points}>
      <Text fw={600} size="sm" mb={4}>
        {group.title}
      </Text>
      <div role="img" aria-label={`${group.title}: ${group.keys.map(metricLabel).join(', ')}, ${points} points`}>
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 5, right: 16, bottom: 18, left: 0 }}>
            <CartesianGrid stroke={grid} strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              domain={['dataMin', 'dataMax']}
              allowDecimals={false}
              tick={{ fill: axis, fontSize: 12 }}
              stroke={axis}
              label={{ value: group.xLabel, position: 'insideBottom', offset: -10, fill: axis, fontSize: 12 }}
            />
            <YAxis
              tickFormatter={fmt}
              domain={group.percent ? [0, 1] : ['auto', 'auto']}
              tick={{ fill: axis, fontSize: 12 }}
              stroke={axis}
              width={56}
            />
            <Tooltip
              formatter={(v, name) => [typeof v === 'number' ? (group.percent ? `${(v * 100).toFixed(2)} %` : formatNumber(v)) : String(v), metricLabel(String(name))]}
              labelFormatter={(l) => `${group.xLabel} ${l}`}
              contentStyle={{
                background: scheme === 'dark' ? '#25262b' : '#fff',
                borderColor: grid,
                color: scheme === 'dark' ? '#c1c2c5' : '#212529',
              }}
            />
            <Legend formatter={(v) => metricLabel(String(v))} verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} />
            {group.keys.map((k, i) => (
              <Line
                key={k}
                dataKey={k}
                name={k}
                stroke={PALETTE[i % PALETTE.length]}
                strokeWidth={2}
                dot={few ? { r: 3 } : false}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </Paper>
  );
}

export default function MetricCharts({
  metrics,
  epochs,
  height = 220,
  emptyText = 'No metrics yet: the first points appear a few seconds after the run starts.',
}: {
  metrics: Record<string, MetricPoint[]>;
  epochs?: number;
  height?: number;
  emptyText?: string;
}) {
  const groups = groupMetrics(metrics, epochs);
  if (groups.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="charts-empty">
        {emptyText}
      </Text>
    );
  }
  return (
    <SimpleGrid cols={{ base: 1, md: groups.length > 1 ? 2 : 1 }} spacing="md">
      {groups.map((g) => (
        <MetricChart key={g.id} group={g} metrics={metrics} height={height} />
      ))}
    </SimpleGrid>
  );
}
