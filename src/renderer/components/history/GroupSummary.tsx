/** Runs grouped by a column or param: counts and each group's best run on a metric. */
import { Anchor, Paper, Table, Text, UnstyledButton } from '@mantine/core';
import { lab } from '../../api/client';
import { formatMetric } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { href } from '../../lib/route';

function quoteValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function GroupSummary({ by, query, includeArchived, metric, reloadKey, onFilter }: { by: string; query: string; includeArchived: boolean; metric: string; reloadKey: number; onFilter: (q: string) => void }) {
  const groups = useLoad(() => lab.groupRuns({ by, query, includeArchived, metric }), [by, query, includeArchived, metric, reloadKey]);
  if (groups.error) return <Text c="red" size="sm">{groups.error.message}</Text>;
  if (!groups.data) return null;
  return (
    <Paper withBorder p="xs" mb="sm" data-testid="group-summary">
      <Text size="sm" fw={600} mb={4}>
        Grouped by {groups.data.by} · best by {metric}
      </Text>
      <Table striped withTableBorder={false} fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{by}</Table.Th>
            <Table.Th>Runs</Table.Th>
            <Table.Th>Best run</Table.Th>
            <Table.Th>{metric}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {groups.data.groups.map((g) => (
            <Table.Tr key={String(g.value)}>
              <Table.Td>
                {g.value === null ? (
                  <Text span c="dimmed">(none)</Text>
                ) : (
                  <UnstyledButton
                    c="blue"
                    title="Show only this group"
                    onClick={() => {
                      const cond = `${by} = ${quoteValue(g.value!)}`;
                      onFilter(query.trim() ? `(${query}) and ${cond}` : cond);
                    }}
                  >
                    {g.value}
                  </UnstyledButton>
                )}
              </Table.Td>
              <Table.Td>{g.count}</Table.Td>
              <Table.Td>{g.best ? <Anchor href={href(['runs', g.best.runId])}>{g.best.name}</Anchor> : '—'}</Table.Td>
              <Table.Td>{g.best ? formatMetric(metric, g.best.value) : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
