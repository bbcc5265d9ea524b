/**
 * The patching tests' starting point: a command-line lab in a temporary folder, its engine started
 * (a command-line lab starts it only at its first computing call, and these tests build a model
 * first), and an untrained base model of `arch` saved as `name` on mnist-digits.
 */
import { initEngine } from '../../src/core/engine/backend';
import { Model } from '../../src/core/models/model';
import { Lab } from '../../src/core/service';
import { saveModel } from '../../src/core/store/model-files';
import { tmpDir } from './tmp';

export async function labWithBase(arch: string, name: string, seed: number): Promise<{ lab: Lab; close: () => Promise<void> }> {
  const t = tmpDir();
  const lab = await Lab.open({ labDir: t.dir, mode: 'cli', backend: 'wasm' });
  await initEngine({ force: 'wasm' });
  const base = Model.init(arch, { height: 28, width: 28, channels: 1 }, 10, seed);
  saveModel(lab.store, base, { name, source: 'trained', datasetId: lab.store.getDataset('mnist-digits').id, runId: null });
  base.dispose();
  return {
    lab,
    close: async () => {
      await lab.close();
      t.cleanup();
    },
  };
}
