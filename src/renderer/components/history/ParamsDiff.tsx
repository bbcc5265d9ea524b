/** The compared runs' settings side by side; "Differences only" keeps keys that differ (missing counts; 1 ≠ "1"). */
import { Paper, ScrollArea, Switch, Table, Text } from '@mantine/core';
import type { Comparison, ParamValue } from '../../../shared/history';

function show(v: ParamValue | undefined) {
  if (v === undefined) return <Text span c="red" size="xs">missing</Text>;
  if (typeof v === 'string') return <Text span size="xs" ff="monospace">"{v}"</Text>;
  return <Text span size="xs" ff="monospace">{JSON.stringify(v)}</Text>;
}

export function ParamsDiff({ c, differencesOnly, onToggle }: { c: Comparison; differencesOnly: boolean; onToggle: (v: boolean) => void }) {
  const rows = c.params.filter((p) => !differencesOnly || p.differs);
  const nDiff = c.params.filter((p) => p.differs).length;
  return (
    <Paper withBorder p="sm" data-testid="params-diff">
      <Switch label={`Differences only (${nDiff} of ${c.params.length} settings differ)`} checked={differencesOnly} onChange={(e) => onToggle(e.currentTarget.checked)} mb="xs" data-testid="differences-only" />
      <ScrollArea h={rows.length > 14 ? 420 : undefined}>
        <Table fz="xs" striped withColumnBorders data-testid="params-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>setting</Table.Th>
              {c.runs.map((r) => (
                <Table.Th key={r.id}>{r.name}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.key} data-differs={p.differs ? 'true' : 'false'} style={p.differs ? { background: 'var(--mantine-color-yellow-light)' } : undefined}>
                <Table.Td ff="monospace">{p.key}</Table.Td>
                {p.values.map((v, i) => (
                  <Table.Td key={i}>{show(p.present[i] ? v : undefined)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {rows.length === 0 && <Text size="sm" c="dimmed">Every setting is the same.</Text>}
    </Paper>
  );
}
