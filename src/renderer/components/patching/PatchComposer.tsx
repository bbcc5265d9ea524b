/**
 * The patch composer: a target model, one or more signatures with an α slider each, an instant
 * estimate on ≤ 256 test images (clean and each signature's corrupted set), batch norm kept or
 * re-estimated on a chosen dataset's training images, and Save.
 */
import { Alert, Button, Group, NativeSelect, Paper, SegmentedControl, Slider, Stack, Table, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { lab } from '../../api/client';
import { MAX_ALPHA, type EstimateResult, type SignatureInfo } from '../../../shared/patching';
import type { ModelInfo } from '../../../shared/schemas';
import { formatPercent } from '../../lib/format';
import { notifyError, notifyOk } from '../../lib/notify';
import { useLoad } from '../../lib/hooks';

interface Term {
  signature: string;
  alpha: number;
}

export function PatchComposer({ models, signatures, onSaved }: { models: ModelInfo[]; signatures: SignatureInfo[]; onSaved: () => void }) {
  const [target, setTarget] = useState('');
  const [terms, setTerms] = useState<Term[]>([]);
  const [bn, setBn] = useState<'keep' | 'reestimate'>('keep');
  const [bnDataset, setBnDataset] = useState('');
  const allDatasets = useLoad(() => lab.listDatasets({}), []).data ?? [];
  const [estimate, setEstimate] = useState<EstimateResult | null>(null);
  const [estimateError, setEstimateError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const targetId = target || models.find((m) => m.name.endsWith('-clean'))?.id || models[0]?.id || '';
  const firstSig = signatures[0]?.id;
  const active = terms.length ? terms : firstSig ? [{ signature: firstSig, alpha: 1 }] : [];
  // Re-estimation runs on the training images of a dataset the target can read; default its own.
  const targetModel = models.find((m) => m.id === targetId);
  const targetDataset = targetModel?.datasetId ?? '';
  const datasets = allDatasets.filter(
    (d) => d.splits.train && (!targetModel || (d.height === targetModel.inputShape[0] && d.width === targetModel.inputShape[1] && d.channels === targetModel.inputShape[2])),
  );
  const bnDatasetId = bn === 'reestimate' ? bnDataset || (datasets.some((d) => d.id === targetDataset) ? targetDataset : (datasets[0]?.id ?? '')) : '';
  const bnChoice = bn === 'reestimate' && bnDatasetId ? { bn, bnDataset: bnDatasetId } : { bn };
  const key = JSON.stringify({ targetId, active, bnChoice });

  useEffect(() => {
    if (!targetId || active.length === 0) return;
    let alive = true;
    const t = setTimeout(() => {
      lab.estimatePatch({ target: targetId, signatures: active, ...bnChoice }).then(
        (e) => {
          if (!alive) return;
          setEstimate(e);
          setEstimateError(null);
        },
        (err) => alive && setEstimateError(err instanceof Error ? err.message : String(err)),
      );
    }, 250);
    return () => {
      alive = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const setTerm = (i: number, t: Partial<Term>) => setTerms(active.map((x, j) => (j === i ? { ...x, ...t } : x)));
  const save = async () => {
    setSaving(true);
    try {
      const m = await lab.patchModel({ target: targetId, signatures: active, ...bnChoice, name: name.trim() || `${models.find((x) => x.id === targetId)?.name}-patched` });
      notifyOk('Patched model saved', `“${m.name}” is on the Models page, with its lineage.`);
      onSaved();
    } catch (err) {
      notifyError('Could not save the patched model', err);
    } finally {
      setSaving(false);
    }
  };

  if (signatures.length === 0) return <Text c="dimmed">Extract a signature first.</Text>;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <NativeSelect label="Target model" description="The clean model, or another model fine-tuned from the same base" value={targetId} onChange={(e) => setTarget(e.currentTarget.value)} data={models.map((m) => ({ value: m.id, label: m.name }))} data-testid="patch-target" />
        {active.map((t, i) => (
          <Group key={i} align="end" wrap="nowrap" data-testid={`patch-term-${i}`}>
            <NativeSelect label={i === 0 ? 'Signature' : undefined} value={t.signature} onChange={(e) => setTerm(i, { signature: e.currentTarget.value })} data={signatures.map((s) => ({ value: s.id, label: s.name }))} style={{ flex: 1 }} />
            <Stack gap={2} style={{ flex: 2 }}>
              <Text size="xs">α = {t.alpha.toFixed(2)} (how much of the signature to add; negative removes it)</Text>
              <Slider min={-1} max={2} step={0.05} value={t.alpha} onChange={(v) => setTerm(i, { alpha: v })} thumbLabel={`α of signature ${i + 1}`} data-testid={`patch-alpha-${i}`} />
            </Stack>
            {active.length > 1 && (
              <Button variant="subtle" color="red" onClick={() => setTerms(active.filter((_, j) => j !== i))}>
                Remove
              </Button>
            )}
          </Group>
        ))}
        <Group>
          <Button variant="light" onClick={() => setTerms([...active, { signature: signatures[Math.min(active.length, signatures.length - 1)].id, alpha: 1 }])} disabled={active.length >= 16}>
            Add a signature
          </Button>
          <Text size="xs" c="dimmed">α is applied linearly; the lab refuses |α| above {MAX_ALPHA}.</Text>
        </Group>
        <Group>
          <Text size="sm">Batch norm:</Text>
          <SegmentedControl size="xs" value={bn} onChange={(v) => setBn(v as 'keep' | 'reestimate')} data={[{ value: 'keep', label: 'keep the target’s statistics' }, { value: 'reestimate', label: 're-estimate on a dataset' }]} data-testid="patch-bn" />
          {bn === 'reestimate' && (
            <NativeSelect
              size="xs"
              aria-label="Dataset whose training images re-estimate the batch-norm statistics"
              value={bnDatasetId}
              onChange={(e) => setBnDataset(e.currentTarget.value)}
              data={datasets.map((d) => ({ value: d.id, label: `${d.name} (training images)` }))}
              data-testid="patch-bn-dataset"
            />
          )}
        </Group>
        {estimateError && <Alert color="red">{estimateError}</Alert>}
        {estimate && (
          <Stack gap={4} data-testid="patch-estimate">
            <Text size="sm" fw={500}>
              Instant estimate on {estimate.count} test images per set ({estimate.seconds.toFixed(2)} s; batch norm: {estimate.bn === 'keep' ? 'kept' : 're-estimated'})
            </Text>
            <Table withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Test set</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Patched</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {estimate.rows.map((r) => (
                  <Table.Tr key={r.datasetId}>
                    <Table.Td>{r.datasetName}</Table.Td>
                    <Table.Td>{formatPercent(r.targetAccuracy)}</Table.Td>
                    <Table.Td>{formatPercent(r.patchedAccuracy)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )}
        <Group align="end">
          <TextInput label="Name of the patched model" placeholder="default: target-patched" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="patch-name" />
          <Button onClick={save} loading={saving} disabled={!targetId} data-testid="patch-save">
            Save patched model
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
