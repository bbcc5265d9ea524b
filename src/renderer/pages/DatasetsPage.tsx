/** Datasets: the list, a sample grid of the selected one, and the IDX import form. */
import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useMemo, useState } from 'react';
import { lab } from '../api/client';
import { ImportDatasetRequestSchema, type DatasetInfo } from '../../shared/schemas';
import { DataTable } from '../components/DataTable';
import { DatasetLineage } from '../components/corruptions/DatasetLineage';
import { FilePickField } from '../components/FilePickField';
import { ManageItem } from '../components/manage/ManageItem';
import { ErrorNote } from '../components/ErrorNote';
import { explainError, type ExplainedError } from '../lib/explainError';
import { LabError } from '../../shared/errors';
import { Welcome } from '../components/help/Welcome';
import { NoTrainSplit } from '../components/help/LinkNotice';
import { ByoImportPanel } from '../components/datasets/ByoImportPanel';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { SampleGrid } from '../components/SampleGrid';
import { formatDate, formatInt } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { datasetShape, findDataset, sourceLabel } from '../lib/names';
import { notifyError, notifyOk } from '../lib/notify';
import { href, navigate } from '../lib/route';
import { NameClassesButton } from '../components/datasets/ClassNames';

const col = createColumnHelper<DatasetInfo>();

const IDX_FILTERS = [
  { name: 'IDX files', extensions: ['gz', 'idx3-ubyte', 'idx1-ubyte', 'idx'] },
  { name: 'All files', extensions: ['*'] },
];

export function DatasetsPage({ selectedId }: { selectedId?: string }) {
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const [importOpen, setImportOpen] = useState(false);
  const list = datasets.data;
  const selected = findDataset(list, selectedId) ?? list?.[0];

  const columns = useMemo(
    () => [
      col.accessor('name', {
        header: 'Name',
        cell: (c) => (
          <Anchor href={href(['datasets', c.row.original.id])} fw={600} onClick={(e) => e.stopPropagation()}>
            {c.getValue()}
          </Anchor>
        ),
      }),
      col.accessor((d) => sourceLabel(d.source), { id: 'source', header: 'Source' }),
      col.accessor((d) => (d.parentId ? (list?.find((p) => p.id === d.parentId)?.name ?? d.parentId) : ''), {
        id: 'parent',
        header: 'Made from',
        cell: (c) =>
          c.row.original.parentId ? (
            <Anchor href={href(['datasets', c.row.original.parentId])} size="sm" onClick={(e) => e.stopPropagation()} data-testid="dataset-parent-link">
              {c.getValue()}
            </Anchor>
          ) : (
            '—'
          ),
      }),
      col.accessor((d) => d.height * d.width * d.channels, {
        id: 'size',
        header: 'Image size',
        cell: (c) => <span title="height × width × channels">{datasetShape(c.row.original)}</span>,
      }),
      col.accessor('numClasses', { header: 'Classes' }),
      col.accessor((d) => d.splits.train?.count ?? 0, {
        id: 'train',
        header: 'Training images',
        cell: (c) => (c.row.original.splits.train ? formatInt(c.getValue()) : '—'),
      }),
      col.accessor((d) => d.splits.test?.count ?? 0, {
        id: 'test',
        header: 'Test images',
        cell: (c) => (c.row.original.splits.test ? formatInt(c.getValue()) : '—'),
      }),
      col.accessor('createdAt', { header: 'Added', cell: (c) => formatDate(c.getValue()) }),
    ],
    [list],
  );

  return (
    <>
      <PageHeader
        title="Datasets"
        subtitle="The images your models learn from and are tested on. Choose a dataset to see examples of each class."
        actions={
          <Button onClick={() => setImportOpen(true)} data-testid="open-import-dataset">
            Import IDX files
          </Button>
        }
      />
      <Welcome />
      <ByoImportPanel
        onImported={(n) => {
          datasets.reload();
          navigate(['datasets', n]);
        }}
      />
      {datasets.error && (
        <Alert color="red" title="Could not load the datasets" mb="md">
          {datasets.error.message}
        </Alert>
      )}
      <Paper withBorder radius="md" p="xs" mb="lg">
        {datasets.loading && !list ? (
          <Loader size="sm" m="md" aria-label="Loading datasets" />
        ) : (
          <DataTable
            label="Datasets"
            data={list ?? []}
            columns={columns}
            rowKey={(d) => d.id}
            rowTestId={(d) => `dataset-row-${d.name}`}
            onRowClick={(d) => navigate(['datasets', d.id])}
            isSelected={(d) => d.id === selected?.id}
            empty={
              <EmptyState title="No datasets yet">
                Import IDX files (the MNIST format) with the button above.
              </EmptyState>
            }
          />
        )}
      </Paper>
      {selected && (selected.parentId || selected.recipe) ? (
        <DatasetLineage key={`lineage-${selected.id}`} dataset={selected} datasets={list ?? []} onRegenerated={datasets.reload} />
      ) : null}
      {selected && <DatasetSamplesPanel key={selected.id} dataset={selected} parent={findDataset(list, selected.parentId ?? undefined)} />}
      <ImportDatasetModal
        opened={importOpen}
        onClose={() => setImportOpen(false)}
        onImported={(d) => {
          setImportOpen(false);
          datasets.reload();
          navigate(['datasets', d.id]);
        }}
      />
    </>
  );
}

function DatasetSamplesPanel({ dataset, parent }: { dataset: DatasetInfo; parent?: DatasetInfo }) {
  const splits = (['test', 'train'] as const).filter((s) => dataset.splits[s]);
  const [split, setSplit] = useState<'train' | 'test'>(splits[0] ?? 'test');
  const [perClass, setPerClass] = useState('8');
  const samples = useLoad(
    () => lab.datasetSamples({ dataset: dataset.id, split, perClass: Number(perClass) }),
    [dataset.id, split, perClass],
  );

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="samples-title">
      <Group justify="space-between" mb="sm" wrap="wrap" gap="sm">
        <div>
          <Title order={2} size="h4" id="samples-title">
            Examples from {dataset.name}
          </Title>
          <Text size="sm" c="dimmed">
            {dataset.numClasses} classes, images of {dataset.height}×{dataset.width} pixels
            {dataset.channels === 1 ? ' in grayscale' : dataset.channels === 3 ? ' in colour' : `, ${dataset.channels} channels`}.
          </Text>
        </div>
        <Group gap="sm" align="flex-end">
          {splits.length > 1 && (
            <SegmentedControl
              aria-label="Split to show"
              value={split}
              onChange={(v) => setSplit(v as 'train' | 'test')}
              data={[
                { value: 'test', label: 'Test images' },
                { value: 'train', label: 'Training images' },
              ]}
            />
          )}
          <NativeSelect
            aria-label="Images per class"
            value={perClass}
            onChange={(e) => setPerClass(e.currentTarget.value)}
            data={[
              { value: '4', label: '4 per class' },
              { value: '8', label: '8 per class' },
              { value: '16', label: '16 per class' },
            ]}
          />
          <Button variant="default" component="a" href={href(['corruptions'], { dataset: dataset.id })} data-testid="corrupt-this-dataset">
            Corrupt this dataset
          </Button>
          {dataset.splits.train ? (
            <Button variant="light" component="a" href={href(['train'], { dataset: dataset.id })}>
              Train on this dataset
            </Button>
          ) : null}
        </Group>
      </Group>
      {!dataset.splits.train && <NoTrainSplit dataset={dataset} parent={parent} />}
      <Group justify="flex-end" mb="sm">
        {!dataset.source.startsWith('builtin:') && <NameClassesButton dataset={dataset} />}
        <ManageItem kind="dataset" id={dataset.id} name={dataset.name} builtin={dataset.source.startsWith('builtin:')} onDeleted={() => navigate(['datasets'])} />
      </Group>
      {samples.error ? (
        <Alert color="red" title="Could not load the examples">
          {samples.error.message}
        </Alert>
      ) : samples.loading && !samples.data ? (
        <Loader size="sm" aria-label="Loading examples" />
      ) : samples.data ? (
        <SampleGrid samples={samples.data} />
      ) : null}
    </Paper>
  );
}

function ImportDatasetModal({
  opened,
  onClose,
  onImported,
}: {
  opened: boolean;
  onClose: () => void;
  onImported: (d: DatasetInfo) => void;
}) {
  const [name, setName] = useState('');
  const [classNames, setClassNames] = useState('');
  const [confirmClasses, setConfirmClasses] = useState(false);
  const [trainImages, setTrainImages] = useState<string | null>(null);
  const [trainLabels, setTrainLabels] = useState<string | null>(null);
  const [testImages, setTestImages] = useState<string | null>(null);
  const [testLabels, setTestLabels] = useState<string | null>(null);
  const [problem, setProblem] = useState<ExplainedError | null>(null);
  // Any change to the form clears the last problem: it may no longer hold.
  const edit = <T,>(set: (v: T) => void) => (v: T) => {
    setProblem(null);
    set(v);
  };
  const fieldError = (label: string) => (problem?.field === label ? problem.summary : undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!opened) return;
    setProblem(null);
  }, [opened]);

  const submit = async () => {
    const names = classNames
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const req = {
      format: 'idx' as const,
      name: name.trim(),
      trainImages: trainImages ?? undefined,
      trainLabels: trainLabels ?? undefined,
      testImages: testImages ?? undefined,
      testLabels: testLabels ?? undefined,
      classNames: names.length ? names : undefined,
      confirmClasses: confirmClasses || undefined,
    };
    const parsed = ImportDatasetRequestSchema.safeParse(req);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const msg = issue?.message ?? 'Check the form.';
      setProblem({ summary: msg, detail: null, field: issue?.path[0] === 'name' ? 'Name' : null });
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const d = await lab.importDataset(req);
      notifyOk(
        `Imported ${d.name}`,
        `${formatInt(d.splits.train?.count ?? 0)} training and ${formatInt(d.splits.test?.count ?? 0)} test images, ${d.numClasses} classes.`,
      );
      setName('');
      setClassNames('');
      setConfirmClasses(false);
      setTrainImages(null);
      setTrainLabels(null);
      setTestImages(null);
      setTestLabels(null);
      onImported(d);
    } catch (err) {
      // The error stays next to the field (or the Import button) until the person changes something.
      const files = [
        { path: trainImages ?? '', label: 'Training images' },
        { path: trainLabels ?? '', label: 'Training labels' },
        { path: testImages ?? '', label: 'Test images' },
        { path: testLabels ?? '', label: 'Test labels' },
      ];
      setProblem(explainError(LabError.from(err).message, files));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Import IDX files" size="lg">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          IDX is the format of MNIST and Fashion-MNIST: one file of images and one of labels per split, optionally
          gzipped (.gz). Give the training split, the test split, or both.
        </Text>
        <TextInput
          label="Name"
          description="How the dataset is listed in the lab; 1 to 120 characters."
          required
          value={name}
          onChange={(e) => edit(setName)(e.currentTarget.value)}
          error={fieldError('Name')}
          maxLength={120}
          data-autofocus
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <Stack gap="sm">
            <Text fw={600} size="sm">
              Training split (optional)
            </Text>
            <FilePickField
              label="Training images"
              description="e.g. train-images-idx3-ubyte(.gz)"
              value={trainImages}
              onChange={edit(setTrainImages)}
              error={fieldError('Training images')}
              filters={IDX_FILTERS}
            />
            <FilePickField
              label="Training labels"
              description="e.g. train-labels-idx1-ubyte(.gz)"
              value={trainLabels}
              onChange={edit(setTrainLabels)}
              error={fieldError('Training labels')}
              filters={IDX_FILTERS}
            />
          </Stack>
          <Stack gap="sm">
            <Text fw={600} size="sm">
              Test split (optional)
            </Text>
            <FilePickField
              label="Test images"
              description="e.g. t10k-images-idx3-ubyte(.gz)"
              value={testImages}
              onChange={edit(setTestImages)}
              error={fieldError('Test images')}
              filters={IDX_FILTERS}
            />
            <FilePickField
              label="Test labels"
              description="e.g. t10k-labels-idx1-ubyte(.gz)"
              value={testLabels}
              onChange={edit(setTestLabels)}
              error={fieldError('Test labels')}
              filters={IDX_FILTERS}
            />
          </Stack>
        </SimpleGrid>
        <TextInput
          label="Class names (optional)"
          description="Comma-separated, one per label in label order, e.g. T-shirt, Trouser, Pullover. Leave empty to use the label numbers."
          value={classNames}
          onChange={(e) => edit(setClassNames)(e.currentTarget.value)}
        />
        <Checkbox
          label="Accept an unusual number of classes"
          description="The lab counts classes from the largest label. When that gives more than 100 classes, or classes without any image (a stray 255 in the labels, or labels starting at 1), it asks you to confirm the count here first."
          checked={confirmClasses}
          onChange={(e) => edit(setConfirmClasses)(e.currentTarget.checked)}
          data-testid="import-confirm-classes"
        />
        {problem && <ErrorNote title="The dataset was not imported" error={problem} testId="import-problem" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={submit} loading={busy} data-testid="import-dataset-submit">
            Import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
