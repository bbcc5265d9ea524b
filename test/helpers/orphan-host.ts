/**
 * A host that dies hard while its job runs: opens the lab with real forked workers, submits a
 * long training job, prints `{"runId","workerPid"}` once the job is running, then kills itself
 * with SIGKILL (no cleanup, like a crash or `kill -9`). Used by test/integration/hardening-worker.test.ts.
 * Run with `node --import tsx test/helpers/orphan-host.ts LAB_DIR`.
 */
import { Lab } from '../../src/core/service';
import { LabStore } from '../../src/core/store/store';

const labDir = process.argv[2]!;
const lab = await Lab.open({ labDir, mode: 'cli', backend: 'cpu' });
let runId = '';
lab.onEvent((e) => {
  if (e.type === 'progress' && e.runId === runId) {
    const store = LabStore.open(labDir);
    const run = store.getRun(runId);
    store.close();
    process.stdout.write(`${JSON.stringify({ runId, workerPid: run.workerPid })}\n`, () => process.kill(process.pid, 'SIGKILL'));
  }
});
const run = await lab.call('submitTrain', {
  kind: 'train',
  dataset: 'mnist-digits',
  arch: 'mlp',
  epochs: 50,
  batchSize: 20,
  optimizer: { name: 'sgd', lr: 0.05 },
  seed: 0,
  logEvery: 1,
});
runId = run.id;
