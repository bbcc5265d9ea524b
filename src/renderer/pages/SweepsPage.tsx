/**
 * Sweeps: the list (`#/sweeps`), or one sweep's group progress and summary (`#/sweeps/<id>`).
 * Sweeps start from the Train page's "Run as sweep" or `robustlab sweep`.
 */
import { Anchor, Button, Progress, Stack, Table, Text } from '@mantine/core';
import { lab } from '../api/client';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { SweepProgress } from '../components/sweeps/SweepProgress';
import { WorkersPanel } from '../components/sweeps/WorkersPanel';
import { formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { href } from '../lib/route';

export function SweepsPage({ sweepId }: { sweepId?: string }) {
  const sweeps = useLoad(() => lab.listSweeps({}), []);
  const one = sweepId ? sweeps.data?.find((s) => s.id === sweepId) : undefined;
  if (sweepId) {
    return (
      <>
        <PageHeader
          title={one ? `Sweep ${one.name}` : 'Sweep'}
          subtitle="Several runs of one spec with some settings changed, run as one group."
          actions={
            <Button variant="default" component="a" href={href(['sweeps'])}>
              All sweeps
            </Button>
          }
        />
        <SweepProgress sweepId={sweepId} />
      </>
    );
  }
  const list = sweeps.data ?? [];
  return (
    <>
      <PageHeader title="Sweeps" subtitle="Groups of runs over a grid or random values of some settings. Start one from the Train or Evaluate page (Run as sweep) or with robustlab sweep." />
      <Stack gap="lg">
      {sweeps.error ? (
        <Text c="red">{sweeps.error.message}</Text>
      ) : !list.length ? (
        <EmptyState title="No sweeps yet">
          Turn on <Anchor href={href(['train'])} inherit>Run as sweep</Anchor> on the Train page to try several values at once.
        </EmptyState>
      ) : (
        <Table striped withTableBorder data-testid="sweeps-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Members</Table.Th>
              <Table.Th>Done</Table.Th>
              <Table.Th>Started</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>
                  <Anchor href={href(['sweeps', s.id])}>{s.name}</Anchor>
                </Table.Td>
                <Table.Td>{s.kind}</Table.Td>
                <Table.Td>{s.status}</Table.Td>
                <Table.Td>
                  {s.members}
                  {s.counts.failed ? ` (${s.counts.failed} failed)` : ''}
                </Table.Td>
                <Table.Td w={160}>
                  <Progress value={s.progress * 100} aria-label={`${s.name} progress`} />
                </Table.Td>
                <Table.Td>{formatDate(s.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <WorkersPanel />
      </Stack>
    </>
  );
}
