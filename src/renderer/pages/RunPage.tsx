/** One run: status, settings, backend, charts, evaluations, model, tags and note. */
import {
  Accordion,
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { type ReactNode } from 'react';
import { lab } from '../api/client';
import type { DatasetInfo, EvaluationInfo, JobSpec, ModelInfo, RegistryEntry, RunInfo } from '../../shared/schemas';
import { RUN_KIND_TITLES } from '../../shared/schemas';
import { RunNotes } from '../components/RunNotes';
import { Charts } from '../components/Charts';
import { InfoIcon } from '../components/InfoIcon';
import { MetricsSummary } from '../components/MetricsSummary';
import { PageHeader } from '../components/PageHeader';
import { LineageGraph } from '../components/history/LineageGraph';
import { RunProgress } from '../components/RunProgress';
import { StatusBadge } from '../components/StatusBadge';
import { attackEps, attackShortName, describeAttack, isNoAttack, ROBUST_HELP } from '../lib/evalText';
import { CorruptionBenchmarkReport } from '../components/CorruptionBenchmarkReport';
import { EvaluationReportView } from '../components/EvaluationReport';
import { canResume, ResumeTrainingButton } from '../components/ResumeTraining';
import { reportOf } from '../lib/reportText';
import { isBenchmarkEvaluation, readDatasetRecipe, stepText } from '../lib/corruptions';
import { useCorruptionRegistry } from '../lib/useCorruptionRegistry';
import {
  elapsedSeconds,
  formatBytes,
  formatDate,
  formatDuration,
  formatInt,
  formatNumber,
  formatPercent,
  isPrimaryMetric,
  metricLabel,
} from '../lib/format';
import { isTerminal, useLiveRun, useLoad } from '../lib/hooks';
import { findDataset, findModel, modelShape, sourceLabel } from '../lib/names';
import { href } from '../lib/route';

export function RunPage({ runId }: { runId: string }) {
  const { detail, error, progress, reload } = useLiveRun(runId);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const models = useLoad(() => lab.listModels({}), []);
  const attacks = useLoad(() => lab.listAttacks({}), []);

  if (error && !detail) {
    return (
      <>
        <PageHeader title="Run" />
        <Alert color="red" title="Could not load the run">
          {error.message} <Anchor href={href(['runs'])}>Back to all runs</Anchor>
        </Alert>
      </>
    );
  }
  if (!detail) return <Loader size="sm" aria-label="Loading the run" />;

  const { run, metrics, evaluations, model } = detail;
  const evalModelId = run.modelId ?? model?.id ?? null;
  const epochs = run.spec.kind === 'train' ? run.spec.epochs : undefined;
  const duration = elapsedSeconds(run.startedAt, run.endedAt);
  // Evaluations log single numbers (shown above); a chart of one point says nothing.
  const showCurves = run.kind === 'train' || Object.values(metrics).some((pts) => pts.length > 1);
  const secondaryKeys = Object.keys(metrics).filter((k) => !isPrimaryMetric(k) && (metrics[k]?.length ?? 0) > 0);

  return (
    <>
      <Anchor href={href(['runs'])} size="sm">
        ← All runs
      </Anchor>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            <span data-testid="run-title">{run.name}</span>
            <StatusBadge status={run.status} />
          </Group>
        }
        subtitle={`${RUN_KIND_TITLES[run.kind] ?? 'Run'}, created ${formatDate(run.createdAt)}`}
        actions={
          <>
            {(run.kind === 'train' || run.kind === 'eval') && (
              <Button variant="default" component="a" href={
                  run.kind === 'train' || !(run.spec.kind === 'eval' && run.spec.benchmark)
                    ? href([run.kind === 'train' ? 'train' : 'evaluate'], { clone: run.id })
                    : href(['evaluate'], { model: run.modelId ?? undefined, dataset: run.datasetId ?? undefined })
                } data-testid="clone-run">
                Clone…
              </Button>
            )}
            {evalModelId && run.status === 'finished' && (
              <Button
                component="a"
                href={href(['evaluate'], { model: evalModelId, dataset: run.datasetId ?? undefined })}
                data-testid="evaluate-this-model"
              >
                Evaluate this model
              </Button>
            )}
          </>
        }
      />
      <Stack gap="lg">
        {run.status === 'failed' && (
          <Alert color="red" title="This run failed" data-testid="run-error">
            {run.error ?? 'It stopped with an error.'}
          </Alert>
        )}
        {run.status === 'interrupted' && (
          <Alert color="yellow" title="This run was interrupted">
            The lab closed while it was working. Its settings are below; start it again from the Train or Evaluate page
            {run.kind === 'train' && detail.resume?.possible ? ', or continue it from its last finished epoch' : ''}.
          </Alert>
        )}
        {canResume(run) && (
          <Group>
            <ResumeTrainingButton run={run} resume={detail.resume} />
          </Group>
        )}
        {!isTerminal(run.status) && (
          <Paper withBorder radius="md" p="md">
            <RunProgress run={run} progress={progress} />
          </Paper>
        )}

        <LineageGraph runId={run.id} />

        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <Fact label="Compute backend" value={run.backend ?? 'not started yet'} />
          <Fact label="Device" value={run.device ?? '—'} />
          <Fact label="Started" value={formatDate(run.startedAt)} />
          <Fact label={run.endedAt ? 'Took' : 'Running for'} value={duration !== null ? formatDuration(duration) : '—'} />
        </SimpleGrid>

        {run.kind === 'eval' &&
          evaluations
            .filter((ev) => !isBenchmarkEvaluation(ev))
            .map((ev) => (
              <section key={ev.id} aria-labelledby={`report-title-${ev.id}`} data-testid="run-eval-result">
                <Title order={2} size="h4" id={`report-title-${ev.id}`} mb="xs">
                  Report
                </Title>
                <EvaluationReportView evaluation={ev} />
              </section>
            ))}

        {run.kind === 'corrupt' && run.status === 'finished' && (
          <ProducedDataset runId={run.id} name={run.name} datasets={datasets.data} />
        )}
        {evaluations.filter(isBenchmarkEvaluation).map((ev) => (
          <CorruptionBenchmarkReport key={ev.id} evaluation={ev} />
        ))}

        {/* An evaluation's report already shows its numbers with their meaning. */}
        {!(run.kind === 'eval' && evaluations.some((ev) => reportOf(ev))) && <MetricsSummary latest={run.latestMetrics} />}

        {showCurves && (
          <section aria-labelledby="charts-title">
            <Title order={2} size="h4" id="charts-title" mb="xs">
              Curves
            </Title>
            <Charts
              metrics={metrics}
              epochs={epochs}
              which="primary"
              emptyText={
                isTerminal(run.status)
                  ? 'This run logged no curves.'
                  : 'No metrics yet: the first points appear a few seconds after the run starts.'
              }
            />
            {secondaryKeys.length > 0 && (
              <Accordion variant="contained" mt="sm">
                <Accordion.Item value="more">
                  <Accordion.Control>More curves: {secondaryKeys.map(metricLabel).join(', ')}</Accordion.Control>
                  <Accordion.Panel>
                    <Charts metrics={metrics} epochs={epochs} which="secondary" height={180} />
                  </Accordion.Panel>
                </Accordion.Item>
              </Accordion>
            )}
          </section>
        )}

        {run.kind !== 'corrupt' && (
          <section aria-labelledby="evals-title">
            <Title order={2} size="h4" id="evals-title" mb="xs">
              Evaluations
            </Title>
            <EvaluationsTable evaluations={evaluations} attacks={attacks.data} datasets={datasets.data} />
          </section>
        )}

        {model && (
          <section aria-labelledby="model-title">
            <Title order={2} size="h4" id="model-title" mb="xs">
              {run.kind === 'train' ? 'Model produced' : 'Model evaluated'}
            </Title>
            <ModelCard model={model} />
          </section>
        )}

        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <section aria-labelledby="settings-title">
            <Title order={2} size="h4" id="settings-title" mb="xs">
              Settings
            </Title>
            <SpecTable spec={run.spec} datasets={datasets.data} models={models.data} attacks={attacks.data} />
            <Accordion variant="contained" mt="sm">
              <Accordion.Item value="json">
                <Accordion.Control>Raw settings (JSON, for the command line)</Accordion.Control>
                <Accordion.Panel>
                  <Code block data-testid="spec-json" style={{ maxHeight: 320, overflow: 'auto' }}>
                    {JSON.stringify(run.spec, null, 2)}
                  </Code>
                </Accordion.Panel>
              </Accordion.Item>
            </Accordion>
          </section>
          <section aria-labelledby="notes-title">
            <Title order={2} size="h4" id="notes-title" mb="xs">
              Name, tags and note
            </Title>
            <RunNotes run={run} onSaved={reload} />
          </section>
        </SimpleGrid>
      </Stack>
    </>
  );
}

/** The dataset a corrupt run wrote (its stored recipe names the run). */
function ProducedDataset({ runId, name, datasets }: { runId: string; name: string; datasets?: DatasetInfo[] }) {
  const d = datasets?.find((x) => readDatasetRecipe(x)?.runId === runId) ?? datasets?.find((x) => x.name === name);
  return (
    <Alert color="green" variant="light" title="Dataset made" data-testid="run-produced-dataset">
      {d ? (
        <Group gap="xs" wrap="wrap">
          <Text size="sm">
            This run wrote <Anchor href={href(['datasets', d.id])}>{d.name}</Anchor>.
          </Text>
          {d.splits.train ? (
            <Button component="a" size="xs" variant="light" href={href(['train'], { dataset: d.id })}>
              Train on it
            </Button>
          ) : (
            <Button component="a" size="xs" variant="light" href={href(['evaluate'], { dataset: d.id })}>
              Evaluate a model on it (test images only)
            </Button>
          )}
        </Group>
      ) : (
        <Text size="sm">The dataset this run wrote is no longer in the lab.</Text>
      )}
    </Alert>
  );
}

function Fact({ label, value }: { label: string; value: ReactNode }) {
  return (
    <Paper withBorder radius="sm" px="sm" py={6}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
        {value}
      </Text>
    </Paper>
  );
}

export function EvaluationsTable({
  evaluations,
  attacks,
  datasets,
}: {
  evaluations: EvaluationInfo[];
  attacks?: RegistryEntry[];
  datasets?: DatasetInfo[];
}) {
  if (evaluations.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No evaluations yet.
      </Text>
    );
  }
  return (
    <Paper withBorder radius="md" p="xs">
      <Table.ScrollContainer minWidth={600}>
        <Table striped aria-label="Evaluations" data-testid="evaluations-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Attack</Table.Th>
              <Table.Th>
                <Tooltip label="The largest change allowed per pixel (pixel values run from 0 to 1)." withArrow>
                  <span tabIndex={0}>eps</span>
                </Tooltip>
              </Table.Th>
              <Table.Th>Dataset</Table.Th>
              <Table.Th>Clean accuracy</Table.Th>
              <Table.Th>
                <Tooltip label={ROBUST_HELP} withArrow multiline maw={320}>
                  <span tabIndex={0}>
                    Robust accuracy
                    <InfoIcon />
                  </span>
                </Tooltip>
              </Table.Th>
              <Table.Th>Images</Table.Th>
              <Table.Th>When</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {evaluations.map((ev) => {
              const eps = attackEps(ev.attack);
              return (
                <Table.Tr key={ev.id}>
                  <Table.Td>
                    {isNoAttack(ev.attack) ? 'none (clean)' : describeAttack(ev.attack, attacks)}
                    {ev.runId && (
                      <>
                        {' '}
                        <Anchor href={href(['runs', ev.runId])} size="xs">
                          (run)
                        </Anchor>
                      </>
                    )}
                  </Table.Td>
                  <Table.Td>{eps !== undefined ? formatNumber(eps) : '—'}</Table.Td>
                  <Table.Td>{findDataset(datasets, ev.datasetId)?.name ?? ev.datasetId}</Table.Td>
                  <Table.Td>{formatPercent(ev.cleanAccuracy)}</Table.Td>
                  <Table.Td fw={600}>{ev.robustAccuracy === null ? '—' : formatPercent(ev.robustAccuracy)}</Table.Td>
                  <Table.Td>
                    {formatInt(ev.count)} {ev.split}
                  </Table.Td>
                  <Table.Td>{formatDate(ev.createdAt)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function ModelCard({ model }: { model: ModelInfo }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid="run-model">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Text fw={600}>{model.name}</Text>
          <Text size="sm" c="dimmed">
            {model.arch}, input {modelShape(model)}, {model.numClasses} classes, {formatInt(model.paramCount)} parameters,{' '}
            {formatBytes(model.sizeBytes)}. {sourceLabel(model.source)} {formatDate(model.createdAt)}.
          </Text>
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            SHA-256 {model.sha256}
          </Text>
        </div>
        <Button variant="light" component="a" href={href(['evaluate'], { model: model.id, dataset: model.datasetId ?? undefined })}>
          Evaluate
        </Button>
      </Group>
    </Paper>
  );
}

function scheduleText(spec: Extract<JobSpec, { kind: 'train' }>): string {
  const s = spec.schedule;
  if (!s || s.name === 'constant') return 'constant';
  if (s.name === 'step') return `step: × ${formatNumber(s.gamma)} every ${s.stepEpochs} ${s.stepEpochs === 1 ? 'epoch' : 'epochs'}`;
  return `cosine, down to ${formatNumber(s.minLr)}`;
}

function SpecTable({
  spec,
  datasets,
  models,
  attacks,
}: {
  spec: JobSpec;
  datasets?: DatasetInfo[];
  models?: ModelInfo[];
  attacks?: RegistryEntry[];
}) {
  const rows: [string, ReactNode][] = [];
  const datasetRef = 'dataset' in spec && typeof spec.dataset === 'string' ? spec.dataset : undefined;
  const ds = datasetRef ? (findDataset(datasets, datasetRef)?.name ?? datasetRef) : '—';
  const corruptions = useCorruptionRegistry();
  if (spec.kind === 'train') {
    const o = spec.optimizer;
    rows.push(['Dataset', ds]);
    rows.push(['Architecture', spec.arch]);
    rows.push(['Training method', spec.method]);
    for (const [k, v] of Object.entries(spec.methodParams ?? {})) rows.push([`  ${k}`, String(v)]);
    rows.push(['Epochs', formatInt(spec.epochs)]);
    rows.push(['Batch size', formatInt(spec.batchSize)]);
    rows.push([
      'Optimizer',
      o.name === 'adam' ? `Adam (β1 ${o.beta1 ?? 0.9}, β2 ${o.beta2 ?? 0.999})` : `SGD, momentum ${o.momentum ?? 0.9}`,
    ]);
    rows.push(['Learning rate', formatNumber(o.lr)]);
    rows.push(['Weight decay', formatNumber(o.weightDecay ?? 0)]);
    rows.push(['Schedule', scheduleText(spec)]);
    rows.push(['Training images', spec.limit ? `first ${formatInt(spec.limit)}` : 'all']);
    rows.push(['Test images per check', spec.testLimit ? `first ${formatInt(spec.testLimit)}` : 'all']);
    rows.push(['Loss logged every', `${spec.logEvery ?? 10} steps`]);
    rows.push(['Seed', String(spec.seed ?? 0)]);
    if (spec.initModel) rows.push(['Started from model', findModel(models, spec.initModel)?.name ?? spec.initModel]);
    if (spec.monitor) {
      rows.push([
        'Robustness checks each epoch',
        `${formatInt(spec.monitor.count)} test images, PGD ${spec.monitor.pgdSteps} steps${spec.monitor.eps !== undefined ? `, eps ${formatNumber(spec.monitor.eps)}` : ''}${spec.monitor.certify ? `, certify ${spec.monitor.certify}` : ''}`,
      ]);
    }
    if (spec.valFraction) rows.push(['Validation split', `${formatNumber(spec.valFraction * 100)} % of the training images`]);
    if (spec.warmupEpochs) rows.push(['Learning-rate warm-up', `${formatNumber(spec.warmupEpochs)} epochs`]);
    if (spec.earlyStopping) rows.push(['Early stopping', `on ${spec.earlyStopping.metric}, patience ${spec.earlyStopping.patience}`]);
    if (spec.keepBest && spec.keepBest !== 'last') rows.push(['Kept weights', `best epoch by ${spec.keepBest} accuracy`]);
  } else if (spec.kind === 'corrupt') {
    rows.push(['Made from dataset', ds]);
    rows.push(['New dataset name', spec.name ?? 'default']);
    rows.push(['Splits', spec.splits?.join(', ') ?? 'every split']);
    spec.recipe.steps.forEach((st, i) => rows.push([`Step ${i + 1}`, stepText(st, corruptions)]));
    rows.push(['Seed', String(spec.seed ?? spec.recipe.seed ?? 0)]);
  } else if (spec.kind !== 'eval') {
    // Other job kinds (families, sweeps, imports, …): their fields as stored, flattened.
    for (const [k, v] of Object.entries(spec)) {
      if (k === 'kind' || v === undefined) continue;
      rows.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    }
  } else {
    const entry = attacks?.find((a) => a.name === spec.attack.name);
    rows.push(['Model', findModel(models, spec.model)?.name ?? spec.model]);
    rows.push(['Dataset', `${ds} (${spec.split} split)`]);
    if (spec.benchmark === 'corruptions') {
      rows.push(['Benchmark', 'corruption robustness']);
      rows.push(['Corruptions', spec.corruptions?.join(', ') ?? 'the 15 ImageNet-C corruptions']);
      rows.push(['Severities', spec.severities?.join(', ') ?? '1–5']);
      rows.push(['Baseline model', spec.baselineModel ? (findModel(models, spec.baselineModel)?.name ?? spec.baselineModel) : 'none (no mCE)']);
    } else {
      rows.push([
        'Attack',
        spec.certify
          ? `none: certified by ${spec.certify.toUpperCase()} at eps ${formatNumber(spec.eps ?? 0)}`
          : isNoAttack(spec.attack)
            ? 'none (clean accuracy only)'
            : attackShortName(spec.attack.name, attacks),
      ]);
    }
    for (const [k, v] of Object.entries(spec.attack.params ?? {})) {
      const d = entry?.params.find((p) => p.key === k);
      rows.push([`  ${d?.label ?? k}`, `${typeof v === 'number' ? formatNumber(v) : String(v)}${d?.unit ? ` ${d.unit}` : ''}`]);
    }
    if (spec.epsGrid?.length) rows.push(['Robustness curve at eps', spec.epsGrid.map((e) => formatNumber(e, 3)).join(', ')]);
    if (spec.checks && !spec.benchmark && !spec.certify) {
      const on = [spec.checks.masking && 'quick', spec.checks.unbounded && 'eps = 1', spec.checks.blackBox && 'black-box'].filter(Boolean);
      rows.push(['Gradient-masking checks', on.length ? on.join(', ') : 'none']);
    }
    rows.push(['Images', spec.limit ? `first ${formatInt(spec.limit)}` : 'all']);
    rows.push(['Batch size', formatInt(spec.batchSize)]);
    rows.push(['Seed', String(spec.seed ?? 0)]);
  }
  return (
    <Paper withBorder radius="md" p="xs">
      <Table aria-label="Run settings" data-testid="spec-table" verticalSpacing={4}>
        <Table.Tbody>
          {rows.map(([k, v], i) => (
            <Table.Tr key={i}>
              <Table.Th scope="row" fw={500} c="dimmed" w="45%" style={{ paddingLeft: k.startsWith('  ') ? 24 : undefined }}>
                {k.trim()}
              </Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
