/**
 * The corruption-robustness benchmark form: models, dataset, baseline model for CE, corruptions
 * and severities, then one benchmark evaluation per model, each followed live and shown as a
 * report (heatmap, bars, mCE) when it finishes.
 */
import {
  Alert,
  Anchor,
  Button,
  Chip,
  Group,
  Loader,
  MultiSelect,
  NativeSelect,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { lab } from '../../api/client';
import { EvalSpecSchema, type CorruptionInfo, type DatasetInfo, type EvalSpecInput, type ModelInfo } from '../../../shared/schemas';
import { FAMILIES } from '../../lib/corruptions';
import { formatInt } from '../../lib/format';
import { useLiveRun } from '../../lib/hooks';
import { modelShape } from '../../lib/names';
import { IMAGENET_C_15 } from '../../../shared/corruption-suites';
import { notifyError } from '../../lib/notify';
import { href } from '../../lib/route';
import { CorruptionBenchmarkReport } from '../CorruptionBenchmarkReport';
import { RunProgress } from '../RunProgress';
import { StatusBadge } from '../StatusBadge';


function fits(m: ModelInfo, d: DatasetInfo | undefined): boolean {
  if (!d) return true;
  const [h, w, c] = m.inputShape;
  return h === d.height && w === d.width && c === d.channels && m.numClasses >= d.numClasses;
}

function presets(registry: CorruptionInfo[], d: DatasetInfo | undefined) {
  const usable = registry.filter((c) => c.target === 'images' && !(c.colourOnly && d && d.channels < 3));
  const names = new Set(usable.map((c) => c.name));
  return [
    { id: 'imagenet-c', label: 'ImageNet-C 15', names: IMAGENET_C_15.filter((n) => names.has(n)) },
    { id: 'mnist-c', label: 'MNIST-C', names: usable.filter((c) => c.suite === 'mnist-c').map((c) => c.name) },
    { id: 'all', label: 'All image corruptions', names: usable.map((c) => c.name) },
  ].filter((p) => p.names.length > 0);
}

export function BenchmarkPanel({
  registry,
  datasets,
  models,
  initialDataset,
}: {
  registry: CorruptionInfo[];
  datasets: DatasetInfo[];
  models: ModelInfo[];
  initialDataset?: string;
}) {
  const [datasetId, setDatasetId] = useState<string>(initialDataset ?? datasets[0]?.id ?? '');
  const dataset = datasets.find((d) => d.id === datasetId);
  const splits = (['test', 'train'] as const).filter((s) => dataset?.splits[s]);
  const [split, setSplit] = useState<'train' | 'test'>('test');
  const usableModels = models.filter((m) => fits(m, dataset));
  const [modelIds, setModelIds] = useState<string[]>([]);
  const [baseline, setBaseline] = useState<string>('');
  const ps = useMemo(() => presets(registry, dataset), [registry, dataset]);
  const [corruptions, setCorruptions] = useState<string[]>([]);
  const [severities, setSeverities] = useState<string[]>(['1', '2', '3', '4', '5']);
  const [limit, setLimit] = useState<number | ''>(500);
  const [seed, setSeed] = useState<number | ''>(0);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [runs, setRuns] = useState<{ runId: string; model: string }[]>([]);

  useEffect(() => {
    if (initialDataset) setDatasetId(initialDataset);
  }, [initialDataset]);
  // A new dataset: keep only models that fit it, and start from the suite that suits it.
  useEffect(() => {
    setModelIds((ids) => ids.filter((id) => usableModels.some((m) => m.id === id)));
    if (baseline && !usableModels.some((m) => m.id === baseline)) setBaseline('');
    if (!dataset?.splits[split]) setSplit(splits[0] ?? 'test');
    const small = dataset && dataset.channels === 1 && dataset.height <= 32;
    const p = ps.find((x) => x.id === (small ? 'mnist-c' : 'imagenet-c')) ?? ps[0];
    setCorruptions(p ? p.names : []);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [datasetId, models.length, ps]);

  const total = corruptions.length * severities.length;
  const images = limit === '' ? (dataset?.splits[split]?.count ?? 0) : Math.min(limit, dataset?.splits[split]?.count ?? limit);
  const perModel = (total + 1) * images * (baseline ? 2 : 1);

  const submit = async () => {
    setProblem(null);
    if (!dataset) return setProblem('Choose a dataset.');
    if (modelIds.length === 0) return setProblem('Choose at least one model to test.');
    if (corruptions.length === 0) return setProblem('Choose at least one corruption.');
    if (severities.length === 0) return setProblem('Choose at least one severity.');
    const specs: EvalSpecInput[] = modelIds.map((model) => ({
      kind: 'eval',
      model,
      dataset: dataset.id,
      split,
      benchmark: 'corruptions',
      corruptions,
      severities: severities.map(Number).sort((a, b) => a - b),
      ...(baseline ? { baselineModel: baseline } : {}),
      ...(limit !== '' ? { limit } : {}),
      seed: seed === '' ? 0 : seed,
      gallery: 0,
    }));
    for (const s of specs) {
      const r = EvalSpecSchema.safeParse(s);
      if (!r.success) return setProblem(r.error.issues[0]?.message ?? 'Check the form.');
    }
    setBusy(true);
    try {
      const started: { runId: string; model: string }[] = [];
      for (const s of specs) {
        const run = await lab.submitEval(s);
        started.push({ runId: run.id, model: models.find((m) => m.id === s.model)?.name ?? s.model });
      }
      setRuns((r) => [...started, ...r]);
    } catch (err) {
      notifyError('Could not start the benchmark', err);
    } finally {
      setBusy(false);
    }
  };

  const modelOptions = usableModels.map((m) => ({ value: m.id, label: `${m.name} (${m.arch})` }));

  return (
    <Stack gap="md">
      <Paper withBorder radius="md" p="md" component="section" aria-labelledby="bench-form-title">
        <Stack gap="md">
          <div>
            <Title order={2} size="h4" id="bench-form-title">
              Corruption robustness benchmark
            </Title>
            <Text size="sm" c="dimmed">
              Measures each model’s accuracy on the test images under every chosen corruption and severity (Hendrycks &amp;
              Dietterich, 2019), and its mean corruption error against a baseline model.
            </Text>
          </div>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Stack gap="sm">
              <NativeSelect
                label="Dataset"
                description="The images to corrupt; the models must take images of its size."
                value={datasetId}
                onChange={(e) => setDatasetId(e.currentTarget.value)}
                data={datasets.map((d) => ({ value: d.id, label: d.name }))}
                data-testid="bench-dataset"
              />
              {splits.length > 1 && (
                <div>
                  <Text size="sm" fw={500} id="bench-split-label">
                    Split
                  </Text>
                  <SegmentedControl
                    aria-labelledby="bench-split-label"
                    value={split}
                    onChange={(v) => setSplit(v as 'train' | 'test')}
                    data={[
                      { value: 'test', label: 'Test images' },
                      { value: 'train', label: 'Training images' },
                    ]}
                  />
                </div>
              )}
              <MultiSelect
                label="Models to test"
                description={
                  usableModels.length
                    ? `Models that take ${dataset ? `${dataset.height}×${dataset.width}×${dataset.channels}` : 'these'} images; one benchmark run each.`
                    : 'No model in the lab takes images of this size: train or import one first.'
                }
                placeholder={modelIds.length ? undefined : 'Choose one or more models'}
                data={modelOptions}
                value={modelIds}
                onChange={setModelIds}
                searchable
                clearable
                nothingFoundMessage="No matching model"
                data-testid="bench-models"
              />
              {usableModels.length === 0 && (
                <Alert color="blue" variant="light" title="No model for these images yet">
                  <Group gap="xs" wrap="wrap">
                    <Text size="sm">Train a model on {dataset?.name ?? 'this dataset'} (or import one) first.</Text>
                    <Button size="xs" variant="light" component="a" href={href(['train'], { dataset: dataset?.id })}>
                      Train a model
                    </Button>
                  </Group>
                </Alert>
              )}
              <NativeSelect
                label="Baseline model (for mCE)"
                description="CE divides a model’s errors by this model’s. The published AlexNet normalisation only fits ImageNet, so on small datasets pick your own baseline, e.g. a plainly trained model."
                value={baseline}
                onChange={(e) => setBaseline(e.currentTarget.value)}
                data={[{ value: '', label: 'None (accuracy only, no mCE)' }, ...usableModels.map((m) => ({ value: m.id, label: `${m.name} (${m.arch}, ${modelShape(m)})` }))]}
                data-testid="bench-baseline"
              />
            </Stack>
            <Stack gap="sm">
              <div>
                <Group justify="space-between" gap="xs" wrap="wrap">
                  <Text size="sm" fw={500} id="bench-corruptions-label">
                    Corruptions ({corruptions.length})
                  </Text>
                  <Group gap={4}>
                    {ps.map((p) => (
                      <Button key={p.id} size="compact-xs" variant="light" onClick={() => setCorruptions(p.names)}>
                        {p.label}
                      </Button>
                    ))}
                    <Button size="compact-xs" variant="subtle" onClick={() => setCorruptions([])}>
                      None
                    </Button>
                  </Group>
                </Group>
                <Text size="xs" c="dimmed" mb={6}>
                  Image corruptions only; label noise and imbalance do not apply to a test.
                </Text>
                <Chip.Group multiple value={corruptions} onChange={setCorruptions}>
                  <Stack gap={6} role="group" aria-labelledby="bench-corruptions-label" data-testid="bench-corruptions">
                    {FAMILIES.map(({ family, label }) => {
                      const list = registry.filter((c) => c.family === family && c.target === 'images');
                      if (!list.length) return null;
                      return (
                        <Group key={family} gap={4} wrap="wrap" align="center">
                          <Text size="xs" c="dimmed" w={88} style={{ flexShrink: 0 }}>
                            {label.replace(/ \(MNIST-C\)$/, '')}
                          </Text>
                          {list.map((c) => (
                            <Chip
                              key={c.name}
                              value={c.name}
                              size="xs"
                              disabled={!!dataset && dataset.channels < 3 && c.colourOnly}
                              title={c.description}
                            >
                              {c.title}
                            </Chip>
                          ))}
                        </Group>
                      );
                    })}
                  </Stack>
                </Chip.Group>
              </div>
              <div>
                <Text size="sm" fw={500} id="bench-sev-label">
                  Severities
                </Text>
                <Chip.Group multiple value={severities} onChange={setSeverities}>
                  <Group gap={6} role="group" aria-labelledby="bench-sev-label" data-testid="bench-severities">
                    {['1', '2', '3', '4', '5'].map((s) => (
                      <Chip key={s} value={s} size="sm">
                        {s}
                      </Chip>
                    ))}
                  </Group>
                </Chip.Group>
              </div>
              <Group grow align="flex-start">
                <NumberInput
                  label="Images (limit)"
                  description="The first N images; empty for all. Fewer is faster, less precise."
                  value={limit}
                  onChange={(v) => setLimit(typeof v === 'number' ? v : v === '' ? '' : Number(v))}
                  min={1}
                  allowDecimal={false}
                  data-testid="bench-limit"
                />
                <NumberInput
                  label="Seed"
                  description="Same seed, same corrupted images for every model."
                  value={seed}
                  onChange={(v) => setSeed(typeof v === 'number' ? v : v === '' ? '' : Number(v))}
                  min={0}
                  max={2 ** 31 - 1}
                  allowDecimal={false}
                />
              </Group>
            </Stack>
          </SimpleGrid>
          {problem && (
            <Alert color="orange" role="alert">
              {problem}
            </Alert>
          )}
          <Group justify="space-between" wrap="wrap" gap="sm">
            <Text size="sm" c="dimmed" data-testid="bench-summary">
              {modelIds.length === 0
                ? 'Choose the models to test.'
                : `${modelIds.length} ${modelIds.length === 1 ? 'model' : 'models'} × ${corruptions.length} corruptions × ${severities.length} ${
                    severities.length === 1 ? 'severity' : 'severities'
                  } on ${formatInt(images)} images${baseline ? ', plus the baseline' : ''}: about ${formatInt(perModel * modelIds.length)} predictions.`}
            </Text>
            <Button onClick={submit} loading={busy} disabled={!usableModels.length} data-testid="bench-submit">
              Run benchmark
            </Button>
          </Group>
        </Stack>
      </Paper>
      {runs.map((r) => (
        <BenchmarkRun key={r.runId} runId={r.runId} model={r.model} />
      ))}
    </Stack>
  );
}

function BenchmarkRun({ runId, model }: { runId: string; model: string }) {
  const { detail, error, progress } = useLiveRun(runId);
  if (error && !detail) {
    return (
      <Alert color="red" title="Could not follow the benchmark">
        {error.message}
      </Alert>
    );
  }
  if (!detail) return <Loader size="sm" aria-label="Loading the benchmark run" />;
  const { run, evaluations } = detail;
  const ev = evaluations[0];
  return (
    <Stack gap="sm" data-testid="bench-run" data-run-id={run.id} data-status={run.status}>
      {run.status !== 'finished' || !ev ? (
        <Paper withBorder radius="md" p="md">
          <Stack gap="xs">
            <Group gap="xs">
              <Text fw={600}>Benchmark of {model}</Text>
              <StatusBadge status={run.status} />
              <Anchor href={href(['runs', run.id])} size="xs">
                run details
              </Anchor>
            </Group>
            <RunProgress run={run} progress={progress} />
            {run.status === 'failed' && (
              <Alert color="red" title="The benchmark failed">
                {run.error ?? 'It stopped with an error.'}
              </Alert>
            )}
          </Stack>
        </Paper>
      ) : (
        <>
          <CorruptionBenchmarkReport evaluation={ev} title={`Corruption robustness of ${model}`} />
          <Anchor href={href(['runs', run.id])} size="sm">
            Open the run page (notes, tags, settings)
          </Anchor>
        </>
      )}
    </Stack>
  );
}
