/**
 * The `import` job kind: read an image folder, CIFAR batches, .npz or .npy pair into a new
 * dataset, with progress (images/s) and cancel. Nothing is stored until every image is read;
 * unreadable images fail the job with the first one named, unless the spec says to skip them
 * (then they are reported in the last progress message and the `skipped_images` metric).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../../shared/errors';
import type { ImportSpec } from '../../shared/byo';
import { registerJobKind } from '../jobs/registry';
import { readDatasetSource, storeImported } from './byo';

function checkPaths(spec: ImportSpec): void {
  const paths = spec.format === 'npy' ? [spec.trainImages, spec.trainLabels, spec.testImages, spec.testLabels] : [spec.path];
  if (spec.format !== 'npy' && !spec.path) {
    throw new LabError('bad_input', `Give the ${spec.format === 'npz' ? '.npz file' : 'folder'} to import.`);
  }
  for (const p of paths) {
    if (p && !fs.existsSync(path.resolve(p))) throw new LabError('not_found', `"${p}" was not found; check the path and try again.`);
  }
  if (spec.format === 'folder' || spec.format === 'cifar') {
    if (!fs.statSync(path.resolve(spec.path!)).isDirectory()) throw new LabError('bad_input', `"${spec.path}" is not a folder; give the folder that holds the ${spec.format === 'cifar' ? 'CIFAR .bin batches' : 'class folders'}.`);
  }
  if (spec.format !== 'folder' && (spec.size || spec.trainFraction !== undefined || spec.skipUnreadable)) {
    throw new LabError('bad_input', 'A size, a train fraction and skipping unreadable images apply to image folders only.');
  }
}

export const importJob = registerJobKind<ImportSpec>({
  kind: 'import',
  check(store, spec) {
    if (store.findDatasetByName(spec.name)) throw new LabError('conflict', `A dataset named "${spec.name}" already exists; choose another name.`);
    checkPaths(spec);
    const full = { ...spec, ...(spec.path ? { path: path.resolve(spec.path) } : {}) };
    return { spec: full, name: spec.name, datasetId: null, modelId: null };
  },
  async run(ctx, spec) {
    const t0 = Date.now();
    const progress = (done: number, total: number, message?: string) => {
      const secs = Math.max(1e-3, (Date.now() - t0) / 1000);
      ctx.progress({
        phase: 'import',
        epoch: 0,
        epochs: 0,
        step: done,
        steps: total,
        fraction: total > 0 ? done / total : 1,
        message: message ?? `${done} / ${total} images, ${Math.round(done / secs)} images/s`,
      });
    };
    progress(0, 1, 'Reading…');
    const data = await readDatasetSource(spec, { onProgress: (d, t) => progress(d, t), tick: () => ctx.tick() });
    await ctx.tick();
    const id = storeImported(ctx.store, spec, data);
    const images = (data.train?.count ?? 0) + (data.test?.count ?? 0);
    const secs = (Date.now() - t0) / 1000;
    ctx.log([
      { key: 'images', step: 0, value: images },
      { key: 'images_per_s', step: 0, value: images / Math.max(secs, 1e-3) },
      { key: 'skipped_images', step: 0, value: data.unreadable.length },
    ]);
    const skipped = data.unreadable.length
      ? `; skipped ${data.unreadable.length} unreadable: ${data.unreadable.slice(0, 5).map((u) => `${u.file} (${u.reason})`).join('; ')}${data.unreadable.length > 5 ? '; …' : ''}`
      : '';
    progress(images, images, `Saved dataset "${spec.name}" (${id}): ${images} images in ${secs.toFixed(1)} s${skipped}`);
    return id;
  },
});
