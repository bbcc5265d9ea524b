/** Runs: every training and evaluation run, sortable, updated live. */
import { Alert, Anchor, Group, Loader, Paper, Progress, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { lab } from '../api/client';
import type { DatasetInfo, RunInfo, RegistryEntry } from '../../shared/schemas';
import { DataTable } from '../components/DataTable';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { StatusBadge } from '../components/StatusBadge';
import { attackEps, attackShortName, isNoAttack } from '../lib/evalText';
import { formatDate, formatNumber, formatPercent } from '../lib/format';
import { useLabEvents, useLoad, useOnReconnect, useThrottled } from '../lib/hooks';
import { findDataset } from '../lib/names';
import { href, navigate } from '../lib/route';

const col = createColumnHelper<RunInfo>();

export function runSubject(run: RunInfo, attacks?: RegistryEntry[]): string {
  const spec = run.spec;
  if (spec.kind === 'train') return spec.arch;
  if (spec.kind === 'corrupt') {
    const n = spec.recipe.steps.length;
    return `${spec.recipe.steps[0]?.corruption ?? 'corrupt'}${n > 1 ? ` + ${n - 1} more` : ''}`;
  }
  if (spec.benchmark === 'corruptions') return 'corruption benchmark';
  if (isNoAttack(spec.attack)) return 'clean (no attack)';
  const eps = attackEps(spec.attack);
  return `${attackShortName(spec.attack.name, attacks)}${eps !== undefined ? ` eps ${formatNumber(eps)}` : ''}`;
}

export function datasetName(run: RunInfo, datasets?: DatasetInfo[]): string {
  return findDataset(datasets, run.datasetId)?.name ?? findDataset(datasets, run.spec.dataset)?.name ?? run.spec.dataset;
}

function pct(v: number | undefined) {
  return v === undefined ? (
    <Text span c="dimmed" size="sm">
      —
    </Text>
  ) : (
    formatPercent(v)
  );
}

export function RunsPage() {
  const runs = useLoad(() => lab.listRuns({}), []);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const attacks = useLoad(() => lab.listAttacks({}), []);
  const [progress, setProgress] = useState<Record<string, number>>({});
  const [kind, setKind] = useState<'all' | 'train' | 'eval' | 'corrupt'>('all');
  const [query, setQuery] = useState('');

  const refresh = useThrottled(runs.reload, 1000);
  useLabEvents((e) => {
    if (e.type === 'progress') setProgress((p) => ({ ...p, [e.runId]: e.fraction }));
    else refresh();
  });
  useOnReconnect(runs.reload);

  const columns = useMemo(
    () => [
      col.accessor('name', {
        header: 'Name',
        cell: (c) => (
          <Anchor href={href(['runs', c.row.original.id])} fw={600} onClick={(e) => e.stopPropagation()}>
            {c.getValue()}
          </Anchor>
        ),
      }),
      col.accessor('kind', {
        header: 'Kind',
        cell: (c) => (c.getValue() === 'train' ? 'training' : c.getValue() === 'corrupt' ? 'corruption' : 'evaluation'),
      }),
      col.accessor('status', {
        header: 'Status',
        cell: (c) => {
          const run = c.row.original;
          const f = progress[run.id];
          return (
            <Stack gap={2}>
              <StatusBadge status={c.getValue()} />
              {run.status === 'running' && f !== undefined && (
                <Progress value={f * 100} size="xs" w={80} aria-label={`${run.name} progress`} />
              )}
            </Stack>
          );
        },
      }),
      col.accessor((r) => datasetName(r, datasets.data), { id: 'dataset', header: 'Dataset' }),
      col.accessor((r) => runSubject(r, attacks.data), { id: 'subject', header: 'Architecture / attack' }),
      col.accessor((r) => r.latestMetrics['test/accuracy'], {
        id: 'testacc',
        header: 'Test accuracy',
        cell: (c) => pct(c.getValue()),
        sortUndefined: 'last',
      }),
      col.accessor((r) => r.latestMetrics['clean_accuracy'], {
        id: 'clean',
        header: 'Clean accuracy',
        cell: (c) => pct(c.getValue()),
        sortUndefined: 'last',
      }),
      col.accessor((r) => r.latestMetrics['robust_accuracy'], {
        id: 'robust',
        header: 'Robust accuracy',
        cell: (c) => pct(c.getValue()),
        sortUndefined: 'last',
      }),
      col.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
    ],
    [progress, datasets.data, attacks.data],
  );

  const shown = (runs.data ?? []).filter(
    (r) =>
      (kind === 'all' || r.kind === kind) &&
      (!query.trim() ||
        `${r.name} ${r.tags.join(' ')} ${r.status} ${runSubject(r, attacks.data)} ${datasetName(r, datasets.data)}`
          .toLowerCase()
          .includes(query.trim().toLowerCase())),
  );

  return (
    <>
      <PageHeader
        title="Runs"
        subtitle="Every training and evaluation, newest first. Click a run to see its curves, settings and results."
      />
      <Group mb="sm" gap="sm" wrap="wrap">
        <SegmentedControl
          aria-label="Kind of run"
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'train', label: 'Training' },
            { value: 'eval', label: 'Evaluation' },
            { value: 'corrupt', label: 'Corruption' },
          ]}
        />
        <TextInput
          aria-label="Filter runs"
          placeholder="Filter by name, tag, status, dataset…"
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          w={300}
        />
      </Group>
      {runs.error && (
        <Alert color="red" title="Could not load the runs" mb="md">
          {runs.error.message}
        </Alert>
      )}
      <Paper withBorder radius="md" p="xs">
        {runs.loading && !runs.data ? (
          <Loader size="sm" m="md" aria-label="Loading runs" />
        ) : (
          <DataTable
            label="Runs"
            data={shown}
            columns={columns}
            initialSort={[{ id: 'createdAt', desc: true }]}
            rowKey={(r) => r.id}
            rowTestId={(r) => `run-row-${r.id}`}
            onRowClick={(r) => navigate(['runs', r.id])}
            empty={
              (runs.data ?? []).length === 0 ? (
                <EmptyState title="No runs yet">
                  Start one on the <Anchor href={href(['train'])} inherit>Train</Anchor> page, or evaluate a model on the{' '}
                  <Anchor href={href(['evaluate'])} inherit>Evaluate</Anchor> page.
                </EmptyState>
              ) : (
                <EmptyState title="No run matches the filter" />
              )
            }
          />
        )}
      </Paper>
    </>
  );
}
