/** Train: presets first, advanced settings folded, then the live run panel. */
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
  UnstyledButton,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { lab } from '../api/client';
import { TrainSpecSchema, type ArchitectureInfo, type DatasetInfo, type TrainSpecInput } from '../../shared/schemas';
import { LiveRunPanel } from '../components/LiveRunPanel';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { formatInt } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { findDataset } from '../lib/names';
import { notifyError } from '../lib/notify';
import { href, navigate } from '../lib/route';

type Num = number | '';

interface TrainForm {
  preset: string | null;
  name: string;
  dataset: string;
  arch: string;
  epochs: Num;
  batchSize: Num;
  optimizer: 'sgd' | 'adam';
  lr: Num;
  momentum: Num;
  weightDecay: Num;
  schedule: 'constant' | 'step' | 'cosine';
  stepEpochs: Num;
  gamma: Num;
  minLr: Num;
  seed: Num;
  limit: Num;
  testLimit: Num;
}

interface Preset {
  id: string;
  title: string;
  description: string;
  arch: string;
  values: Partial<TrainForm>;
}

const PRESETS: Preset[] = [
  {
    id: 'quick',
    title: 'Quick test (1 epoch, 1,000 images)',
    description: 'A small network on the first 1,000 training images. Done in seconds; checks that everything works.',
    arch: 'mlp',
    values: { epochs: 1, batchSize: 50, limit: 1000, testLimit: 1000, optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'constant' },
  },
  {
    id: 'standard',
    title: 'Standard (mnist-cnn, 3 epochs)',
    description: 'A small convolutional network on every training image. A good model for attacking; takes minutes.',
    arch: 'mnist-cnn',
    values: { epochs: 3, batchSize: 64, limit: '', testLimit: '', optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0 },
  },
  {
    id: 'mlp',
    title: 'MLP baseline',
    description: 'A fully connected network, 5 epochs with Adam. A simple reference to compare other models with.',
    arch: 'mlp',
    values: { epochs: 5, batchSize: 64, limit: '', testLimit: '', optimizer: 'adam', lr: 0.001, schedule: 'constant' },
  },
];

const BASE_FORM: TrainForm = {
  preset: null,
  name: '',
  dataset: '',
  arch: '',
  epochs: 1,
  batchSize: 50,
  optimizer: 'sgd',
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'constant',
  stepEpochs: 1,
  gamma: 0.1,
  minLr: 0,
  seed: 0,
  limit: '',
  testLimit: '',
};

/** The last form, kept while the app is open so "New training" starts from it. */
let lastForm: TrainForm | null = null;

function applyPreset(form: TrainForm, p: Preset, archs: ArchitectureInfo[]): TrainForm {
  const arch = archs.some((a) => a.name === p.arch) ? p.arch : (archs[0]?.name ?? p.arch);
  return { ...form, ...p.values, arch, preset: p.id };
}

function num(v: Num): number | undefined {
  return v === '' ? undefined : v;
}

/** The dataset as the spec names it: its name when unique (readable, repeatable), else its id. */
export function datasetRef(list: DatasetInfo[], id: string): string {
  const d = list.find((x) => x.id === id);
  if (!d) return id;
  return list.filter((x) => x.name === d.name).length === 1 ? d.name : d.id;
}

function buildSpec(f: TrainForm, datasets: DatasetInfo[]): TrainSpecInput {
  const schedule =
    f.schedule === 'step'
      ? { name: 'step' as const, stepEpochs: num(f.stepEpochs), gamma: num(f.gamma) }
      : f.schedule === 'cosine'
        ? { name: 'cosine' as const, minLr: num(f.minLr) }
        : { name: 'constant' as const };
  return {
    kind: 'train',
    name: f.name.trim() || undefined,
    dataset: datasetRef(datasets, f.dataset),
    arch: f.arch,
    epochs: num(f.epochs) as number,
    batchSize: num(f.batchSize) as number,
    optimizer: {
      name: f.optimizer,
      lr: num(f.lr) as number,
      momentum: f.optimizer === 'sgd' ? num(f.momentum) : undefined,
      weightDecay: num(f.weightDecay),
    },
    schedule,
    seed: num(f.seed),
    limit: num(f.limit),
    testLimit: num(f.testLimit),
  };
}

const FIELD_NAMES: Record<string, string> = {
  epochs: 'Epochs',
  batchSize: 'Batch size',
  lr: 'Learning rate',
  momentum: 'Momentum',
  weightDecay: 'Weight decay',
  seed: 'Seed',
  limit: 'Training images',
  testLimit: 'Test images per check',
  dataset: 'Dataset',
  arch: 'Architecture',
  stepEpochs: 'Epochs per step',
  gamma: 'Step factor',
  minLr: 'Final learning rate',
  name: 'Run name',
};

export function TrainPage({ runId, datasetParam }: { runId?: string; datasetParam?: string }) {
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const archs = useLoad(() => lab.listArchitectures({}), []);

  return (
    <>
      <PageHeader
        title="Train"
        subtitle="Teach a network to recognise the images of a dataset. Pick a preset, adjust it if you like, and start."
        actions={
          runId ? (
            <Button variant="default" component="a" href={href(['train'])} data-testid="new-training">
              New training
            </Button>
          ) : undefined
        }
      />
      {runId ? (
        <LiveRunPanel runId={runId} />
      ) : datasets.error || archs.error ? (
        <Alert color="red" title="Could not load the training choices">
          {(datasets.error ?? archs.error)?.message}
        </Alert>
      ) : !datasets.data || !archs.data ? (
        <Loader size="sm" aria-label="Loading" />
      ) : datasets.data.filter((d) => d.splits.train).length === 0 ? (
        <EmptyState title="No dataset with training images">
          Import one on the <Anchor href={href(['datasets'])} inherit>Datasets</Anchor> page first.
        </EmptyState>
      ) : (
        <TrainFormView datasets={datasets.data} archs={archs.data} datasetParam={datasetParam} />
      )}
    </>
  );
}

function TrainFormView({
  datasets,
  archs,
  datasetParam,
}: {
  datasets: DatasetInfo[];
  archs: ArchitectureInfo[];
  datasetParam?: string;
}) {
  const trainable = datasets.filter((d) => d.splits.train);
  const [form, setForm] = useState<TrainForm>(() => {
    const start = lastForm ?? applyPreset(BASE_FORM, PRESETS[0]!, archs);
    const wanted = findDataset(trainable, datasetParam) ?? findDataset(trainable, start.dataset) ??
      trainable.find((d) => d.name === 'mnist-digits') ?? trainable[0];
    return { ...start, dataset: wanted?.id ?? '', arch: start.arch || archs[0]?.name || '' };
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [advanced, setAdvanced] = useState<string | null>(null);

  useEffect(() => {
    lastForm = form;
  }, [form]);

  const set = <K extends keyof TrainForm>(key: K, value: TrainForm[K]) =>
    setForm((f) => ({ ...f, [key]: value, preset: key === 'name' || key === 'dataset' ? f.preset : null }));

  const dataset = trainable.find((d) => d.id === form.dataset);
  const trainCount = dataset?.splits.train?.count;
  const testCount = dataset?.splits.test?.count;
  const arch = archs.find((a) => a.name === form.arch);

  const summary = useMemo(() => {
    const images = form.limit !== '' ? `the first ${formatInt(form.limit)}` : `all ${trainCount !== undefined ? formatInt(trainCount) : ''}`;
    const epochs = form.epochs === '' ? '?' : form.epochs;
    return `Trains ${form.arch || '?'} on ${dataset?.name ?? '?'} for ${epochs} ${epochs === 1 ? 'epoch' : 'epochs'}, on ${images} training images, ${form.batchSize || '?'} at a time, using ${form.optimizer === 'adam' ? 'Adam' : 'SGD with momentum'} (learning rate ${form.lr === '' ? '?' : form.lr}).`;
  }, [form, dataset, trainCount]);

  const submit = async () => {
    const spec = buildSpec(form, datasets);
    const parsed = TrainSpecSchema.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[issue.path.length - 1];
      const label = typeof field === 'string' ? FIELD_NAMES[field] : undefined;
      setProblem(`${label ? `${label}: ` : ''}${issue?.message ?? 'check the form.'}`);
      setAdvanced('advanced');
      return;
    }
    if (form.limit !== '' && trainCount !== undefined && form.limit > trainCount) {
      setProblem(`Training images: this dataset has only ${formatInt(trainCount)} training images.`);
      setAdvanced('advanced');
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const run = await lab.submitTrain(spec);
      navigate(['train'], { run: run.id });
    } catch (err) {
      notifyError('Could not start training', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="lg">
      <section aria-labelledby="presets-title">
        <Title order={2} size="h4" id="presets-title" mb="xs">
          1. Choose a preset
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm" role="radiogroup" aria-labelledby="presets-title">
          {PRESETS.map((p) => {
            const active = form.preset === p.id;
            return (
              <UnstyledButton
                key={p.id}
                role="radio"
                aria-checked={active}
                onClick={() => setForm((f) => applyPreset(f, p, archs))}
                data-testid={`preset-${p.id}`}
                style={{ height: '100%' }}
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
                    {p.description}
                  </Text>
                </Paper>
              </UnstyledButton>
            );
          })}
        </SimpleGrid>
      </section>

      <section aria-labelledby="settings-title">
        <Title order={2} size="h4" id="settings-title" mb="xs">
          2. Check the settings
        </Title>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <NativeSelect
              label="Dataset"
              description="The images to learn from; only datasets with a training split are listed."
              value={form.dataset}
              onChange={(e) => set('dataset', e.currentTarget.value)}
              data={trainable.map((d) => ({ value: d.id, label: d.name }))}
              data-testid="train-dataset"
            />
            <TextInput
              label="Run name (optional)"
              description="How the run and its model are listed; up to 200 characters. Empty: a name is made up."
              value={form.name}
              maxLength={200}
              onChange={(e) => set('name', e.currentTarget.value)}
              data-testid="train-name"
            />
          </SimpleGrid>
          <Accordion variant="contained" value={advanced} onChange={setAdvanced}>
            <Accordion.Item value="advanced">
              <Accordion.Control data-testid="train-advanced">Advanced settings: network, epochs, optimizer, schedule…</Accordion.Control>
              <Accordion.Panel>
                <Stack gap="md">
                  <NativeSelect
                    label="Architecture"
                    description={arch ? `${arch.title}: ${arch.description}` : 'The network to train.'}
                    value={form.arch}
                    onChange={(e) => set('arch', e.currentTarget.value)}
                    data={archs.map((a) => ({ value: a.name, label: `${a.name} — ${a.title}` }))}
                    data-testid="train-arch"
                  />
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md" verticalSpacing="sm">
                    <NumberInput
                      label="Epochs"
                      description="Passes over the training images. 1 to 1000."
                      value={form.epochs}
                      onChange={(v) => set('epochs', toNum(v))}
                      min={1}
                      max={1000}
                      allowDecimal={false}
                      data-testid="train-epochs"
                    />
                    <NumberInput
                      label="Batch size"
                      description="Images per training step. 1 to 4096; 32–128 is typical."
                      value={form.batchSize}
                      onChange={(v) => set('batchSize', toNum(v))}
                      min={1}
                      max={4096}
                      allowDecimal={false}
                      data-testid="train-batch"
                    />
                    <NumberInput
                      label="Training images (limit)"
                      description={`Use only the first K training images. Empty: all${trainCount !== undefined ? ` ${formatInt(trainCount)}` : ''}.`}
                      value={form.limit}
                      onChange={(v) => set('limit', toNum(v))}
                      min={1}
                      max={trainCount}
                      allowDecimal={false}
                      placeholder="all"
                      data-testid="train-limit"
                    />
                    <NumberInput
                      label="Test images per check"
                      description={`After each epoch, accuracy is measured on the first K test images. Empty: all${testCount !== undefined ? ` ${formatInt(testCount)}` : ''}.`}
                      value={form.testLimit}
                      onChange={(v) => set('testLimit', toNum(v))}
                      min={1}
                      max={testCount}
                      allowDecimal={false}
                      placeholder="all"
                      data-testid="train-test-limit"
                    />
                    <NativeSelect
                      label="Optimizer"
                      description="How the weights are updated. SGD with momentum is the classic; Adam adapts step sizes."
                      value={form.optimizer}
                      onChange={(e) => {
                        const o = e.currentTarget.value as 'sgd' | 'adam';
                        setForm((f) => ({ ...f, optimizer: o, lr: o === 'adam' ? 0.001 : 0.05, preset: null }));
                      }}
                      data={[
                        { value: 'sgd', label: 'SGD with momentum' },
                        { value: 'adam', label: 'Adam' },
                      ]}
                      data-testid="train-optimizer"
                    />
                    <NumberInput
                      label="Learning rate"
                      description="Size of each update. Above 0, at most 10; typical 0.01–0.1 for SGD, 0.001 for Adam."
                      value={form.lr}
                      onChange={(v) => set('lr', toNum(v))}
                      min={0}
                      max={10}
                      step={form.optimizer === 'adam' ? 0.0005 : 0.01}
                      decimalScale={6}
                      data-testid="train-lr"
                    />
                    {form.optimizer === 'sgd' && (
                      <NumberInput
                        label="Momentum"
                        description="How much of the previous update carries over. 0 to 0.999; 0.9 is typical."
                        value={form.momentum}
                        onChange={(v) => set('momentum', toNum(v))}
                        min={0}
                        max={0.999}
                        step={0.05}
                        decimalScale={3}
                        data-testid="train-momentum"
                      />
                    )}
                    <NumberInput
                      label="Weight decay"
                      description="Pulls weights towards zero to reduce overfitting. 0 to 1; 0.0005 is typical, 0 turns it off."
                      value={form.weightDecay}
                      onChange={(v) => set('weightDecay', toNum(v))}
                      min={0}
                      max={1}
                      step={0.0001}
                      decimalScale={6}
                      data-testid="train-wd"
                    />
                    <NativeSelect
                      label="Learning-rate schedule"
                      description="How the learning rate changes over the epochs."
                      value={form.schedule}
                      onChange={(e) => set('schedule', e.currentTarget.value as TrainForm['schedule'])}
                      data={[
                        { value: 'constant', label: 'Constant' },
                        { value: 'step', label: 'Step: multiply every few epochs' },
                        { value: 'cosine', label: 'Cosine: smooth decrease' },
                      ]}
                      data-testid="train-schedule"
                    />
                    {form.schedule === 'step' && (
                      <>
                        <NumberInput
                          label="Epochs per step"
                          description="The learning rate drops every this many epochs. At least 1."
                          value={form.stepEpochs}
                          onChange={(v) => set('stepEpochs', toNum(v))}
                          min={1}
                          allowDecimal={false}
                        />
                        <NumberInput
                          label="Step factor"
                          description="Multiplier at each drop. Above 0, at most 1; 0.1 is typical."
                          value={form.gamma}
                          onChange={(v) => set('gamma', toNum(v))}
                          min={0}
                          max={1}
                          step={0.05}
                          decimalScale={4}
                        />
                      </>
                    )}
                    {form.schedule === 'cosine' && (
                      <NumberInput
                        label="Final learning rate"
                        description="The learning rate at the end of training. 0 or more."
                        value={form.minLr}
                        onChange={(v) => set('minLr', toNum(v))}
                        min={0}
                        step={0.001}
                        decimalScale={6}
                      />
                    )}
                    <NumberInput
                      label="Seed"
                      description="Fixes the random start and shuffling, so the run can be repeated. 0 to 2,147,483,647."
                      value={form.seed}
                      onChange={(v) => set('seed', toNum(v))}
                      min={0}
                      max={2 ** 31 - 1}
                      allowDecimal={false}
                      data-testid="train-seed"
                    />
                  </SimpleGrid>
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </Stack>
      </section>

      <section aria-labelledby="start-title">
        <Title order={2} size="h4" id="start-title" mb="xs">
          3. Start
        </Title>
        <Text size="sm" mb="sm" data-testid="train-summary">
          {summary}
        </Text>
        {problem && (
          <Alert color="orange" role="alert" mb="sm" data-testid="train-problem">
            {problem}
          </Alert>
        )}
        <Group>
          <Button size="md" onClick={submit} loading={busy} data-testid="start-training">
            Start training
          </Button>
          <Text size="xs" c="dimmed">
            Runs in the background; you can leave this page and follow it on the Runs page.
          </Text>
        </Group>
      </section>
    </Stack>
  );
}

function toNum(v: string | number): Num {
  if (typeof v === 'number') return v;
  if (v.trim() === '') return '';
  const n = Number(v);
  return Number.isFinite(n) ? n : '';
}
