/**
 * Where each box of a lineage graph goes (pure, no React): columns by the longest path from a
 * source, then each box moved as late as possible (next to what it feeds: a signature beside the
 * patched model it went into, a run beside its model), rows ordered by the mean row of their
 * predecessors so fewer edges cross.
 */
import type { Lineage, LineageNode } from '../../../shared/history';

export const BOX_W = 190;
export const BOX_H = 34;
export const COL_GAP = 60;
export const ROW_GAP = 14;

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
  // Then as late as possible: a node moves right to just before its nearest successor.
  for (let pass = 0; pass < g.nodes.length; pass++) {
    let changed = false;
    for (const n of g.nodes) {
      const next = g.edges.filter((e) => e.from === n.id).map((e) => (depth.get(e.to) ?? 0) - 1);
      if (next.length === 0) continue;
      const d = Math.min(...next);
      if (d > (depth.get(n.id) ?? 0)) {
        depth.set(n.id, d);
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
  // Rows: left to right, each column ordered by the mean row of its predecessors (fewer crossings).
  const row = new Map<string, number>();
  const out: { x: number; y: number; node: LineageNode }[] = [];
  for (const d of [...cols.keys()].sort((a, b) => a - b)) {
    const key = (n: LineageNode) => {
      const rows = g.edges.filter((e) => e.to === n.id && row.has(e.from)).map((e) => row.get(e.from)!);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.MAX_SAFE_INTEGER;
    };
    const nodes = cols.get(d)!.map((n, i) => ({ n, i, k: key(n) })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.n);
    nodes.forEach((node, i) => {
      row.set(node.id, i);
      out.push({ x: 8 + d * (BOX_W + COL_GAP), y: 8 + i * (BOX_H + ROW_GAP), node });
    });
  }
  return out;
}
