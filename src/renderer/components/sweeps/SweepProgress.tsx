/**
 * One sweep as a group: progress over its members, pause/resume/cancel, each member's values,
 * state and chosen metric, the best member, and Compare on its runs. Follows the sweep live.
 */
import { Alert, Anchor, Badge, Button, Group, Progress, SegmentedControl, Select, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { lab } from '../../api/client';
import type { SweepDetail, SweepMember } from '../../../shared/sweeps';
import { formatMetric, metricLabel } from '../../lib/format';
import { useLabEvents, useThrottled } from '../../lib/hooks';
import { notifyError } from '../../lib/notify';
import { href } from '../../lib/route';
import { StatusBadge } from '../StatusBadge';

/** Compare takes at most this many runs (its own limit); a bigger sweep links its best ones. */
const COMPARE_MAX = 50;

function MemberStatus({ status }: { status: SweepMember['status'] }) {
  return status === 'pending' ? (
    <Badge color="gray" variant="outline" data-testid="run-status" data-status="pending">
      waiting
    </Badge>
  ) : (
    <StatusBadge status={status} />
  );
}

export function SweepProgress({ sweepId }: { sweepId: string }) {
  const [detail, setDetail] = useState<SweepDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const [order, setOrder] = useState<'max' | 'min' | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    lab.getSweep({ sweepId, metric: metric ?? undefined, order: order ?? undefined }).then(
      (d) => (setDetail(d), setError(null)),
      (e: Error) => setError(e.message),
    );
  const reload = useThrottled(() => void load(), 500);
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sweepId, metric, order]);
  const live = detail ? detail.status === 'running' || detail.status === 'paused' : true;
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, sweepId, metric, order]);
  useLabEvents((e) => {
    if (e.type === 'run' || e.type === 'catalog') reload();
  });

  const control = async (action: 'pause' | 'resume' | 'cancel') => {
    setBusy(true);
    try {
      setDetail(await lab.controlSweep({ sweepId, action }));
    } catch (err) {
      notifyError(`Could not ${action} the sweep`, err);
    } finally {
      setBusy(false);
    }
  };

  if (error) return <Alert color="red" title="Could not load the sweep">{error}</Alert>;
  if (!detail) return <Text size="sm">Loading…</Text>;

  const d = detail;
  const ended = d.counts.finished + d.counts.failed + d.counts.cancelled + d.counts.interrupted;
  const axes = Object.keys(d.rows[0]?.values ?? {});
  const best = d.best === null ? null : d.rows[d.best];
  const compareIds = (() => {
    if (d.runIds.length <= COMPARE_MAX) return d.runIds;
    const m = d.metric;
    const ranked = [...d.rows].filter((r) => r.runId).sort((a, b) => (m ? (b.metrics[m] ?? -Infinity) - (a.metrics[m] ?? -Infinity) : 0) * (d.order === 'min' ? -1 : 1));
    return ranked.flatMap((r) => [r.runId, r.evalRunId].filter((x): x is string => !!x)).slice(0, COMPARE_MAX);
  })();

  return (
    <Stack gap="md" data-testid="sweep-progress" data-status={d.status}>
      <Group justify="space-between" align="center">
        <Group gap="xs">
          <Badge size="lg" color={d.status === 'finished' ? 'green' : d.status === 'cancelled' ? 'orange' : d.status === 'paused' ? 'yellow' : 'blue'} data-testid="sweep-status">
            {d.status}
          </Badge>
          <Text size="sm" data-testid="sweep-counts">
            {ended} of {d.members} members done · {d.counts.finished} finished
            {d.counts.failed ? ` · ${d.counts.failed} failed` : ''}
            {d.counts.running ? ` · ${d.counts.running} running` : ''}
            {d.counts.queued + d.counts.pending ? ` · ${d.counts.queued + d.counts.pending} waiting` : ''}
          </Text>
        </Group>
        <Group gap="xs">
          {d.status === 'running' && (
            <Button size="xs" variant="default" loading={busy} onClick={() => control('pause')} data-testid="sweep-pause">
              Pause
            </Button>
          )}
          {d.status === 'paused' && (
            <Button size="xs" loading={busy} onClick={() => control('resume')} data-testid="sweep-resume">
              Resume
            </Button>
          )}
          {(d.status === 'running' || d.status === 'paused') && (
            <Button size="xs" color="red" variant="light" loading={busy} onClick={() => control('cancel')} data-testid="sweep-cancel">
              Cancel sweep
            </Button>
          )}
          <Button size="xs" component="a" href={href(['compare'], { runs: compareIds.join(',') })} disabled={compareIds.length < 2} data-testid="sweep-compare">
            Compare {d.runIds.length > COMPARE_MAX ? `the best ${COMPARE_MAX} runs` : 'these runs'}
          </Button>
        </Group>
      </Group>
      <Progress value={d.progress * 100} size="lg" animated={d.status === 'running'} aria-label="Sweep progress" data-testid="sweep-bar" />
      {d.status === 'paused' && <Text size="sm">Paused: members already running finish; no new member starts until you resume.</Text>}

      {d.metricKeys.length > 0 && (
        <Group align="end">
          <Select
            label="Best by"
            data={d.metricKeys.map((k) => ({ value: k, label: metricLabel(k) }))}
            value={d.metric}
            onChange={(v) => setMetric(v)}
            w={260}
            data-testid="sweep-metric"
          />
          <SegmentedControl
            value={d.order}
            onChange={(v) => setOrder(v as 'max' | 'min')}
            data={[
              { value: 'max', label: 'highest' },
              { value: 'min', label: 'lowest' },
            ]}
          />
          {best && d.metric && (
            <Text size="sm" data-testid="sweep-best">
              Best: member {best.index + 1} ({Object.entries(best.values).map(([k, v]) => `${k} = ${v}`).join(', ')}) with {metricLabel(d.metric)}{' '}
              {formatMetric(d.metric, best.metrics[d.metric])}
            </Text>
          )}
        </Group>
      )}

      <Table striped withTableBorder data-testid="sweep-members">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            {axes.map((a) => (
              <Table.Th key={a}>{a}</Table.Th>
            ))}
            <Table.Th>State</Table.Th>
            {d.metric && <Table.Th>{metricLabel(d.metric)}</Table.Th>}
            <Table.Th>Runs</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {d.rows.map((r) => (
            <Table.Tr key={r.index} data-testid="sweep-member" data-status={r.status} fw={r.index === d.best ? 700 : undefined}>
              <Table.Td>
                {r.index + 1}
                {r.index === d.best ? ' ★' : ''}
              </Table.Td>
              {axes.map((a) => (
                <Table.Td key={a}>{String(r.values[a])}</Table.Td>
              ))}
              <Table.Td>
                <MemberStatus status={r.status} />
              </Table.Td>
              {d.metric && <Table.Td>{formatMetric(d.metric, r.metrics[d.metric])}</Table.Td>}
              <Table.Td>
                <Group gap="xs">
                  {r.runId && <Anchor href={href(['runs', r.runId])} size="sm">{d.kind}</Anchor>}
                  {r.evalRunId && <Anchor href={href(['runs', r.evalRunId])} size="sm">eval</Anchor>}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
