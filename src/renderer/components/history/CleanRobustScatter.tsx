/** Clean vs robust accuracy of each run, coloured and shaped by any param, with the Pareto front drawn. */
import { Group, Paper, Select, Text } from '@mantine/core';
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../shared/history';
import { formatPercent } from '../../lib/format';
import { runColours, runShapes } from './colours';

export function CleanRobustScatter({ c, colourBy, shapeBy, choices, onChange }: { c: Comparison; colourBy: string; shapeBy: string; choices: string[]; onChange: (p: { colour?: string; shape?: string }) => void }) {
  const colours = runColours(c, colourBy);
  const shapes = runShapes(c, shapeBy);
  const idx = new Map(c.runs.map((r, i) => [r.id, i]));
  const front = c.scatter.points.filter((p) => p.onFront).sort((a, b) => a.clean - b.clean).map((p) => ({ x: p.clean, y: p.robust }));
  // One <Scatter> per (colour, shape) group so the legend names the param values.
  const groups = new Map<string, { name: string; colour: string; shape: (typeof shapes)[number]; data: { x: number; y: number; run: string; front: boolean }[] }>();
  for (const p of c.scatter.points) {
    const i = idx.get(p.runId) ?? 0;
    const key = `${colours[i].label}|${shapes[i]}`;
    if (!groups.has(key)) groups.set(key, { name: shapeBy && shapeBy !== colourBy ? `${colours[i].label} · ${shapeBy} = ${String(c.params.find((x) => x.key === shapeBy)?.values[i] ?? 'missing')}` : colours[i].label, colour: colours[i].colour, shape: shapes[i], data: [] });
    groups.get(key)!.data.push({ x: p.clean, y: p.robust, run: c.runs[i].name, front: p.onFront });
  }
  return (
    <Paper withBorder p="sm" data-testid="compare-scatter">
      <Group gap="md" mb="xs" wrap="wrap">
        <Select label="Colour by" data={['run', ...choices]} value={colourBy || 'run'} onChange={(v) => onChange({ colour: v === 'run' ? '' : (v ?? '') })} searchable w={200} />
        <Select label="Shape by" placeholder="same shape" data={choices} value={shapeBy || null} onChange={(v) => onChange({ shape: v ?? '' })} clearable searchable w={200} />
        <Text size="xs" c="dimmed" mt={20}>
          x: {c.scatter.cleanMetric} · y: {c.scatter.robustMetric} · dashed: Pareto front ({front.length} of {c.scatter.points.length})
        </Text>
      </Group>
      {c.scatter.points.length === 0 ? (
        <Text c="dimmed" size="sm">
          No run has both a clean and a robust accuracy; evaluate the models with an attack, or train with robust monitoring.
        </Text>
      ) : (
        <ResponsiveContainer width="100%" height={320}>
          <ComposedChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" dataKey="x" name="clean" domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} label={{ value: 'clean accuracy', position: 'insideBottom', offset: -8 }} />
            <YAxis type="number" dataKey="y" name="robust" domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} label={{ value: 'robust accuracy', angle: -90, position: 'insideLeft' }} />
            <Tooltip
              cursor={{ strokeDasharray: '3 3' }}
              content={({ payload }) => {
                const d = payload?.[0]?.payload as { run?: string; x: number; y: number; front?: boolean } | undefined;
                if (!d?.run) return null;
                return (
                  <Paper p={6} withBorder>
                    <Text size="xs" fw={600}>{d.run}</Text>
                    <Text size="xs">clean {formatPercent(d.x)} · robust {formatPercent(d.y)}{d.front ? ' · on the front' : ''}</Text>
                  </Paper>
                );
              }}
            />
            <Legend verticalAlign="top" />
            <Line data={front} dataKey="y" name="Pareto front" stroke="#495057" strokeDasharray="6 4" dot={false} isAnimationActive={false} legendType="plainline" />
            {[...groups.values()].map((g) => (
              <Scatter key={`${g.name}-${g.shape}`} name={g.name} data={g.data} fill={g.colour} shape={g.shape} isAnimationActive={false} />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </Paper>
  );
}
