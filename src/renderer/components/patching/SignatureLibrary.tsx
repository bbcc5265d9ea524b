/** The signature library: name, source, layers, compression, size and measured effect; delete. */
import { ActionIcon, Paper, Table, Text, Tooltip } from '@mantine/core';
import { lab } from '../../api/client';
import type { SignatureInfo } from '../../../shared/patching';
import type { ModelInfo } from '../../../shared/schemas';
import { formatBytes, formatPercent } from '../../lib/format';
import { notifyError } from '../../lib/notify';

export function compressionText(s: SignatureInfo): string {
  const c = s.compression;
  const parts = [c.quantize ? `${c.quantize.levels} ${c.quantize.scheme} levels` : '', c.rank ? `rank ${c.rank}` : ''].filter(Boolean);
  return parts.join(', ') || 'none';
}

export function SignatureLibrary({ signatures, models, onChange }: { signatures: SignatureInfo[]; models: ModelInfo[]; onChange: () => void }) {
  const name = (id: string | null) => models.find((m) => m.id === id)?.name ?? id ?? '—';
  const remove = async (s: SignatureInfo) => {
    try {
      await lab.deleteSignature({ signature: s.id });
      onChange();
    } catch (err) {
      notifyError('Could not delete the signature', err);
    }
  };
  if (signatures.length === 0) return <Text c="dimmed">No signatures yet: extract one from a family member.</Text>;
  return (
    <Paper withBorder>
      <Table striped data-testid="signature-library">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>From</Table.Th>
            <Table.Th>Layers</Table.Th>
            <Table.Th>Compression</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Measured effect (α = 1 on the clean model)</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {signatures.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{s.name}</Table.Td>
              <Table.Td>{name(s.sourceModelId)}</Table.Td>
              <Table.Td>{s.layers.join(', ')}</Table.Td>
              <Table.Td>{compressionText(s)}{s.projection ? '' : ', no projection'}</Table.Td>
              <Table.Td>
                {formatBytes(s.sizeBytes)} ({(s.modelBytes / s.sizeBytes).toFixed(1)}× smaller)
              </Table.Td>
              <Table.Td>
                {s.effect
                  ? `${s.effect.sourceDataset}: ${formatPercent(s.effect.referenceOnSource)} → ${formatPercent(s.effect.patchedOnSource)}; clean: ${formatPercent(s.effect.cleanAccuracy)} → ${formatPercent(s.effect.patchedCleanAccuracy)}`
                  : '—'}
              </Table.Td>
              <Table.Td>
                <Tooltip label="Delete (patched models keep their lineage)">
                  <ActionIcon variant="subtle" color="red" onClick={() => remove(s)} aria-label={`Delete ${s.name}`}>
                    ×
                  </ActionIcon>
                </Tooltip>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
