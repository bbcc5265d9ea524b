/**
 * Image-folder import speed (issue #13's acceptance: 50,000 PNGs of 32×32 in under 60 s):
 * writes N synthetic 32×32 colour PNGs into 10 class folders, then imports the folder the way the
 * import job does (decode with sharp, store as a lab dataset) and prints JSON with the time and
 * images/s. Generation time is reported separately and not counted.
 *
 *   npx tsx bench/byo-import.ts              # 50,000 images
 *   npx tsx bench/byo-import.ts --count 5000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readDatasetSource, storeImported } from '../src/core/data/byo';
import { LabStore } from '../src/core/store/store';
import { ImportSpecSchema } from '../src/shared/byo';

const arg = process.argv.indexOf('--count');
const count = arg > 0 ? Number(process.argv[arg + 1]) : 50_000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-bench-byo-'));
try {
  const dir = path.join(root, 'images');
  const t0 = performance.now();
  for (let c = 0; c < 10; c++) fs.mkdirSync(path.join(dir, `class${c}`), { recursive: true });
  const px = Buffer.alloc(32 * 32 * 3);
  let next = 0;
  const write = async () => {
    for (let i = next++; i < count; i = next++) {
      for (let k = 0; k < px.length; k++) px[k] = (k * (i % 7 + 1) + i) & 0xff;
      await sharp(Buffer.from(px), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(path.join(dir, `class${i % 10}`, `${i}.png`));
    }
  };
  await Promise.all(Array.from({ length: 8 }, write));
  const generateSeconds = (performance.now() - t0) / 1000;

  const store = LabStore.open(path.join(root, 'lab'));
  try {
    const spec = ImportSpecSchema.parse({ kind: 'import', name: 'bench', format: 'folder', path: dir });
    let lastReport = 0;
    const t1 = performance.now();
    const data = await readDatasetSource(spec, {
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - lastReport > 5000) {
          lastReport = now;
          process.stderr.write(`${done} / ${total} images, ${Math.round(done / ((now - t1) / 1000))} images/s\n`);
        }
      },
    });
    const readSeconds = (performance.now() - t1) / 1000;
    storeImported(store, spec, data);
    const seconds = (performance.now() - t1) / 1000;
    process.stdout.write(
      `${JSON.stringify({ bench: 'byo-folder-import', images: count, size: '32x32x3 PNG', generate_seconds: +generateSeconds.toFixed(1), read_seconds: +readSeconds.toFixed(2), import_seconds: +seconds.toFixed(2), images_per_s: Math.round(count / seconds), cpus: os.cpus().length, under_60_s: seconds < 60 })}\n`,
    );
  } finally {
    store.close();
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
