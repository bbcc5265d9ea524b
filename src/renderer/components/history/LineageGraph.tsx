/**
 * A run's lineage as a small clickable graph: datasets (with their corruption recipes and parents)
 * → runs → model → evaluations, laid out in columns by the longest path from a source.
 */
import { Paper, Text } from '@mantine/core';
import { lab } from '../../api/client';
import type { Lineage, LineageNode } from '../../../shared/history';
import { useLoad } from '../../lib/hooks';
import { navigate } from '../../lib/route';

const BOX_W = 190;
const BOX_H = 34;
const COL_GAP = 60;
const ROW_GAP = 14;
const FILL: Record<LineageNode['kind'], string> = { dataset: '#e7f5ff', run: '#fff4e6', model: '#ebfbee', evaluation: '#f3f0ff' };

export function layoutLineage(g: Lineage): { x: number; y: number; node: LineageNode }[] {
  const depth = new Map<string, number>(g.nodes.map((n) => [n.id, 0]));
  // Longest path from a source (the graph is small and acyclic).
  for (let pass = 0; pass < g.nodes.length; pass++) {
    let changed = false;
    for (const e of g.edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if (d > (depth.get(e.to) ?? 0)) {
        depth.set(e.to, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const cols = new Map<number, LineageNode[]>();
  for (const n of g.nodes) {
    const d = depth.get(n.id) ?? 0;
    if (!cols.has(d)) cols.set(d, []);
    cols.get(d)!.push(n);
  }
  const out: { x: number; y: number; node: LineageNode }[] = [];
  for (const [d, nodes] of cols) nodes.forEach((node, i) => out.push({ x: 8 + d * (BOX_W + COL_GAP), y: 8 + i * (BOX_H + ROW_GAP), node }));
  return out;
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
            return <line key={`${e.from}-${e.to}`} x1={a.x + BOX_W} y1={a.y + BOX_H / 2} x2={b.x - 2} y2={b.y + BOX_H / 2} stroke="#868e96" markerEnd="url(#lineage-arrow)" />;
          })}
          {pos.map(({ x, y, node }) => {
            const link = node.runId && node.runId !== runId ? node.runId : null;
            const shown = node.label.length > 30 ? `${node.label.slice(0, 29)}…` : node.label;
            return (
              // The tooltip (<title>) sits on an outer group, so the link's own text is exactly what the
              // box shows and its accessible name matches it (WCAG 2.5.3, label in name).
              <g key={node.id} transform={`translate(${x},${y})`}>
                <title>{node.label}</title>
                <g style={{ cursor: link ? 'pointer' : 'default' }} onClick={() => link && navigate(['runs', link])} role={link ? 'link' : undefined} aria-label={`${node.kind} ${shown}`}>
                  <rect width={BOX_W} height={BOX_H} rx={6} fill={FILL[node.kind]} stroke={node.id === runId ? '#1c7ed6' : '#adb5bd'} strokeWidth={node.id === runId ? 2 : 1} />
                  <text x={8} y={14} fontSize={10} fill="#495057">
                    {node.kind}
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
