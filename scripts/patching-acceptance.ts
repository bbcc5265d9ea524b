/**
 * Acceptance results for model patching with robust weight signatures, as markdown tables.
 *
 *   npx tsx scripts/patching-acceptance.ts [--lab DIR] [--limit 4000] [--epochs 2] [--json FILE]
 *
 * On the built-in mnist-digits (8,000 train / 2,000 test images) with mnist-cnn, sized for a
 * 2-core machine (a few minutes): pretrain a base (θ_pre) on the first `limit` training images,
 * then, as one `family` job, fine-tune from it a clean model and one model per corruption
 * (glass blur s4, contrast s4, motion blur s5; train and test splits corrupted on the fly — on
 * these digits gaussian noise even at severity 5 costs the clean model < 1 point, so there is no
 * gap for a signature to recover)
 * with the same settings. Then, on each corruption's whole corrupted test set (2,000 images):
 *   1. clean vs robust vs clean + signature (K = 2 shallow layers, projection, full precision) at
 *      α = 1 and at the best α of a 0…2 grid (chosen on that same test set), the share of the
 *      robust − clean gap recovered and the clean-accuracy change;
 *   2. two and three signatures combined (α = 1 each): accuracy on each corruption;
 *   3. K = 2 vs all 4 layers, full vs linear 16 levels (4 bits) vs log 16: accuracy and size;
 *   4. exactness: no projection, no compression, all layers — θ_pre + s = θ_c and
 *      (θ_clean + s) − s = θ_clean, max |Δ| / max |θ|, and identical predictions on every test set.
 * Everything goes through the Lab facade (training in real worker processes); the measurements
 * use the same core functions as the estimate and the sweep. Progress on stderr, tables at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Lab } from '../src/core/service';
import { readSplit, type SplitArrays } from '../src/core/data/dataset';
import { decodeSafetensors, modelFromSafetensors } from '../src/core/models/safetensors';
import type { Model } from '../src/core/models/model';
import { accuracy, predict } from '../src/core/patching/apply';
import { buildPatched, resolveTerms } from '../src/core/patching/service';
import type { PatchTerm } from '../src/shared/patching';

const CORRUPTIONS = [
  { corruption: 'glass_blur', severity: 4, title: 'glass blur s4' },
  { corruption: 'contrast', severity: 4, title: 'contrast s4' },
  { corruption: 'motion_blur', severity: 5, title: 'motion blur s5' },
];
interface GridPoint {
  alpha: number;
  corr: number;
  clean: number;
}
interface SingleRow {
  corruption: string;
  clean: number;
  robust: number;
  robustClean: number;
  at1: GridPoint;
  best: GridPoint;
  grid: GridPoint[];
  recovered1: number;
  recoveredBest: number;
}
const GRID = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

function args() {
  const a = process.argv.slice(2);
  const get = (k: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return { lab: get('--lab'), limit: Number(get('--limit') ?? 4000), epochs: Number(get('--epochs') ?? 2), json: get('--json') };
}

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
/** The share of the robust − clean gap recovered; '—' when there is no gap (under 1 point). */
const gap = (v: number, r: { robust: number; clean: number }) => (r.robust - r.clean < 0.01 ? '—' : pct(v));
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

async function main() {
  const opts = args();
  const labDir = opts.lab ?? fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-patching-'));
  log(`lab ${labDir}`);
  const lab = await Lab.open({ labDir, mode: 'cli', backend: process.env.ROBUSTLAB_BACKEND });
  const t0 = Date.now();
  const out: Record<string, unknown> = { limit: opts.limit, epochs: opts.epochs };
  try {
    const train = async (spec: Parameters<Lab['call']>[1]) => {
      const run = await lab.call('submitTrain', spec as never);
      const done = await lab.waitForRun(run.id);
      if (done.status !== 'finished') throw new Error(`${done.name}: ${done.status} ${done.error}`);
      return lab.store.getRun(run.id).modelId!;
    };
    log('pretraining the base');
    await train({ kind: 'train', name: 'base', dataset: 'mnist-digits', arch: 'mnist-cnn', epochs: opts.epochs, batchSize: 64, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, seed: 0, limit: opts.limit, testLimit: 500 });
    log('fine-tuning the family');
    const fam = await lab.call('submitFamily', {
      kind: 'family',
      name: 'fam',
      base: 'base',
      dataset: 'mnist-digits',
      corruptions: CORRUPTIONS.map(({ corruption, severity }) => ({ corruption, severity })),
      epochs: opts.epochs,
      batchSize: 64,
      lr: 0.02,
      seed: 1,
      limit: opts.limit,
      testLimit: 500,
    });
    const famDone = await lab.waitForRun(fam.id);
    if (famDone.status !== 'finished') throw new Error(`family: ${famDone.status} ${famDone.error}`);
    const trainSeconds = (Date.now() - t0) / 1000;
    log(`family done after ${trainSeconds.toFixed(0)} s`);

    const role = (c: (typeof CORRUPTIONS)[number]) => `fam-${c.corruption}-s${c.severity}`;
    const testOf = (name: string): SplitArrays => readSplit(lab.labDir, lab.store.getDataset(name).files as never, 'test');
    const cleanTest = testOf('mnist-digits');
    const corrTests = CORRUPTIONS.map((c) => testOf(`mnist-digits-${c.corruption}-s${c.severity}`));
    const load = (name: string): Model => {
      const r = lab.store.getModel(name);
      return modelFromSafetensors(lab.store.readArtifact(r.artifact), r.arch, { input: { height: 28, width: 28, channels: 1 }, numClasses: r.numClasses });
    };
    const target = lab.store.getModel('fam-clean');
    const withPatch = <T>(terms: PatchTerm[], fn: (m: Model) => T): T => {
      const resolved = resolveTerms(lab.store, target, terms);
      const { original, patched } = buildPatched(lab.store, target, resolved.map((r) => r.term), null, 0);
      try {
        return fn(patched);
      } finally {
        original.dispose();
        patched.dispose();
      }
    };

    // signatures: K = 2 full, K = 4 full, K = 2 linear16, K = 2 log16, K = 4 linear16
    const variants = [
      { key: 'k2', layers: 2, compression: {} },
      { key: 'all', layers: 'all' as const, compression: {} },
      { key: 'k2-lin16', layers: 2, compression: { quantize: { scheme: 'linear' as const, levels: 16 } } },
      { key: 'k2-log16', layers: 2, compression: { quantize: { scheme: 'log' as const, levels: 16 } } },
      { key: 'all-lin16', layers: 'all' as const, compression: { quantize: { scheme: 'linear' as const, levels: 16 } } },
    ];
    const sizes: Record<string, number> = {};
    for (const c of CORRUPTIONS) {
      for (const v of variants) {
        const sig = await lab.call('extractSignature', { name: `${c.corruption}-${v.key}`, model: role(c), clean: 'fam-clean', layers: v.layers, compression: v.compression });
        sizes[v.key] = sig.sizeBytes;
        sizes.model = sig.modelBytes;
      }
    }
    log('signatures extracted');

    const cleanModel = load('fam-clean');
    const cleanAcc = accuracy(cleanModel, cleanTest, cleanTest.count);
    const rows1: SingleRow[] = [];
    for (let i = 0; i < CORRUPTIONS.length; i++) {
      const c = CORRUPTIONS[i];
      const robust = load(role(c));
      const clean = accuracy(cleanModel, corrTests[i], corrTests[i].count);
      const rob = accuracy(robust, corrTests[i], corrTests[i].count);
      const robClean = accuracy(robust, cleanTest, cleanTest.count);
      robust.dispose();
      const grid = GRID.map((alpha) => withPatch([{ signature: `${c.corruption}-k2`, alpha }], (m) => ({ alpha, corr: accuracy(m, corrTests[i], corrTests[i].count), clean: accuracy(m, cleanTest, cleanTest.count) })));
      const at1 = grid.find((g) => g.alpha === 1)!;
      const best = grid.reduce((b, g) => (g.corr > b.corr ? g : b));
      rows1.push({ corruption: c.title, clean, robust: rob, robustClean: robClean, at1, best, grid, recovered1: (at1.corr - clean) / (rob - clean), recoveredBest: (best.corr - clean) / (rob - clean) });
      log(`${c.title}: clean ${pct(clean)} robust ${pct(rob)} α=1 ${pct(at1.corr)} best α=${best.alpha} ${pct(best.corr)}`);
    }
    out.single = { cleanAcc, rows: rows1 };

    // combinations (α = 1 each), on each corruption
    const combos = [
      [0, 1],
      [0, 2],
      [1, 2],
      [0, 1, 2],
    ];
    const rows2 = combos.map((combo) => {
      const terms = combo.map((k) => ({ signature: `${CORRUPTIONS[k].corruption}-k2`, alpha: 1 }));
      return withPatch(terms, (m) => ({
        combo: combo.map((k) => CORRUPTIONS[k].title),
        clean: accuracy(m, cleanTest, cleanTest.count),
        perCorruption: combo.map((k) => ({ corruption: CORRUPTIONS[k].title, accuracy: accuracy(m, corrTests[k], corrTests[k].count), single: rows1[k].at1.corr })),
      }));
    });
    out.combined = rows2;
    log('combinations measured');

    // K and compression
    const rows3 = variants.map((v) => ({
      variant: v.key,
      size: sizes[v.key],
      accuracies: CORRUPTIONS.map((c, i) => withPatch([{ signature: `${c.corruption}-${v.key}`, alpha: 1 }], (m) => accuracy(m, corrTests[i], corrTests[i].count))),
      clean: CORRUPTIONS.map((c) => withPatch([{ signature: `${c.corruption}-${v.key}`, alpha: 1 }], (m) => accuracy(m, cleanTest, cleanTest.count))),
    }));
    out.variants = { modelBytes: sizes.model, rows: rows3 };
    log('variants measured');

    // exactness
    const c0 = CORRUPTIONS[0];
    await lab.call('extractSignature', { name: 'exact', model: role(c0), base: 'base', layers: 'all', projection: false });
    const onBase = await lab.call('patchModel', { target: 'base', signatures: [{ signature: 'exact', alpha: 1 }], name: 'base+exact' });
    const onClean = await lab.call('patchModel', { target: 'fam-clean', signatures: [{ signature: 'exact', alpha: 1 }], name: 'clean+exact' });
    const removed = await lab.call('patchModel', { target: onClean.id, signatures: [{ signature: 'exact', alpha: -1 }], name: 'clean+exact-exact' });
    const tensors = (id: string) => decodeSafetensors(lab.store.readArtifact(lab.store.getModel(id).artifact)).tensors;
    const compare = (gotId: string, wantId: string) => {
      const got = tensors(gotId);
      const want = tensors(wantId);
      let maxTheta = 0;
      let maxDiff = 0;
      for (const [k, v] of Object.entries(want)) {
        for (let j = 0; j < v.data.length; j++) {
          maxTheta = Math.max(maxTheta, Math.abs(v.data[j]));
          maxDiff = Math.max(maxDiff, Math.abs(v.data[j] - got[k].data[j]));
        }
      }
      const a = load(gotId);
      const b = load(wantId);
      let differing = 0;
      let total = 0;
      for (const t of [cleanTest, ...corrTests]) {
        const pa = predict(a, t, t.count);
        const pb = predict(b, t, t.count);
        total += pa.length;
        for (let j = 0; j < pa.length; j++) if (pa[j] !== pb[j]) differing++;
      }
      a.dispose();
      b.dispose();
      return { maxDiff, maxTheta, ratio: maxDiff / maxTheta, differing, total };
    };
    out.exactness = {
      patchBase: compare(onBase.id, lab.store.getModel(role(c0)).id),
      patchRemove: compare(removed.id, target.id),
    };
    cleanModel.dispose();
    out.seconds = (Date.now() - t0) / 1000;
    out.trainSeconds = trainSeconds;
    out.backend = lab.store.getRun(famDone.id).backend;
  } finally {
    await lab.close();
  }
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(out, null, 2));
  process.stdout.write(render(out as never));
}

function render(o: {
  limit: number;
  epochs: number;
  seconds: number;
  trainSeconds: number;
  backend: string;
  single: { cleanAcc: number; rows: SingleRow[] };
  combined: { combo: string[]; clean: number; perCorruption: { corruption: string; accuracy: number; single: number }[] }[];
  variants: { modelBytes: number; rows: { variant: string; size: number; accuracies: number[]; clean: number[] }[] };
  exactness: Record<string, { maxDiff: number; maxTheta: number; ratio: number; differing: number; total: number }>;
}): string {
  const L: string[] = [];
  L.push(`mnist-cnn on mnist-digits; base and family fine-tuned on the first ${o.limit} training images for ${o.epochs} epochs each (backend ${o.backend}); ` +
    `accuracy on all 2,000 test images of each set; ${o.seconds.toFixed(0)} s in all (${o.trainSeconds.toFixed(0)} s training).`, '');
  L.push(`**1. One signature (K = 2: conv1, conv2; projection; full precision), on the corrupted test set.** Clean model on clean test: ${pct(o.single.cleanAcc)}.`, '');
  L.push('| corruption | clean model | robust model | clean + sig, α = 1 | gap recovered | best α | at best α | gap recovered | clean acc. at α = 1 (Δ) |');
  L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of o.single.rows) {
    L.push(`| ${r.corruption} | ${pct(r.clean)} | ${pct(r.robust)} | ${pct(r.at1.corr)} | ${gap(r.recovered1, r)} | ${r.best.alpha} | ${pct(r.best.corr)} | ${gap(r.recoveredBest, r)} | ${pct(r.at1.clean)} (${((r.at1.clean - o.single.cleanAcc) * 100).toFixed(1)} pts) |`);
  }
  L.push('', '**2. Signatures combined (α = 1 each), accuracy on each corruption (single signature in brackets).**', '');
  L.push('| signatures | clean test | per corruption |', '| --- | --- | --- |');
  for (const r of o.combined) L.push(`| ${r.combo.join(' + ')} | ${pct(r.clean)} | ${r.perCorruption.map((p) => `${p.corruption}: ${pct(p.accuracy)} (${pct(p.single)})`).join('; ')} |`);
  L.push('', `**3. Layers and compression (α = 1).** Full model weights: ${kb(o.variants.modelBytes)}.`, '');
  L.push(`| signature | size | smaller than the model | ${o.single.rows.map((r) => r.corruption).join(' | ')} | clean test (mean) |`, '| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of o.variants.rows) {
    const mc = r.clean.reduce((a, b) => a + b, 0) / r.clean.length;
    L.push(`| ${r.variant} | ${kb(r.size)} | ${(o.variants.modelBytes / r.size).toFixed(1)}× | ${r.accuracies.map(pct).join(' | ')} | ${pct(mc)} |`);
  }
  L.push('', '**4. Exactness (no projection, no compression, all layers).**', '');
  L.push('| check | max \\|Δ\\| | max \\|θ\\| | ratio | predictions that differ |', '| --- | --- | --- | --- | --- |');
  const names: Record<string, string> = { patchBase: 'θ_pre + s(α = 1) vs θ_c', patchRemove: '(θ_clean + s) − s vs θ_clean' };
  for (const [k, e] of Object.entries(o.exactness)) L.push(`| ${names[k]} | ${e.maxDiff.toExponential(2)} | ${e.maxTheta.toFixed(3)} | ${e.ratio.toExponential(2)} | ${e.differing} of ${e.total} |`);
  return L.join('\n') + '\n';
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
