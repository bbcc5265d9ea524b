/**
 * Transfer check: a signature's gain on its own clean model next to its gain on another target
 * fine-tuned from the same base, on the signature's corrupted test set (≤ 256 images), with the
 * verdict the lab computes (core: src/core/patching/transfer.ts).
 */
import { Alert, Badge, Button, Group, NativeSelect, NumberInput, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import { MAX_ALPHA, type SignatureInfo, type TransferCheckResult } from '../../../shared/patching';
import type { ModelInfo } from '../../../shared/schemas';
import { formatPercent } from '../../lib/format';
import { notifyError } from '../../lib/notify';

const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pt`;

export function TransferPanel({ models, signatures }: { models: ModelInfo[]; signatures: SignatureInfo[] }) {
  const [signature, setSignature] = useState('');
  const [target, setTarget] = useState('');
  const [alpha, setAlpha] = useState<number | string>(1);
  const [result, setResult] = useState<TransferCheckResult | null>(null);
  const [busy, setBusy] = useState(false);
  const sig = signatures.find((s) => s.id === signature) ?? signatures[0];
  // Other models than the signature's own clean one (the lab refuses a model from another base, with the reason).
  const targets = models.filter((m) => m.id !== sig?.cleanModelId && m.arch === sig?.arch);
  const targetId = target && targets.some((m) => m.id === target) ? target : (targets[0]?.id ?? '');

  const run = async () => {
    if (!sig || !targetId) return;
    setBusy(true);
    try {
      setResult(await lab.transferCheck({ signature: sig.id, target: targetId, alpha: Number(alpha) }));
    } catch (err) {
      setResult(null);
      notifyError('Could not run the transfer check', err);
    } finally {
      setBusy(false);
    }
  };

  if (signatures.length === 0) return <Text c="dimmed">Extract a signature first.</Text>;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Text size="sm">
          A signature is made against its family’s clean model. Apply it to another model fine-tuned from the same base and see whether the gain on the
          corrupted images carries over.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NativeSelect label="Signature" value={sig?.id ?? ''} onChange={(e) => setSignature(e.currentTarget.value)} data={signatures.map((s) => ({ value: s.id, label: s.name }))} data-testid="transfer-signature" />
          <NativeSelect
            label="Other model"
            description="same architecture; the lab checks it shares the base"
            value={targetId}
            onChange={(e) => setTarget(e.currentTarget.value)}
            data={targets.map((m) => ({ value: m.id, label: m.name }))}
            data-testid="transfer-target"
          />
          <NumberInput label="α" min={-MAX_ALPHA} max={MAX_ALPHA} step={0.1} decimalScale={3} value={alpha} onChange={setAlpha} data-testid="transfer-alpha" />
        </SimpleGrid>
        <Group>
          <Button onClick={run} loading={busy} disabled={!targetId} data-testid="transfer-run">
            Check the transfer
          </Button>
        </Group>
        {targets.length === 0 && <Alert color="yellow">No other model with this signature’s architecture: fine-tune one from the same base first.</Alert>}
        {result && (
          <Stack gap="xs" data-testid="transfer-result">
            <Group gap="xs">
              <Badge color={result.transfers === null ? 'gray' : result.transfers ? 'green' : 'orange'} data-testid="transfer-verdict">
                {result.transfers === null ? 'no gain to transfer' : result.transfers ? 'transfers' : 'does not transfer'}
              </Badge>
              <Text size="sm">{result.summary}</Text>
            </Group>
            <Table withTableBorder striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>model</Table.Th>
                  <Table.Th>{result.datasetName}: before</Table.Th>
                  <Table.Th>after</Table.Th>
                  <Table.Th>gain</Table.Th>
                  <Table.Th>own test set: before → after</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[result.home, result.target].map((s, i) => (
                  <Table.Tr key={s.modelId}>
                    <Table.Td>
                      {s.modelName}
                      {i === 0 ? ' (the signature’s clean model)' : ''}
                    </Table.Td>
                    <Table.Td>{formatPercent(s.before)}</Table.Td>
                    <Table.Td>{formatPercent(s.after)}</Table.Td>
                    <Table.Td>{points(s.gain)}</Table.Td>
                    <Table.Td>{s.ownBefore === null ? '—' : `${formatPercent(s.ownBefore)} → ${formatPercent(s.ownAfter ?? 0)}`}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" c="dimmed">
              First {result.count} test images of each set, batch-norm statistics kept, {result.seconds.toFixed(1)} s.
            </Text>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
