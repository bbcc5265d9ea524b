/**
 * Runs: the whole experiment history in one virtualized table. The query, sort, columns, grouping
 * and the archived switch live in the route (`#/runs?q=…&sort=…&cols=…&group=…`), so a view can
 * be saved by name and reopened; the lab filters and sorts, so 10,000 runs stay quick.
 */
import { Alert, Button, Group, Select, Text } from '@mantine/core';
import { useCallback, useMemo, useState } from 'react';
import { lab } from '../api/client';
import type { RunInfo, DatasetInfo } from '../../shared/schemas';
import type { RunSummary } from '../../shared/history';
import { PageHeader } from '../components/PageHeader';
import { GroupSummary } from '../components/history/GroupSummary';
import { RunsTable } from '../components/history/RunsTable';
import { ArchivedSwitch, ColumnsPicker, GroupBySelect, QueryBox, SavedViews } from '../components/history/RunsToolbar';
import { SelectionBar } from '../components/history/SelectionBar';
import { DEFAULT_RUN_COLUMNS, patchRoute, routeParams } from '../components/history/routeState';
import { formatNumber } from '../lib/format';
import { useLabEvents, useLoad, useOnReconnect, useThrottled } from '../lib/hooks';
import { findDataset } from '../lib/names';
import { notifyError, notifyOk } from '../lib/notify';
import { useRoute } from '../lib/route';
import { attackEps, attackShortName, isNoAttack } from '../lib/evalText';
import type { RegistryEntry } from '../../shared/schemas';

const START_COLUMNS = ['name', 'status', 'kind', 'dataset', 'method', 'clean', 'robust', 'duration', 'created', 'tags'];

export function runSubject(run: RunInfo, attacks?: RegistryEntry[]): string {
  const spec = run.spec;
  if (spec.kind === 'train') return spec.arch;
  if (spec.kind === 'corrupt') {
    const n = spec.recipe.steps.length;
    return `${spec.recipe.steps[0]?.corruption ?? 'corrupt'}${n > 1 ? ` + ${n - 1} more` : ''}`;
  }
  if (spec.kind !== 'eval') return spec.kind;
  if (spec.benchmark === 'corruptions') return 'corruption benchmark';
  if (isNoAttack(spec.attack)) return 'clean (no attack)';
  const eps = attackEps(spec.attack);
  return `${attackShortName(spec.attack.name, attacks)}${eps !== undefined ? ` eps ${formatNumber(eps)}` : ''}`;
}

export function datasetName(run: RunInfo, datasets?: DatasetInfo[]): string {
  const spec = run.spec as { dataset?: string };
  return findDataset(datasets, run.datasetId)?.name ?? findDataset(datasets, spec.dataset)?.name ?? spec.dataset ?? '—';
}

export function RunsPage() {
  const route = useRoute();
  const q = route.query.get('q') ?? '';
  const sort = route.query.get('sort') ?? '-created';
  const columns = (route.query.get('cols') ?? START_COLUMNS.join(',')).split(',').filter(Boolean);
  const groupBy = route.query.get('group') ?? '';
  const archived = route.query.get('archived') === '1';
  const groupMetric = route.query.get('gmetric') ?? 'test/accuracy';
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reloadKey, setReloadKey] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [ms, setMs] = useState<number | null>(null);
  const keys = useLoad(() => lab.queryRuns({ limit: 1 }), [reloadKey]);

  const reload = useCallback(() => setReloadKey((k) => k + 1), []);
  const throttled = useThrottled(reload, 2000);
  useLabEvents((e) => {
    if (e.type === 'run') throttled();
  });
  useOnReconnect(reload);

  const set = useCallback((patch: Record<string, string | null>) => patchRoute(route, patch), [route]);
  const onSubmitQuery = useCallback((text: string) => patchRoute(route, { q: text }), [route]);
  const toggle = useCallback((id: string, on: boolean) => {
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  }, []);
  const star = useCallback(
    (r: RunSummary) =>
      lab.setRunFlags({ runIds: [r.id], starred: !r.starred }).then(reload, (e) => notifyError('Could not star the run', e)),
    [reload],
  );
  const routeString = useMemo(() => new URLSearchParams(routeParams(route)).toString(), [route]);

  // The native file dialog in Electron, an upload in web mode (no size limit of a JSON body).
  const importArchive = async () => {
    try {
      const [file] = await lab.pickFiles({ title: 'Import a run archive', filters: [{ name: 'Run archives', extensions: ['gz'] }] });
      if (!file) return;
      const res = await lab.importRuns({ file });
      notifyOk('Archive imported', `${res.imported.length} runs added, ${res.skipped.length} already here.`);
      reload();
    } catch (e) {
      notifyError('Could not import the archive', e);
    }
  };

  return (
    <>
      <PageHeader
        title="Runs"
        subtitle="Your whole experiment history. Search with a query, sort by any column, select runs to compare them."
        actions={
          <Button variant="default" onClick={importArchive} data-testid="import-archive">
            Import archive…
          </Button>
        }
      />
      <Group align="flex-start" gap="sm" mb="sm" wrap="wrap">
        <QueryBox value={q} onSubmit={onSubmitQuery} error={error} />
        <ColumnsPicker columns={columns} paramKeys={keys.data?.paramKeys ?? []} metricKeys={keys.data?.metricKeys ?? []} onChange={(c) => set({ cols: c.join(',') })} />
        <GroupBySelect value={groupBy} paramKeys={keys.data?.paramKeys ?? []} onChange={(v) => set({ group: v })} />
        <ArchivedSwitch checked={archived} onChange={(v) => set({ archived: v ? '1' : null })} />
        <SavedViews page="runs" route={routeString} />
      </Group>
      {error && !q && (
        <Alert color="red" mb="sm">
          {error}
        </Alert>
      )}
      {groupBy && (
        <>
          <Select
            label="Best by"
            data={keys.data?.metricKeys ?? []}
            value={groupMetric}
            onChange={(v) => set({ gmetric: v })}
            searchable
            w={240}
            mb="xs"
            data-testid="group-metric"
          />
          <GroupSummary by={groupBy} query={q} includeArchived={archived} metric={groupMetric} reloadKey={reloadKey} onFilter={(nq) => set({ q: nq })} />
        </>
      )}
      {selected.size > 0 && <SelectionBar ids={[...selected]} onDone={reload} onClear={() => setSelected(new Set())} />}
      <Text size="xs" c="dimmed" mb={4} data-testid="runs-count">
        {total === null ? '' : `${total} run${total === 1 ? '' : 's'}${ms !== null ? ` · ${Math.round(ms)} ms` : ''}`}
      </Text>
      <RunsTable
        query={q}
        sort={sort}
        includeArchived={archived}
        columns={columns.filter((c) => DEFAULT_RUN_COLUMNS.includes(c) || c.startsWith('params.') || c.startsWith('metrics.'))}
        selected={selected}
        onToggle={toggle}
        onSort={(s) => set({ sort: s })}
        onStar={star}
        onTotal={(t, m) => {
          setTotal(t);
          setMs(m);
        }}
        onError={setError}
        reloadKey={reloadKey}
      />
    </>
  );
}

