/**
 * Compare 2–50 runs. Everything on the page — the runs, the chosen metric and axes, smoothing,
 * colours, "differences only", brushes — lives in the route (`#/compare?runs=a,b&metric=…`), so
 * "copy link" and saved views reopen the same page. The lab builds the comparison; the sections
 * are components under components/history/.
 */
import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useCallback, useMemo } from 'react';
import { lab } from '../api/client';
import { PageHeader } from '../components/PageHeader';
import { BenchmarkDiff } from '../components/history/BenchmarkDiff';
import { CleanRobustScatter } from '../components/history/CleanRobustScatter';
import { CompareCurves, type CurveOptions } from '../components/history/CompareCurves';
import { EffectiveRobustnessPanel } from '../components/history/EffectiveRobustnessPanel';
import { EvaluationCharts } from '../components/history/EvaluationCharts';
import { ParallelCoords, type Brushes } from '../components/history/ParallelCoords';
import { ParamsDiff } from '../components/history/ParamsDiff';
import { SavedViews } from '../components/history/RunsToolbar';
import { runColours } from '../components/history/colours';
import { patchRoute, routeParams } from '../components/history/routeState';
import { downloadText } from '../lib/download';
import { useLoad } from '../lib/hooks';
import { notifyError, notifyOk } from '../lib/notify';
import { href, useRoute } from '../lib/route';

function parseBrushes(s: string | null): Brushes {
  const out: Brushes = {};
  for (const part of (s ?? '').split(';').filter(Boolean)) {
    const m = /^(.*):([\d.]+):([\d.]+)$/.exec(part);
    if (m) out[m[1]] = [Number(m[2]), Number(m[3])];
  }
  return out;
}

function formatBrushes(b: Brushes): string {
  return Object.entries(b)
    .map(([k, [lo, hi]]) => `${k}:${lo.toFixed(3)}:${hi.toFixed(3)}`)
    .join(';');
}

export function ComparePage() {
  const route = useRoute();
  const q = route.query;
  const runIds = (q.get('runs') ?? '').split(',').filter(Boolean);
  const logit = q.get('logit') === '1';
  // Curves of the chosen metric only (the lab says which others exist): 50 runs stay quick.
  const metricParam = q.get('metric') ?? 'test/accuracy';
  const cmp = useLoad(() => lab.compareRuns({ runIds, metrics: [metricParam], logitFit: logit, reference: q.get('ref') || undefined }), [runIds.join(','), logit, q.get('ref'), metricParam]);
  const set = useCallback((patch: Record<string, string | null>) => patchRoute(route, patch), [route]);
  const c = cmp.data;

  const curveOpts: CurveOptions = {
    metric: q.get('metric') ?? '',
    x: q.get('x') === 'time' ? 'time' : 'step',
    smoothing: Number(q.get('smooth') ?? 0) || 0,
    log: q.get('log') === '1',
    colourBy: q.get('colour') ?? '',
  };
  const paramChoices = useMemo(() => (c ? c.params.filter((p) => p.differs).map((p) => p.key).concat(c.params.filter((p) => !p.differs).map((p) => p.key)) : []), [c]);
  const axisChoices = useMemo(() => (c ? [...paramChoices, ...c.metrics.map((m) => `metrics.${m.key}`)] : []), [c, paramChoices]);
  const axes = q.get('axes')
    ? q.get('axes')!.split(',').filter(Boolean)
    : c
      ? [...c.params.filter((p) => p.differs && !p.key.startsWith('name')).slice(0, 3).map((p) => p.key), `metrics.${c.scatter.cleanMetric}`, `metrics.${c.scatter.robustMetric}`].filter((k) => axisChoices.includes(k))
      : [];
  const routeString = new URLSearchParams(routeParams(route)).toString();

  const exportAs = (format: 'csv' | 'html') =>
    lab.exportComparison({ runIds, format, logitFit: logit, reference: q.get('ref') || undefined }).then(
      (f) => {
        downloadText(f.filename, f.content, f.mimeType);
        notifyOk(`Comparison exported as ${format.toUpperCase()}`, f.filename);
      },
      (e) => notifyError('Could not export the comparison', e),
    );

  if (runIds.length < 2) {
    return (
      <>
        <PageHeader title="Compare runs" />
        <Alert color="blue">
          Select 2 to 50 runs on the <Anchor href={href(['runs'])}>Runs</Anchor> page and press Compare.
        </Alert>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={`Compare ${runIds.length} runs`}
        subtitle="Curves, settings that differ, clean vs robust accuracy, robustness curves and corruption results of the selected runs."
        actions={
          <Group gap="xs">
            <Button variant="default" onClick={() => exportAs('csv')} data-testid="export-csv">
              Export CSV
            </Button>
            <Button variant="default" onClick={() => exportAs('html')} data-testid="export-html">
              Export HTML report
            </Button>
            <Button
              variant="default"
              onClick={() => navigator.clipboard?.writeText(window.location.href).then(() => notifyOk('Link copied'), () => notifyError('Could not copy the link', new Error('The clipboard is not available here.')))}
            >
              Copy link
            </Button>
          </Group>
        }
      />
      <Group mb="sm" align="flex-end">
        <SavedViews page="compare" route={routeString} />
        <Anchor href={href(['runs'])} size="sm">
          ← back to the runs
        </Anchor>
      </Group>
      {cmp.error && (
        <Alert color="red" title="Could not compare these runs" mb="md">
          {cmp.error.message}
        </Alert>
      )}
      {!c && !cmp.error && <Loader size="sm" aria-label="Loading the comparison" />}
      {c && (
        <Stack gap="md">
          <Group gap={6} data-testid="compare-legend">
            {c.runs.map((r, i) => (
              <Badge key={r.id} variant="light" color="gray" leftSection={<span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: runColours(c, '')[i].colour }} />}>
                <Anchor href={href(['runs', r.id])} size="xs">
                  {r.name}
                </Anchor>
              </Badge>
            ))}
          </Group>
          <Title order={4}>Curves</Title>
          <CompareCurves
            c={c}
            opts={curveOpts}
            colourChoices={paramChoices}
            onChange={(p) =>
              set({
                ...(p.metric !== undefined ? { metric: p.metric } : {}),
                ...(p.x !== undefined ? { x: p.x === 'time' ? 'time' : null } : {}),
                ...(p.smoothing !== undefined ? { smooth: p.smoothing ? p.smoothing.toFixed(2) : null } : {}),
                ...(p.log !== undefined ? { log: p.log ? '1' : null } : {}),
                ...(p.colourBy !== undefined ? { colour: p.colourBy || null } : {}),
              })
            }
          />
          <Title order={4}>Settings</Title>
          <ParamsDiff c={c} differencesOnly={q.get('diff') === '1'} onToggle={(v) => set({ diff: v ? '1' : null })} />
          <Title order={4}>Clean vs robust accuracy</Title>
          <CleanRobustScatter c={c} colourBy={q.get('colour') ?? ''} shapeBy={q.get('shape') ?? ''} choices={paramChoices} onChange={(p) => set({ ...(p.colour !== undefined ? { colour: p.colour || null } : {}), ...(p.shape !== undefined ? { shape: p.shape || null } : {}) })} />
          <Title order={4}>Evaluations</Title>
          <EvaluationCharts c={c} colourBy={q.get('colour') ?? ''} />
          <Title order={4}>Corruption benchmark</Title>
          <BenchmarkDiff c={c} reference={q.get('ref') ?? c.referenceRunId} diff={q.get('bdiff') === '1'} onChange={(p) => set({ ...(p.ref !== undefined ? { ref: p.ref } : {}), ...(p.bdiff !== undefined ? { bdiff: p.bdiff ? '1' : null } : {}) })} />
          <Title order={4}>Parallel coordinates</Title>
          <ParallelCoords
            c={c}
            axesKeys={axes}
            choices={axisChoices}
            brushes={parseBrushes(q.get('brush'))}
            colourBy={q.get('colour') ?? ''}
            onChange={(p) => set({ ...(p.axes ? { axes: p.axes.join(',') } : {}), ...(p.brushes ? { brush: formatBrushes(p.brushes) || null } : {}) })}
            onKeep={(ids) => set({ runs: ids.join(','), brush: null })}
          />
          <Title order={4}>Effective robustness</Title>
          <EffectiveRobustnessPanel c={c} colourBy={q.get('colour') ?? ''} logit={logit} onLogit={(v) => set({ logit: v ? '1' : null })} />
          <Text size="xs" c="dimmed">
            {c.curves.length} curves · {c.params.length} settings · {c.scatter.points.length} scatter points
          </Text>
        </Stack>
      )}
    </>
  );
}
