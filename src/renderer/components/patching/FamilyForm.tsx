/**
 * Build a family: from one base model, fine-tune a clean model and one model per chosen corruption
 * (made on the fly from the clean dataset) with the same settings, as one job with progress.
 */
import { Alert, Button, Checkbox, Group, NativeSelect, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import { lab } from '../../api/client';
import type { CorruptionInfo, DatasetInfo, ModelInfo } from '../../../shared/schemas';
import { formatPercent } from '../../lib/format';
import { useLiveRun, useLoad } from '../../lib/hooks';
import { notifyError } from '../../lib/notify';
import { RunProgress } from '../RunProgress';
import { StatusBadge } from '../StatusBadge';

function FamilyRun({ runId }: { runId: string }) {
  const { detail, progress } = useLiveRun(runId);
  const members = useLoad(() => lab.listRuns({ limit: 1000 }).then((r) => r.filter((x) => x.groupId === runId).reverse()), [runId, detail?.run.status]);
  if (!detail) return null;
  return (
    <Stack gap="xs" data-testid="family-run">
      <Group gap="xs">
        <Text fw={500}>Family “{detail.run.name}”</Text>
        <StatusBadge status={detail.run.status} />
      </Group>
      <RunProgress run={detail.run} progress={progress} />
      {detail.run.error && <Alert color="red">{detail.run.error}</Alert>}
      {(members.data?.length ?? 0) > 0 && (
        <Table withTableBorder data-testid="family-members">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Member</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Test accuracy</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data!.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>{m.name}</Table.Td>
                <Table.Td>
                  <StatusBadge status={m.status} />
                </Table.Td>
                <Table.Td>{formatPercent(m.latestMetrics?.['test/accuracy'])}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

export function FamilyForm({ models, datasets, corruptions }: { models: ModelInfo[]; datasets: DatasetInfo[]; corruptions: CorruptionInfo[] }) {
  const imageCorruptions = useMemo(() => corruptions.filter((c) => c.target === 'images' && !c.colourOnly && c.suite === 'imagenet-c'), [corruptions]);
  const [base, setBase] = useState('');
  const [dataset, setDataset] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [severity, setSeverity] = useState<number | string>(4);
  const [epochs, setEpochs] = useState<number | string>(1);
  const [limit, setLimit] = useState<number | string>(2000);
  const [lr, setLr] = useState<number | string>(0.02);
  const [name, setName] = useState('');
  const [runId, setRunId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const baseId = base || models[0]?.id || '';
  const datasetId = dataset || datasets.find((d) => !d.parentId)?.id || '';

  const submit = async () => {
    setBusy(true);
    try {
      const run = await lab.submitFamily({
        kind: 'family',
        name: name.trim() || undefined,
        base: baseId,
        dataset: datasetId,
        corruptions: chosen.map((c) => ({ corruption: c, severity: Number(severity) })),
        epochs: Number(epochs),
        lr: Number(lr),
        ...(Number(limit) > 0 ? { limit: Number(limit), testLimit: 500 } : {}),
      });
      setRunId(run.id);
    } catch (err) {
      notifyError('Could not start the family', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          Every member starts from the same base model and is fine-tuned with the same settings: one on the clean images, one on each corruption you tick.
          Signatures are the differences between them.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NativeSelect label="Base model (θ_pre)" description="The shared starting point" value={baseId} onChange={(e) => setBase(e.currentTarget.value)} data={models.map((m) => ({ value: m.id, label: m.name }))} data-testid="family-base" />
          <NativeSelect label="Clean dataset" description="Corrupted copies are made from it" value={datasetId} onChange={(e) => setDataset(e.currentTarget.value)} data={datasets.map((d) => ({ value: d.id, label: d.name }))} data-testid="family-dataset" />
        </SimpleGrid>
        <Checkbox.Group label="Corruptions (one robust member each)" value={chosen} onChange={setChosen}>
          <SimpleGrid cols={{ base: 2, sm: 4 }} mt="xs">
            {imageCorruptions.map((c) => (
              <Checkbox key={c.name} value={c.name} label={c.title} data-testid={`family-corruption-${c.name}`} />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <NumberInput label="Severity" description="1 (mild) to 5" min={1} max={5} value={severity} onChange={setSeverity} />
          <NumberInput label="Epochs" description="per member" min={1} max={100} value={epochs} onChange={setEpochs} />
          <NumberInput label="Training images" description="first N of each set (0 = all)" min={0} value={limit} onChange={setLimit} data-testid="family-limit" />
          <NumberInput label="Learning rate" description="SGD, momentum 0.9" min={0.0001} max={1} step={0.005} decimalScale={4} value={lr} onChange={setLr} />
        </SimpleGrid>
        <Group align="end">
          <TextInput label="Family name" placeholder="optional" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="family-name" />
          <Button onClick={submit} loading={busy} disabled={!baseId || !datasetId || chosen.length === 0} data-testid="family-submit">
            Build family ({chosen.length + 1} models)
          </Button>
        </Group>
        {runId && <FamilyRun runId={runId} />}
      </Stack>
    </Paper>
  );
}
