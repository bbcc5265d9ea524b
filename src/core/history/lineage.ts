/**
 * A run's lineage as a small graph: its dataset (and the datasets it was derived from, with their
 * corruption recipes) → the run → its model → the evaluations of that model (→ their runs), and
 * model patching around that model: the weight signatures extracted from it, the patched models
 * made from it (each term's signature → patched model, labelled with its α), and, when the model
 * is a patched model or descends from one, the path back through its parents (fine-tuning and
 * patching) with the signatures each patch added. Lists are capped (a "+N more" node).
 */
import type { Lineage, LineageEdge, LineageNode } from '../../shared/history';
import type { PatchLineage } from '../../shared/patching';
import type { LabStore, ModelRecord } from '../store/store';

/** At most this many signatures, patched models or ancestors are drawn per list; the rest is "+N more". */
export const LINEAGE_LIST_CAP = 5;

type Row = Record<string, unknown>;

function hasTable(store: LabStore, name: string): boolean {
  return !!store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
}

function fmtAlpha(a: number): string {
  return `α ${Number(a.toFixed(3))}`;
}

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
  const edges: LineageEdge[] = [];
  const edge = (from: string, to: string, label?: string) => {
    if (!edges.some((e) => e.from === from && e.to === to)) edges.push(label ? { from, to, label } : { from, to });
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
      const patching = hasTable(store, 'signatures') && hasTable(store, 'patched_models');
      if (patching) {
        const isPatched = !!store.getPatchLineage(model.id);
        if (isPatched) nodes.set(model.id, { ...nodes.get(model.id)!, kind: 'patched_model', label: `patched: ${model.name}` });
        addPatching(store, model, nodes, edge);
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

type EdgeFn = (from: string, to: string, label?: string) => void;

/** The signatures, patched models and ancestors around `model` (see the file comment). */
function addPatching(store: LabStore, model: ModelRecord, nodes: Map<string, LineageNode>, edge: EdgeFn): void {
  const db = store.db;
  const more = (anchor: string, what: string, n: number, after: boolean) => {
    if (n <= 0) return;
    const id = `more:${after ? 'out' : 'in'}:${what}:${anchor}`;
    nodes.set(id, { id, kind: 'more', label: `+${n} more ${n === 1 ? what.replace(/s$/, '') : what}`, runId: null });
    if (after) edge(anchor, id);
    else edge(id, anchor);
  };
  const addModel = (m: ModelRecord): void => {
    if (nodes.has(m.id)) return;
    const patched = !!store.getPatchLineage(m.id);
    nodes.set(m.id, { id: m.id, kind: patched ? 'patched_model' : 'model', label: `${patched ? 'patched' : 'model'}: ${m.name}`, runId: m.runId });
  };
  const findModel = (id: string): ModelRecord | null => {
    try {
      return store.getModel(id);
    } catch {
      return null;
    }
  };
  // A signature node by id; a deleted signature keeps the name and α its patched models recorded.
  const addSignature = (sigId: string, fallbackName: string, withSource: boolean): string => {
    if (nodes.has(sigId)) return sigId;
    const r = db.prepare('SELECT id, name, layers, source_model_id FROM signatures WHERE id = ?').get(sigId) as Row | undefined;
    if (!r) {
      nodes.set(sigId, { id: sigId, kind: 'signature', label: `${fallbackName} (deleted)`, runId: null });
      return sigId;
    }
    let layers = 0;
    try {
      layers = (JSON.parse(r.layers as string) as unknown[]).length;
    } catch {
      layers = 0;
    }
    nodes.set(sigId, { id: sigId, kind: 'signature', label: `${r.name as string}${layers ? ` (${layers} layer${layers === 1 ? '' : 's'})` : ''}`, runId: null });
    if (withSource) {
      const src = findModel(r.source_model_id as string);
      if (src) {
        addModel(src);
        edge(src.id, sigId);
      }
    }
    return sigId;
  };
  const addTerms = (lin: PatchLineage, patchedId: string): void => {
    lin.terms.slice(0, LINEAGE_LIST_CAP).forEach((t) => edge(addSignature(t.signatureId, t.signatureName, true), patchedId, fmtAlpha(t.alpha)));
    more(patchedId, 'signatures', lin.terms.length - LINEAGE_LIST_CAP, false);
  };

  // Forward: signatures extracted from this model.
  const sigCount = (db.prepare('SELECT COUNT(*) AS n FROM signatures WHERE source_model_id = ?').get(model.id) as { n: number }).n;
  const sigs = db.prepare('SELECT id, name FROM signatures WHERE source_model_id = ? ORDER BY created_at, id LIMIT ?').all(model.id, LINEAGE_LIST_CAP) as Row[];
  for (const s of sigs) edge(model.id, addSignature(s.id as string, s.name as string, false));
  more(model.id, 'signatures', sigCount - sigs.length, true);

  // Forward: patched models made from this model, each with its terms.
  const patchCount = (db.prepare('SELECT COUNT(*) AS n FROM patched_models WHERE target_id = ?').get(model.id) as { n: number }).n;
  const patched = db
    .prepare('SELECT p.model_id AS id FROM patched_models p JOIN models m ON m.id = p.model_id WHERE p.target_id = ? ORDER BY m.created_at, m.id LIMIT ?')
    .all(model.id, LINEAGE_LIST_CAP) as Row[];
  for (const p of patched) {
    const pm = findModel(p.id as string);
    const lin = store.getPatchLineage(p.id as string);
    if (!pm || !lin) continue;
    addModel(pm);
    edge(model.id, pm.id);
    addTerms(lin, pm.id);
  }
  more(model.id, 'patched models', patchCount - patched.length, true);

  // Back: the parent chain (fine-tuning and patching), with the signatures each patch added and
  // the run that trained each ancestor. Shown only where a patch is on the path.
  // The chain ends at the target of the earliest patch on it (that model's run, drawn and
  // clickable, carries the lineage further back).
  const full: ModelRecord[] = [model];
  let sawPatch = false;
  for (let cur = model; cur.parentId && full.length < 1000; ) {
    const curPatched = !!store.getPatchLineage(cur.id);
    if (sawPatch && !curPatched) break;
    sawPatch ||= curPatched;
    const parent = findModel(cur.parentId);
    if (!parent || full.some((c) => c.id === parent.id)) break;
    full.push(parent);
    cur = parent;
  }
  const chain = full.slice(0, LINEAGE_LIST_CAP + 1);
  const lins = chain.map((c) => store.getPatchLineage(c.id));
  if (!lins.some((l) => l)) return;
  for (let i = 0; i < chain.length; i++) {
    const child = chain[i]!;
    addModel(child);
    const lin = lins[i];
    if (lin) addTerms(lin, child.id);
    const parent = chain[i + 1];
    if (parent) {
      addModel(parent);
      edge(parent.id, child.id);
    } else {
      more(child.id, 'ancestors', full.length - chain.length, false);
    }
    if (i > 0 && child.runId) {
      try {
        const producer = store.getRun(child.runId);
        nodes.set(producer.id, nodes.get(producer.id) ?? { id: producer.id, kind: 'run', label: `${producer.kind}: ${producer.name}`, runId: producer.id });
        edge(producer.id, child.id);
      } catch {
        // the run that trained it was deleted; the model stays
      }
    }
  }
}
