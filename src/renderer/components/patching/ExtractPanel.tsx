/**
 * Extract a signature from a family member: the per-layer ‖Δ‖ chart to choose K, projection and
 * compression, then the stored signature's size and per-tensor reconstruction error.
 */
import { Alert, Button, Checkbox, Group, NativeSelect, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { SignatureDetail } from '../../../shared/patching';
import type { ModelInfo } from '../../../shared/schemas';
import { formatBytes, formatNumber } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { notifyError } from '../../lib/notify';
import { LayerDeltaChart } from './LayerDeltaChart';

const COMPRESSIONS = [
  { value: 'none', label: 'None (float32)' },
  { value: 'linear:16', label: '16 even levels (4 bits)' },
  { value: 'log:16', label: '16 log levels with sign (4 bits)' },
  { value: 'linear:256', label: '256 even levels (8 bits)' },
  { value: 'rank:4', label: 'Low rank 4 (SVD)' },
];

function compressionOf(v: string) {
  if (v === 'none') return {};
  const [kind, n] = v.split(':');
  if (kind === 'rank') return { rank: Number(n) };
  return { quantize: { scheme: kind as 'linear' | 'log', levels: Number(n) } };
}

export function ExtractPanel({ models, onExtracted }: { models: ModelInfo[]; onExtracted: () => void }) {
  const fineTuned = models.filter((m) => m.source === 'trained');
  const [robust, setRobust] = useState('');
  const [clean, setClean] = useState('');
  const [k, setK] = useState<number | string>(2);
  const [projection, setProjection] = useState(true);
  const [compression, setCompression] = useState('linear:16');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SignatureDetail | null>(null);
  const robustId = robust || fineTuned.find((m) => /-s\d$/.test(m.name))?.id || fineTuned[0]?.id || '';
  const cleanId = clean || fineTuned.find((m) => m.name.endsWith('-clean'))?.id || '';
  const deltas = useLoad(() => (robustId ? lab.layerDeltas({ model: robustId, clean: cleanId || undefined }) : Promise.resolve([])), [robustId, cleanId]);
  const layers = deltas.data?.length ?? 0;

  const extract = async () => {
    setBusy(true);
    try {
      const sig = await lab.extractSignature({
        name: name.trim() || `${models.find((m) => m.id === robustId)?.name ?? 'sig'}-k${k}-${compression.replace(':', '')}`,
        model: robustId,
        clean: cleanId || undefined,
        layers: Number(k),
        projection,
        compression: compressionOf(compression),
      });
      setResult(sig);
      onExtracted();
    } catch (err) {
      notifyError('Could not extract the signature', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NativeSelect label="Robust model (θ_c)" description="A family member fine-tuned on corrupted data" value={robustId} onChange={(e) => setRobust(e.currentTarget.value)} data={fineTuned.map((m) => ({ value: m.id, label: m.name }))} data-testid="extract-model" />
          <NativeSelect label="Clean model (θ_clean)" description="The clean member; its update is projected out" value={cleanId} onChange={(e) => setClean(e.currentTarget.value)} data={[{ value: '', label: '—' }, ...fineTuned.map((m) => ({ value: m.id, label: m.name }))]} data-testid="extract-clean" />
        </SimpleGrid>
        {deltas.error && <Alert color="red">{deltas.error.message}</Alert>}
        {deltas.data && deltas.data.length > 0 && <LayerDeltaChart deltas={deltas.data} k={Number(k) || 0} />}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput label="Layers K" description={`the first K of ${layers || '…'} layers`} min={1} max={Math.max(1, layers)} value={k} onChange={setK} data-testid="extract-k" />
          <NativeSelect label="Compression" description="how the signature is stored" value={compression} onChange={(e) => setCompression(e.currentTarget.value)} data={COMPRESSIONS} data-testid="extract-compression" />
          <Checkbox mt="xl" label="Project out the clean update" checked={projection} onChange={(e) => setProjection(e.currentTarget.checked)} />
        </SimpleGrid>
        <Group align="end">
          <TextInput label="Signature name" placeholder="default: model-kK-compression" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="extract-name" />
          <Button onClick={extract} loading={busy} disabled={!robustId || (projection && !cleanId)} data-testid="extract-submit">
            Extract signature
          </Button>
        </Group>
        {result && (
          <Stack gap={4} data-testid="extract-result">
            <Text size="sm">
              “{result.name}”: {formatBytes(result.sizeBytes)}, {formatNumber(result.modelBytes / result.sizeBytes, 3)}× smaller than the model’s weights ({formatBytes(result.modelBytes)}).
            </Text>
            <Table withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Tensor</Table.Th>
                  <Table.Th>Stored as</Table.Th>
                  <Table.Th>‖Δ‖</Table.Th>
                  <Table.Th>‖s‖</Table.Th>
                  <Table.Th>Reconstruction error</Table.Th>
                  <Table.Th>Size</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.tensors.map((t) => (
                  <Table.Tr key={t.name}>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>{t.encoding}</Table.Td>
                    <Table.Td>{formatNumber(t.deltaNorm, 3)}</Table.Td>
                    <Table.Td>{formatNumber(t.signatureNorm, 3)}</Table.Td>
                    <Table.Td>{(100 * t.reconstructionError).toFixed(2)} %</Table.Td>
                    <Table.Td>{formatBytes(t.bytes)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
