/** Per-layer ‖Δ‖ of a robust model against its base, shallow to deep (bars), to guide K. */
import { Paper, Text } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LayerDelta } from '../../../shared/patching';
import { formatNumber } from '../../lib/format';

export function LayerDeltaChart({ deltas, k }: { deltas: LayerDelta[]; k: number }) {
  const data = deltas.map((d, i) => ({
    layer: `${i + 1}. ${d.layer}`,
    'robust update ‖Δ‖ / ‖θ‖': d.relative,
    'after projection / ‖θ‖': d.projectedNorm != null && d.baseNorm > 0 ? d.projectedNorm / d.baseNorm : undefined,
    inSignature: i < k,
  }));
  return (
    <Paper withBorder p="sm" data-testid="layer-delta-chart">
      <Text size="sm" fw={500}>How much each layer moved (relative to its size), shallow to deep</Text>
      <Text size="xs" c="dimmed" mb="xs">
        The first {k} layer{k === 1 ? '' : 's'} go into the signature. Robustness to a corruption usually lives in the shallow layers.
      </Text>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ left: 8, right: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="layer" fontSize={12} />
          <YAxis fontSize={12} tickFormatter={(v: number) => formatNumber(v, 2)} />
          <Tooltip formatter={(v) => formatNumber(Number(v), 3)} />
          <Legend />
          <Bar dataKey="robust update ‖Δ‖ / ‖θ‖" fill="#228be6" isAnimationActive={false} />
          <Bar dataKey="after projection / ‖θ‖" fill="#f08c00" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Paper>
  );
}
