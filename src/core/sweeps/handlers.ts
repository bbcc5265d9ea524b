/**
 * The facade's sweep calls (see the table in src/shared/api.ts): plan, submit, list, detail with
 * the summary, and pause/resume/cancel. Members go through the facade's normal submit.
 */
import type { ApiOutputs, ApiParsed } from '../../shared/api';
import { newId, type LabStore } from '../store/store';
import { planSweep } from './plan';
import { getSweepRecord, insertSweep, listSweepRecords, sweepDetail, sweepInfo, sweepRows } from './records';
import type { SweepScheduler } from './scheduler';

type SweepMethod = 'planSweep' | 'submitSweep' | 'listSweeps' | 'getSweep' | 'controlSweep';

export type SweepHandlers = { [M in SweepMethod]: (input: ApiParsed<M>) => ApiOutputs[M] };

/** `lab` gives the store and scheduler lazily: the facade builds its handler table before its constructor body runs. */
export function sweepHandlers(lab: () => { store: LabStore; sweeps: SweepScheduler }): SweepHandlers {
  return {
    planSweep: (spec) => {
      const { checked: _c, thenEval: _t, ...plan } = planSweep(lab().store, spec);
      return plan;
    },
    submitSweep: (spec) => {
      const { store, sweeps } = lab();
      const plan = planSweep(store, spec);
      const id = newId('sw');
      const baseName = typeof spec.base.name === 'string' && spec.base.name.trim() ? spec.base.name.trim() : null;
      const rec = insertSweep(store, {
        id,
        name: spec.name ?? `${baseName ?? `${plan.kind}-sweep`}-${id.slice(-4)}`,
        kind: plan.kind,
        spec,
        members: plan.checked.map((m) => ({ index: m.index, values: m.values, spec: m.spec })),
        thenEval: plan.thenEval,
        maxParallel: spec.maxParallel,
      });
      sweeps.drive(rec.id);
      return sweepDetail(store, getSweepRecord(store, rec.id));
    },
    listSweeps: () => {
      const store = lab().store;
      return listSweepRecords(store).map((r) => sweepInfo(r, sweepRows(store, r)));
    },
    getSweep: (req) => {
      const store = lab().store;
      return sweepDetail(store, getSweepRecord(store, req.sweepId), req.metric, req.order);
    },
    controlSweep: (req) => {
      const { store, sweeps } = lab();
      const rec = getSweepRecord(store, req.sweepId);
      if (req.action === 'pause') sweeps.pause(rec.id);
      else if (req.action === 'resume') sweeps.resume(rec.id);
      else sweeps.cancel(rec.id);
      return sweepDetail(store, getSweepRecord(store, rec.id));
    },
  };
}
