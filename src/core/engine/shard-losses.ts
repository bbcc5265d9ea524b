/**
 * The registry of named per-point losses the data-parallel executor can shard: the calling
 * thread and the worker threads look a loss up by name ('ce' here; 'attack:<name>' registered by
 * attacks/losses), so only the name travels with a command.
 *
 * Runs in: Node (the main thread and the engine's worker threads).
 */
import { tf } from './backend';
import { crossEntropy } from './ops';

/** A per-point loss of the logits (`z`: their values, row-major); summed for the gradient. */
export type ShardLoss = (logits: tf.Tensor2D, z: Float32Array) => tf.Tensor1D;
/** Builds a named per-point loss for labels y (and targets t). */
export type ShardLossBuilder = (y: Int32Array, t: Int32Array | null) => ShardLoss;

const objectives = new Map<string, ShardLossBuilder>();

/**
 * Registers a per-point loss under a name that the calling thread and the workers both know.
 * The module that registers it must also be imported by ./parallel-worker.
 */
export function registerShardLoss(name: string, build: ShardLossBuilder): void {
  objectives.set(name, build);
}

export function shardLoss(name: string): ShardLossBuilder {
  const b = objectives.get(name);
  if (!b) throw new Error(`Internal error: no per-point loss "${name}" is registered for the parallel executor.`);
  return b;
}

registerShardLoss('ce', (y) => (logits) => tf.tidy(() => crossEntropy(logits, tf.tensor1d(y, 'int32'), 'none') as tf.Tensor1D));
