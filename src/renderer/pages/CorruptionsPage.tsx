/**
 * Corruptions: the corruption studio (a recipe of registry corruptions with a live before/after
 * preview, saved as a new dataset by a corrupt job) and the corruption-robustness benchmark.
 */
import {
  Alert,
  Button,
  Checkbox,
  Grid,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SegmentedControl,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useEffect, useMemo, useRef, useState } from 'react';
import { lab } from '../api/client';
import { CorruptSpecSchema, type CorruptSpecInput, type DatasetInfo, type RecipeInput } from '../../shared/schemas';
import { BenchmarkPanel } from '../components/corruptions/BenchmarkPanel';
import { CorruptJobPanel } from '../components/corruptions/CorruptJobPanel';
import { CorruptionPreview } from '../components/corruptions/CorruptionPreview';
import { RecipeEditor } from '../components/corruptions/RecipeEditor';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { buildRecipe, type StepState } from '../lib/corruptions';
import { formatInt } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { findDataset } from '../lib/names';
import { notifyError } from '../lib/notify';
import { navigate } from '../lib/route';

const STORAGE_KEY = 'robustlab.corruption-studio';

interface StudioState {
  datasetId: string;
  split: 'train' | 'test';
  steps: StepState[];
  seed: number | '';
}

function loadState(): Partial<StudioState> {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Partial<StudioState>) : {};
  } catch {
    return {};
  }
}

/** What the lab names the dataset when the name field is left empty (see resolveCorruptSpec). */
function defaultName(parent: DatasetInfo | undefined, steps: StepState[]): string {
  if (!parent || steps.length === 0) return '';
  const first = steps[0]!;
  return `${parent.name}-${first.corruption.replace('/', '-')}-s${first.severity}${steps.length > 1 ? `-plus${steps.length - 1}` : ''}`;
}

export function CorruptionsPage({ datasetParam, tab }: { datasetParam?: string; tab?: string }) {
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const registry = useLoad(() => lab.listCorruptions({}), []);
  const models = useLoad(() => lab.listModels({}), []);
  const current = tab === 'benchmark' ? 'benchmark' : 'studio';
  const fromParam = findDataset(datasets.data, datasetParam);

  return (
    <>
      <PageHeader
        title="Corruptions"
        subtitle="Make a corrupted copy of a dataset (noise, blur, weather, label noise, imbalance, backdoors), checking a live preview before saving, and measure how models hold up under corruptions."
      />
      {(datasets.error || registry.error) && (
        <Alert color="red" title="Could not load the corruption studio" mb="md">
          {(datasets.error ?? registry.error)?.message}
        </Alert>
      )}
      <Tabs
        value={current}
        onChange={(v) => navigate(['corruptions'], { tab: v === 'benchmark' ? 'benchmark' : undefined, dataset: datasetParam })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="studio" data-testid="tab-studio">
            Corruption studio
          </Tabs.Tab>
          <Tabs.Tab value="benchmark" data-testid="tab-benchmark">
            Robustness benchmark
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="studio">
          {!datasets.data || !registry.data ? (
            <Loader size="sm" aria-label="Loading the corruption studio" />
          ) : datasets.data.length === 0 ? (
            <EmptyState title="No datasets yet">Import a dataset on the Datasets page first.</EmptyState>
          ) : (
            <Studio
              datasets={datasets.data}
              registry={registry.data}
              initialDataset={fromParam?.id}
              onDatasetCreated={datasets.reload}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="benchmark">
          {!datasets.data || !registry.data || !models.data ? (
            <Loader size="sm" aria-label="Loading the benchmark form" />
          ) : (
            <BenchmarkPanel registry={registry.data} datasets={datasets.data} models={models.data} initialDataset={fromParam?.id} />
          )}
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function Studio({
  datasets,
  registry,
  initialDataset,
  onDatasetCreated,
}: {
  datasets: DatasetInfo[];
  registry: import('../../shared/schemas').CorruptionInfo[];
  initialDataset?: string;
  onDatasetCreated: () => void;
}) {
  const saved = useMemo(loadState, []);
  const [datasetId, setDatasetId] = useState<string>(
    initialDataset ?? (saved.datasetId && datasets.some((d) => d.id === saved.datasetId) ? saved.datasetId : datasets[0]!.id),
  );
  const dataset = datasets.find((d) => d.id === datasetId) ?? datasets[0]!;
  const available = (['test', 'train'] as const).filter((s) => dataset.splits[s]);
  const [split, setSplit] = useState<'train' | 'test'>(saved.split && dataset.splits[saved.split] ? saved.split : (available[0] ?? 'test'));
  const [steps, setSteps] = useState<StepState[]>(Array.isArray(saved.steps) ? saved.steps : []);
  const [seed, setSeed] = useState<number | ''>(typeof saved.seed === 'number' ? saved.seed : 0);
  // Wide screens: the preview beside the recipe, kept in view; narrow ones: between recipe and save.
  const wide = useMediaQuery('(min-width: 75em)', undefined, { getInitialValueInEffect: false });

  useEffect(() => {
    if (initialDataset) setDatasetId(initialDataset);
  }, [initialDataset]);
  useEffect(() => {
    if (!dataset.splits[split]) setSplit(available[0] ?? 'test');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataset.id]);
  useEffect(() => {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ datasetId, split, steps, seed }));
    } catch {
      /* storage may be disabled */
    }
  }, [datasetId, split, steps, seed]);

  const built = buildRecipe(steps, registry, dataset, seed);
  // While a step is being edited into shape, keep previewing the last recipe that was valid.
  const lastValid = useRef<RecipeInput | null>(null);
  if (built.recipe) lastValid.current = built.recipe;
  if (steps.length === 0) lastValid.current = null;
  const previewRecipe = built.recipe ?? lastValid.current;
  const preview = (
    <CorruptionPreview
      dataset={dataset}
      split={split}
      recipe={previewRecipe}
      problem={built.error ?? null}
      labelNoise={steps.some((s) => registry.find((c) => c.name === s.corruption)?.family === 'labels')}
    />
  );

  return (
    <Grid gutter="lg">
      <Grid.Col span={wide ? 5 : 12}>
        <Stack gap="md">
          <Paper withBorder radius="md" p="md" component="section" aria-labelledby="source-title">
            <Stack gap="sm">
              <Title order={2} size="h4" id="source-title">
                1. Source
              </Title>
              <NativeSelect
                label="Dataset"
                description="The dataset to corrupt; it stays as it is, the corrupted copy is a new dataset."
                value={dataset.id}
                onChange={(e) => setDatasetId(e.currentTarget.value)}
                data={datasets.map((d) => ({ value: d.id, label: d.name }))}
                data-testid="studio-dataset"
              />
              {available.length > 1 && (
                <div>
                  <Text size="sm" fw={500} id="studio-split-label">
                    Preview images from
                  </Text>
                  <SegmentedControl
                    aria-labelledby="studio-split-label"
                    value={split}
                    onChange={(v) => setSplit(v as 'train' | 'test')}
                    data={[
                      { value: 'test', label: 'Test split' },
                      { value: 'train', label: 'Training split' },
                    ]}
                    data-testid="studio-split"
                  />
                </div>
              )}
            </Stack>
          </Paper>
          <Paper withBorder radius="md" p="md" component="section" aria-labelledby="recipe-title">
            <Stack gap="sm">
              <div>
                <Title order={2} size="h4" id="recipe-title">
                  2. Recipe
                </Title>
                <Text size="sm" c="dimmed">
                  Steps run in order on every image. Severity 1 is mild, 5 is strong; the exact values are under Advanced.
                </Text>
              </div>
              <RecipeEditor registry={registry} dataset={dataset} steps={steps} onStepsChange={setSteps} seed={seed} onSeedChange={setSeed} />
            </Stack>
          </Paper>
          {!wide && preview}
          <SaveAsDataset
            dataset={dataset}
            datasets={datasets}
            steps={steps}
            recipe={built.recipe ?? null}
            problem={built.error ?? null}
            onCreated={onDatasetCreated}
          />
        </Stack>
      </Grid.Col>
      {wide && (
        <Grid.Col span={7}>
          <div style={{ position: 'sticky', top: 72, maxHeight: 'calc(100vh - 120px)', overflowY: 'auto', overscrollBehavior: 'contain' }}>
            {preview}
          </div>
        </Grid.Col>
      )}
    </Grid>
  );
}

function SaveAsDataset({
  dataset,
  datasets,
  steps,
  recipe,
  problem,
  onCreated,
}: {
  dataset: DatasetInfo;
  datasets: DatasetInfo[];
  steps: StepState[];
  recipe: RecipeInput | null;
  problem: string | null;
  onCreated: () => void;
}) {
  const available = (['train', 'test'] as const).filter((s) => dataset.splits[s]);
  const [name, setName] = useState('');
  const [splits, setSplits] = useState<string[]>(available);
  const [busy, setBusy] = useState(false);
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const [jobs, setJobs] = useState<string[]>([]);
  useEffect(() => setSplits(available), [dataset.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const suggestion = defaultName(dataset, steps);
  const finalName = name.trim() || suggestion;
  const taken = !!finalName && datasets.some((d) => d.name === finalName);
  const images = splits.reduce((n, s) => n + (dataset.splits[s as 'train' | 'test']?.count ?? 0), 0);

  const save = async () => {
    setFormProblem(null);
    if (!recipe) return setFormProblem(problem ?? 'Add a corruption first.');
    const spec: CorruptSpecInput = {
      kind: 'corrupt',
      dataset: dataset.id,
      recipe,
      splits: splits as ('train' | 'test')[],
      ...(name.trim() ? { name: name.trim() } : {}),
    };
    const parsed = CorruptSpecSchema.safeParse(spec);
    if (!parsed.success) return setFormProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
    if (taken) return setFormProblem(`A dataset named “${finalName}” already exists; choose another name.`);
    setBusy(true);
    try {
      const run = await lab.submitCorrupt(spec);
      setJobs((j) => [run.id, ...j]);
      setName('');
    } catch (err) {
      notifyError('Could not start saving the dataset', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="save-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="save-title">
          3. Save as a new dataset
        </Title>
        <TextInput
          label="Name"
          description={`How the new dataset is listed; 1 to 120 characters.${suggestion ? ' Empty: the suggested name.' : ''}`}
          placeholder={suggestion || 'e.g. mnist-digits-noisy'}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          maxLength={120}
          error={taken ? 'A dataset with this name already exists.' : undefined}
          data-testid="save-name"
        />
        <Checkbox.Group
          label="Splits to corrupt"
          description="The new dataset has only these splits, each corrupted by the recipe."
          value={splits}
          onChange={setSplits}
        >
          <Group gap="md" mt={6}>
            {available.map((s) => (
              <Checkbox
                key={s}
                value={s}
                label={`${s === 'train' ? 'Training' : 'Test'} (${formatInt(dataset.splits[s]?.count ?? 0)} images)`}
                data-testid={`save-split-${s}`}
              />
            ))}
          </Group>
        </Checkbox.Group>
        {formProblem && (
          <Alert color="orange" role="alert" data-testid="save-problem">
            {formProblem}
          </Alert>
        )}
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="xs" c="dimmed">
            {recipe ? `${formatInt(images)} images to corrupt; runs as a job you can cancel.` : (problem ?? '')}
          </Text>
          <Button onClick={save} loading={busy} disabled={!recipe || splits.length === 0} data-testid="save-dataset">
            Save as dataset
          </Button>
        </Group>
        {jobs.map((id) => (
          <CorruptJobPanel key={id} runId={id} onFinished={onCreated} />
        ))}
      </Stack>
    </Paper>
  );
}
