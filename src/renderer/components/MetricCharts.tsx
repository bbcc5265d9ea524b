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
  /** Accuracy and loss charts; the rest (learning rate, speed, time) are secondary. */
  primary: boolean;
}

/**
 * Sorts metric keys into charts: the training loss by step; accuracies together and losses
 * together by epoch; every other key (learning rate, speed...) on its own chart, since their
 * scales have nothing in common.
 */
export function groupMetrics(metrics: Record<string, MetricPoint[]>, epochs?: number): ChartGroup[] {
  const keys = Object.keys(metrics).sort();
  const byStep: string[] = [];
  const accEpoch: string[] = [];
  const lossEpoch: string[] = [];
  const others: string[] = [];
  for (const k of keys) {
    const pts = metrics[k] ?? [];
    if (pts.length === 0) continue;
    const maxStep = Math.max(...pts.map((p) => p.step));
    const stepKeyed = k === 'train/loss' || (epochs !== undefined && maxStep > epochs);
    if (stepKeyed) byStep.push(k);
    else if (isAccuracyKey(k)) accEpoch.push(k);
    else if (/loss/i.test(k)) lossEpoch.push(k);
    else others.push(k);
  }
  const groups: ChartGroup[] = [];
  if (byStep.length) {
    groups.push({
      id: byStep.length === 1 && byStep[0] === 'train/loss' ? 'train-loss' : 'by-step',
      title: byStep.length === 1 ? `${metricLabel(byStep[0]!)} by step` : 'By training step',
      xLabel: 'step',
      keys: byStep,
      percent: byStep.every(isAccuracyKey),
      primary: true,
    });
  }
  if (accEpoch.length) {
    // Robust training: the held-out accuracies (clean, under PGD, certified) get their own chart,
    // apart from the training-batch accuracies, so the clean-vs-robust gap is easy to read.
    const trainAcc = accEpoch.filter((k) => k.startsWith('train/'));
    const heldOut = accEpoch.filter((k) => !k.startsWith('train/'));
    if (accEpoch.some(isRobustKey) && trainAcc.length && heldOut.length) {
      const kinds = ['clean', heldOut.some((k) => /pgd|adv_/i.test(k)) && 'under attack', heldOut.some((k) => /certified/i.test(k)) && 'certified'].filter(Boolean);
      groups.push({ id: 'accuracy', title: `Test accuracy by epoch: ${kinds.join(', ')}`, xLabel: 'epoch', keys: heldOut, percent: true, primary: true });
      groups.push({ id: 'train-accuracy', title: 'Training accuracy by epoch', xLabel: 'epoch', keys: trainAcc, percent: true, primary: true });
    } else {
      groups.push({ id: 'accuracy', title: 'Accuracy by epoch', xLabel: 'epoch', keys: accEpoch, percent: true, primary: true });
    }
  }
  if (lossEpoch.length) {
    groups.push({ id: 'epoch-loss', title: 'Loss by epoch', xLabel: 'epoch', keys: lossEpoch, percent: false, primary: true });
  }
  for (const k of others) {
    groups.push({
      id: `metric-${k.replace(/[^a-z0-9]+/gi, '-')}`,
      title: `${metricLabel(k)} by epoch`,
      xLabel: 'epoch',
      keys: [k],
      percent: false,
      primary: false,
    });
  }
  return groups;
}

const accentFree = PALETTE.filter((c) => c !== '#2f9e44' && c !== '#f08c00');

/** A robustness metric: accuracy under attack, or certified. */
function isRobustKey(key: string): boolean {
  return /pgd|certified|adv_/i.test(key);
}

/** Robust metrics keep one colour everywhere: under attack orange, certified green; validation dashed. */
function seriesStyle(key: string, i: number): { stroke: string; dash?: string } {
  const dash = key.startsWith('val/') ? '6 3' : undefined;
  if (/certified/i.test(key)) return { stroke: '#2f9e44', dash };
  if (/pgd|adv_/i.test(key)) return { stroke: '#f08c00', dash };
  const plain = accentFree.length ? accentFree : PALETTE;
  return { stroke: plain[i % plain.length]!, dash };
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
  const fmt = (v: number) => (group.percent ? `${(v * 100).toFixed(0)} %` : formatNumber(v, 4));
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
                stroke={seriesStyle(k, i).stroke}
                strokeDasharray={seriesStyle(k, i).dash}
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
  which = 'all',
}: {
  metrics: Record<string, MetricPoint[]>;
  epochs?: number;
  height?: number;
  emptyText?: string;
  /** 'primary': accuracy and loss charts only; 'secondary': the others (learning rate, speed...). */
  which?: 'all' | 'primary' | 'secondary';
}) {
  const groups = groupMetrics(metrics, epochs).filter((g) =>
    which === 'all' ? true : which === 'primary' ? g.primary : !g.primary,
  );
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
