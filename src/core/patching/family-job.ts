/**
 * The `family` job kind: from one base model, fine-tune a clean member and one robust member per
 * corruption (a dataset corrupted on the fly from the clean one, or one made in the corruption
 * studio) or per robust training method, all with the same settings. Each member is an ordinary
 * train run whose group is the family run; corrupted datasets are ordinary datasets with their
 * recipe and parent, so lineage runs from every member back to the data.
 *
 * Runs in: the job worker process (run); check runs in the facade.
 */
import { LabError } from '../../shared/errors';
import { TrainSpecSchema, type TrainSpec } from '../../shared/schemas';
import type { FamilySpec } from '../../shared/patching';
import { corruptDataset, resolveCorruptSpec } from '../corruptions/job';
import { resolveRecipe } from '../corruptions/recipe';
import { checkModelFitsDataset } from '../eval/job';
import { JobContext } from '../jobs/context';
import { getJobKind, registerJobKind } from '../jobs/registry';
import { resolveMethod } from '../training/methods/registry';
import { runTraining } from '../training/trainer';
import { newId, type LabStore } from '../store/store';

export interface FamilyMemberPlan {
  role: string;
  /** Dataset id or name (a corrupted one may not exist yet at submit time). */
  dataset: string;
  method: string;
  corruption?: { corruption: string; severity: number };
}

function corruptSpecFor(dataset: string, c: { corruption: string; severity: number }) {
  return { kind: 'corrupt' as const, dataset, recipe: { steps: [{ corruption: c.corruption, severity: c.severity, params: {} }], seed: 0 } };
}

/** The members of a family, checked: clean first, then corruptions, datasets, methods. */
export function planFamily(store: LabStore, spec: FamilySpec): FamilyMemberPlan[] {
  const base = store.getModel(spec.base);
  const ds = store.getDataset(spec.dataset);
  if (!ds.splits.train) throw new LabError('bad_input', `Dataset "${ds.name}" has no train split to fine-tune on.`);
  checkModelFitsDataset(base, ds);
  const members: FamilyMemberPlan[] = [{ role: 'clean', dataset: ds.id, method: 'erm' }];
  for (const c of spec.corruptions) {
    const cs = resolveCorruptSpec(store, corruptSpecFor(ds.id, c));
    resolveRecipe(cs.recipe, ds);
    members.push({ role: `${c.corruption}-s${c.severity}`, dataset: cs.name, method: 'erm', corruption: c });
  }
  for (const name of spec.datasets) {
    const d = store.getDataset(name);
    if (!d.splits.train) throw new LabError('bad_input', `Dataset "${d.name}" has no train split to fine-tune on.`);
    checkModelFitsDataset(base, d);
    members.push({ role: d.name, dataset: d.id, method: 'erm' });
  }
  for (const m of spec.methods) {
    const { method } = resolveMethod(m, {});
    if (method.entry.name === 'erm') throw new LabError('bad_input', 'The clean member already uses plain training (erm); add robust methods such as pgd-at.');
    members.push({ role: m, dataset: ds.id, method: m });
  }
  if (members.length < 2) throw new LabError('bad_input', 'A family needs at least one robust member: choose a corruption, a corrupted dataset or a method.');
  const roles = members.map((m) => m.role);
  const dup = roles.find((r, i) => roles.indexOf(r) !== i);
  if (dup) throw new LabError('bad_input', `The family has the member "${dup}" twice; list each corruption, dataset and method once.`);
  return members;
}

function memberSpec(spec: FamilySpec, familyName: string, baseId: string, arch: string, m: FamilyMemberPlan, dataset: string): TrainSpec {
  return TrainSpecSchema.parse({
    kind: 'train',
    name: `${familyName}-${m.role}`,
    dataset,
    arch,
    method: m.method,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    optimizer: { name: 'sgd', lr: spec.lr, momentum: 0.9 },
    seed: spec.seed,
    ...(spec.limit ? { limit: spec.limit } : {}),
    ...(spec.testLimit ? { testLimit: spec.testLimit } : {}),
    initModel: baseId,
  });
}

export async function runFamily(ctx: JobContext, spec: FamilySpec): Promise<void> {
  const { store } = ctx;
  const base = store.getModel(spec.base);
  const members = planFamily(store, spec);
  const total = members.length;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    await ctx.tick();
    let dataset = m.dataset;
    if (m.corruption) {
      const existing = store.findDatasetByName(m.dataset);
      if (existing) dataset = existing.id;
      else {
        ctx.progress({ phase: 'corrupt', epoch: 0, epochs: 0, step: i, steps: total, fraction: i / total });
        dataset = await corruptDataset(store, { ...corruptSpecFor(spec.dataset, m.corruption), name: m.dataset }, { tick: () => ctx.tick(), runId: ctx.run.id });
      }
    }
    const trainSpec = memberSpec(spec, ctx.run.name, base.id, base.arch, m, dataset);
    const childId = newId('r');
    const sub = getJobKind('train').check(store, trainSpec, childId);
    const child = store.insertRun({
      id: childId,
      kind: 'train',
      name: sub.name,
      spec: sub.spec,
      datasetId: sub.datasetId,
      modelId: null,
      groupId: ctx.run.id,
      params: { family: ctx.run.id, role: m.role, method: m.method, dataset, initModel: base.id },
    });
    store.markRunning(child.id, { backend: ctx.run.backend ?? '', device: ctx.run.device ?? '', workerPid: process.pid });
    ctx.emit({ type: 'run', runId: child.id, status: 'running' });
    ctx.progress({ phase: 'train', epoch: 0, epochs: 0, step: i, steps: total, fraction: i / total });
    const childCtx = new JobContext(store, store.getRun(child.id), (e) => ctx.emit(e), () => ctx.cancelled);
    try {
      const result = await runTraining(childCtx, sub.spec as TrainSpec);
      store.endRun(child.id, 'finished');
      ctx.emit({ type: 'run', runId: child.id, status: 'finished', error: null });
      ctx.log([{ key: `member/${m.role}/test_accuracy`, step: i, value: result.testAccuracy ?? NaN }]);
    } catch (err) {
      const e = LabError.from(err);
      store.endRun(child.id, e.code === 'cancelled' ? 'cancelled' : 'failed', e.message);
      ctx.emit({ type: 'run', runId: child.id, status: e.code === 'cancelled' ? 'cancelled' : 'failed', error: e.message });
      throw err;
    }
  }
  ctx.progress({ phase: 'done', epoch: 0, epochs: 0, step: total, steps: total, fraction: 1 });
}

export const familyJob = registerJobKind<FamilySpec>({
  kind: 'family',
  check(store, spec, runId) {
    const base = store.getModel(spec.base);
    const ds = store.getDataset(spec.dataset);
    planFamily(store, spec);
    return {
      spec: { ...spec, base: base.id, dataset: ds.id },
      name: spec.name || `family-${base.name}-${runId.slice(-4)}`,
      datasetId: ds.id,
      modelId: base.id,
    };
  },
  run: (ctx, spec) => runFamily(ctx, spec),
});
