/**
 * Bar chart of a corruption benchmark (recharts, loaded lazily): per-corruption accuracy
 * (model and baseline) or corruption error (CE, relative CE) against the baseline.
 */
import { useComputedColorScheme } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface BarRow {
  title: string;
  [series: string]: number | string | null;
}

export default function BenchmarkBars({
  rows,
  series,
  percentMax,
  reference,
  label,
}: {
  rows: BarRow[];
  series: { key: string; name: string; color: string }[];
  /** Upper end of the value axis (1 = 100 %), or 'auto'. */
  percentMax: number | 'auto';
  /** A dashed line, e.g. at 100 % CE (as bad as the baseline). */
  reference?: { value: number; label: string };
  label: string;
}) {
  const scheme = useComputedColorScheme('light');
  const axis = scheme === 'dark' ? '#a6a7ab' : '#495057';
  const grid = scheme === 'dark' ? '#373a40' : '#dee2e6';
  const height = Math.max(160, rows.length * (series.length > 1 ? 30 : 22) + 60);
  const fmt = (v: number) => `${Math.round(v * 100)} %`;
  return (
    <div role="img" aria-label={label} data-testid="benchmark-bars">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }} barCategoryGap={4}>
          <CartesianGrid stroke={grid} strokeDasharray="3 3" horizontal={false} />
          <XAxis
            type="number"
            domain={[0, percentMax === 'auto' ? 'auto' : percentMax]}
            tickFormatter={fmt}
            tick={{ fill: axis, fontSize: 12 }}
            stroke={axis}
          />
          <YAxis type="category" dataKey="title" width={140} tick={{ fill: axis, fontSize: 12 }} stroke={axis} interval={0} />
          <Tooltip
            formatter={(v, name) => [typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : '—', String(name)]}
            cursor={{ fill: scheme === 'dark' ? 'rgba(255,255,255,0.05)' : 'rgba(0,0,0,0.04)' }}
            contentStyle={{
              background: scheme === 'dark' ? '#25262b' : '#fff',
              borderColor: grid,
              color: scheme === 'dark' ? '#c1c2c5' : '#212529',
            }}
          />
          {series.length > 1 && <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} itemSorter={null} />}
          {reference && (
            <ReferenceLine
              x={reference.value}
              stroke={axis}
              strokeDasharray="4 4"
              label={{ value: reference.label, fill: axis, fontSize: 11, position: 'top' }}
            />
          )}
          {series.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.name} fill={s.color} isAnimationActive={false} radius={[0, 3, 3, 0]} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
