/**
 * Train: presets first (plain, robust, certified, noisy labels), then dataset, network and the
 * training method (grouped by family, with what each trades), the per-epoch robustness checks
 * that feed the live charts, and advanced settings folded away; then the live run panel.
 */
import { PresetCard } from '../components/PresetCard';
import {
  Accordion,
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  NativeSelect,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { lab } from '../api/client';
import {
  TrainSpecSchema,
  type ArchitectureInfo,
  type DatasetInfo,
  type ModelInfo,
  type RegistryEntry,
  type TrainSpecInput,
} from '../../shared/schemas';
import { LiveRunPanel } from '../components/LiveRunPanel';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { cleanParams, defaultParams, ParamForm, validateParams, type ParamValues } from '../components/ParamForm';
import { formatInt } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { FAMILIES, groupMethods, methodFamily, methodMonitor, methodTradeoff } from '../lib/methods';
import { findDataset, modelShape } from '../lib/names';
import { notifyError } from '../lib/notify';
import { href, navigate } from '../lib/route';

type Num = number | '';
type Selection = 'clean' | 'robust' | 'certified' | 'loss';

interface TrainForm {
  preset: string | null;
  name: string;
  dataset: string;
  arch: string;
  method: string;
  methodParams: ParamValues;
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
  /** Per-epoch robustness checks (TrainSpec.monitor). */
  monitorOn: boolean;
  monitorCount: Num;
  monitorEps: Num;
  monitorPgdSteps: Num;
  monitorCertify: 'auto' | 'none' | 'ibp' | 'crown';
  /** Validation split in percent of the training images. */
  valPercent: Num;
  warmupEpochs: Num;
  earlyStop: boolean;
  esMetric: Selection;
  esPatience: Num;
  esMinDelta: Num;
  keepBest: 'last' | 'clean' | 'robust' | 'certified';
  initModel: string;
}

interface Preset {
  id: string;
  title: string;
  description: string;
  arch: string;
  method: string;
  methodParams?: ParamValues;
  values: Partial<TrainForm>;
}

const PRESETS: Preset[] = [
  {
    id: 'quick',
    title: 'Quick test (1 epoch, 1,000 images)',
    description: 'A small network on the first 1,000 training images. Done in seconds; checks that everything works.',
    arch: 'mlp',
    method: 'erm',
    values: { epochs: 1, batchSize: 50, limit: 1000, testLimit: 1000, optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'constant', monitorOn: false },
  },
  {
    id: 'standard',
    title: 'Standard (mnist-cnn, 3 epochs)',
    description: 'A small convolutional network on every training image. A good model for attacking; takes minutes.',
    arch: 'mnist-cnn',
    method: 'erm',
    values: { epochs: 3, batchSize: 64, limit: '', testLimit: '', optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0, monitorOn: false },
  },
  {
    id: 'mlp',
    title: 'MLP baseline',
    description: 'A fully connected network, 5 epochs with Adam. A simple reference to compare other models with.',
    arch: 'mlp',
    method: 'erm',
    values: { epochs: 5, batchSize: 64, limit: '', testLimit: '', optimizer: 'adam', lr: 0.001, schedule: 'constant', monitorOn: false },
  },
  {
    id: 'robust',
    title: 'Robust (PGD-AT eps 0.1)',
    description:
      'Adversarial training: mnist-cnn learns from PGD-attacked images (10 steps, eps 0.1), 3 epochs on 10,000 images. Much more robust, a little less accurate, about 11× slower.',
    arch: 'mnist-cnn',
    method: 'pgd-at',
    methodParams: { eps: 0.1, steps: 10 },
    values: { epochs: 3, batchSize: 64, limit: 10000, testLimit: 1000, optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0, monitorOn: true },
  },
  {
    id: 'certified',
    title: 'Certified (IBP eps 0.1)',
    description:
      'Certified training with interval bounds: an mlp whose robustness at eps 0.1 can be proven, 5 epochs with a gradual ramp. Lower clean accuracy; about 3× slower.',
    arch: 'mlp',
    method: 'ibp',
    methodParams: { eps: 0.1, warmupEpochs: 1, rampEpochs: 2 },
    values: { epochs: 5, batchSize: 100, limit: '', testLimit: 1000, optimizer: 'adam', lr: 0.001, schedule: 'constant', monitorOn: true },
  },
  {
    id: 'noisy',
    title: 'Noisy labels (GCE)',
    description:
      'Generalized cross-entropy, which gives wrong labels less pull. Use it on a noisy-label copy of a dataset (made in the corruption studio); same speed as standard.',
    arch: 'mnist-cnn',
    method: 'gce',
    methodParams: { q: 0.7 },
    values: { epochs: 3, batchSize: 64, limit: '', testLimit: '', optimizer: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine', minLr: 0, monitorOn: false },
  },
];

const BASE_FORM: TrainForm = {
  preset: null,
  name: '',
  dataset: '',
  arch: '',
  method: 'erm',
  methodParams: {},
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
  monitorOn: false,
  monitorCount: 200,
  monitorEps: '',
  monitorPgdSteps: 10,
  monitorCertify: 'auto',
  valPercent: 0,
  warmupEpochs: 0,
  earlyStop: false,
  esMetric: 'clean',
  esPatience: 3,
  esMinDelta: 0,
  keepBest: 'last',
  initModel: '',
};

/** The last form, kept while the app is open so "New training" starts from it. */
let lastForm: TrainForm | null = null;

function methodDefaults(methods: RegistryEntry[], name: string, overrides: ParamValues = {}): ParamValues {
  const entry = methods.find((m) => m.name === name);
  const values = entry ? defaultParams(entry.params) : {};
  for (const [k, v] of Object.entries(overrides)) if (k in values) values[k] = v;
  return values;
}

function applyPreset(form: TrainForm, p: Preset, archs: ArchitectureInfo[], methods: RegistryEntry[]): TrainForm {
  const arch = archs.some((a) => a.name === p.arch) ? p.arch : (archs[0]?.name ?? p.arch);
  const method = methods.some((m) => m.name === p.method) ? p.method : 'erm';
  return {
    ...form,
    ...p.values,
    arch,
    method,
    methodParams: methodDefaults(methods, method, method === p.method ? p.methodParams : {}),
    monitorCertify: 'auto',
    monitorEps: '',
    initModel: '',
    preset: p.id,
  };
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

function buildSpec(f: TrainForm, datasets: DatasetInfo[], methods: RegistryEntry[]): TrainSpecInput {
  const schedule =
    f.schedule === 'step'
      ? { name: 'step' as const, stepEpochs: num(f.stepEpochs), gamma: num(f.gamma) }
      : f.schedule === 'cosine'
        ? { name: 'cosine' as const, minLr: num(f.minLr) }
        : { name: 'constant' as const };
  const entry = methods.find((m) => m.name === f.method);
  const val = num(f.valPercent);
  const warm = num(f.warmupEpochs);
  return {
    kind: 'train',
    name: f.name.trim() || undefined,
    dataset: datasetRef(datasets, f.dataset),
    arch: f.arch,
    method: f.method,
    methodParams: entry ? cleanParams(entry.params, f.methodParams) : {},
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
    monitor: f.monitorOn
      ? {
          count: num(f.monitorCount),
          eps: num(f.monitorEps),
          pgdSteps: num(f.monitorPgdSteps),
          certify: f.monitorCertify === 'auto' ? undefined : f.monitorCertify,
        }
      : undefined,
    valFraction: val ? val / 100 : undefined,
    warmupEpochs: warm ? warm : undefined,
    earlyStopping: f.earlyStop ? { metric: f.esMetric, patience: num(f.esPatience), minDelta: num(f.esMinDelta) } : undefined,
    keepBest: f.keepBest !== 'last' ? f.keepBest : undefined,
    initModel: f.initModel || undefined,
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
  count: 'Images checked each epoch',
  pgdSteps: 'PGD steps',
  eps: 'Check eps',
  valFraction: 'Validation split',
  warmupEpochs: 'Learning-rate warm-up',
  patience: 'Patience',
  minDelta: 'Smallest improvement',
};

/** Whether the robustness checks will measure PGD accuracy / certified accuracy. */
function monitorMeasures(f: TrainForm): { robust: boolean; certified: boolean } {
  if (!f.monitorOn) return { robust: false, certified: false };
  const certify = f.monitorCertify === 'auto' ? (methodMonitor(f.method) === 'certified' ? 'ibp' : 'none') : f.monitorCertify;
  return { robust: f.monitorPgdSteps !== '' && f.monitorPgdSteps > 0, certified: certify !== 'none' };
}

export function TrainPage({ runId, datasetParam }: { runId?: string; datasetParam?: string }) {
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const archs = useLoad(() => lab.listArchitectures({}), []);
  const methods = useLoad(() => lab.listMethods({}), []);
  const models = useLoad(() => lab.listModels({}), []);
  const err = datasets.error ?? archs.error ?? methods.error;

  return (
    <>
      <PageHeader
        title="Train"
        subtitle="Teach a network to recognise the images of a dataset, plainly or robustly. Pick a preset, adjust it if you like, and start."
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
      ) : err ? (
        <Alert color="red" title="Could not load the training choices">
          {err.message}
        </Alert>
      ) : !datasets.data || !archs.data || !methods.data ? (
        <Loader size="sm" aria-label="Loading" />
      ) : datasets.data.filter((d) => d.splits.train).length === 0 ? (
        <EmptyState title="No dataset with training images">
          Import one on the <Anchor href={href(['datasets'])} inherit>Datasets</Anchor> page first.
        </EmptyState>
      ) : (
        <TrainFormView
          datasets={datasets.data}
          archs={archs.data}
          methods={methods.data}
          models={models.data ?? []}
          datasetParam={datasetParam}
        />
      )}
    </>
  );
}

function TrainFormView({
  datasets,
  archs,
  methods,
  models,
  datasetParam,
}: {
  datasets: DatasetInfo[];
  archs: ArchitectureInfo[];
  methods: RegistryEntry[];
  models: ModelInfo[];
  datasetParam?: string;
}) {
  const trainable = datasets.filter((d) => d.splits.train);
  const [form, setForm] = useState<TrainForm>(() => {
    const start = lastForm ?? applyPreset(BASE_FORM, PRESETS[0]!, archs, methods);
    const wanted =
      findDataset(trainable, datasetParam) ??
      findDataset(trainable, start.dataset) ??
      trainable.find((d) => d.name === 'mnist-digits') ??
      trainable[0];
    return { ...start, dataset: wanted?.id ?? '', arch: start.arch || archs[0]?.name || '' };
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [advanced, setAdvanced] = useState<string[]>([]);

  useEffect(() => {
    lastForm = form;
  }, [form]);

  const set = <K extends keyof TrainForm>(key: K, value: TrainForm[K]) =>
    setForm((f) => ({ ...f, [key]: value, preset: key === 'name' || key === 'dataset' ? f.preset : null }));

  const chooseMethod = (name: string) =>
    setForm((f) => ({
      ...f,
      method: name,
      methodParams: methodDefaults(methods, name),
      monitorOn: methodMonitor(name) !== 'none',
      monitorCertify: 'auto',
      monitorEps: '',
      esMetric: f.esMetric === 'certified' && methodMonitor(name) !== 'certified' ? 'clean' : f.esMetric,
      keepBest: f.keepBest === 'certified' && methodMonitor(name) !== 'certified' ? 'last' : f.keepBest,
      preset: null,
    }));

  const dataset = trainable.find((d) => d.id === form.dataset);
  const trainCount = dataset?.splits.train?.count;
  const testCount = dataset?.splits.test?.count;
  const arch = archs.find((a) => a.name === form.arch);
  const method = methods.find((m) => m.name === form.method);
  const trade = methodTradeoff(form.method);
  const family = FAMILIES.find((f) => f.id === methodFamily(form.method));
  const groups = useMemo(() => groupMethods(methods), [methods]);
  const measures = monitorMeasures(form);
  const fitting = models.filter(
    (m) =>
      dataset &&
      m.inputShape[0] === dataset.height &&
      m.inputShape[1] === dataset.width &&
      m.inputShape[2] === dataset.channels &&
      m.numClasses >= dataset.numClasses,
  );
  const initModel = models.find((m) => m.id === form.initModel);

  const summary = useMemo(() => {
    const images = form.limit !== '' ? `the first ${formatInt(form.limit)}` : `all ${trainCount !== undefined ? formatInt(trainCount) : ''}`;
    const epochs = form.epochs === '' ? '?' : form.epochs;
    const how = method && method.name !== 'erm' ? ` with ${method.title}` : '';
    const from = initModel ? `, starting from the weights of “${initModel.name}”` : '';
    const checks = measures.robust || measures.certified
      ? ` After every epoch it measures ${[measures.robust ? 'accuracy under a PGD attack' : '', measures.certified ? 'certified accuracy' : ''].filter(Boolean).join(' and ')} on ${form.monitorCount || '?'} test images.`
      : '';
    return `Trains ${form.arch || '?'}${how} on ${dataset?.name ?? '?'} for ${epochs} ${epochs === 1 ? 'epoch' : 'epochs'}, on ${images} training images, ${form.batchSize || '?'} at a time, using ${form.optimizer === 'adam' ? 'Adam' : 'SGD with momentum'} (learning rate ${form.lr === '' ? '?' : form.lr})${from}.${checks}`;
  }, [form, dataset, trainCount, method, initModel, measures.robust, measures.certified]);

  const submit = async () => {
    if (method) {
      const bad = validateParams(method.params, form.methodParams);
      if (bad) {
        setProblem(`${method.title}: ${bad}`);
        return;
      }
    }
    const selection = form.earlyStop ? form.esMetric : form.keepBest !== 'last' ? form.keepBest : null;
    if (form.earlyStop && form.keepBest !== 'last' && form.keepBest !== form.esMetric) {
      setProblem('Early stopping and “keep the weights of the best epoch” must watch the same accuracy; choose the same one for both.');
      setAdvanced((a) => [...new Set([...a, 'more'])]);
      return;
    }
    if ((selection === 'robust' && !measures.robust) || (selection === 'certified' && !measures.certified)) {
      setProblem(
        `Choosing epochs by ${selection} accuracy needs the robustness checks after each epoch with ${selection === 'robust' ? 'PGD steps above 0' : 'certification'} turned on.`,
      );
      return;
    }
    const spec = buildSpec(form, datasets, methods);
    const parsed = TrainSpecSchema.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[issue.path.length - 1];
      const label = typeof field === 'string' ? FIELD_NAMES[field] : undefined;
      setProblem(`${label ? `${label}: ` : ''}${issue?.message ?? 'check the form.'}`);
      setAdvanced(['advanced', 'more']);
      return;
    }
    if (form.limit !== '' && trainCount !== undefined && form.limit > trainCount) {
      setProblem(`Training images: this dataset has only ${formatInt(trainCount)} training images.`);
      setAdvanced((a) => [...new Set([...a, 'advanced'])]);
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
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" role="radiogroup" aria-labelledby="presets-title">
          {PRESETS.map((p) => {
            const active = form.preset === p.id;
            const ok = methods.some((m) => m.name === p.method);
            return (
              <PresetCard
                key={p.id}
                title={p.title}
                description={p.description}
                active={active}
                available={ok}
                unavailableText="This lab has no such training method."
                onChoose={() => setForm((f) => applyPreset(f, p, archs, methods))}
                testId={`preset-${p.id}`}
              />
            );
          })}
        </SimpleGrid>
      </section>

      <section aria-labelledby="settings-title">
        <Title order={2} size="h4" id="settings-title" mb="xs">
          2. Check the settings
        </Title>
        <Stack gap="md">
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
            <NativeSelect
              label="Architecture"
              description={
                initModel
                  ? `Fine-tuning keeps the network of “${initModel.name}” (${initModel.arch}).`
                  : arch
                    ? `${arch.title}: ${arch.description}`
                    : 'The network to train.'
              }
              value={form.arch}
              onChange={(e) => set('arch', e.currentTarget.value)}
              data={archs.map((a) => ({ value: a.name, label: `${a.name} — ${a.title}` }))}
              disabled={!!initModel}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              data-testid="train-arch"
            />
            <NativeSelect
              label="Training method"
              description="How the network learns. Grouped by what it protects against; the card below says what each one trades."
              value={form.method}
              onChange={(e) => chooseMethod(e.currentTarget.value)}
              data={groups.map((g) => ({ group: g.family.title, items: g.entries.map((m) => ({ value: m.name, label: m.title })) }))}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              data-testid="train-method"
            />
          </SimpleGrid>

          {method && (
            <Paper withBorder radius="md" p="sm" data-testid="method-card">
              <Stack gap="xs">
                <Group gap="xs" wrap="wrap">
                  <Text fw={600} size="sm">
                    {method.title}
                  </Text>
                  {family && (
                    <Badge variant="light" size="sm" title={family.hint}>
                      {family.title}
                    </Badge>
                  )}
                </Group>
                <Text size="sm" c="dimmed">
                  {method.description}
                </Text>
                {trade && (
                  <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" data-testid="method-trade">
                    <Trade label="Clean accuracy" value={trade.clean} />
                    <Trade label="Robustness" value={trade.robust} />
                    <Trade label="Time per epoch" value={trade.time} />
                  </SimpleGrid>
                )}
                {method.params.length > 0 && (
                  <ParamForm
                    params={method.params}
                    values={form.methodParams}
                    onChange={(v) => setForm((f) => ({ ...f, methodParams: v, preset: null }))}
                    advancedLabel="Advanced method settings"
                  />
                )}
              </Stack>
            </Paper>
          )}

          <Paper withBorder radius="md" p="sm">
            <Stack gap="xs">
              <Switch
                label="Measure robustness after every epoch"
                description="Accuracy under a PGD attack (and, for certified methods, certified accuracy) on the first test images, charted live next to the clean accuracy. Adds a little time per epoch."
                checked={form.monitorOn}
                onChange={(e) => set('monitorOn', e.currentTarget.checked)}
                data-testid="train-monitor"
              />
              {form.monitorOn && (
                <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="md">
                  <NumberInput
                    label="Images checked each epoch"
                    description="The first K test images. 1 to 100,000; 200 is quick."
                    value={form.monitorCount}
                    onChange={(v) => set('monitorCount', toNum(v))}
                    min={1}
                    max={100000}
                    allowDecimal={false}
                    data-testid="train-monitor-count"
                  />
                  <NumberInput
                    label="Check eps"
                    description="Largest change per pixel for the check, 0 to 1. Empty: the method's eps, else 0.1."
                    value={form.monitorEps}
                    onChange={(v) => set('monitorEps', toNum(v))}
                    min={0}
                    max={1}
                    step={0.01}
                    decimalScale={5}
                    placeholder="method's eps"
                    data-testid="train-monitor-eps"
                  />
                  <NumberInput
                    label="PGD steps"
                    description="Steps of the checking attack; 0 turns the PGD check off. 0 to 1000."
                    value={form.monitorPgdSteps}
                    onChange={(v) => set('monitorPgdSteps', toNum(v))}
                    min={0}
                    max={1000}
                    allowDecimal={false}
                    data-testid="train-monitor-steps"
                  />
                  <NativeSelect
                    label="Certified accuracy"
                    description="Proven robustness by bound propagation (mlp and mnist-cnn). Automatic: IBP for certified methods, else off."
                    value={form.monitorCertify}
                    onChange={(e) => set('monitorCertify', e.currentTarget.value as TrainForm['monitorCertify'])}
                    data={[
                      { value: 'auto', label: 'Automatic' },
                      { value: 'none', label: 'Off' },
                      { value: 'ibp', label: 'IBP (fast)' },
                      { value: 'crown', label: 'CROWN (tighter, slower)' },
                    ]}
                    data-testid="train-monitor-certify"
                  />
                </SimpleGrid>
              )}
            </Stack>
          </Paper>

          <Accordion variant="contained" multiple value={advanced} onChange={setAdvanced}>
            <Accordion.Item value="advanced">
              <Accordion.Control data-testid="train-advanced">Advanced settings: epochs, images, optimizer, schedule, seed…</Accordion.Control>
              <Accordion.Panel>
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
                    label="Learning-rate warm-up (epochs)"
                    description="Raise the learning rate from 0 over the first W epochs (fractions allowed), then follow the schedule. 0 turns it off."
                    value={form.warmupEpochs}
                    onChange={(v) => set('warmupEpochs', toNum(v))}
                    min={0}
                    max={1000}
                    step={0.5}
                    decimalScale={3}
                    data-testid="train-warmup"
                  />
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
              </Accordion.Panel>
            </Accordion.Item>
            <Accordion.Item value="more">
              <Accordion.Control data-testid="train-more">Validation, early stopping, best epoch, fine-tuning</Accordion.Control>
              <Accordion.Panel>
                <Stack gap="md">
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md" verticalSpacing="sm">
                    <NumberInput
                      label="Validation split"
                      description="Hold out this share of the training images to choose epochs on, so the test images stay untouched. 0 to 50 %; 0 uses the test images."
                      value={form.valPercent}
                      onChange={(v) => set('valPercent', toNum(v))}
                      min={0}
                      max={50}
                      step={5}
                      suffix=" %"
                      decimalScale={1}
                      data-testid="train-val"
                    />
                    <NativeSelect
                      label="Keep the weights of"
                      description="The model saved at the end: the last epoch, or the epoch that was best by this accuracy (on the validation split when there is one)."
                      value={form.keepBest}
                      onChange={(e) => set('keepBest', e.currentTarget.value as TrainForm['keepBest'])}
                      data={[
                        { value: 'last', label: 'The last epoch' },
                        { value: 'clean', label: 'The best epoch by clean accuracy' },
                        { value: 'robust', label: 'The best epoch by accuracy under PGD' },
                        { value: 'certified', label: 'The best epoch by certified accuracy' },
                      ]}
                      data-testid="train-keep-best"
                    />
                    <NativeSelect
                      label="Fine-tune from a model"
                      description={
                        fitting.length
                          ? 'Start from the weights of an existing model instead of random ones (its network is kept).'
                          : 'No model that fits this dataset yet; train or import one first.'
                      }
                      value={form.initModel}
                      onChange={(e) => {
                        const id = e.currentTarget.value;
                        const m = models.find((x) => x.id === id);
                        setForm((f) => ({ ...f, initModel: id, arch: m ? m.arch : f.arch, preset: null }));
                      }}
                      data={[
                        { value: '', label: 'No: start from random weights' },
                        ...fitting.map((m) => ({ value: m.id, label: `${m.name} (${m.arch}, ${modelShape(m)})` })),
                      ]}
                      disabled={fitting.length === 0}
                      data-testid="train-init-model"
                    />
                  </SimpleGrid>
                  <Switch
                    label="Stop early when it stops improving"
                    description="Ends training when the chosen accuracy (on the validation split, else the test images) has not improved for a number of epochs."
                    checked={form.earlyStop}
                    onChange={(e) => set('earlyStop', e.currentTarget.checked)}
                    data-testid="train-early-stop"
                  />
                  {form.earlyStop && (
                    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
                      <NativeSelect
                        label="Watch"
                        description="What must keep improving."
                        value={form.esMetric}
                        onChange={(e) => set('esMetric', e.currentTarget.value as Selection)}
                        data={[
                          { value: 'clean', label: 'Clean accuracy' },
                          { value: 'robust', label: 'Accuracy under PGD' },
                          { value: 'certified', label: 'Certified accuracy' },
                          { value: 'loss', label: 'Loss' },
                        ]}
                        data-testid="train-es-metric"
                      />
                      <NumberInput
                        label="Patience"
                        description="Epochs without improvement before stopping. 1 to 1000."
                        value={form.esPatience}
                        onChange={(v) => set('esPatience', toNum(v))}
                        min={1}
                        max={1000}
                        allowDecimal={false}
                      />
                      <NumberInput
                        label="Smallest improvement"
                        description="A change below this does not count (accuracy as a fraction, e.g. 0.001 = 0.1 point). 0 or more."
                        value={form.esMinDelta}
                        onChange={(v) => set('esMinDelta', toNum(v))}
                        min={0}
                        step={0.001}
                        decimalScale={5}
                      />
                    </SimpleGrid>
                  )}
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

function Trade({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{value}</Text>
    </div>
  );
}

function toNum(v: string | number): Num {
  if (typeof v === 'number') return v;
  if (v.trim() === '') return '';
  const n = Number(v);
  return Number.isFinite(n) ? n : '';
}
