/**
 * The shared-memory arena of a worker slot: one growable SharedArrayBuffer per worker through
 * which weights, inputs and results travel without copies on the worker's side, and zero-copy
 * views of tensor data on this side where the backend allows it.
 *
 * Runs in: Node (the main thread of a job worker, CLI, tests).
 */
import { tf } from './backend';

/** What an arena needs of a worker slot (./worker-pool's Slot). */
export interface ArenaSlot {
  arena: SharedArrayBuffer;
}

/** A zero-copy view of a float32/int32 tensor's data where the backend allows it, else a copy. */
export function viewOf(t: tf.Tensor): Float32Array | Int32Array {
  const b = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array | Int32Array };
  if (typeof b.typedArrayFromHeap === 'function' && (t.dtype === 'float32' || t.dtype === 'int32')) return b.typedArrayFromHeap(t);
  return t.dataSync() as Float32Array | Int32Array;
}

export class Arena {
  f: Float32Array;
  i: Int32Array;
  used = 0;
  constructor(readonly slot: ArenaSlot) {
    this.f = new Float32Array(slot.arena);
    this.i = new Int32Array(slot.arena);
  }
  static ensure(slot: ArenaSlot, elements: number): Arena {
    const need = elements * 4;
    if (slot.arena.byteLength < need) {
      let size = slot.arena.byteLength;
      while (size < need) size *= 2;
      slot.arena = new SharedArrayBuffer(size);
    }
    return new Arena(slot);
  }
  take(n: number): number {
    const at = this.used;
    this.used += n;
    return at;
  }
}
