/** Corruption benchmark heatmaps side by side, or as a difference to a chosen reference run. */
import { Group, Paper, ScrollArea, Select, SimpleGrid, Switch, Table, Text } from '@mantine/core';
import type { BenchmarkGrid, Comparison } from '../../../shared/history';
import { formatPercent } from '../../lib/format';

function cellColour(v: number, diff: boolean): string {
  if (diff) {
    const a = Math.min(1, Math.abs(v) * 4);
    return v >= 0 ? `rgba(47,158,68,${a})` : `rgba(224,49,49,${a})`;
  }
  return `rgba(28,126,214,${Math.max(0, Math.min(1, v))})`;
}

function Grid({ g, ref0, title }: { g: BenchmarkGrid; ref0: BenchmarkGrid | null; title: string }) {
  return (
    <Paper withBorder p="xs">
      <Text size="sm" fw={600} mb={4}>{title}</Text>
      <ScrollArea>
        <Table fz="xs" withColumnBorders>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>corruption</Table.Th>
              {g.severities.map((s) => (
                <Table.Th key={s}>{s}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {g.corruptions.map((k) => (
              <Table.Tr key={k.name}>
                <Table.Td>{k.name}</Table.Td>
                {k.accuracy.map((a, j) => {
                  const base = ref0?.corruptions.find((x) => x.name === k.name)?.accuracy[j];
                  const v = ref0 ? (base === undefined ? null : a - base) : a;
                  return (
                    <Table.Td key={j} style={{ background: v === null ? undefined : cellColour(v, !!ref0), color: !ref0 && a > 0.6 ? 'white' : undefined }}>
                      {v === null ? '—' : ref0 ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}` : formatPercent(a, 0)}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Paper>
  );
}

export function BenchmarkDiff({ c, reference, diff, onChange }: { c: Comparison; reference: string; diff: boolean; onChange: (p: { ref?: string; bdiff?: boolean }) => void }) {
  if (!c.benchmarks.length) {
    return (
      <Paper withBorder p="sm" data-testid="compare-benchmarks">
        <Text c="dimmed" size="sm">No compared run has a corruption benchmark; run one from the Corruptions page.</Text>
      </Paper>
    );
  }
  const name = (id: string) => c.runs.find((r) => r.id === id)?.name ?? id;
  const refId = c.benchmarks.some((b) => b.runId === reference) ? reference : c.benchmarks[0].runId;
  const ref0 = c.benchmarks.find((b) => b.runId === refId) ?? null;
  return (
    <Paper withBorder p="sm" data-testid="compare-benchmarks">
      <Group mb="xs">
        <Switch label="As a difference to the reference" checked={diff} onChange={(e) => onChange({ bdiff: e.currentTarget.checked })} />
        <Select label="Reference run" data={c.benchmarks.map((b) => ({ value: b.runId, label: name(b.runId) }))} value={refId} onChange={(v) => v && onChange({ ref: v })} w={240} />
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {c.benchmarks.map((b) => (
          <Grid key={b.evaluationId} g={b} ref0={diff && b.runId !== refId ? ref0 : null} title={`${name(b.runId)}${b.meanAccuracy !== null ? ` · mean ${formatPercent(b.meanAccuracy)}` : ''}${diff && b.runId !== refId ? ` − ${name(refId)}` : ''}`} />
        ))}
      </SimpleGrid>
    </Paper>
  );
}
