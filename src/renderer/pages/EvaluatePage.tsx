/**
 * Evaluate: model + dataset, presets first (Quick check, Standard report, Curve, Certified, Clean),
 * any attack of the registry with its generated form under "Custom", then each run followed live
 * (progress, ETA, Cancel) and its report below the form when it finishes.
 */
import { PresetCard } from '../components/PresetCard';
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
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { lab } from '../api/client';
import {
  EvalSpecSchema,
  type DatasetInfo,
  type EvalSpecInput,
  type ModelInfo,
  type RegistryEntry,
} from '../../shared/schemas';
import { EvaluationReportView } from '../components/EvaluationReport';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { cleanParams, defaultParams, ParamForm, validateParams, type ParamValues } from '../components/ParamForm';
import { RunProgress } from '../components/RunProgress';
import { StatusBadge } from '../components/StatusBadge';
import { EvaluationsTable } from './RunPage';
import { datasetRef } from './TrainPage';
import { findKey } from '../lib/evalText';
import { formatInt, formatPercent } from '../lib/format';
import { isTerminal, useLabEvents, useLiveRun, useLoad } from '../lib/hooks';
import { datasetShape, findDataset, findModel, modelShape } from '../lib/names';
import { notifyError } from '../lib/notify';
import { curveGrid, epsLong, formatEps, parseGrid, visibility } from '../lib/reportText';
import { href, navigate } from '../lib/route';

const NONE_ENTRY: RegistryEntry = {
  name: 'none',
  title: 'None (clean accuracy only)',
  description: 'No attack: measures how often the model is right on the unmodified images.',
  params: [],
};

type PresetId = 'quick' | 'standard' | 'curve' | 'certified' | 'clean' | 'custom';

interface Preset {
  id: PresetId;
  title: string;
  description: string;
  /** Attacks the preset needs from the registry. */
  needs: string[];
  /** Images to use unless the person chose a number. */
  limit: number;
  /** Whether the shared eps control applies. */
  usesEps: boolean;
}

const PRESETS: Preset[] = [
  {
    id: 'quick',
    title: 'Quick check',
    description: 'FGSM (one step) and PGD-20 (twenty steps) at the chosen eps: two short evaluations, a first sign of fragility.',
    needs: ['fgsm', 'pgd'],
    limit: 1000,
    usesEps: true,
  },
  {
    id: 'standard',
    title: 'Standard report',
    description: 'AutoAttack: four complementary attacks, each on the images the others left. The reliable number to report; slower.',
    needs: ['autoattack'],
    limit: 500,
    usesEps: true,
  },
  {
    id: 'curve',
    title: 'Curve',
    description: 'PGD-20 at seven sizes of change from 0 to twice the chosen eps: how accuracy falls as the attack gets more room.',
    needs: ['pgd'],
    limit: 500,
    usesEps: true,
  },
  {
    id: 'certified',
    title: 'Certified (IBP / CROWN)',
    description: 'No attack: bound propagation proves, image by image, that no change within eps can make the model wrong. mlp and mnist-cnn.',
    needs: [],
    limit: 1000,
    usesEps: true,
  },
  {
    id: 'clean',
    title: 'Clean accuracy',
    description: 'How often the model is right on unmodified images. Seconds.',
    needs: [],
    limit: 1000,
    usesEps: false,
  },
  {
    id: 'custom',
    title: 'Custom',
    description: 'Any attack of the lab with all its settings, and an optional robustness curve.',
    needs: [],
    limit: 1000,
    usesEps: false,
  },
];

/** Architectures whose layer list bound propagation can follow (src/core/certify). */
const CERTIFIABLE = ['mlp', 'mnist-cnn'];

const EPS_CHOICES = [
  { value: String(8 / 255), label: '8/255' },
  { value: '0.1', label: '0.1' },
  { value: '0.2', label: '0.2' },
  { value: '0.3', label: '0.3' },
  { value: 'other', label: 'Other' },
];

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
        subtitle="Measure how often a model is right, on clean images and under attacks that change each pixel a little. Pick a preset, check the images, run."
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
          runIds={(runId ?? '').split(',').filter(Boolean)}
        />
      )}
    </>
  );
}

function toNum(v: string | number): number | '' {
  if (typeof v === 'number') return v;
  if (v.trim() === '') return '';
  const n = Number(v);
  return Number.isFinite(n) ? n : '';
}

function withEps(entry: RegistryEntry, eps: number | undefined, extra: ParamValues = {}): ParamValues {
  const values = defaultParams(entry.params);
  const epsKey = findKey(values, ['eps', 'epsilon']);
  if (eps !== undefined && epsKey) values[epsKey] = eps;
  for (const [k, v] of Object.entries(extra)) if (k in values) values[k] = v;
  return values;
}

interface Job {
  label: string;
  spec: EvalSpecInput;
}

function EvalForm({
  models,
  datasets,
  attacks,
  modelParam,
  datasetParam,
  runIds,
}: {
  models: ModelInfo[];
  datasets: DatasetInfo[];
  attacks: RegistryEntry[];
  modelParam?: string;
  datasetParam?: string;
  runIds: string[];
}) {
  const entries = useMemo(() => (attacks.some((a) => a.name === 'none') ? attacks : [NONE_ENTRY, ...attacks]), [attacks]);
  const entryOf = (name: string) => entries.find((e) => e.name === name);
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

  const available = (p: Preset) => p.needs.every((n) => entries.some((e) => e.name === n));
  const [preset, setPreset] = useState<PresetId>(() => (PRESETS.find((p) => p.id === 'quick' && available(p)) ? 'quick' : 'clean'));
  const presetInfo = PRESETS.find((p) => p.id === preset)!;

  // The size of change (eps), shared by the presets. Colour images: 8/255, grey ones: 0.1.
  const [epsChoice, setEpsChoice] = useState<string>(() => ((dataset?.channels ?? 1) >= 3 ? String(8 / 255) : '0.1'));
  const [epsOther, setEpsOther] = useState<number | ''>(0.05);
  const eps = epsChoice === 'other' ? (epsOther === '' ? undefined : epsOther) : Number(epsChoice);
  const [certMethod, setCertMethod] = useState<'ibp' | 'crown'>('ibp');

  // Custom: any attack with its generated form and an optional eps grid.
  const [attackName, setAttackName] = useState(() => (entries.some((e) => e.name === 'pgd') ? 'pgd' : 'none'));
  const entry = entryOf(attackName) ?? NONE_ENTRY;
  const [params, setParams] = useState<ParamValues>(() => withEps(entry, 0.1));
  const [gridText, setGridText] = useState('');

  const [limit, setLimit] = useState<number | ''>(presetInfo.limit);
  const [limitTouched, setLimitTouched] = useState(false);
  const [batchSize, setBatchSize] = useState<number | ''>(200);
  const [seed, setSeed] = useState<number | ''>(0);
  const [gallery, setGallery] = useState<number | ''>(8);
  const [checks, setChecks] = useState({ masking: true, unbounded: false, blackBox: false });
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // When the model changes, follow it to the dataset it was trained on.
  useEffect(() => {
    const d = findDataset(datasets, model?.datasetId);
    if (d && !datasetParam) setDatasetId(d.id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modelId]);

  const choosePreset = (p: Preset) => {
    if (!available(p)) return;
    setPreset(p.id);
    setProblem(null);
    if (!limitTouched) setLimit(p.limit);
  };

  /** Copies what a preset would run into the Custom form. */
  const customize = () => {
    const jobs = presetJobs();
    const last = jobs[jobs.length - 1];
    if (last && last.spec.attack && last.spec.attack.name !== 'none') {
      const e = entryOf(last.spec.attack.name);
      if (e) {
        setAttackName(e.name);
        setParams(withEps(e, undefined, last.spec.attack.params as ParamValues));
      }
      setGridText(last.spec.epsGrid ? last.spec.epsGrid.map(formatEps).join(', ') : '');
    }
    setPreset('custom');
  };

  const chooseAttack = (n: string) => {
    const e = entryOf(n) ?? NONE_ENTRY;
    setAttackName(e.name);
    const epsKey = findKey(params, ['eps', 'epsilon']);
    const keep = epsKey && typeof params[epsKey] === 'number' ? (params[epsKey] as number) : undefined;
    const next = defaultParams(e.params);
    const nextEps = findKey(next, ['eps', 'epsilon']);
    // Keep the eps the person set when the new attack measures in the same unit (both L∞ within 0–1).
    const d = e.params.find((p) => p.key === nextEps);
    if (nextEps && keep !== undefined && keep > 0 && (d?.max ?? 1) <= 1) next[nextEps] = keep;
    setParams(next);
  };

  const mismatch =
    model && dataset
      ? model.inputShape[0] !== dataset.height ||
        model.inputShape[1] !== dataset.width ||
        model.inputShape[2] !== dataset.channels ||
        model.numClasses < dataset.numClasses
      : false;
  const certifiable = !model || CERTIFIABLE.includes(model.arch);

  const customEpsKey = findKey(params, ['eps', 'epsilon']);
  // The per-pixel explanation only fits L∞ attacks (an L2 eps is the length of the whole change).
  const customL2 = params.norm === 'l2' || /l2/i.test(entry.params.find((p) => p.key === customEpsKey)?.label ?? '');
  const customEps = customEpsKey && !customL2 ? params[customEpsKey] : undefined;
  const parsedGrid = parseGrid(gridText);

  function presetJobs(): Job[] {
    const e = eps ?? 0;
    const pgd = entryOf('pgd');
    switch (preset) {
      case 'quick': {
        const fgsm = entryOf('fgsm');
        const out: Job[] = [];
        if (fgsm) out.push({ label: 'FGSM', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'fgsm', params: withEps(fgsm, e) } } });
        if (pgd) out.push({ label: 'PGD-20', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'pgd', params: withEps(pgd, e, { steps: 20 }) } } });
        return out;
      }
      case 'standard': {
        const aa = entryOf('autoattack');
        return aa ? [{ label: 'AutoAttack', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'autoattack', params: withEps(aa, e) } } }] : [];
      }
      case 'curve':
        return pgd
          ? [{ label: 'PGD-20 curve', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'pgd', params: withEps(pgd, e, { steps: 20 }) }, epsGrid: curveGrid(e) } }]
          : [];
      case 'certified':
        return [{ label: certMethod.toUpperCase(), spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'none', params: {} }, certify: certMethod, eps: e } }];
      case 'clean':
        return [{ label: 'Clean', spec: { kind: 'eval', model: '', dataset: '', attack: { name: 'none', params: {} } } }];
      case 'custom':
        return [
          {
            label: entry.title,
            spec: {
              kind: 'eval',
              model: '',
              dataset: '',
              attack: { name: entry.name, params: cleanParams(entry.params, params) },
              epsGrid: entry.name !== 'none' ? parsedGrid.grid : undefined,
            },
          },
        ];
    }
  }

  const jobs = presetJobs();
  const images =
    limit === '' ? `all ${splitCount !== undefined ? formatInt(splitCount) : ''} ${effectiveSplit} images` : `the first ${formatInt(limit)} ${effectiveSplit} images`;
  const summary = (() => {
    const epsText = eps !== undefined ? formatEps(eps) : '?';
    switch (preset) {
      case 'quick':
        return `Runs two evaluations, FGSM and PGD with 20 steps, each allowed to change every pixel by at most ${epsText}, on ${images}.`;
      case 'standard':
        return `Runs AutoAttack (APGD-CE, APGD-T, APGD-DLR, Square) with eps ${epsText} on ${images}. The most reliable number; can take a while.`;
      case 'curve':
        return `Runs PGD with 20 steps at eps ${curveGrid(eps ?? 0).map(formatEps).join(', ')} on ${images}.`;
      case 'certified':
        return `Proves robustness with ${certMethod.toUpperCase()} at eps ${epsText} on ${images}; no attack is run.`;
      case 'clean':
        return `Measures accuracy on ${images}, without any attack.`;
      case 'custom':
        return `Runs ${entry.title} on ${images}${parsedGrid.grid ? `, and again at eps ${parsedGrid.grid.map(formatEps).join(', ')}` : ''}.`;
    }
  })();

  const submit = async () => {
    if (!model || !dataset) {
      setProblem('Choose a model and a dataset.');
      return;
    }
    if (presetInfo.usesEps && (eps === undefined || !(eps > 0) || eps > 1)) {
      setProblem('Size of change (eps): enter a number above 0 and at most 1.');
      return;
    }
    if (preset === 'custom') {
      const bad = validateParams(entry.params, params);
      if (bad) {
        setProblem(bad);
        return;
      }
      if (parsedGrid.error) {
        setProblem(parsedGrid.error);
        return;
      }
    }
    if (limit !== '' && splitCount !== undefined && limit > splitCount) {
      setProblem(`Images (limit): this split has only ${formatInt(splitCount)} images.`);
      return;
    }
    if (jobs.length === 0) {
      setProblem('This preset needs attacks this lab does not have; choose another.');
      return;
    }
    const specs: EvalSpecInput[] = [];
    for (const job of jobs) {
      const spec: EvalSpecInput = {
        ...job.spec,
        name: name.trim() ? (jobs.length > 1 ? `${name.trim()} (${job.label})` : name.trim()) : undefined,
        model: modelRef(models, model.id),
        dataset: datasetRef(datasets, dataset.id),
        split: effectiveSplit,
        limit: limit === '' ? undefined : limit,
        batchSize: batchSize === '' ? undefined : batchSize,
        seed: seed === '' ? undefined : seed,
        gallery: gallery === '' ? undefined : gallery,
        checks,
      };
      const parsed = EvalSpecSchema.safeParse(spec);
      if (!parsed.success) {
        setProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
        return;
      }
      specs.push(spec);
    }
    setProblem(null);
    setBusy(true);
    const ids: string[] = [];
    try {
      for (const spec of specs) ids.push((await lab.submitEval(spec)).id);
    } catch (err) {
      notifyError('Could not start the evaluation', err);
    } finally {
      setBusy(false);
    }
    if (ids.length) navigate(['evaluate'], { model: model.id, dataset: dataset.id, run: ids.join(',') });
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
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" role="radiogroup" aria-labelledby="how-title" mb="md">
          {PRESETS.map((p) => {
            const ok = available(p);
            const active = preset === p.id;
            const warn = p.id === 'certified' && !certifiable && model ? `Not for ${model.arch} models: certification works for ${CERTIFIABLE.join(' and ')}.` : null;
            return (
              <PresetCard
                key={p.id}
                title={p.title}
                description={p.description}
                active={active}
                available={ok}
                unavailableText="This preset needs attacks this lab does not have."
                onChoose={() => choosePreset(p)}
                testId={`eval-preset-${p.id}`}
              >
                {warn && (
                  <Text size="xs" c="orange" mt={4}>
                    {warn}
                  </Text>
                )}
              </PresetCard>
            );
          })}
        </SimpleGrid>

        <Stack gap="sm">
          {presetInfo.usesEps && (
            <Stack gap={4}>
              <Text size="sm" fw={500} id="eps-label">
                Size of change the attack may make (eps)
              </Text>
              <Text size="xs" c="dimmed">
                The largest change to any pixel; pixel values run from 0 (black) to 1 (white). 8/255 is the usual choice for colour photos, 0.1–0.3 for
                handwritten digits.
              </Text>
              <Group gap="sm" wrap="wrap" align="center">
                <SegmentedControl
                  value={epsChoice}
                  onChange={setEpsChoice}
                  data={EPS_CHOICES}
                  aria-labelledby="eps-label"
                  data-testid="eval-eps"
                />
                {epsChoice === 'other' && (
                  <NumberInput
                    aria-label="eps (other)"
                    value={epsOther}
                    onChange={(v) => setEpsOther(toNum(v))}
                    min={0}
                    max={1}
                    step={0.01}
                    decimalScale={5}
                    w={120}
                    data-testid="eval-eps-other"
                  />
                )}
              </Group>
              {eps !== undefined && eps > 0 && (
                <Text size="sm" data-testid="eps-explained">
                  Each pixel may change by at most {epsLong(eps)} (about {Math.round(eps * 255)} of 255 brightness levels): {visibility(eps)}.
                </Text>
              )}
            </Stack>
          )}

          {preset === 'certified' && (
            <NativeSelect
              label="Bound method"
              description="IBP is fast and loose; CROWN is tighter (proves more images) and slower."
              value={certMethod}
              onChange={(e) => setCertMethod(e.currentTarget.value as 'ibp' | 'crown')}
              data={[
                { value: 'ibp', label: 'IBP (interval bounds)' },
                { value: 'crown', label: 'CROWN (linear bounds)' },
              ]}
              data-testid="eval-certify"
            />
          )}

          {preset === 'custom' && (
            <Paper withBorder radius="md" p="sm">
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
                    onChange={setParams}
                    afterBasic={
                      typeof customEps === 'number' && Number.isFinite(customEps) && customEps > 0 && customEps <= 1 ? (
                        <Text size="sm" c="dimmed" data-testid="eps-explained">
                          The attack may change each pixel by at most {epsLong(customEps)} (about {Math.round(customEps * 255)} of 255 brightness
                          levels); pixel values run from 0 (black) to 1 (white).
                        </Text>
                      ) : undefined
                    }
                  />
                )}
                {entry.name !== 'none' && (
                  <TextInput
                    label="Robustness curve (optional)"
                    description="Also measure robust accuracy at these eps values, separated by commas (e.g. 0, 0.05, 0.1, 0.2 or 2/255, 4/255, 8/255). Each value runs the attack again. Empty: no curve."
                    value={gridText}
                    onChange={(e) => setGridText(e.currentTarget.value)}
                    error={parsedGrid.error}
                    placeholder="0, 0.05, 0.1, 0.2"
                    data-testid="eval-grid"
                  />
                )}
              </Stack>
            </Paper>
          )}

          {preset !== 'custom' && preset !== 'clean' && preset !== 'certified' && (
            <Group gap="xs">
              <Button variant="subtle" size="compact-sm" onClick={customize} data-testid="eval-customize">
                Customize this preset…
              </Button>
              <Text size="xs" c="dimmed">
                Opens the attack and all its settings.
              </Text>
            </Group>
          )}

          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <NumberInput
              label="Images (limit)"
              description={`Use only the first K images; fewer is faster. 1 to ${splitCount !== undefined ? formatInt(splitCount) : '…'}; empty: all.`}
              value={limit}
              onChange={(v) => {
                setLimit(toNum(v));
                setLimitTouched(true);
              }}
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
              <Accordion.Control data-testid="eval-more">More settings: checks for misleading results, examples, batch size, seed, name</Accordion.Control>
              <Accordion.Panel>
                <Stack gap="md">
                  <Stack gap={6}>
                    <Text size="sm" fw={500}>
                      Checks for gradient masking (results that look more robust than they are)
                    </Text>
                    <Switch
                      label="Quick checks of outputs and gradients"
                      description="Are the outputs probabilities or random? Are the gradients zero? Takes a second."
                      checked={checks.masking}
                      onChange={(e) => setChecks((c) => ({ ...c, masking: e.currentTarget.checked }))}
                      data-testid="eval-check-masking"
                    />
                    <Switch
                      label="Unlimited attack (eps = 1)"
                      description="PGD allowed to change the image completely must reach chance accuracy; if not, the attack is being misled. One PGD run on 100 images."
                      checked={checks.unbounded}
                      onChange={(e) => setChecks((c) => ({ ...c, unbounded: e.currentTarget.checked }))}
                      data-testid="eval-check-unbounded"
                    />
                    <Switch
                      label="Black-box attack on the survivors"
                      description="The Square attack, which ignores gradients, on the images the attack could not break. Slower; the strongest check."
                      checked={checks.blackBox}
                      onChange={(e) => setChecks((c) => ({ ...c, blackBox: e.currentTarget.checked }))}
                      data-testid="eval-check-blackbox"
                    />
                  </Stack>
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="md">
                    <NumberInput
                      label="Example images"
                      description="Clean / attacked / change triples kept for the report. 0 to 64."
                      value={gallery}
                      onChange={(v) => setGallery(toNum(v))}
                      min={0}
                      max={64}
                      allowDecimal={false}
                    />
                    <NumberInput
                      label="Batch size"
                      description="Images attacked at once. 1 to 4096; lower it if memory runs out."
                      value={batchSize}
                      onChange={(v) => setBatchSize(toNum(v))}
                      min={1}
                      max={4096}
                      allowDecimal={false}
                    />
                    <NumberInput
                      label="Seed"
                      description="Fixes the attack's random start, so results repeat. 0 to 2,147,483,647."
                      value={seed}
                      onChange={(v) => setSeed(toNum(v))}
                      min={0}
                      max={2 ** 31 - 1}
                      allowDecimal={false}
                    />
                    <TextInput
                      label="Run name (optional)"
                      description="Up to 200 characters. Empty: a name is made up."
                      value={name}
                      maxLength={190}
                      onChange={(e) => setName(e.currentTarget.value)}
                    />
                  </SimpleGrid>
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </Stack>
      </section>

      <section aria-labelledby="run-title">
        <Title order={2} size="h4" id="run-title" mb="xs">
          3. Run
        </Title>
        <Text size="sm" mb="sm" data-testid="eval-summary">
          {summary}
        </Text>
        {problem && (
          <Alert color="orange" role="alert" mb="sm" data-testid="eval-problem">
            {problem}
          </Alert>
        )}
        <Group>
          <Button size="md" onClick={submit} loading={busy} disabled={!model || !dataset} data-testid="start-eval">
            Run evaluation
          </Button>
          <Text size="xs" c="dimmed">
            Runs in the background; the report appears below when it is done.
          </Text>
        </Group>
      </section>

      {runIds.length > 0 && <EvalRuns runIds={runIds} />}
      {model && <ModelEvaluations modelId={model.id} datasets={datasets} attacks={entries} runKey={runIds.join(',')} />}
    </Stack>
  );
}

function EvalRuns({ runIds }: { runIds: string[] }) {
  const [tab, setTab] = useState<string | null>(runIds[0] ?? null);
  const ref = useRef<HTMLDivElement>(null);
  const key = runIds.join(',');
  useEffect(() => {
    setTab(runIds[0] ?? null);
    // Bring the new run into view: its progress, then its report, appear below the form.
    ref.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  if (runIds.length === 1) {
    return (
      <div ref={ref} style={{ scrollMarginTop: 70 }}>
        <EvalRunPanel runId={runIds[0]!} />
      </div>
    );
  }
  return (
    <Tabs ref={ref} value={tab} onChange={setTab} keepMounted={false} variant="outline" data-testid="eval-runs" style={{ scrollMarginTop: 70 }}>
      <Tabs.List>
        {runIds.map((id) => (
          <RunTab key={id} runId={id} />
        ))}
      </Tabs.List>
      {runIds.map((id) => (
        <Tabs.Panel key={id} value={id} pt="sm">
          <EvalRunPanel runId={id} />
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

/** A tab label: the attack, its status and, when done, clean → robust. */
function RunTab({ runId }: { runId: string }) {
  const { detail } = useLiveRun(runId);
  const run = detail?.run;
  const ev = detail?.evaluations[detail.evaluations.length - 1];
  const spec = run?.spec.kind === 'eval' ? run.spec : undefined;
  const label = spec ? (spec.certify ? spec.certify.toUpperCase() : spec.attack.name.toUpperCase()) : '…';
  return (
    <Tabs.Tab value={runId} data-testid={`eval-tab-${runId}`}>
      <Group gap={6} wrap="nowrap">
        <span>{label}</span>
        {run && run.status !== 'finished' && <StatusBadge status={run.status} />}
        {ev && ev.robustAccuracy !== null && (
          <Text span size="xs" c="dimmed">
            {formatPercent(ev.cleanAccuracy, 0)} → {formatPercent(ev.robustAccuracy, 0)}
          </Text>
        )}
      </Group>
    </Tabs.Tab>
  );
}

function EvalRunPanel({ runId }: { runId: string }) {
  const { detail, error, progress } = useLiveRun(runId);
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
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`eval-run-title-${run.id}`} data-testid="eval-run" data-run-id={run.id}>
      <Stack gap="md">
        <Group gap="xs" wrap="wrap">
          <Title order={2} size="h4" id={`eval-run-title-${run.id}`} style={{ overflowWrap: 'anywhere' }}>
            <Anchor href={href(['runs', run.id])} inherit>
              {run.name}
            </Anchor>
          </Title>
          <StatusBadge status={run.status} />
        </Group>
        {!isTerminal(run.status) && <RunProgress run={run} progress={progress} />}
        {run.status === 'finished' && ev && (
          <div data-testid="eval-result">
            <EvaluationReportView evaluation={ev} />
          </div>
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
  runKey,
}: {
  modelId: string;
  datasets: DatasetInfo[];
  attacks: RegistryEntry[];
  runKey: string;
}) {
  // Reload whenever a run ends (a new evaluation may have been recorded).
  const [tick, setTick] = useState(0);
  useLabEvents((e) => {
    if (e.type === 'run' && isTerminal(e.status)) setTick((t) => t + 1);
  });
  const evals = useLoad(() => lab.listEvaluations({ modelId }), [modelId, runKey, tick]);
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
