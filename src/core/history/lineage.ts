/**
 * A run's lineage as a small graph: its dataset (and the datasets it was derived from, with their
 * corruption recipes) → the run → its model → the evaluations of that model (→ their runs).
 */
import type { Lineage, LineageNode } from '../../shared/history';
import type { LabStore } from '../store/store';

function recipeLabel(recipe: unknown): string {
  if (!Array.isArray(recipe)) return '';
  return recipe
    .map((s) => {
      const step = s as { corruption?: string; name?: string; severity?: number };
      const n = step.corruption ?? step.name ?? '?';
      return step.severity !== undefined ? `${n} ${step.severity}` : n;
    })
    .join(' + ');
}

export function buildLineage(store: LabStore, runId: string): Lineage {
  const run = store.getRun(runId);
  const nodes = new Map<string, LineageNode>();
  const edges: { from: string; to: string }[] = [];
  const edge = (from: string, to: string) => {
    if (!edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to });
  };
  const addDataset = (id: string | null): string | null => {
    if (!id) return null;
    let ds;
    try {
      ds = store.getDataset(id);
    } catch {
      return null;
    }
    if (!nodes.has(ds.id)) {
      const r = recipeLabel(ds.recipe);
      nodes.set(ds.id, { id: ds.id, kind: 'dataset', label: r ? `${ds.name} (${r})` : ds.name, runId: null });
      const parent = addDataset(ds.parentId);
      if (parent) edge(parent, ds.id);
    }
    return ds.id;
  };
  nodes.set(run.id, { id: run.id, kind: 'run', label: `${run.kind}: ${run.name}`, runId: run.id });
  const ds = addDataset(run.datasetId);
  if (ds) edge(ds, run.id);
  if (run.modelId) {
    let model = null;
    try {
      model = store.getModel(run.modelId);
    } catch {
      model = null;
    }
    if (model) {
      nodes.set(model.id, { id: model.id, kind: 'model', label: `model: ${model.name}`, runId: model.runId });
      if (run.kind === 'train') edge(run.id, model.id);
      else edge(model.id, run.id);
      if (model.runId && model.runId !== run.id) {
        try {
          const producer = store.getRun(model.runId);
          nodes.set(producer.id, { id: producer.id, kind: 'run', label: `${producer.kind}: ${producer.name}`, runId: producer.id });
          edge(producer.id, model.id);
          const pds = addDataset(producer.datasetId);
          if (pds) edge(pds, producer.id);
        } catch {
          // the producing run was deleted; the model stays
        }
      }
      for (const ev of store.listEvaluations({ modelId: model.id })) {
        const label = `eval: ${ev.attack.name}${ev.robustAccuracy !== null ? ` ${(ev.robustAccuracy * 100).toFixed(1)}%` : ` clean ${(ev.cleanAccuracy * 100).toFixed(1)}%`}`;
        nodes.set(ev.id, { id: ev.id, kind: 'evaluation', label, runId: ev.runId });
        edge(model.id, ev.id);
        const eds = addDataset(ev.datasetId);
        if (eds) edge(eds, ev.id);
      }
    }
  }
  return { nodes: [...nodes.values()], edges };
}
