/**
 * CLI commands of model patching with robust weight signatures: `family create`,
 * `signatures extract|list|show|delete`, `patch`, `patch estimate`, `patch transfer`, `patch sweep`.
 * Registered by src/cli/index.ts with its shared helpers; every command goes through `lab.call`.
 */
import type { Command } from 'commander';
import { LabError } from '../shared/errors';
import type { Lab } from '../core/service';
import type { EstimateResult, PatchTerm, SignatureDetail, SignatureInfo } from '../shared/patching';
import type { RunInfo } from '../shared/schemas';
import { keyValues, pct, type CliHelpers, type GlobalOpts } from './helpers';
import { attackNames, orList } from './registry-help';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** --sig NAME[:α] (α default 1). */
function parseTerms(sigs: string[] | undefined, defaultAlpha = 1): PatchTerm[] {
  if (!sigs?.length) throw new LabError('bad_input', 'Give at least one --sig SIGNATURE:α.');
  return sigs.map((s) => {
    const i = s.lastIndexOf(':');
    if (i < 0) return { signature: s, alpha: defaultAlpha };
    const alpha = Number(s.slice(i + 1));
    if (s.slice(i + 1).trim() === '' || !Number.isFinite(alpha)) throw new LabError('bad_input', `--sig must look like NAME:α (e.g. fog:0.8), got "${s}".`);
    return { signature: s.slice(0, i), alpha };
  });
}

/** --bn keep | reestimate:DATASET. */
function parseBn(v: string | undefined): { bn: 'keep' | 'reestimate'; bnDataset?: string } {
  if (!v || v === 'keep') return { bn: 'keep' };
  if (v === 'reestimate') return { bn: 'reestimate' };
  if (v.startsWith('reestimate:') && v.length > 'reestimate:'.length) return { bn: 'reestimate', bnDataset: v.slice('reestimate:'.length) };
  throw new LabError('bad_input', `--bn must be keep, reestimate or reestimate:DATASET, got "${v}".`);
}

/** --quantize linear:16 | log:16. */
function parseQuantize(v: string | undefined): { scheme: 'linear' | 'log'; levels: number } | undefined {
  if (!v) return undefined;
  const m = /^(linear|log):(\d+)$/.exec(v.trim());
  if (!m) throw new LabError('bad_input', `--quantize must look like linear:16 or log:16, got "${v}".`);
  return { scheme: m[1] as 'linear' | 'log', levels: Number(m[2]) };
}

/** --layers K | all | conv1,conv2. */
function parseLayers(v: string): number | 'all' | string[] {
  if (v === 'all') return 'all';
  if (/^\d+$/.test(v)) return Number(v);
  return list(v);
}

/** --corruptions gaussian_noise:5,fog (severity default 3). */
function parseCorruptions(v: string | undefined): { corruption: string; severity: number }[] {
  return list(v).map((c) => {
    const [name, sev] = c.split(':');
    const severity = sev === undefined ? 3 : Number(sev);
    if (!Number.isInteger(severity)) throw new LabError('bad_input', `--corruptions takes NAME[:SEVERITY] items (e.g. fog:4), got "${c}".`);
    return { corruption: name, severity };
  });
}

function signatureJson(s: SignatureInfo) {
  return {
    id: s.id,
    name: s.name,
    arch: s.arch,
    base_model_id: s.baseModelId,
    clean_model_id: s.cleanModelId,
    source_model_id: s.sourceModelId,
    source_dataset_id: s.sourceDatasetId,
    layers: s.layers,
    projection: s.projection,
    compression: s.compression,
    size_bytes: s.sizeBytes,
    model_bytes: s.modelBytes,
    effect: s.effect,
    created_at: s.createdAt,
  };
}

function compressionText(s: SignatureInfo): string {
  const c = s.compression;
  const parts = [c.quantize ? `${c.quantize.scheme}:${c.quantize.levels}` : '', c.rank ? `rank ${c.rank}` : ''].filter(Boolean);
  return parts.join(', ') || 'none';
}

function printSignature(s: SignatureDetail): void {
  console.log(`Signature "${s.name}" (${s.id}): ${s.arch}, layers ${s.layers.join(', ')}, projection ${s.projection ? 'on' : 'off'}, compression ${compressionText(s)}`);
  console.log(`Size ${s.sizeBytes} bytes, ${(s.modelBytes / s.sizeBytes).toFixed(1)}× smaller than the model's weights (${s.modelBytes} bytes).`);
  if (s.effect) {
    const e = s.effect;
    console.log(`Measured on ${e.count} test images: clean reference ${pct(e.cleanAccuracy)} → ${pct(e.patchedCleanAccuracy)} on ${e.cleanDataset ?? '—'}; ` +
      `${pct(e.referenceOnSource)} → ${pct(e.patchedOnSource)} on ${e.sourceDataset ?? '—'} (the robust model: ${pct(e.sourceOnSource)}).`);
  }
  for (const t of s.tensors) {
    console.log(`  ${t.name.padEnd(14)} ${t.encoding.padEnd(9)} ‖Δ‖ ${t.deltaNorm.toFixed(4)}  ‖s‖ ${t.signatureNorm.toFixed(4)}  error ${(100 * t.reconstructionError).toFixed(2)} %  ${t.bytes} bytes`);
  }
}

function estimateJson(e: EstimateResult) {
  return { count: e.count, seconds: e.seconds, bn: e.bn, rows: e.rows.map((r) => ({ dataset_id: r.datasetId, dataset: r.datasetName, target_accuracy: r.targetAccuracy, patched_accuracy: r.patchedAccuracy })) };
}

function runError(run: RunInfo): void {
  if (run.status !== 'finished') process.exitCode = 1;
}

export function addPatchingCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, table, num, follow } = h;

  const family = program.command('family').description('model patching: families of models fine-tuned from one base');
  family
    .command('create')
    .description('fine-tune, from one base model, a clean model and one robust model per corruption or method (one job)')
    .requiredOption('--base <model>', 'the base model θ_pre (id or name)')
    .requiredOption('--dataset <name>', 'the clean dataset every member is fine-tuned on (corrupted copies are made from it)')
    .option('--corruptions <list>', 'corruptions made on the fly, NAME[:SEVERITY] separated by commas (e.g. gaussian_noise:5,fog:4)')
    .option('--datasets <list>', 'existing corrupted datasets, one member each, separated by commas')
    .option('--method <list>', 'robust training methods on the clean data, one member each (e.g. pgd-at)')
    .option('--epochs <n>', 'epochs per member', num('epochs', true), 1)
    .option('--batch-size <n>', 'batch size', num('batch-size', true), 64)
    .option('--lr <x>', 'SGD learning rate (momentum 0.9)', num('lr'), 0.01)
    .option('--seed <n>', 'seed', num('seed', true), 0)
    .option('--limit <n>', 'only the first N training images of each dataset', num('limit', true))
    .option('--test-limit <n>', 'only the first N test images for the per-epoch metrics', num('test-limit', true))
    .option('--name <name>', 'family name (members are NAME-clean, NAME-<corruption>-s<severity>, …)')
    .action(async (o) => {
      await withLab(g(), async (lab: Lab) => {
        const run = await lab.call('submitFamily', {
          kind: 'family',
          name: o.name,
          base: o.base,
          dataset: o.dataset,
          corruptions: parseCorruptions(o.corruptions),
          datasets: list(o.datasets),
          methods: list(o.method),
          epochs: o.epochs,
          batchSize: o.batchSize,
          lr: o.lr,
          seed: o.seed,
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.testLimit ? { testLimit: o.testLimit } : {}),
        });
        if (!g().json) process.stderr.write(`Family run ${run.id} queued: "${run.name}".\n`);
        const done = await follow(lab, run, g());
        const members = (await lab.call('listRuns', { limit: 10000 })).filter((r) => r.groupId === run.id).reverse();
        const rows = members.map((r) => ({
          name: r.name,
          run_id: r.id,
          status: r.status,
          model_id: r.modelId,
          dataset_id: r.datasetId,
          test_accuracy: r.latestMetrics?.['test/accuracy'] ?? null,
        }));
        out(g(), { id: done.id, name: done.name, status: done.status, error: done.error, members: rows }, () => {
          console.log(`Family "${done.name}" (${done.id}): ${done.status}${done.error ? ` — ${done.error}` : ''}`);
          console.log(table(rows.map((r) => ({ ...r, test_accuracy: pct(r.test_accuracy) })), ['name', 'status', 'model_id', 'test_accuracy']));
        });
        runError(done);
      });
    });

  const sigs = program.command('signatures').description('model patching: robust weight signatures');
  sigs
    .command('extract')
    .description('extract a signature: (robust − base) with the clean update projected out, on the first K layers, optionally compressed')
    .requiredOption('--model <model>', 'the robust model θ_c')
    .requiredOption('--name <name>', 'name of the signature')
    .option('--clean <model>', 'the clean fine-tuned model θ_clean (needed for projection)')
    .option('--base <model>', 'the base model θ_pre (default: the robust model\'s parent)')
    .option('--layers <K|all|names>', 'the first K layers, all, or layer names separated by commas', '2')
    .option('--no-projection', 'keep the clean update\'s direction (s = θ_c − θ_pre)')
    .option('--quantize <scheme:levels>', 'linear:16 (4 bits, even levels from min to max) or log:16 (sign + log-spaced magnitudes)')
    .option('--rank <r>', 'keep r singular values of each weight matrix (conv kernels unfolded)', num('rank', true))
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const s = await lab.call('extractSignature', {
          name: o.name,
          model: o.model,
          clean: o.clean,
          base: o.base,
          layers: parseLayers(String(o.layers)),
          projection: o.projection !== false,
          compression: { ...(o.quantize ? { quantize: parseQuantize(o.quantize) } : {}), ...(o.rank ? { rank: o.rank } : {}) },
        });
        out(g(), { ...signatureJson(s), tensors: s.tensors }, () => printSignature(s));
      });
    });
  sigs
    .command('list')
    .description('the signature library')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const all = await lab.call('listSignatures', {});
        out(
          g(),
          { signatures: all.map(signatureJson) },
          table(
            all.map((s) => ({
              id: s.id,
              name: s.name,
              layers: s.layers.join(','),
              compression: compressionText(s),
              size: `${(s.sizeBytes / 1024).toFixed(1)} KB`,
              effect: s.effect ? `${pct(s.effect.referenceOnSource)} → ${pct(s.effect.patchedOnSource)}` : '—',
            })),
            ['id', 'name', 'layers', 'compression', 'size', 'effect'],
          ),
        );
      });
    });
  sigs
    .command('show <signature>')
    .description('one signature with its per-tensor statistics')
    .action(async (name: string) => {
      await withLab(g(), async (lab) => {
        const s = await lab.call('getSignature', { signature: name });
        out(g(), { ...signatureJson(s), tensors: s.tensors }, () => printSignature(s));
      });
    });
  sigs
    .command('delete <signature>')
    .description('delete a signature (patched models keep its name and α in their lineage)')
    .action(async (name: string) => {
      await withLab(g(), async (lab) => {
        const r = await lab.call('deleteSignature', { signature: name });
        out(g(), { deleted: r.id, name: r.name }, `Deleted signature "${r.name}" (${r.id}).`);
      });
    });

  const patch = program
    .command('patch')
    .description('patch a model with signatures (target + Σ α·signature) and save it as a new model; see also `patch estimate` and `patch sweep`')
    .option('--target <model>', 'the model to patch')
    .option('--sig <name:α>', 'a signature and its α (repeatable; α default 1, |α| ≤ 5)', collect)
    .option('--bn <mode>', 'batch norm: keep (default), reestimate (on the target\'s dataset) or reestimate:DATASET')
    .option('--name <name>', 'name of the patched model')
    .action(async (o) => {
      if (!o.target || !o.name) throw new LabError('bad_input', 'patch needs --target MODEL, --sig SIGNATURE:α and --name NEW.');
      await withLab(g(), async (lab) => {
        const m = await lab.call('patchModel', { target: o.target, signatures: parseTerms(o.sig), ...parseBn(o.bn), name: o.name });
        const lineage = await lab.call('patchLineage', { model: m.id });
        out(
          g(),
          { id: m.id, name: m.name, arch: m.arch, source: m.source, sha256: m.sha256, target_id: lineage?.targetId, terms: lineage?.terms, bn: lineage?.bn, bn_dataset_id: lineage?.bnDatasetId },
          `Saved patched model "${m.name}" (${m.id}): ${lineage?.terms.map((t) => `${t.signatureName} × ${t.alpha}`).join(' + ')} on the target, batch norm ${lineage?.bn}.`,
        );
      });
    });
  /**
   * `patch` has its own --target, --sig, --bn and --name, and commander gives options written after
   * `patch estimate|sweep` to the parent when it knows them: merge them back into the subcommand's.
   */
  const withParent = (own: Record<string, any>, what: string): Record<string, any> => {
    const parent = Object.fromEntries(Object.entries(patch.opts()).filter(([, v]) => v !== undefined));
    const o = { ...own, ...parent };
    if (!o.target || !o.sig?.length) throw new LabError('bad_input', `${what} needs --target MODEL and --sig SIGNATURE:α.`);
    return o;
  };
  patch
    .command('estimate')
    .description('instant estimate: target vs patched accuracy on ≤ 256 test images of each dataset')
    .option('--target <model>', 'the model to patch')
    .option('--sig <name:α>', 'a signature and its α (repeatable)', collect)
    .option('--dataset <name>', 'a test set to measure (repeatable; default the target\'s and each signature\'s source dataset)', collect)
    .option('--limit <n>', 'images per dataset (at most 256)', num('limit', true), 256)
    .option('--bn <mode>', 'keep, reestimate or reestimate:DATASET')
    .action(async (own) => {
      const o = withParent(own, 'patch estimate');
      await withLab(g(), async (lab) => {
        const e = await lab.call('estimatePatch', { target: o.target, signatures: parseTerms(o.sig), datasets: o.dataset, limit: o.limit, ...parseBn(o.bn) });
        out(g(), estimateJson(e), table(e.rows.map((r) => ({ dataset: r.datasetName, target: pct(r.targetAccuracy), patched: pct(r.patchedAccuracy) })), ['dataset', 'target', 'patched']));
      });
    });
  patch
    .command('transfer')
    .description('transfer check: does the signature\'s gain on its clean model carry over to the target? (≤ 256 test images)')
    .option('--target <model>', 'the other model, fine-tuned from the same base')
    .option('--sig <name[:α]>', 'the signature and its α (default 1)', collect)
    .option('--dataset <name>', 'the test set the gain is measured on (default: the signature\'s source dataset)')
    .option('--limit <n>', 'images per set (at most 256)', num('limit', true), 256)
    .action(async (own) => {
      const o = withParent(own, 'patch transfer');
      const terms = parseTerms(o.sig);
      if (terms.length !== 1) throw new LabError('bad_input', 'patch transfer checks one signature: give one --sig NAME:α.');
      await withLab(g(), async (lab) => {
        const r = await lab.call('transferCheck', { signature: terms[0].signature, alpha: terms[0].alpha, target: o.target, dataset: o.dataset, limit: o.limit });
        const sideJson = (x: typeof r.home) => ({ model_id: x.modelId, model: x.modelName, before: x.before, after: x.after, gain: x.gain, own_before: x.ownBefore, own_after: x.ownAfter });
        out(
          g(),
          { signature: r.signatureName, alpha: r.alpha, dataset: r.datasetName, count: r.count, seconds: r.seconds, home: sideJson(r.home), target: sideJson(r.target), ratio: r.ratio, transfers: r.transfers, summary: r.summary },
          () => {
            console.log(
              table(
                [r.home, r.target].map((x, i) => ({ model: `${x.modelName}${i === 0 ? ' (home)' : ''}`, before: pct(x.before), after: pct(x.after), gain: `${(100 * x.gain).toFixed(1)} pt`, own: x.ownBefore === null ? '—' : `${pct(x.ownBefore)} → ${pct(x.ownAfter)}` })),
                ['model', 'before', 'after', 'gain', 'own'],
              ),
            );
            console.log(r.summary);
          },
        );
      });
    });
  patch
    .command('sweep')
    .description('α sweep (a job): accuracy of target + α·signature for each α on the clean and corrupted test sets, optionally under an attack')
    .option('--target <model>', 'the model to patch')
    .option('--sig <name[:α]>', 'the swept signature first; further ones stay at their α (repeatable)', collect)
    .requiredOption('--alphas <list>', 'values of α separated by commas, e.g. 0,0.25,0.5,1,1.5')
    .option('--dataset <name>', 'the clean test set (default: the target\'s dataset)')
    .option('--corrupted <name>', 'a corrupted test set (repeatable; default: each signature\'s source dataset)', collect)
    .option('--limit <n>', 'test images per dataset', num('limit', true), 500)
    .option('--bn <mode>', 'keep, reestimate or reestimate:DATASET')
    .option('--attack <name>', `also robust accuracy at each α on the first test set: ${orList(attackNames())}`)
    .option('--eps <x>', 'the attack\'s largest change per pixel (0–1)', num('eps'))
    .option('--param <k=v>', 'any other attack parameter (repeatable)', collect)
    .option('--attack-limit <n>', 'images attacked at each α (default 200)', num('attack-limit', true))
    .option('--name <name>', 'run name')
    .action(async (own) => {
      const o = withParent(own, 'patch sweep');
      const attackParams: Record<string, number | boolean | string> = { ...keyValues(o.param) };
      if (o.eps !== undefined) attackParams.eps = o.eps;
      const attack = o.attack && o.attack !== 'none' ? { attack: { name: o.attack, params: attackParams }, ...(o.attackLimit ? { attackLimit: o.attackLimit } : {}) } : {};
      const alphas = list(o.alphas).map(Number);
      if (!alphas.length || alphas.some((a) => !Number.isFinite(a))) throw new LabError('bad_input', `--alphas must be numbers separated by commas, got "${o.alphas}".`);
      const datasets = [...(o.dataset ? [o.dataset] : []), ...(o.corrupted ?? [])];
      await withLab(g(), async (lab) => {
        const run = await lab.call('submitPatchSweep', {
          kind: 'patch-sweep',
          name: o.name,
          target: o.target,
          signatures: parseTerms(o.sig),
          alphas,
          ...(datasets.length ? { datasets } : {}),
          limit: o.limit,
          ...parseBn(o.bn),
          ...attack,
        });
        if (!g().json) process.stderr.write(`Sweep run ${run.id} queued: "${run.name}".\n`);
        const done = await follow(lab, run, g());
        const detail = await lab.call('getRun', { runId: run.id });
        const keys = Object.keys(detail.metrics).filter((k) => k.startsWith('accuracy/'));
        const robustKeys = Object.keys(detail.metrics).filter((k) => k.startsWith('robust_accuracy/'));
        const at = (k: string, step: number) => detail.metrics[k].find((q) => q.step === step)?.value ?? null;
        const points = (detail.metrics.alpha ?? []).map((p) => ({
          alpha: p.value,
          accuracy: Object.fromEntries(keys.map((k) => [k.slice('accuracy/'.length), at(k, p.step)])),
          ...(robustKeys.length ? { robust_accuracy: Object.fromEntries(robustKeys.map((k) => [k.slice('robust_accuracy/'.length), at(k, p.step)])) } : {}),
        }));
        out(g(), { id: done.id, name: done.name, status: done.status, error: done.error, points }, () => {
          console.log(`Sweep "${done.name}" (${done.id}): ${done.status}${done.error ? ` — ${done.error}` : ''}`);
          const robustCols = robustKeys.map((k) => `${k.slice('robust_accuracy/'.length)} under ${o.attack}`);
          console.log(
            table(
              points.map((p) => ({
                alpha: p.alpha,
                ...Object.fromEntries(Object.entries(p.accuracy).map(([k, v]) => [k, pct(v)])),
                ...Object.fromEntries(Object.entries(p.robust_accuracy ?? {}).map(([k, v]) => [`${k} under ${o.attack}`, pct(v)])),
              })),
              ['alpha', ...keys.map((k) => k.slice('accuracy/'.length)), ...robustCols],
            ),
          );
        });
        runError(done);
      });
    });
}
