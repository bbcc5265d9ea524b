/**
 * One remote job in its own child process (so heavy compute never blocks the BullMQ lock
 * renewal in the worker process). It builds a throw-away lab folder with the rows and files the
 * job needs (already fetched and hash-checked by the worker), runs the job with the same runner
 * as the embedded queue, and hands back what the lab host must record. It never talks to the
 * lab host's store: the worker uploads.
 */
import '../job-kinds';
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../engine/backend';
import { runJob } from '../jobs/runner';
import { LabStore, type DatasetRecord, type ModelRecord } from '../store/store';
import { checkpointPath } from '../training/checkpoint';
import type { JobSpec, LabEvent } from '../../shared/schemas';
import { sha256, type WorkerResult } from './host';

export interface ChildStart {
  type: 'start';
  /** Stay for the next job after this one finishes (the worker keeps warm job processes). */
  keep?: boolean;
  jobLab: string;
  backend?: string;
  run: { id: string; kind: JobSpec['kind']; name: string; spec: JobSpec };
  dataset: DatasetRecord;
  models: ModelRecord[];
  /** The lab host's last checkpoint of this run (a redelivered job resumes from it). */
  checkpoint: string | null;
}

export type ChildMessage =
  | { type: 'started'; backend: string; device: string; resumedFrom: number | null }
  | { type: 'event'; event: LabEvent }
  | { type: 'checkpoint'; data: string; sha256: string }
  | { type: 'done'; result: WorkerResult };

const send = (m: ChildMessage) => process.send?.(m);
/** Resolves once the message has been handed to the IPC channel (a big result must not be cut off by exit). */
const sendAndWait = (m: ChildMessage) => new Promise<void>((resolve) => (process.send ? process.send(m, undefined, {}, () => resolve()) : resolve()));
let cancelled = false;

async function start(m: ChildStart): Promise<void> {
  const store = LabStore.open(m.jobLab);
  const ds = m.dataset;
  // Copies of the host's rows; links to rows this folder does not have are left out.
  const { createdAt: _c, ...dsRow } = ds;
  store.insertDataset({ ...dsRow, parentId: null });
  for (const model of m.models) {
    const { createdAt: _m, ...row } = model;
    store.insertModel({ ...row, datasetId: row.datasetId === ds.id ? ds.id : null, runId: null, parentId: null });
  }
  let spec = m.run.spec;
  const ck = checkpointPath(m.jobLab, m.run.id);
  let seeded = 0;
  let resumedFrom: number | null = null;
  if (m.checkpoint && m.run.kind === 'train') {
    fs.mkdirSync(path.dirname(ck), { recursive: true });
    fs.writeFileSync(ck, Buffer.from(m.checkpoint, 'base64'));
    seeded = fs.statSync(ck).mtimeMs;
    spec = { ...spec, resumeFrom: m.run.id } as JobSpec;
    resumedFrom = 1;
  }
  const evalModel = m.run.kind === 'eval' ? (m.models[0]?.id ?? null) : null;
  store.insertRun({ id: m.run.id, kind: m.run.kind, name: m.run.name, spec, datasetId: ds.id, modelId: evalModel, params: {} });
  store.close();

  const info = await initEngine({ force: m.backend });
  send({ type: 'started', backend: info.name, device: info.device, resumedFrom });

  // Upload each end-of-epoch checkpoint as the trainer writes it (temp name + rename there).
  let lastSent = seeded;
  const watch = setInterval(() => {
    try {
      const st = fs.statSync(ck);
      if (st.mtimeMs !== lastSent && st.size > 0) {
        lastSent = st.mtimeMs;
        const bytes = fs.readFileSync(ck);
        send({ type: 'checkpoint', data: bytes.toString('base64'), sha256: sha256(bytes) });
      }
    } catch {
      /* not written yet */
    }
  }, 300);

  const res = await runJob({ runId: m.run.id, labDir: m.jobLab, backend: m.backend, emit: (event) => send({ type: 'event', event }), isCancelled: () => cancelled });
  clearInterval(watch);

  const done = LabStore.open(m.jobLab);
  try {
    const run = done.getRun(m.run.id);
    const models = done
      .listModels()
      .filter((x) => x.runId === m.run.id)
      .map((x) => {
        const bytes = fs.readFileSync(path.join(m.jobLab, x.artifact));
        const { artifact: _a, createdAt: _t, ...record } = x;
        return { record, data: bytes.toString('base64'), sha256: sha256(bytes) };
      });
    // Every metric the job logged (non-finite ones too): the host's record of the run does not
    // depend on progress events, which are lost while the host is down.
    const metrics = Object.entries(done.getMetrics(m.run.id)).flatMap(([key, points]) => points.map((p) => ({ key, step: p.step, value: p.value, time: p.time })));
    const evaluations = done.listEvaluations({ runId: m.run.id }).map(({ id: _i, createdAt: _t, ...ev }) => ev);
    await sendAndWait({
      type: 'done',
      result: { runId: m.run.id, status: res.status, error: res.error ?? null, modelId: m.run.kind === 'train' ? run.modelId : null, models, evaluations, metrics },
    });
  } finally {
    done.close();
  }
}

process.on('message', (msg: ChildStart | { type: 'cancel' }) => {
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (msg.type === 'start') {
    cancelled = false;
    start(msg).then(
      () => {
        if (!msg.keep) setTimeout(() => process.exit(0), 50);
      },
      (err: Error) => {
        process.stderr.write(`robustlab worker job: ${err.message}\n`);
        setTimeout(() => process.exit(1), 50);
      },
    );
  }
});
process.on('disconnect', () => process.exit(0));
