/**
 * Lists update live (issue #17, point 7): a dataset renamed or deleted through the facade, and a
 * model written by another process on the same lab folder (here a second LabStore connection, as
 * the CLI or a worker would), each reach the facade's listeners as a 'catalog' event.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabStore, newId } from '../../src/core/store/store';
import type { LabEvent } from '../../src/shared/schemas';

let dir: string;
let lab: Lab;
const events: LabEvent[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-catalog-'));
  lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'cpu' });
  lab.onEvent((e) => events.push(e));
}, 60_000);
afterAll(async () => {
  await lab.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const catalogEvents = () => events.filter((e) => e.type === 'catalog').length;
async function waitFor(pred: () => boolean, ms = 5000): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

it('reports a model inserted by another connection within the watch interval, and nothing when nothing changed', async () => {
  await new Promise((r) => setTimeout(r, 1700));
  const quiet = catalogEvents();
  await new Promise((r) => setTimeout(r, 1700));
  expect(catalogEvents()).toBe(quiet);
  const other = LabStore.open(dir);
  try {
    const art = other.writeArtifact(new TextEncoder().encode('w'), 'safetensors');
    other.insertModel({ id: newId('m'), name: 'made by the CLI', arch: 'mlp', inputShape: [28, 28, 1], numClasses: 10, paramCount: 1, source: 'imported', datasetId: null, runId: null, parentId: null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
  } finally {
    other.close();
  }
  expect(await waitFor(() => catalogEvents() > quiet)).toBe(true);
  expect((await lab.call('listModels', {})).map((m) => m.name)).toContain('made by the CLI');
}, 20_000);

it('reports a rename and a delete made through the facade at once', async () => {
  const m = (await lab.call('listModels', {})).find((x) => x.name === 'made by the CLI')!;
  const before = catalogEvents();
  await lab.call('updateModel', { model: m.id, name: 'renamed' });
  expect(catalogEvents()).toBe(before + 1);
  const del = await lab.call('deleteItem', { kind: 'model', id: m.id });
  expect(catalogEvents()).toBe(before + 2);
  await lab.call('undoDelete', { undoToken: del.undoToken });
  expect(catalogEvents()).toBe(before + 3);
  expect((await lab.call('listModels', {})).map((x) => x.name)).toContain('renamed');
  // The watcher does not repeat what the facade already told.
  await new Promise((r) => setTimeout(r, 1800));
  expect(catalogEvents()).toBe(before + 3);
}, 20_000);
