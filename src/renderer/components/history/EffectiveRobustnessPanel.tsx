/** Effective robustness: accuracy on a shifted test set against the clean one, the linear fit across runs, each run's distance above it. */
import { Group, Paper, Switch, Table, Text } from '@mantine/core';
import { CartesianGrid, ComposedChart, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../shared/history';
import { formatNumber } from '../../lib/format';
import { runColours } from './colours';

export function EffectiveRobustnessPanel({ c, colourBy, logit, onLogit }: { c: Comparison; colourBy: string; logit: boolean; onLogit: (v: boolean) => void }) {
  const er = c.effectiveRobustness;
  const colours = runColours(c, colourBy);
  const idx = new Map(c.runs.map((r, i) => [r.id, i]));
  const xs = er.points.map((p) => p.x);
  const line = er.fit && xs.length ? [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, y: er.fit!.intercept + er.fit!.slope * x })) : [];
  return (
    <Paper withBorder p="sm" data-testid="compare-effective">
      <Group mb="xs">
        <Text size="sm" fw={600}>
          {er.inDistribution && er.shifted ? `${er.shifted.name} vs ${er.inDistribution.name}` : 'Effective robustness'}
        </Text>
        <Switch label="Logit axes" checked={logit} onChange={(e) => onLogit(e.currentTarget.checked)} />
        {er.fit && (
          <Text size="xs" c="dimmed">
            fit: y = {formatNumber(er.fit.intercept)} + {formatNumber(er.fit.slope)}·x, R² = {formatNumber(er.fit.r2, 3)}
          </Text>
        )}
      </Group>
      {er.note && <Text size="sm" c="dimmed">{er.note}</Text>}
      {er.points.length > 0 && (
        <Group align="flex-start" grow>
          <ResponsiveContainer width="100%" height={240}>
            <ComposedChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" dataKey="x" domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v, 3)} label={{ value: `clean (${er.scale})`, position: 'insideBottom', offset: -8 }} />
              <YAxis type="number" dataKey="y" domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v, 3)} />
              <Tooltip />
              <Line data={line} dataKey="y" stroke="#495057" dot={false} isAnimationActive={false} name="fit" />
              {er.points.map((p) => (
                <Scatter key={p.runId} data={[{ x: p.x, y: p.y }]} fill={colours[idx.get(p.runId) ?? 0].colour} name={c.runs[idx.get(p.runId) ?? 0].name} isAnimationActive={false} />
              ))}
            </ComposedChart>
          </ResponsiveContainer>
          <Table fz="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>run</Table.Th>
                <Table.Th>clean</Table.Th>
                <Table.Th>shifted</Table.Th>
                <Table.Th>above the fit</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {er.points.map((p) => (
                <Table.Tr key={p.runId}>
                  <Table.Td>{c.runs[idx.get(p.runId) ?? 0].name}</Table.Td>
                  <Table.Td>{formatNumber(p.x, 3)}</Table.Td>
                  <Table.Td>{formatNumber(p.y, 3)}</Table.Td>
                  <Table.Td>{p.effectiveRobustness === null ? '—' : formatNumber(p.effectiveRobustness, 3)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Group>
      )}
    </Paper>
  );
}
