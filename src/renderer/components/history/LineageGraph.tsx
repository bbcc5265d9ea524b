/**
 * A run's lineage as a small clickable graph: datasets (with their corruption recipes and parents)
 * → runs → model → evaluations, and the model's weight signatures and patched models (an edge from
 * a signature to a patched model carries its α), laid out in columns by the longest path from a
 * source, then moved as late as possible (next to what they feed), rows ordered to cross less.
 * Signature boxes open the Patching page's signature library.
 */
import { Group, Paper, Text } from '@mantine/core';
import { lab } from '../../api/client';
import type { LineageNode } from '../../../shared/history';
import { BOX_H, BOX_W, COL_GAP, layoutLineage } from './lineageLayout';
import { useLoad } from '../../lib/hooks';
import { navigate } from '../../lib/route';

const FILL: Record<LineageNode['kind'], string> = {
  dataset: '#e7f5ff',
  run: '#fff4e6',
  model: '#ebfbee',
  evaluation: '#f3f0ff',
  signature: '#fff0f6',
  patched_model: '#c5f6fa',
  more: '#f8f9fa',
};
/** Borders: the patching kinds stand out from the plain grey ones. */
const STROKE: Partial<Record<LineageNode['kind'], string>> = { signature: '#c2255c', patched_model: '#0c8599' };
/** What each kind of box is, in plain words (the first line of a box, and the legend). */
const KIND_LABEL: Record<LineageNode['kind'], string> = {
  dataset: 'dataset',
  run: 'run',
  model: 'model',
  evaluation: 'evaluation',
  signature: 'weight signature',
  patched_model: 'patched model',
  more: 'not drawn',
};

/** Where clicking a box goes: another run's page, or the signature library; null when nowhere. */
function target(node: LineageNode, currentRunId: string): (() => void) | null {
  if (node.kind === 'signature') return () => navigate(['patching'], { tab: 'library' });
  if (node.runId && node.runId !== currentRunId) return () => navigate(['runs', node.runId!]);
  return null;
}

export function LineageGraph({ runId }: { runId: string }) {
  const g = useLoad(() => lab.runLineage({ runId }), [runId]);
  if (!g.data || g.data.nodes.length < 2) return null;
  const pos = layoutLineage(g.data);
  const at = new Map(pos.map((p) => [p.node.id, p]));
  const w = Math.max(...pos.map((p) => p.x)) + BOX_W + 16;
  const h = Math.max(...pos.map((p) => p.y)) + BOX_H + 16;
  return (
    <Paper withBorder p="sm" data-testid="run-lineage">
      <Text fw={600} size="sm" mb={4}>
        Lineage
      </Text>
      <Group gap="xs" mb={4} data-testid="lineage-legend">
        {[...new Set(g.data.nodes.map((n) => n.kind))].map((k) => (
          <Group key={k} gap={4}>
            <span style={{ display: 'inline-block', width: 12, height: 12, borderRadius: 3, background: FILL[k], border: `1px solid ${STROKE[k] ?? '#adb5bd'}` }} />
            <Text size="xs" c="dimmed">
              {KIND_LABEL[k]}
            </Text>
          </Group>
        ))}
      </Group>
      <div style={{ overflowX: 'auto' }}>
        <svg width={w} height={h} role="img" aria-label="Lineage of this run">
          <defs>
            <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#868e96" />
            </marker>
          </defs>
          {g.data.edges.map((e) => {
            const a = at.get(e.from);
            const b = at.get(e.to);
            if (!a || !b) return null;
            const x1 = a.x + BOX_W;
            const y1 = a.y + BOX_H / 2;
            const x2 = b.x - 2;
            const y2 = b.y + BOX_H / 2;
            return (
              <g key={`${e.from}-${e.to}`}>
                <line x1={x1} y1={y1} x2={x2} y2={y2} stroke={e.label ? '#c2255c' : '#868e96'} strokeDasharray={e.label ? '4 3' : undefined} markerEnd="url(#lineage-arrow)" />
                {e.label && (
                  // In the last gap before the target, where no box can cover it.
                  <text x={x2 - COL_GAP / 2} y={y2 - ((y2 - y1) * (COL_GAP / 2)) / Math.max(1, x2 - x1) - 4} fontSize={10} fill="#a61e4d" stroke="#fff" strokeWidth={3} paintOrder="stroke" textAnchor="middle" data-testid="lineage-edge-label">
                    {e.label}
                  </text>
                )}
              </g>
            );
          })}
          {pos.map(({ x, y, node }) => {
            const link = target(node, runId);
            const shown = node.label.length > 30 ? `${node.label.slice(0, 29)}…` : node.label;
            return (
              // The tooltip (<title>) sits on an outer group, so the link's own text is exactly what the
              // box shows and its accessible name matches it (WCAG 2.5.3, label in name).
              <g key={node.id} transform={`translate(${x},${y})`}>
                <title>{node.label}</title>
                <g style={{ cursor: link ? 'pointer' : 'default' }} onClick={() => link?.()} role={link ? 'link' : undefined} aria-label={`${KIND_LABEL[node.kind]} ${shown}`} data-kind={node.kind}>
                  <rect width={BOX_W} height={BOX_H} rx={6} fill={FILL[node.kind]} stroke={node.id === runId ? '#1c7ed6' : (STROKE[node.kind] ?? '#adb5bd')} strokeWidth={node.id === runId ? 2 : 1} strokeDasharray={node.kind === 'more' ? '3 3' : undefined} />
                  <text x={8} y={14} fontSize={10} fill="#495057">
                    {KIND_LABEL[node.kind]}
                  </text>
                  <text x={8} y={27} fontSize={11} fill="#212529">
                    {` ${shown}`}
                  </text>
                </g>
              </g>
            );
          })}
        </svg>
      </div>
    </Paper>
  );
}
