/**
 * Where jobs run: on this machine (the embedded queue), or on the remote workers registered in
 * the lab's Redis, with each one's host, backend, device, current job and state (lost when
 * unseen for 20 s). Refreshes every few seconds.
 */
import { Alert, Badge, Table, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { lab } from '../../api/client';
import { formatDate } from '../../lib/format';
import { useLoad } from '../../lib/hooks';

const STATE_COLOR = { idle: 'gray', busy: 'blue', lost: 'red' } as const;

export function WorkersPanel() {
  const list = useLoad(() => lab.listWorkers({}), []);
  const { reload } = list;
  useEffect(() => {
    const t = setInterval(reload, 3000);
    return () => clearInterval(t);
  }, [reload]);
  const d = list.data;
  return (
    <section aria-labelledby="workers-title" data-testid="workers-panel">
      <Title order={2} size="h4" id="workers-title" mb="xs">
        Workers
      </Title>
      {list.error ? (
        <Alert color="red">{list.error.message}</Alert>
      ) : !d ? (
        <Text size="sm">Loading…</Text>
      ) : d.queue === 'embedded' ? (
        <Text size="sm" c="dimmed" data-testid="workers-embedded">
          Jobs run on this machine, one process each. To add machines, start the lab in web mode with ROBUSTLAB_REDIS_URL and run robustlab worker on them (see the README, “Workers on other machines”).
        </Text>
      ) : !d.workers.length ? (
        <Text size="sm">No worker has registered with this lab’s Redis yet; start one with robustlab worker.</Text>
      ) : (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Worker</Table.Th>
              <Table.Th>Backend</Table.Th>
              <Table.Th>Device</Table.Th>
              <Table.Th>Job</Table.Th>
              <Table.Th>Done</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.workers.map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>{w.id}</Table.Td>
                <Table.Td>{w.backend}</Table.Td>
                <Table.Td>{w.device}</Table.Td>
                <Table.Td>{w.current_job ?? '—'}</Table.Td>
                <Table.Td>{w.jobs_done}</Table.Td>
                <Table.Td>{formatDate(w.last_seen)}</Table.Td>
                <Table.Td>
                  <Badge color={STATE_COLOR[w.state]} variant="light">
                    {w.state}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}
