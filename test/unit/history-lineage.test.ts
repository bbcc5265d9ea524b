/**
 * A run's lineage with model patching: signatures extracted from the run's model, patched models
 * made from it (with each term's signature and α), the path back from a patched model or a model
 * fine-tuned from one, and the "+N more" caps. A real lab folder with hand-made rows.
 */
import { describe, expect, it } from 'vitest';
import { buildLineage, LINEAGE_LIST_CAP } from '../../src/core/history/lineage';
import { LabStore, newId } from '../../src/core/store/store';
import { BOX_W, COL_GAP, layoutLineage } from '../../src/renderer/components/history/lineageLayout';
import type { Lineage } from '../../src/shared/history';
import { tmpStore } from '../helpers/tmp';


const shape = { arch: 'mlp', inputShape: [2, 2, 1] as [number, number, number], numClasses: 2, paramCount: 10 };

function model(s: LabStore, name: string, opts: { runId?: string | null; parentId?: string | null; datasetId: string }) {
  const art = s.writeArtifact(Buffer.from(`weights of ${name}`), 'safetensors');
  return s.insertModel({ id: newId('m'), name, ...shape, source: 'trained', datasetId: opts.datasetId, runId: opts.runId ?? null, parentId: opts.parentId ?? null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
}

/** A finished train run and its model (fine-tuned from `parentId` when given). */
function trained(s: LabStore, name: string, datasetId: string, parentId: string | null = null) {
  const id = newId('r');
  s.insertRun({ id, kind: 'train', name, spec: { kind: 'train' } as never, datasetId, modelId: null, params: {} });
  const m = model(s, `${name}-model`, { runId: id, parentId, datasetId });
  s.setRunModel(id, m.id);
  s.endRun(id, 'finished');
  return { runId: id, model: m };
}

function signature(s: LabStore, name: string, from: { base: string; clean: string | null; source: string }) {
  const art = s.writeArtifact(Buffer.from(`signature ${name}`), 'safetensors');
  return s.insertSignature({
    id: newId('sig'), name, ...shape, baseModelId: from.base, cleanModelId: from.clean, sourceModelId: from.source, sourceDatasetId: null,
    layers: ['fc1', 'fc2'], projection: true, compression: {}, sizeBytes: art.size, modelBytes: 40, sha256: art.sha256, artifact: art.rel, tensors: [], effect: null,
  });
}

function patched(s: LabStore, name: string, targetId: string, terms: { sig: { id: string; name: string }; alpha: number }[]) {
  const art = s.writeArtifact(Buffer.from(`patched ${name}`), 'safetensors');
  return s.insertPatchedModel(
    { id: newId('m'), name, ...shape, source: 'patched', datasetId: null, runId: null, parentId: targetId, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel },
    { targetId, terms: terms.map((t) => ({ signatureId: t.sig.id, signatureName: t.sig.name, alpha: t.alpha })), bn: 'keep', bnDatasetId: null },
  );
}

const node = (g: Lineage, id: string) => g.nodes.find((n) => n.id === id);
const hasEdge = (g: Lineage, from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);

/** base → clean and contrast members (fine-tuned); a signature from contrast; clean + 0.9·contrast. */
function family(s: LabStore) {
  const ds = s.insertDataset({ id: newId('ds'), name: 'digits', source: 'test', height: 2, width: 2, channels: 1, numClasses: 2, classNames: ['a', 'b'], splits: { test: { count: 4 } }, files: {}, parentId: null, recipe: null });
  const base = trained(s, 'base', ds.id);
  const clean = trained(s, 'fam-clean', ds.id, base.model.id);
  const contrast = trained(s, 'fam-contrast', ds.id, base.model.id);
  const sig = signature(s, 'contrast-sig', { base: base.model.id, clean: clean.model.id, source: contrast.model.id });
  const p = patched(s, 'clean+contrast', clean.model.id, [{ sig, alpha: 0.9 }]);
  return { ds, base, clean, contrast, sig, p };
}

describe('lineage with model patching', () => {
  it('from a training run: its signatures and the patched models made from its model, with each term and α', () => {
    const s = tmpStore();
    const f = family(s);
    // From the contrast member: the signature extracted from its model.
    const gc = buildLineage(s, f.contrast.runId);
    expect(node(gc, f.sig.id)).toMatchObject({ kind: 'signature', label: 'contrast-sig (2 layers)' });
    expect(hasEdge(gc, f.contrast.model.id, f.sig.id)).toBeTruthy();
    expect(gc.nodes.some((n) => n.kind === 'patched_model')).toBe(false); // nothing was patched onto it

    // From the clean member: the patched model, the signature that went into it with its α, and where it came from.
    const g = buildLineage(s, f.clean.runId);
    expect(node(g, f.p.id)).toMatchObject({ kind: 'patched_model', label: 'patched: clean+contrast' });
    expect(hasEdge(g, f.clean.model.id, f.p.id)).toBeTruthy();
    expect(hasEdge(g, f.sig.id, f.p.id)?.label).toBe('α 0.9');
    expect(hasEdge(g, f.contrast.model.id, f.sig.id)).toBeTruthy();
    expect(node(g, f.contrast.model.id)).toMatchObject({ kind: 'model', runId: f.contrast.runId });
    // Not patched anywhere on its own path: the base is not drawn (the graph stays as it was).
    expect(node(g, f.base.model.id)).toBeUndefined();
    // Every edge joins two drawn nodes.
    for (const e of g.edges) expect(node(g, e.from) && node(g, e.to)).toBeTruthy();

    // Drawn: every edge points right, no two boxes share a place, the signature sits in the column
    // just before the patched model it went into, and the target's run just before its model.
    const pos = new Map(layoutLineage(g).map((p) => [p.node.id, p]));
    expect(pos.size).toBe(g.nodes.length);
    for (const e of g.edges) expect(pos.get(e.from)!.x, `${e.from} → ${e.to}`).toBeLessThan(pos.get(e.to)!.x);
    expect(new Set([...pos.values()].map((p) => `${p.x},${p.y}`)).size).toBe(pos.size);
    expect(pos.get(f.p.id)!.x - pos.get(f.sig.id)!.x).toBe(BOX_W + COL_GAP);
    expect(pos.get(f.clean.model.id)!.x - pos.get(f.clean.runId)!.x).toBe(BOX_W + COL_GAP);
  });

  it('from an evaluation of a patched model, and from a model fine-tuned from it: the path back', () => {
    const s = tmpStore();
    const f = family(s);
    const evId = newId('r');
    s.insertRun({ id: evId, kind: 'eval', name: 'eval patched', spec: { kind: 'eval' } as never, datasetId: f.ds.id, modelId: f.p.id, params: {} });
    s.insertEvaluation({ runId: evId, modelId: f.p.id, datasetId: f.ds.id, split: 'test', attack: { name: 'none', params: {} }, count: 4, cleanAccuracy: 0.75, robustAccuracy: null, details: {} });
    s.endRun(evId, 'finished');

    const g = buildLineage(s, evId);
    expect(node(g, f.p.id)?.kind).toBe('patched_model');
    expect(hasEdge(g, f.p.id, evId)).toBeTruthy();
    expect(hasEdge(g, f.clean.model.id, f.p.id)).toBeTruthy(); // target → patched
    expect(hasEdge(g, f.sig.id, f.p.id)?.label).toBe('α 0.9');
    expect(hasEdge(g, f.clean.runId, f.clean.model.id)).toBeTruthy(); // the run that trained the target, clickable
    expect(node(g, f.clean.runId)?.runId).toBe(f.clean.runId);
    // The path ends at the patch's target: the base is one click further, on the target's run page.
    expect(node(g, f.base.model.id)).toBeUndefined();
    expect(hasEdge(buildLineage(s, f.clean.runId), f.clean.runId, f.clean.model.id)).toBeTruthy();

    // A model fine-tuned from the patched one: the same path back, one step further.
    const ft = trained(s, 'fine-tuned-from-patched', f.ds.id, f.p.id);
    const gf = buildLineage(s, ft.runId);
    expect(node(gf, ft.model.id)?.kind).toBe('model');
    expect(hasEdge(gf, f.p.id, ft.model.id)).toBeTruthy();
    expect(hasEdge(gf, f.clean.model.id, f.p.id)).toBeTruthy();
    expect(hasEdge(gf, f.sig.id, f.p.id)?.label).toBe('α 0.9');
    expect(node(gf, f.base.model.id)).toBeUndefined();

    // A patch of a patch: both patches and both signature sets on the way back, down to the first target.
    const sig2 = signature(s, 'second-sig', { base: f.base.model.id, clean: null, source: f.contrast.model.id });
    const p2 = patched(s, 'patched-twice', f.p.id, [{ sig: sig2, alpha: 0.5 }]);
    const ev2 = newId('r');
    s.insertRun({ id: ev2, kind: 'eval', name: 'eval twice', spec: { kind: 'eval' } as never, datasetId: f.ds.id, modelId: p2.id, params: {} });
    s.endRun(ev2, 'finished');
    const g2 = buildLineage(s, ev2);
    expect(hasEdge(g2, f.p.id, p2.id)).toBeTruthy();
    expect(hasEdge(g2, sig2.id, p2.id)?.label).toBe('α 0.5');
    expect(hasEdge(g2, f.clean.model.id, f.p.id)).toBeTruthy();
    expect(hasEdge(g2, f.sig.id, f.p.id)?.label).toBe('α 0.9');
    expect(g2.nodes.filter((n) => n.kind === 'patched_model').map((n) => n.label).sort()).toEqual(['patched: clean+contrast', 'patched: patched-twice']);
    expect(node(g2, f.base.model.id)).toBeUndefined();
  });

  it('caps long lists with "+N more", and keeps a deleted signature by the name its patch recorded', () => {
    const s = tmpStore();
    const f = family(s);
    const extra = Array.from({ length: LINEAGE_LIST_CAP + 2 }, (_, i) => signature(s, `clean-sig-${i}`, { base: f.base.model.id, clean: null, source: f.clean.model.id }));
    for (let i = 0; i < LINEAGE_LIST_CAP + 1; i++) patched(s, `clean+extra-${i}`, f.clean.model.id, [{ sig: extra[0]!, alpha: -0.5 }]);
    const gone = signature(s, 'short-lived', { base: f.base.model.id, clean: null, source: f.contrast.model.id });
    const pGone = patched(s, 'contrast-twice', f.contrast.model.id, [{ sig: gone, alpha: 1.25 }]);
    s.deleteSignature(gone.id);

    const g = buildLineage(s, f.clean.runId);
    const sigsFromClean = g.nodes.filter((n) => n.kind === 'signature' && n.label.startsWith('clean-sig-'));
    expect(sigsFromClean).toHaveLength(LINEAGE_LIST_CAP);
    expect(g.nodes.filter((n) => n.kind === 'patched_model')).toHaveLength(LINEAGE_LIST_CAP);
    const more = g.nodes.filter((n) => n.kind === 'more').map((n) => n.label).sort();
    expect(more).toEqual(['+2 more signatures', '+2 more patched models'].sort());
    expect(hasEdge(g, extra[0]!.id, g.nodes.find((n) => n.label === 'patched: clean+extra-0')!.id)?.label).toBe('α -0.5');

    const gc = buildLineage(s, f.contrast.runId);
    expect(node(gc, gone.id)).toMatchObject({ kind: 'signature', label: 'short-lived (deleted)' });
    expect(hasEdge(gc, gone.id, pGone.id)?.label).toBe('α 1.25');
  });
});
