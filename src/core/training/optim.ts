/**
 * Optimizers with PyTorch's semantics (torch.optim.SGD and torch.optim.Adam, weight decay added
 * to the gradient), so a spec means the same thing here as in a PyTorch script.
 */
import { tf } from '../engine/backend';
import { ADAM } from '../engine/wasm-kernels';
import type { OptimizerSpec } from '../../shared/schemas';

/** An optimizer's state as plain arrays (for checkpoints): named tensors plus numbers. */
export interface OptimizerState {
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
  numbers: Record<string, number>;
}

export interface Optimizer {
  /** Applies one update with the given learning rate. Gradients are not disposed. */
  step(grads: Record<string, tf.Tensor>, lr: number): void;
  /** The state (momentum buffers, Adam moments and step count), to resume exactly. */
  exportState(): OptimizerState;
  importState(state: OptimizerState): void;
  dispose(): void;
}

function exportVars(prefix: string, m: Map<string, tf.Variable>, out: OptimizerState['tensors']): void {
  for (const [name, v] of m) out[`${prefix}.${name}`] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
}

function importVars(prefix: string, m: Map<string, tf.Variable>, state: OptimizerState, create: boolean): void {
  for (const [key, t] of Object.entries(state.tensors)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const name = key.slice(prefix.length + 1);
    const v = m.get(name);
    const value = tf.tensor(t.data, t.shape, 'float32');
    if (v) v.assign(value);
    else if (create) m.set(name, tf.variable(value, false, `${name}.${prefix}`));
    value.dispose();
  }
}

export function makeOptimizer(spec: OptimizerSpec, vars: Map<string, tf.Variable>): Optimizer {
  return spec.name === 'adam' ? new Adam(spec, vars) : new Sgd(spec, vars);
}

class Sgd implements Optimizer {
  private readonly buf = new Map<string, tf.Variable>();
  constructor(
    private readonly spec: OptimizerSpec,
    private readonly vars: Map<string, tf.Variable>,
  ) {}

  step(grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, weightDecay } = this.spec;
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        let g = grads[name];
        if (!g) continue;
        if (weightDecay > 0) g = g.add(v.mul(weightDecay));
        if (momentum > 0) {
          const b = this.buf.get(name);
          if (!b) {
            // PyTorch: the first step's buffer is the gradient itself.
            this.buf.set(name, tf.variable(g, false, `${name}.momentum`));
            g = this.buf.get(name)!;
          } else {
            b.assign(b.mul(momentum).add(g));
            g = b;
          }
        }
        v.assign(v.sub(g.mul(lr)));
      }
    });
  }

  exportState(): OptimizerState {
    const tensors: OptimizerState['tensors'] = {};
    exportVars('momentum', this.buf, tensors);
    return { tensors, numbers: {} };
  }

  importState(state: OptimizerState): void {
    importVars('momentum', this.buf, state, true);
  }

  dispose(): void {
    for (const b of this.buf.values()) b.dispose();
    this.buf.clear();
  }
}

class Adam implements Optimizer {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;
  constructor(
    private readonly spec: OptimizerSpec,
    private readonly vars: Map<string, tf.Variable>,
  ) {
    for (const [name, p] of vars) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  step(grads: Record<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, weightDecay } = this.spec;
    const eps = 1e-8;
    this.t += 1;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    // On wasm one fused kernel does the update below with the same float32 operations in the
    // same order (engine/wasm-kernels.ts, RobustlabAdam), so the numbers are identical.
    const fused = tf.getBackend() === 'wasm' && tf.getKernel(ADAM, 'wasm') !== undefined;
    tf.tidy(() => {
      for (const [name, p] of this.vars) {
        let g = grads[name];
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        if (fused) {
          const attrs = { beta1, beta2, bc2, eps, stepSize: lr / bc1, weightDecay };
          const [p2, m2, v2] = tf.engine().runKernel(ADAM, { p, m, v, g }, attrs as never) as tf.Tensor[];
          m.assign(m2);
          v.assign(v2);
          p.assign(p2);
          continue;
        }
        if (weightDecay > 0) g = g.add(p.mul(weightDecay));
        m.assign(m.mul(beta1).add(g.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(g.square().mul(1 - beta2)));
        const denom = v.div(bc2).sqrt().add(eps);
        p.assign(p.sub(m.div(denom).mul(lr / bc1)));
      }
    });
  }

  exportState(): OptimizerState {
    const tensors: OptimizerState['tensors'] = {};
    exportVars('m', this.m, tensors);
    exportVars('v', this.v, tensors);
    return { tensors, numbers: { t: this.t } };
  }

  importState(state: OptimizerState): void {
    importVars('m', this.m, state, false);
    importVars('v', this.v, state, false);
    this.t = state.numbers.t ?? 0;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
