/**
 * Weights written by PyTorch (scripts/make-torch-fixture.py, PyTorch 1.13) give the same logits in
 * the lab as in PyTorch, on the wasm backend.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../../src/core/engine/backend';
import { decodeSafetensors, modelFromSafetensors, modelToSafetensors } from '../../src/core/models/safetensors';
import type { InputShape } from '../../src/core/models/architecture';
import { LabError } from '../../src/shared/errors';
import { nchwToNhwc } from '../fixtures/reference-nets';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));

const CASES: { file: string; key: string; arch: string; input: InputShape; classes: number; passInput: boolean }[] = [
  { file: 'torch-mnist-cnn.safetensors', key: 'mnist-cnn', arch: 'mnist-cnn', input: { height: 28, width: 28, channels: 1 }, classes: 10, passInput: false },
  { file: 'torch-mlp.safetensors', key: 'mlp', arch: 'mlp', input: { height: 28, width: 28, channels: 1 }, classes: 10, passInput: false },
  // Three channels and a non-square image: checks the C,H,W flatten order PyTorch uses.
  { file: 'torch-mnist-cnn-rgb.safetensors', key: 'mnist-cnn-rgb', arch: 'mnist-cnn', input: { height: 16, width: 20, channels: 3 }, classes: 5, passInput: true },
  { file: 'torch-mlp-rgb.safetensors', key: 'mlp-rgb', arch: 'mlp', input: { height: 6, width: 8, channels: 3 }, classes: 4, passInput: true },
];

const io = decodeSafetensors(fixture('torch-io.safetensors')).tensors;

function argmaxRows(v: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < v.length / k; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[r * k + j] > v[r * k + best]) best = j;
    out.push(best);
  }
  return out;
}

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

describe('PyTorch weights', () => {
  for (const c of CASES) {
    test(`${c.key}: logits match PyTorch within 1e-4 and the predicted classes are identical`, () => {
      expect(tf.getBackend()).toBe('wasm');
      const buf = fixture(c.file);
      const { metadata } = decodeSafetensors(buf);
      expect(metadata).toEqual({ format: 'pt' }); // a plain PyTorch file: no lab metadata to lean on
      const model = modelFromSafetensors(buf, c.arch, c.passInput ? { input: c.input } : {});
      expect(model.input).toEqual(c.input); // inferred from the shapes where not passed
      expect(model.numClasses).toBe(c.classes);

      const input = io[`${c.key}.input`];
      const expected = io[`${c.key}.logits`];
      const [n, ch, h, w] = input.shape;
      expect([ch, h, w]).toEqual([c.input.channels, c.input.height, c.input.width]);
      const x = tf.tensor4d(nchwToNhwc(input.data, n, ch, h, w), [n, h, w, ch]);
      const logits = model.forward(x);
      expect(logits.shape).toEqual(expected.shape);
      const got = logits.dataSync();
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected.data[i]));
      expect(maxDiff).toBeLessThan(1e-4);
      const predicted = argmaxRows(expected.data, c.classes);
      expect(new Set(predicted).size).toBeGreaterThan(2); // the fixture's inputs get different classes
      expect(argmaxRows(got, c.classes)).toEqual(predicted);

      // Exporting gives back PyTorch's tensors bit for bit (layouts convert exactly).
      const again = decodeSafetensors(modelToSafetensors(model)).tensors;
      const original = decodeSafetensors(buf).tensors;
      expect(Object.keys(again)).toEqual(Object.keys(original));
      for (const k of Object.keys(original)) {
        expect(again[k].shape).toEqual(original[k].shape);
        expect(again[k].data).toEqual(original[k].data);
      }
      tf.dispose([x, logits]);
      model.dispose();
    });
  }

  test('the rgb mnist-cnn without an input size cannot be guessed and says which tensor does not fit', () => {
    try {
      modelFromSafetensors(fixture('torch-mnist-cnn-rgb.safetensors'), 'mnist-cnn');
      throw new Error('expected a LabError');
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('shape_mismatch');
      expect((err as LabError).message).toContain('"conv1.weight" has shape [32, 3, 3, 3]');
    }
  });
});
