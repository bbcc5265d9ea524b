/** Evaluate: model + dataset, presets, an attack form generated from the registry, the result in words. */
import {
  Accordion,
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  NativeSelect,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { lab } from '../api/client';
import { EvalSpecSchema, type DatasetInfo, type EvalSpecInput, type ModelInfo, type RegistryEntry } from '../../shared/schemas';
import { InfoIcon } from '../components/InfoIcon';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { cleanParams, defaultParams, ParamForm, validateParams, type ParamValues } from '../components/ParamForm';
import { RunProgress } from '../components/RunProgress';
import { StatusBadge } from '../components/StatusBadge';
import { EvaluationsTable } from './RunPage';
import { datasetRef } from './TrainPage';
import { epsText, evalSentence, findKey, ROBUST_HELP } from '../lib/evalText';
import { formatInt, formatPercent } from '../lib/format';
import { isTerminal, useLiveRun, useLoad, type LiveRun } from '../lib/hooks';
import { datasetShape, findDataset, findModel, modelShape } from '../lib/names';
import { notifyError } from '../lib/notify';
import { href, navigate } from '../lib/route';

const NONE_ENTRY: RegistryEntry = {
  name: 'none',
  title: 'None (clean accuracy only)',
  description: 'No attack: measures how often the model is right on the unmodified images.',
  params: [],
};

interface EvalPreset {
  id: string;
  title: string;
  description: string;
  attack: string;
  overrides: { eps?: number; steps?: number };
}

const PRESETS: EvalPreset[] = [
  {
    id: 'clean',
    title: 'Clean accuracy',
    description: 'How often the model is right on unmodified test images.',
    attack: 'none',
    overrides: {},
  },
  {
    id: 'fgsm',
    title: 'Quick check: FGSM eps 0.1',
    description: 'One gradient step changing each pixel by at most 0.1. Fast; a first sign of fragility.',
    attack: 'fgsm',
    overrides: { eps: 0.1 },
  },
  {
    id: 'pgd',
    title: 'PGD-20 eps 0.1',
    description: '20 gradient steps within 0.1 per pixel. A strong standard attack for MNIST-scale images.',
    attack: 'pgd',
    overrides: { eps: 0.1, steps: 20 },
  },
];

function presetParams(entry: RegistryEntry, p: EvalPreset): ParamValues {
  const values = defaultParams(entry.params);
  const epsKey = findKey(values, ['eps', 'epsilon']);
  const stepsKey = findKey(values, ['steps', 'iterations', 'numSteps', 'nbIter']);
  if (p.overrides.eps !== undefined && epsKey) values[epsKey] = p.overrides.eps;
  if (p.overrides.steps !== undefined && stepsKey) values[stepsKey] = p.overrides.steps;
  return values;
}

export function modelRef(list: ModelInfo[], id: string): string {
  const m = list.find((x) => x.id === id);
  if (!m) return id;
  return list.filter((x) => x.name === m.name).length === 1 ? m.name : m.id;
}

export function EvaluatePage({ modelParam, datasetParam, runId }: { modelParam?: string; datasetParam?: string; runId?: string }) {
  const models = useLoad(() => lab.listModels({}), []);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const attacks = useLoad(() => lab.listAttacks({}), []);
  const err = models.error ?? datasets.error ?? attacks.error;

  return (
    <>
      <PageHeader
        title="Evaluate"
        subtitle="Measure how often a model is right, on clean images and under attacks that change each pixel a little."
      />
      {err ? (
        <Alert color="red" title="Could not load the evaluation choices">
          {err.message}
        </Alert>
      ) : !models.data || !datasets.data || !attacks.data ? (
        <Loader size="sm" aria-label="Loading" />
      ) : models.data.length === 0 ? (
        <EmptyState title="No models yet">
          Train one on the <Anchor href={href(['train'])} inherit>Train</Anchor> page, or import safetensors weights on the{' '}
          <Anchor href={href(['models'])} inherit>Models</Anchor> page.
        </EmptyState>
      ) : (
        <EvalForm
          models={models.data}
          datasets={datasets.data}
          attacks={attacks.data}
          modelParam={modelParam}
          datasetParam={datasetParam}
          runId={runId}
        />
      )}
    </>
  );
}

function EvalForm({
  models,
  datasets,
  attacks,
  modelParam,
  datasetParam,
  runId,
}: {
  models: ModelInfo[];
  datasets: DatasetInfo[];
  attacks: RegistryEntry[];
  modelParam?: string;
  datasetParam?: string;
  runId?: string;
}) {
  const entries = useMemo(() => (attacks.some((a) => a.name === 'none') ? attacks : [NONE_ENTRY, ...attacks]), [attacks]);
  const sortedModels = useMemo(() => [...models].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [models]);

  const [modelId, setModelId] = useState(() => (findModel(models, modelParam) ?? sortedModels[0])?.id ?? '');
  const model = models.find((m) => m.id === modelId);
  const [datasetId, setDatasetId] = useState(
    () => (findDataset(datasets, datasetParam) ?? findDataset(datasets, model?.datasetId) ?? datasets[0])?.id ?? '',
  );
  const dataset = datasets.find((d) => d.id === datasetId);
  const splits = (['test', 'train'] as const).filter((s) => dataset?.splits[s]);
  const [split, setSplit] = useState<'test' | 'train'>('test');
  const effectiveSplit = splits.includes(split) ? split : (splits[0] ?? 'test');
  const splitCount = dataset?.splits[effectiveSplit]?.count;

  const firstPreset = PRESETS.find((p) => entries.some((e) => e.name === p.attack)) ?? PRESETS[0]!;
  const [preset, setPreset] = useState<string | null>(firstPreset.id);
  const [attackName, setAttackName] = useState(firstPreset.attack);
  const entry = entries.find((e) => e.name === attackName) ?? NONE_ENTRY;
  const [params, setParams] = useState<ParamValues>(() => presetParams(entry, firstPreset));
  const [limit, setLimit] = useState<number | ''>(1000);
  const [batchSize, setBatchSize] = useState<number | ''>(200);
  const [seed, setSeed] = useState<number | ''>(0);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const live = useLiveRun(runId);

  // When the model changes, follow it to the dataset it was trained on.
  useEffect(() => {
    const d = findDataset(datasets, model?.datasetId);
    if (d && !datasetParam) setDatasetId(d.id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modelId]);

  const choosePreset = (p: EvalPreset) => {
    const e = entries.find((x) => x.name === p.attack);
    if (!e) return;
    setPreset(p.id);
    setAttackName(e.name);
    setParams(presetParams(e, p));
  };

  const chooseAttack = (name: string) => {
    const e = entries.find((x) => x.name === name) ?? NONE_ENTRY;
    setPreset(null);
    setAttackName(e.name);
    setParams(defaultParams(e.params));
  };

  const mismatch =
    model && dataset
      ? model.inputShape[0] !== dataset.height ||
        model.inputShape[1] !== dataset.width ||
        model.inputShape[2] !== dataset.channels ||
        model.numClasses !== dataset.numClasses
      : false;

  const epsKey = findKey(params, ['eps', 'epsilon']);
  const epsValue = epsKey ? params[epsKey] : undefined;

  const submit = async () => {
    if (!model || !dataset) {
      setProblem('Choose a model and a dataset.');
      return;
    }
    const bad = validateParams(entry.params, params);
    if (bad) {
      setProblem(bad);
      return;
    }
    if (limit !== '' && splitCount !== undefined && limit > splitCount) {
      setProblem(`Images (limit): this split has only ${formatInt(splitCount)} images.`);
      return;
    }
    const spec: EvalSpecInput = {
      kind: 'eval',
      name: name.trim() || undefined,
      model: modelRef(models, model.id),
      dataset: datasetRef(datasets, dataset.id),
      split: effectiveSplit,
      attack: { name: entry.name, params: cleanParams(entry.params, params) },
      limit: limit === '' ? undefined : limit,
      batchSize: batchSize === '' ? undefined : batchSize,
      seed: seed === '' ? undefined : seed,
    };
    const parsed = EvalSpecSchema.safeParse(spec);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const run = await lab.submitEval(spec);
      navigate(['evaluate'], { model: model.id, dataset: dataset.id, run: run.id });
    } catch (err) {
      notifyError('Could not start the evaluation', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="lg">
      <section aria-labelledby="what-title">
        <Title order={2} size="h4" id="what-title" mb="xs">
          1. What to evaluate
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <NativeSelect
            label="Model"
            description={model ? `${model.arch}, input ${modelShape(model)}, ${model.numClasses} classes.` : 'The trained or imported model to test.'}
            value={modelId}
            onChange={(e) => setModelId(e.currentTarget.value)}
            data={sortedModels.map((m) => ({ value: m.id, label: `${m.name} (${m.arch})` }))}
            data-testid="eval-model"
          />
          <NativeSelect
            label="Dataset"
            description={dataset ? `${datasetShape(dataset)} images, ${dataset.numClasses} classes.` : 'The images to test on.'}
            value={datasetId}
            onChange={(e) => setDatasetId(e.currentTarget.value)}
            data={datasets.map((d) => ({ value: d.id, label: d.name }))}
            data-testid="eval-dataset"
          />
        </SimpleGrid>
        {mismatch && model && dataset && (
          <Alert color="orange" mt="sm" role="alert">
            This model expects {modelShape(model)} images in {model.numClasses} classes, but {dataset.name} has{' '}
            {datasetShape(dataset)} images in {dataset.numClasses} classes. Choose a matching dataset.
          </Alert>
        )}
      </section>

      <section aria-labelledby="how-title">
        <Title order={2} size="h4" id="how-title" mb="xs">
          2. How to test it
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm" role="radiogroup" aria-labelledby="how-title" mb="md">
          {PRESETS.map((p) => {
            const available = entries.some((e) => e.name === p.attack);
            const active = preset === p.id;
            return (
              <UnstyledButton
                key={p.id}
                role="radio"
                aria-checked={active}
                aria-disabled={!available}
                disabled={!available}
                onClick={() => choosePreset(p)}
                data-testid={`eval-preset-${p.id}`}
                style={{ height: '100%', opacity: available ? 1 : 0.5 }}
              >
                <Paper
                  withBorder
                  radius="md"
                  p="sm"
                  h="100%"
                  style={{
                    borderColor: active ? 'var(--mantine-primary-color-filled)' : undefined,
                    borderWidth: active ? 2 : 1,
                    background: active ? 'var(--mantine-primary-color-light)' : undefined,
                  }}
                >
                  <Text fw={600} size="sm">
                    {p.title}
                  </Text>
                  <Text size="xs" c="dimmed" mt={4}>
                    {available ? p.description : 'This attack is not available in this lab.'}
                  </Text>
                </Paper>
              </UnstyledButton>
            );
          })}
        </SimpleGrid>
        <Stack gap="sm">
          <NativeSelect
            label="Attack"
            description={entry.description}
            value={attackName}
            onChange={(e) => chooseAttack(e.currentTarget.value)}
            data={entries.map((e) => ({ value: e.name, label: e.title }))}
            data-testid="eval-attack"
          />
          {entry.params.length > 0 && (
            <ParamForm
              params={entry.params}
              values={params}
              onChange={(v) => {
                setParams(v);
                setPreset(null);
              }}
              afterBasic={
                typeof epsValue === 'number' && Number.isFinite(epsValue) ? (
                  <Text size="sm" c="dimmed" data-testid="eps-explained">
                    The attack may change each pixel by at most {epsText(epsValue)}; pixel values run from 0 (black) to 1
                    (white).
                  </Text>
                ) : undefined
              }
            />
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <NumberInput
              label="Images (limit)"
              description={`Use only the first K images; fewer is faster. 1 to ${splitCount !== undefined ? formatInt(splitCount) : '…'}; empty: all.`}
              value={limit}
              onChange={(v) => setLimit(typeof v === 'number' ? v : v.trim() === '' ? '' : Number(v))}
              min={1}
              max={splitCount}
              allowDecimal={false}
              placeholder="all"
              data-testid="eval-limit"
            />
            {splits.length > 1 && (
              <NativeSelect
                label="Split"
                description="Test images are the fair choice: the model never trained on them."
                value={effectiveSplit}
                onChange={(e) => setSplit(e.currentTarget.value as 'test' | 'train')}
                data={splits.map((s) => ({ value: s, label: s === 'test' ? 'Test images' : 'Training images' }))}
              />
            )}
          </SimpleGrid>
          <Accordion variant="contained">
            <Accordion.Item value="more">
              <Accordion.Control>More settings: batch size, seed, run name</Accordion.Control>
              <Accordion.Panel>
                <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
                  <NumberInput
                    label="Batch size"
                    description="Images attacked at once. 1 to 4096; lower it if memory runs out."
                    value={batchSize}
                    onChange={(v) => setBatchSize(typeof v === 'number' ? v : v.trim() === '' ? '' : Number(v))}
                    min={1}
                    max={4096}
                    allowDecimal={false}
                  />
                  <NumberInput
                    label="Seed"
                    description="Fixes the attack's random start, so results repeat. 0 to 2,147,483,647."
                    value={seed}
                    onChange={(v) => setSeed(typeof v === 'number' ? v : v.trim() === '' ? '' : Number(v))}
                    min={0}
                    max={2 ** 31 - 1}
                    allowDecimal={false}
                  />
                  <TextInput
                    label="Run name (optional)"
                    description="Up to 200 characters. Empty: a name is made up."
                    value={name}
                    maxLength={200}
                    onChange={(e) => setName(e.currentTarget.value)}
                  />
                </SimpleGrid>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </Stack>
      </section>

      <section aria-labelledby="run-title">
        <Title order={2} size="h4" id="run-title" mb="xs">
          3. Run
        </Title>
        {problem && (
          <Alert color="orange" role="alert" mb="sm" data-testid="eval-problem">
            {problem}
          </Alert>
        )}
        <Button size="md" onClick={submit} loading={busy} disabled={!model || !dataset} data-testid="start-eval">
          Run evaluation
        </Button>
      </section>

      {runId && <EvalRunPanel live={live} attacks={entries} />}
      {model && <ModelEvaluations modelId={model.id} datasets={datasets} attacks={entries} runStatus={live.detail?.run.status} />}
    </Stack>
  );
}

function EvalRunPanel({ live, attacks }: { live: LiveRun; attacks: RegistryEntry[] }) {
  const { detail, error, progress } = live;
  if (error && !detail) {
    return (
      <Alert color="red" title="Could not load the evaluation">
        {error.message}
      </Alert>
    );
  }
  if (!detail) return <Loader size="sm" aria-label="Loading the evaluation" />;
  const { run, evaluations } = detail;
  const ev = evaluations[evaluations.length - 1];
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="eval-run-title" data-testid="eval-run">
      <Stack gap="sm">
        <Group gap="xs">
          <Title order={2} size="h4" id="eval-run-title">
            <Anchor href={href(['runs', run.id])} inherit>
              {run.name}
            </Anchor>
          </Title>
          <StatusBadge status={run.status} />
        </Group>
        {!isTerminal(run.status) && <RunProgress run={run} progress={progress} />}
        {run.status === 'finished' && ev && (
          <Stack gap="xs" data-testid="eval-result">
            <Text size="lg" fw={600} data-testid="eval-sentence">
              {evalSentence(ev, attacks)}
            </Text>
            <Group gap="lg">
              <div>
                <Text size="xs" c="dimmed">
                  Clean accuracy
                </Text>
                <Text size="xl" fw={700} data-testid="eval-clean">
                  {formatPercent(ev.cleanAccuracy)}
                </Text>
              </div>
              {ev.robustAccuracy !== null && (
                <Tooltip label={ROBUST_HELP} withArrow multiline maw={320}>
                  <div tabIndex={0}>
                    <Text size="xs" c="dimmed">
                      Robust accuracy
                      <InfoIcon />
                    </Text>
                    <Text size="xl" fw={700} data-testid="eval-robust">
                      {formatPercent(ev.robustAccuracy)}
                    </Text>
                  </div>
                </Tooltip>
              )}
            </Group>
          </Stack>
        )}
        {run.status === 'finished' && !ev && (
          <Text size="sm" c="dimmed">
            The run finished but recorded no evaluation; open the run page for details.
          </Text>
        )}
        {run.status === 'failed' && (
          <Alert color="red" title="The evaluation failed">
            {run.error ?? 'It stopped with an error.'}
          </Alert>
        )}
        {run.status === 'cancelled' && (
          <Alert color="orange" title="Evaluation cancelled">
            Nothing was recorded.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

function ModelEvaluations({
  modelId,
  datasets,
  attacks,
  runStatus,
}: {
  modelId: string;
  datasets: DatasetInfo[];
  attacks: RegistryEntry[];
  runStatus?: string;
}) {
  const evals = useLoad(() => lab.listEvaluations({ modelId }), [modelId, runStatus]);
  const list = [...(evals.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section aria-labelledby="history-title">
      <Title order={2} size="h4" id="history-title" mb="xs">
        All evaluations of this model
      </Title>
      {evals.error ? (
        <Alert color="red">{evals.error.message}</Alert>
      ) : (
        <EvaluationsTable evaluations={list} attacks={attacks} datasets={datasets} />
      )}
    </section>
  );
}
