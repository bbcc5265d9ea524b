import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { LabStore } from '../../src/core/store/store';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tmpDir(prefix = 'robustlab-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh LabStore in a temporary folder, closed and removed when the current test finishes. */
export function tmpStore(): LabStore {
  const t = tmpDir();
  const s = LabStore.open(t.dir);
  onTestFinished(() => {
    s.close();
    t.cleanup();
  });
  return s;
}
