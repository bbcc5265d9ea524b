/** Robustness curves (accuracy vs eps) overlaid, and per-class robust accuracy bars, of the compared runs' evaluations. */
import { Paper, SimpleGrid, Text } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../shared/history';
import { formatNumber, formatPercent } from '../../lib/format';
import { runColours } from './colours';

export function EvaluationCharts({ c, colourBy }: { c: Comparison; colourBy: string }) {
  const colours = runColours(c, colourBy);
  const idx = new Map(c.runs.map((r, i) => [r.id, i]));
  const classes = [...new Map(c.perClass.flatMap((b) => b.classes.map((k) => [k.label, k.name] as const))).entries()].sort((a, b) => a[0] - b[0]);
  const barData = classes.map(([label, name]) => {
    const row: Record<string, number | string | null> = { name };
    for (const b of c.perClass) row[b.runId] = b.classes.find((k) => k.label === label)?.robust ?? b.classes.find((k) => k.label === label)?.clean ?? null;
    return row;
  });
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Paper withBorder p="sm" data-testid="compare-eps">
        <Text fw={600} size="sm" mb="xs">Robust accuracy vs eps</Text>
        {c.epsCurves.length === 0 ? (
          <Text c="dimmed" size="sm">No evaluation of these runs has a robustness curve; evaluate with an eps grid.</Text>
        ) : (
          <ResponsiveContainer width="100%" height={260}>
            <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="eps" type="number" domain={['dataMin', 'dataMax']} allowDuplicatedCategory={false} tickFormatter={(v: number) => formatNumber(v, 3)} />
              <YAxis domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} />
              <Tooltip formatter={(v) => formatPercent(Number(v))} />
              <Legend />
              {c.epsCurves.map((e) => {
                const i = idx.get(e.runId) ?? 0;
                return <Line key={e.evaluationId} data={e.points} dataKey="robustAccuracy" name={`${c.runs[i].name} (${e.attack})`} stroke={colours[i].colour} isAnimationActive={false} />;
              })}
            </LineChart>
          </ResponsiveContainer>
        )}
      </Paper>
      <Paper withBorder p="sm" data-testid="compare-per-class">
        <Text fw={600} size="sm" mb="xs">Per-class robust accuracy</Text>
        {c.perClass.length === 0 ? (
          <Text c="dimmed" size="sm">No evaluation of these runs has per-class results yet.</Text>
        ) : (
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={barData} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="name" />
              <YAxis domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} />
              <Tooltip formatter={(v) => formatPercent(Number(v))} />
              <Legend />
              {c.perClass.map((b) => {
                const i = idx.get(b.runId) ?? 0;
                return <Bar key={b.runId} dataKey={b.runId} name={c.runs[i].name} fill={colours[i].colour} isAnimationActive={false} />;
              })}
            </BarChart>
          </ResponsiveContainer>
        )}
      </Paper>
    </SimpleGrid>
  );
}
