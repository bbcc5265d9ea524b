/** Models: every trained or imported model, and the safetensors import form. */
import { Alert, Anchor, Button, Group, Loader, Modal, NativeSelect, Paper, Stack, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { lab } from '../api/client';
import { ImportModelRequestSchema, type ArchitectureInfo, type DatasetInfo, type ModelInfo } from '../../shared/schemas';
import { DataTable } from '../components/DataTable';
import { FilePickField } from '../components/FilePickField';
import { ManageItem } from '../components/manage/ManageItem';
import { ByoModelsPanel } from '../components/models/ByoModelsPanel';
import { StoredArchitectures } from '../components/models/StoredArchitectures';
import { EmptyState, PageHeader } from '../components/PageHeader';
import { formatBytes, formatCompact, formatDate, formatInt } from '../lib/format';
import { useLabEvents, useLoad, useThrottled } from '../lib/hooks';
import { findDataset, modelShape, sourceLabel } from '../lib/names';
import { notifyError, notifyOk } from '../lib/notify';
import { href } from '../lib/route';

const col = createColumnHelper<ModelInfo>();

export function ModelsPage() {
  const models = useLoad(() => lab.listModels({}), []);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const archs = useLoad(() => lab.listArchitectures({}), []);
  const [importOpen, setImportOpen] = useState(false);
  const refresh = useThrottled(models.reload, 1000);
  useLabEvents((e) => {
    if (e.type === 'run' && e.status === 'finished') refresh();
  });

  const columns = useMemo(
    () => [
      col.accessor('name', {
        header: 'Name',
        cell: (c) => (
          <Text fw={600} size="sm">
            {c.getValue()}
          </Text>
        ),
      }),
      col.accessor('arch', { header: 'Architecture' }),
      col.accessor((m) => m.inputShape[0] * m.inputShape[1] * m.inputShape[2], {
        id: 'input',
        header: 'Input',
        cell: (c) => <span title="height × width × channels">{modelShape(c.row.original)}</span>,
      }),
      col.accessor('numClasses', { header: 'Classes' }),
      col.accessor('paramCount', {
        header: 'Parameters',
        cell: (c) => (
          <span title={`${formatInt(c.getValue())} parameters, ${formatBytes(c.row.original.sizeBytes)}`}>
            {formatCompact(c.getValue())}
          </span>
        ),
      }),
      col.accessor((m) => sourceLabel(m.source), {
        id: 'source',
        header: 'Source',
        cell: (c) => {
          const m = c.row.original;
          return m.runId ? (
            <Anchor href={href(['runs', m.runId])} size="sm">
              {c.getValue()}
            </Anchor>
          ) : (
            c.getValue()
          );
        },
      }),
      col.accessor((m) => findDataset(datasets.data, m.datasetId)?.name ?? '—', { id: 'dataset', header: 'Dataset' }),
      col.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
      col.display({
        id: 'actions',
        header: () => <VisuallyHidden>Actions</VisuallyHidden>,
        cell: (c) => (
          <Group gap={6} wrap="nowrap">
            <Button
              size="xs"
              variant="light"
              component="a"
              href={href(['evaluate'], { model: c.row.original.id, dataset: c.row.original.datasetId ?? undefined })}
              aria-label={`Evaluate ${c.row.original.name}`}
            >
              Evaluate
            </Button>
            <ManageItem kind="model" id={c.row.original.id} name={c.row.original.name} compact />
          </Group>
        ),
      }),
    ],
    [datasets.data],
  );

  return (
    <>
      <PageHeader
        title="Models"
        subtitle="Trained networks and their weights. Models trained here appear automatically; bring others as safetensors files."
        actions={
          <Button onClick={() => setImportOpen(true)} data-testid="open-import-model">
            Import safetensors
          </Button>
        }
      />
      {models.error && (
        <Alert color="red" title="Could not load the models" mb="md">
          {models.error.message}
        </Alert>
      )}
      <Paper withBorder radius="md" p="xs">
        {models.loading && !models.data ? (
          <Loader size="sm" m="md" aria-label="Loading models" />
        ) : (
          <DataTable
            label="Models"
            data={models.data ?? []}
            columns={columns}
            initialSort={[{ id: 'createdAt', desc: true }]}
            rowKey={(m) => m.id}
            rowTestId={(m) => `model-row-${m.id}`}
            empty={
              <EmptyState title="No models yet">
                Train one on the <Anchor href={href(['train'])} inherit>Train</Anchor> page, or import safetensors weights with the button
                above.
              </EmptyState>
            }
          />
        )}
      </Paper>
      <StoredArchitectures />
      <ByoModelsPanel onSaved={archs.reload} />
      <ImportModelModal
        opened={importOpen}
        onClose={() => setImportOpen(false)}
        archs={archs.data ?? []}
        datasets={datasets.data ?? []}
        onImported={() => {
          setImportOpen(false);
          models.reload();
        }}
      />
    </>
  );
}

function ImportModelModal({
  opened,
  onClose,
  archs,
  datasets,
  onImported,
}: {
  opened: boolean;
  onClose: () => void;
  archs: ArchitectureInfo[];
  datasets: DatasetInfo[];
  onImported: (m: ModelInfo) => void;
}) {
  const [name, setName] = useState('');
  const [arch, setArch] = useState('');
  const [file, setFile] = useState<string | null>(null);
  const [datasetId, setDatasetId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const effectiveArch = arch || archs[0]?.name || '';
  const archInfo = archs.find((a) => a.name === effectiveArch);
  const dataset = datasets.find((d) => d.id === datasetId);

  const submit = async () => {
    const req = {
      format: 'safetensors' as const,
      arch: effectiveArch,
      file: file ?? '',
      name: name.trim(),
      datasetId: dataset?.id,
      inputShape: dataset ? ([dataset.height, dataset.width, dataset.channels] as [number, number, number]) : undefined,
    };
    if (!file) {
      setProblem('Choose the .safetensors file with the weights.');
      return;
    }
    const parsed = ImportModelRequestSchema.safeParse(req);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const m = await lab.importModel(req);
      notifyOk(`Imported ${m.name}`, `${m.arch}, ${formatInt(m.paramCount)} parameters, ${m.numClasses} classes.`);
      setName('');
      setFile(null);
      onImported(m);
    } catch (err) {
      notifyError('Could not import the model', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Import safetensors weights" size="lg">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          Weights saved with PyTorch names and layouts (e.g. with safetensors.torch.save_file) for one of the lab's
          architectures.
        </Text>
        <TextInput
          label="Name"
          description="How the model is listed in the lab; 1 to 120 characters."
          required
          value={name}
          maxLength={120}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        <NativeSelect
          label="Architecture"
          description={archInfo ? `${archInfo.title}: ${archInfo.description}` : 'The network the weights belong to.'}
          value={effectiveArch}
          onChange={(e) => setArch(e.currentTarget.value)}
          data={archs.map((a) => ({ value: a.name, label: `${a.name} — ${a.title}` }))}
        />
        <FilePickField
          label="Weights file"
          description="A .safetensors file."
          value={file}
          onChange={setFile}
          filters={[{ name: 'safetensors', extensions: ['safetensors'] }]}
          required
        />
        <NativeSelect
          label="Made for dataset (optional)"
          description="Sets the input size from the dataset and preselects it when evaluating. Empty: taken from the weights, else 28×28×1."
          value={datasetId}
          onChange={(e) => setDatasetId(e.currentTarget.value)}
          data={[{ value: '', label: '—' }, ...datasets.map((d) => ({ value: d.id, label: `${d.name} (${d.height}×${d.width}×${d.channels})` }))]}
        />
        {problem && (
          <Alert color="orange" role="alert">
            {problem}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={submit} loading={busy} data-testid="import-model-submit">
            Import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
