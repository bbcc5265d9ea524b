import { L as LabError, b as shardedParamGrads, f as forwardEval, c as crossEntropy, i as initEngine } from "./chunks/losses-Bh5FtoXR.js";
import { R as Rng, l as limitSplit, g as gatherBatch, p as pgd, c as certifyBatch, r as readSplit, a as resolveMethod, b as loadCheckpoint, d as checkResumable, M as Model, e as loadWeightArrays, f as loadStoredModel, w as weightArrays, s as saveCheckpoint, h as saveModel, i as certifierForSpec, j as resolveAttack, k as checkClasses, m as checkEpsGrid, E as EvaluationSuite, L as LabStore, J as JobSpecSchema, n as runCorruptJob, o as runCorruptionBenchmark } from "./chunks/corruption-benchmark-C54-vvh4.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "node:child_process";
import "node:module";
import "node:fs";
import "node:os";
import "node:path";
import "node:worker_threads";
import "node:url";
import "zod";
import "node:zlib";
import "node:crypto";
import "better-sqlite3";
import "jpeg-js";
class JobContext {
  constructor(store, run, emitFn, cancelledFn) {
    this.store = store;
    this.run = run;
    this.emitFn = emitFn;
    this.cancelledFn = cancelledFn;
  }
  store;
  run;
  emitFn;
  cancelledFn;
  lastHeartbeat = 0;
  lastYield = 0;
  started = Date.now();
  emit(e) {
    this.emitFn(e);
  }
  /** Logs metrics durably (one committed transaction) and streams them to clients. */
  log(values) {
    const time = Date.now();
    this.store.logMetrics(
      this.run.id,
      values.map((v) => ({ ...v, time }))
    );
    for (const v of values) {
      if (Number.isFinite(v.value)) this.emit({ type: "metric", runId: this.run.id, key: v.key, step: v.step, value: v.value, time });
    }
  }
  progress(p) {
    const elapsed = (Date.now() - this.started) / 1e3;
    const eta = p.etaSeconds ?? (p.fraction > 1e-3 && p.fraction < 1 ? elapsed * (1 - p.fraction) / p.fraction : p.fraction >= 1 ? 0 : void 0);
    this.emit({ type: "progress", runId: this.run.id, ...p, etaSeconds: eta });
  }
  get cancelled() {
    return this.cancelledFn();
  }
  /**
   * Called between steps: lets IPC messages (cancel) arrive, writes the heartbeat, and throws
   * a 'cancelled' LabError once the person asked to stop.
   */
  async tick() {
    const t = Date.now();
    if (t - this.lastYield > 20) {
      this.lastYield = t;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (t - this.lastHeartbeat > 2e3) {
      this.lastHeartbeat = t;
      this.store.heartbeat(this.run.id);
    }
    if (this.cancelledFn()) throw new LabError("cancelled", "Cancelled by the user.");
  }
}
function exportVars(prefix, m, out) {
  for (const [name, v] of m) out[`${prefix}.${name}`] = { shape: [...v.shape], data: Float32Array.from(v.dataSync()) };
}
function importVars(prefix, m, state, create) {
  for (const [key, t] of Object.entries(state.tensors)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const name = key.slice(prefix.length + 1);
    const v = m.get(name);
    const value = tf.tensor(t.data, t.shape, "float32");
    if (v) v.assign(value);
    else if (create) m.set(name, tf.variable(value, false, `${name}.${prefix}`));
    value.dispose();
  }
}
function makeOptimizer(spec, vars) {
  return spec.name === "adam" ? new Adam(spec, vars) : new Sgd(spec, vars);
}
class Sgd {
  constructor(spec, vars) {
    this.spec = spec;
    this.vars = vars;
  }
  spec;
  vars;
  buf = /* @__PURE__ */ new Map();
  step(grads, lr) {
    const { momentum, weightDecay } = this.spec;
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        let g = grads[name];
        if (!g) continue;
        if (weightDecay > 0) g = g.add(v.mul(weightDecay));
        if (momentum > 0) {
          const b = this.buf.get(name);
          if (!b) {
            this.buf.set(name, tf.variable(g, false, `${name}.momentum`));
            g = this.buf.get(name);
          } else {
            b.assign(b.mul(momentum).add(g));
            g = b;
          }
        }
        v.assign(v.sub(g.mul(lr)));
      }
    });
  }
  exportState() {
    const tensors = {};
    exportVars("momentum", this.buf, tensors);
    return { tensors, numbers: {} };
  }
  importState(state) {
    importVars("momentum", this.buf, state, true);
  }
  dispose() {
    for (const b of this.buf.values()) b.dispose();
    this.buf.clear();
  }
}
class Adam {
  constructor(spec, vars) {
    this.spec = spec;
    this.vars = vars;
    for (const [name, p] of vars) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }
  spec;
  vars;
  m = /* @__PURE__ */ new Map();
  v = /* @__PURE__ */ new Map();
  t = 0;
  step(grads, lr) {
    const { beta1, beta2, weightDecay } = this.spec;
    const eps = 1e-8;
    this.t += 1;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, p] of this.vars) {
        let g = grads[name];
        if (!g) continue;
        if (weightDecay > 0) g = g.add(p.mul(weightDecay));
        const m = this.m.get(name);
        const v = this.v.get(name);
        m.assign(m.mul(beta1).add(g.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(g.square().mul(1 - beta2)));
        const denom = v.div(bc2).sqrt().add(eps);
        p.assign(p.sub(m.div(denom).mul(lr / bc1)));
      }
    });
  }
  exportState() {
    const tensors = {};
    exportVars("m", this.m, tensors);
    exportVars("v", this.v, tensors);
    return { tensors, numbers: { t: this.t } };
  }
  importState(state) {
    importVars("m", this.m, state, false);
    importVars("v", this.v, state, false);
    this.t = state.numbers.t ?? 0;
  }
  dispose() {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
function learningRate(schedule, baseLr, step, stepsPerEpoch, totalSteps, warmupEpochs = 0) {
  const base = scheduled(schedule, baseLr, step, stepsPerEpoch, totalSteps);
  const warm = Math.round(warmupEpochs * stepsPerEpoch);
  return warm > 0 && step < warm ? base * (step + 1) / warm : base;
}
function scheduled(schedule, baseLr, step, stepsPerEpoch, totalSteps) {
  switch (schedule.name) {
    case "constant":
      return baseLr;
    case "step": {
      const epoch = Math.floor(step / stepsPerEpoch);
      return baseLr * schedule.gamma ** Math.floor(epoch / schedule.stepEpochs);
    }
    case "cosine": {
      const t = totalSteps <= 1 ? 0 : Math.min(1, step / (totalSteps - 1));
      return schedule.minLr + (baseLr - schedule.minLr) * (1 + Math.cos(Math.PI * t)) / 2;
    }
  }
}
async function trainStep(o) {
  const { model, method, params, x, y, ctx } = o;
  const varNames = /* @__PURE__ */ new Map();
  for (const [name, v] of model.params) varNames.set(v.name, name);
  let xTrain = x;
  model.discardBufferUpdates();
  try {
    if (method.prepare) xTrain = await method.prepare(model, x, y, params, ctx);
    if (method.shardable === "cross-entropy" && !method.perturbWeights) {
      const labels = Int32Array.from(y.dataSync());
      const r = shardedParamGrads(model, xTrain, labels);
      if (r) {
        o.optimizer.step(Object.fromEntries(r.grads), o.lr);
        model.commitBufferUpdates();
        const k2 = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(r.logits, 1), tf.cast(y, "int32")), "int32")));
        const correct2 = k2.dataSync()[0];
        tf.dispose([k2, r.logits, ...r.grads.values()]);
        return { loss: r.loss, correct: correct2, metrics: {} };
      }
    }
    const restore = method.perturbWeights ? method.perturbWeights(model, () => method.loss(model, xTrain, y, params, ctx).loss, params, ctx) : null;
    let logitsKept = null;
    let metricsKept = {};
    let value;
    let grads;
    try {
      ({ value, grads } = tf.variableGrads(() => {
        const out = method.loss(model, xTrain, y, params, ctx);
        logitsKept = tf.keep(out.logits);
        metricsKept = Object.fromEntries(Object.entries(out.metrics ?? {}).map(([k2, t]) => [k2, tf.keep(t)]));
        return out.loss;
      }, model.variables()));
    } finally {
      restore?.();
    }
    const byParam = {};
    for (const [vn, g] of Object.entries(grads)) byParam[varNames.get(vn) ?? vn] = g;
    o.optimizer.step(byParam, o.lr);
    model.commitBufferUpdates();
    const loss = value.dataSync()[0];
    const k = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logitsKept, 1), tf.cast(y, "int32")), "int32")));
    const correct = k.dataSync()[0];
    const metrics = {};
    for (const [key, t] of Object.entries(metricsKept)) metrics[key] = t.dataSync()[0];
    tf.dispose([k, value, logitsKept, ...Object.values(grads), ...Object.values(metricsKept)]);
    return { loss, correct, metrics };
  } finally {
    if (xTrain !== x) xTrain.dispose();
  }
}
function splitValidation(s, fraction, seed) {
  const nVal = Math.round(fraction * s.count);
  if (!(nVal > 0)) return { train: s, val: null };
  const perm = new Rng(seed).fork("validation-split").permutation(s.count);
  const valIdx = Array.from(perm.subarray(0, nVal)).sort((a, b) => a - b);
  const isVal = new Uint8Array(s.count);
  for (const i of valIdx) isVal[i] = 1;
  const trainIdx = [];
  for (let i = 0; i < s.count; i++) if (!isVal[i]) trainIdx.push(i);
  return { train: subset(s, trainIdx), val: subset(s, valIdx) };
}
function subset(s, idx) {
  const per = s.height * s.width * s.channels;
  const images = new Uint8Array(idx.length * per);
  const labels = s.labels instanceof Int32Array ? new Int32Array(idx.length) : new Uint8Array(idx.length);
  idx.forEach((i, j) => {
    images.set(s.images.subarray(i * per, (i + 1) * per), j * per);
    labels[j] = s.labels[i];
  });
  return { ...s, images, labels, count: idx.length };
}
function resolveMonitor(spec, method, params) {
  if (!spec) return null;
  return {
    count: spec.count,
    eps: spec.eps ?? method.monitorEps?.(params) ?? 0.1,
    pgdSteps: spec.pgdSteps,
    certify: spec.certify ?? (method.needsLayers ? "ibp" : "none")
  };
}
async function robustMetrics(model, split, cfg, seed, tick) {
  const s = limitSplit(split, cfg.count);
  const { height: h, width: w, channels: c } = s;
  let robust = 0;
  let certified = 0;
  const B = 200;
  for (let start = 0, b = 0; start < s.count; start += B, b++) {
    await tick();
    const idx = Array.from({ length: Math.min(B, s.count - start) }, (_, i) => start + i);
    const batch = gatherBatch(s, idx);
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    const y = tf.tensor1d(batch.y, "int32");
    try {
      if (cfg.pgdSteps > 0) {
        const res = await pgd.run(model, x, y, { eps: cfg.eps, steps: cfg.pgdSteps, stepSize: 0, restarts: 1, randomStart: true }, { rng: new Rng(seed).fork(`monitor-${b}`), tick });
        res.xAdv.dispose();
        for (const f of res.fooled) if (!f) robust++;
      }
      if (cfg.certify !== "none") {
        const r = await certifyBatch(model, x, y, cfg.eps, cfg.certify, { tick });
        for (const k of r.certified) certified += k;
      }
    } finally {
      x.dispose();
      y.dispose();
    }
  }
  return {
    pgdAccuracy: cfg.pgdSteps > 0 && s.count ? robust / s.count : null,
    certifiedAccuracy: cfg.certify !== "none" && s.count ? certified / s.count : null
  };
}
async function measure(model, split, batchSize, tick) {
  let lossSum = 0;
  let correct = 0;
  const { height: h, width: w, channels: c } = split;
  for (let start = 0; start < split.count; start += batchSize) {
    await tick();
    const end = Math.min(split.count, start + batchSize);
    const b = gatherBatch(
      split,
      Array.from({ length: end - start }, (_, i) => start + i)
    );
    const [l, k] = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.n, h, w, c]);
      const y = tf.tensor1d(b.y, "int32");
      const logits = forwardEval(model, x);
      return [tf.sum(crossEntropy(logits, y, "none")), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "int32"))];
    });
    lossSum += l.dataSync()[0];
    correct += k.dataSync()[0];
    l.dispose();
    k.dispose();
  }
  return { loss: split.count ? lossSum / split.count : NaN, accuracy: split.count ? correct / split.count : NaN };
}
async function runTraining(ctx, spec) {
  const { store } = ctx;
  const ds = store.getDataset(spec.dataset);
  const files = ds.files;
  if (!ds.splits.train) throw new LabError("bad_input", `Dataset "${ds.name}" has no train split; import training images to train on it.`);
  const { train, val } = splitValidation(limitSplit(readSplit(store.labDir, files, "train"), spec.limit), spec.valFraction ?? 0, spec.seed);
  const test = ds.splits.test ? limitSplit(readSplit(store.labDir, files, "test"), spec.testLimit) : null;
  const input = { height: ds.height, width: ds.width, channels: ds.channels };
  const { method, params } = resolveMethod(spec.method, spec.methodParams);
  const monitor = resolveMonitor(spec.monitor, method, params);
  const keepBest = spec.keepBest ?? "last";
  const selection = spec.earlyStopping?.metric ?? (keepBest === "last" ? null : keepBest);
  if (spec.earlyStopping && keepBest !== "last" && keepBest !== spec.earlyStopping.metric) {
    throw new LabError("bad_input", `Early stopping watches ${spec.earlyStopping.metric} but the best checkpoint is chosen by ${keepBest}; use the same metric for both.`);
  }
  if (selection === "robust" && !(monitor && monitor.pgdSteps > 0) || selection === "certified" && !(monitor && monitor.certify !== "none")) {
    throw new LabError("bad_input", `Choosing epochs by ${selection} accuracy needs the per-epoch robust monitor with ${selection === "robust" ? "PGD steps" : "certification"} turned on.`);
  }
  const resumed = spec.resumeFrom ? loadCheckpoint(store.labDir, spec.resumeFrom) : null;
  if (resumed) checkResumable(spec, resumed.meta);
  let model;
  if (resumed) {
    model = Model.init(spec.arch, input, resumed.meta.numClasses, spec.seed);
    loadWeightArrays(model, resumed.weights);
  } else if (spec.initModel) {
    const loaded = loadStoredModel(store, spec.initModel);
    model = loaded.model;
    const [h2, w2, c2] = loaded.record.inputShape;
    if (h2 !== input.height || w2 !== input.width || c2 !== input.channels || loaded.record.numClasses < ds.numClasses) {
      model.dispose();
      throw new LabError("shape_mismatch", `Model "${loaded.record.name}" does not fit dataset "${ds.name}" (input or class count differ); fine-tune on a matching dataset.`);
    }
  } else {
    model = Model.init(spec.arch, input, ds.numClasses, spec.seed);
  }
  if (method.needsLayers && !model.arch.layers) {
    model.dispose();
    throw new LabError("bad_input", `Method ${method.entry.name} needs an architecture with a layer list (mlp, mnist-cnn); ${model.archName} has none.`);
  }
  const optimizer = makeOptimizer(spec.optimizer, model.params);
  if (resumed) optimizer.importState(resumed.optimizer);
  const N = train.count;
  const B = Math.min(spec.batchSize, N);
  const stepsPerEpoch = Math.ceil(N / B);
  const totalSteps = stepsPerEpoch * spec.epochs;
  const shuffle = new Rng(spec.seed).fork("shuffle");
  const methodRng = new Rng(spec.seed).fork("method");
  const { height: h, width: w, channels: c } = train;
  const methodState = resumed ? structuredClone(resumed.meta.methodState) : {};
  const warmupEpochs = spec.warmupEpochs ?? 0;
  const lrAt = (s) => learningRate(spec.schedule, spec.optimizer.lr, s, stepsPerEpoch, totalSteps, warmupEpochs);
  const firstEpoch = resumed ? resumed.meta.epoch + 1 : 1;
  let step = resumed ? resumed.meta.step : 0;
  for (let e = 1; e < firstEpoch; e++) shuffle.permutation(N);
  let best = resumed?.meta.best ?? null;
  let bestWeights = resumed?.bestWeights ?? null;
  let sinceBest = resumed?.meta.sinceBest ?? 0;
  let stoppedEpoch = null;
  let lastTrainLoss = NaN;
  let lastTrainAcc = NaN;
  let testAccuracy = null;
  let testLoss = null;
  const t0 = Date.now();
  try {
    for (let epoch = firstEpoch; epoch <= spec.epochs; epoch++) {
      const perm = shuffle.permutation(N);
      let epochLoss = 0;
      let epochCorrect = 0;
      let seen = 0;
      const metricSums = {};
      let windowLoss = 0;
      let windowN = 0;
      const epochStart = Date.now();
      for (let b = 0; b < stepsPerEpoch; b++) {
        await ctx.tick();
        const idx = perm.subarray(b * B, Math.min(N, (b + 1) * B));
        const batch = gatherBatch(train, idx);
        const lr = lrAt(step);
        const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
        const y = tf.tensor1d(batch.y, "int32");
        const mctx = { rng: methodRng.fork(step), epoch, epochs: spec.epochs, step, stepsPerEpoch, totalSteps, numClasses: model.numClasses, state: methodState };
        let lossValue;
        let correct;
        try {
          const r = await trainStep({ model, method, params, x, y, ctx: mctx, optimizer, lr });
          lossValue = r.loss;
          correct = r.correct;
          for (const [k, v] of Object.entries(r.metrics)) metricSums[k] = (metricSums[k] ?? 0) + v * batch.n;
        } finally {
          x.dispose();
          y.dispose();
        }
        if (!Number.isFinite(lossValue)) {
          throw new LabError("bad_input", `Training diverged: the loss became ${lossValue} at step ${step + 1}; lower the learning rate and try again.`);
        }
        step++;
        epochLoss += lossValue * batch.n;
        epochCorrect += correct;
        seen += batch.n;
        windowLoss += lossValue;
        windowN++;
        if (step % spec.logEvery === 0 || b === stepsPerEpoch - 1) {
          ctx.log([{ key: "train/loss", step, value: windowLoss / windowN }]);
          windowLoss = 0;
          windowN = 0;
        }
        const secs = (Date.now() - epochStart) / 1e3;
        ctx.progress({
          phase: "train",
          epoch,
          epochs: spec.epochs,
          step,
          steps: totalSteps,
          fraction: step / totalSteps,
          loss: epochLoss / seen,
          accuracy: epochCorrect / seen,
          imagesPerSec: secs > 0 ? seen / secs : void 0
        });
      }
      lastTrainLoss = epochLoss / seen;
      lastTrainAcc = epochCorrect / seen;
      const epochMetrics = [
        { key: "train/epoch_loss", step: epoch, value: lastTrainLoss },
        { key: "train/accuracy", step: epoch, value: lastTrainAcc },
        { key: "lr", step: epoch, value: lrAt(step - 1) },
        { key: "train/images_per_sec", step: epoch, value: seen / Math.max(1e-3, (Date.now() - epochStart) / 1e3) }
      ];
      for (const [k, v] of Object.entries(metricSums)) epochMetrics.push({ key: `train/${k}`, step: epoch, value: v / seen });
      const tick = () => ctx.tick();
      const selected = {};
      for (const [name, split] of [["test", test], ["val", val]]) {
        if (!split) continue;
        ctx.progress({ phase: name, epoch, epochs: spec.epochs, step, steps: totalSteps, fraction: step / totalSteps, message: `Measuring ${name === "val" ? "validation" : "test"} accuracy` });
        const m = await measure(model, split, 500, tick);
        if (name === "test") {
          testAccuracy = m.accuracy;
          testLoss = m.loss;
        }
        epochMetrics.push({ key: `${name}/loss`, step: epoch, value: m.loss }, { key: `${name}/accuracy`, step: epoch, value: m.accuracy });
        let rm = { pgdAccuracy: null, certifiedAccuracy: null };
        if (monitor) {
          ctx.progress({ phase: name, epoch, epochs: spec.epochs, step, steps: totalSteps, fraction: step / totalSteps, message: `Measuring robust ${name === "val" ? "validation" : "test"} accuracy` });
          rm = await robustMetrics(model, split, monitor, spec.seed, tick);
          if (rm.pgdAccuracy != null) epochMetrics.push({ key: `${name}/pgd_accuracy`, step: epoch, value: rm.pgdAccuracy });
          if (rm.certifiedAccuracy != null) epochMetrics.push({ key: `${name}/certified_accuracy`, step: epoch, value: rm.certifiedAccuracy });
        }
        if (name === "val" || !val) {
          selected.clean = m.accuracy;
          selected.loss = -m.loss;
          if (rm.pgdAccuracy != null) selected.robust = rm.pgdAccuracy;
          if (rm.certifiedAccuracy != null) selected.certified = rm.certifiedAccuracy;
        }
      }
      ctx.log(epochMetrics);
      let stop = false;
      if (selection) {
        const value = selected[selection];
        if (value === void 0) {
          throw new LabError("bad_input", `Choosing epochs by ${selection} needs a test or validation split; this dataset has neither.`);
        }
        if (!best || value > best.value + (spec.earlyStopping?.minDelta ?? 0)) {
          best = { epoch, value };
          sinceBest = 0;
          if (keepBest !== "last") bestWeights = weightArrays(model);
        } else {
          sinceBest++;
        }
        if (spec.earlyStopping && sinceBest >= spec.earlyStopping.patience) stop = true;
      }
      saveCheckpoint(store.labDir, {
        meta: {
          format: "robustlab-checkpoint-1",
          runId: ctx.run.id,
          spec,
          epoch,
          step,
          archName: model.archName,
          numClasses: model.numClasses,
          methodState,
          optimizerNumbers: {},
          best,
          sinceBest
        },
        weights: weightArrays(model),
        optimizer: optimizer.exportState(),
        bestWeights
      });
      if (stop) {
        stoppedEpoch = epoch;
        ctx.log([{ key: "early_stop/epoch", step: epoch, value: epoch }]);
        break;
      }
    }
    ctx.log([{ key: "time/train_seconds", step: spec.epochs, value: (Date.now() - t0) / 1e3 }]);
    if (best) ctx.log([{ key: "best/epoch", step: spec.epochs, value: best.epoch }, { key: `best/${selection}`, step: spec.epochs, value: best.value }]);
    if (keepBest !== "last" && bestWeights && best && best.epoch !== (stoppedEpoch ?? spec.epochs)) {
      loadWeightArrays(model, bestWeights);
      if (test) {
        const m = await measure(model, test, 500, () => ctx.tick());
        testAccuracy = m.accuracy;
        testLoss = m.loss;
        ctx.log([{ key: "kept/test_accuracy", step: best.epoch, value: m.accuracy }, { key: "kept/test_loss", step: best.epoch, value: m.loss }]);
      }
    }
    const record = saveModel(store, model, {
      name: ctx.run.name,
      source: "trained",
      datasetId: ds.id,
      runId: ctx.run.id,
      parentId: spec.initModel ? store.getModel(spec.initModel).id : null
    });
    store.setRunModel(ctx.run.id, record.id);
    return { model: record, testAccuracy, testLoss, trainLoss: lastTrainLoss, trainAccuracy: lastTrainAcc };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
async function evaluateModel(model, split, numClasses, attack, params, opts) {
  const t0 = Date.now();
  const n = split.count;
  const { height: h, width: w, channels: c } = split;
  const perClass = Array.from({ length: numClasses }, (_, label) => ({
    label,
    count: 0,
    cleanCorrect: 0,
    robustCorrect: attack ? 0 : null
  }));
  const counts = { count: 0, cleanCorrect: 0, robustCorrect: attack ? 0 : null, perClass, gradEvalsPerPoint: 0, seconds: 0 };
  const suite = new EvaluationSuite(model, attack, params, {
    attackName: attack?.entry.name ?? "none",
    numClasses,
    classNames: [],
    gallery: 0,
    checks: { masking: false, unbounded: false, blackBox: false },
    ...opts.suite
  });
  let gradEvals = 0;
  for (let start = 0, b = 0; start < n; start += opts.batchSize, b++) {
    await opts.tick();
    const end = Math.min(n, start + opts.batchSize);
    const idx = Array.from({ length: end - start }, (_, i) => start + i);
    const batch = gatherBatch(split, idx);
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    const y = tf.tensor1d(batch.y, "int32");
    try {
      const r = await suite.batch(x, y, batch.y, start, new Rng(opts.seed).fork(`batch-${b}`), opts.tick);
      const p = r.cleanPred;
      const fooled = r.fooled;
      gradEvals += r.gradEvals * batch.n;
      for (let i = 0; i < batch.n; i++) {
        const label = batch.y[i];
        if (label >= numClasses) {
          throw new LabError("shape_mismatch", `The dataset has label ${label} but the model predicts only ${numClasses} classes; evaluate it on a dataset with the same classes.`);
        }
        const pc = perClass[label];
        pc.count++;
        counts.count++;
        const clean = p[i] === label;
        if (clean) {
          pc.cleanCorrect++;
          counts.cleanCorrect++;
        }
        if (fooled) {
          const robust = clean && !fooled[i];
          if (robust) {
            pc.robustCorrect = (pc.robustCorrect ?? 0) + 1;
            counts.robustCorrect = (counts.robustCorrect ?? 0) + 1;
          }
        }
      }
    } finally {
      x.dispose();
      y.dispose();
    }
    opts.onBatch?.(end, n, counts);
  }
  counts.gradEvalsPerPoint = counts.count ? gradEvals / counts.count : 0;
  counts.seconds = (Date.now() - t0) / 1e3;
  return { ...counts, report: suite.report(counts.seconds) };
}
async function runEvaluation(ctx, spec) {
  const { store } = ctx;
  const ds = store.getDataset(spec.dataset);
  const certifier = certifierForSpec(spec);
  const { attack, params } = certifier ? { attack: certifier, params: {} } : resolveAttack(spec.attack);
  const { model, record } = loadStoredModel(store, spec.model);
  try {
    const [h, w, c] = record.inputShape;
    if (ds.height !== h || ds.width !== w || ds.channels !== c) {
      throw new LabError(
        "shape_mismatch",
        `Model "${record.name}" takes ${h}×${w}×${c} images but dataset "${ds.name}" has ${ds.height}×${ds.width}×${ds.channels}; pick a matching dataset.`
      );
    }
    if (ds.numClasses > record.numClasses) {
      throw new LabError(
        "shape_mismatch",
        `Model "${record.name}" predicts ${record.numClasses} classes but dataset "${ds.name}" has ${ds.numClasses}; pick a matching dataset.`
      );
    }
    if (attack) checkClasses(attack, params, record.numClasses);
    checkEpsGrid(attack, spec.attack.name, params, spec.epsGrid);
    const split = limitSplit(readSplit(store.labDir, ds.files, spec.split), spec.limit);
    const t0 = Date.now();
    const counts = await evaluateModel(model, split, record.numClasses, attack, params, {
      batchSize: spec.batchSize,
      seed: spec.seed,
      tick: () => ctx.tick(),
      suite: {
        attackName: spec.attack.name,
        classNames: ds.classNames,
        epsGrid: spec.epsGrid,
        gallery: certifier ? 0 : spec.gallery,
        checks: certifier ? { masking: false, unbounded: false, blackBox: false } : spec.checks
      },
      onBatch: (done, total, cnt) => {
        const secs = (Date.now() - t0) / 1e3;
        ctx.progress({
          phase: attack ? "attack" : "eval",
          epoch: 0,
          epochs: 0,
          step: done,
          steps: total,
          fraction: done / total,
          accuracy: cnt.robustCorrect != null ? cnt.robustCorrect / cnt.count : cnt.cleanCorrect / cnt.count,
          imagesPerSec: secs > 0 ? done / secs : void 0,
          message: `${done} of ${total} images`
        });
      }
    });
    const cleanAccuracy = counts.count ? counts.cleanCorrect / counts.count : 0;
    const robustAccuracy = counts.robustCorrect == null ? null : counts.count ? counts.robustCorrect / counts.count : 0;
    const metrics = [{ key: "clean_accuracy", step: 0, value: cleanAccuracy }];
    if (robustAccuracy != null) metrics.push({ key: "robust_accuracy", step: 0, value: robustAccuracy });
    if (certifier && robustAccuracy != null) metrics.push({ key: "certified_accuracy", step: 0, value: robustAccuracy });
    metrics.push(...reportMetrics(counts.report));
    ctx.log(metrics);
    return store.insertEvaluation({
      runId: ctx.run.id,
      modelId: record.id,
      datasetId: ds.id,
      split: spec.split,
      attack: certifier ? { name: certifier.entry.name, params: { eps: spec.eps } } : { name: spec.attack.name, params },
      count: counts.count,
      cleanAccuracy,
      robustAccuracy,
      // The typed EvaluationReport (perClass, gradEvalsPerPoint, seconds and radius as before).
      details: certifier ? { ...counts.report, certified: certifier.details() } : counts.report
    });
  } finally {
    model.dispose();
  }
}
function reportMetrics(r) {
  const out = [];
  const put = (key, value) => {
    if (value != null && Number.isFinite(value)) out.push({ key, step: 0, value });
  };
  put("ece_clean", r.calibration.clean.ece);
  put("ece_adversarial", r.calibration.adversarial?.ece);
  put("worst_class_accuracy", r.worstClass.clean?.accuracy);
  put("worst_class_robust_accuracy", r.worstClass.robust?.accuracy);
  if (r.attack.kind !== "none") {
    put("attack_seconds", r.cost.attackSeconds);
    put("grad_evals_per_point", r.cost.gradEvalsPerPoint);
    put("queries_per_point", r.cost.queriesPerPoint);
  }
  put("median_perturbation", r.minimal?.median);
  put("target_success_rate", r.targeted?.successRate);
  if (r.epsCurve?.source === "grid") for (const p of r.epsCurve.points) put(`robust_accuracy@eps=${+p.eps.toPrecision(6)}`, p.robustAccuracy);
  for (const s of r.stages ?? []) if (!s.skipped) put(`stage/${s.name}/robust_accuracy`, s.robustAccuracyAfter);
  put("masking_warnings", r.checks.ran.length ? r.checks.warnings.length : null);
  return out;
}
async function runJob(opts) {
  let store = null;
  const emitStatus = (status, error) => opts.emit({ type: "run", runId: opts.runId, status, error: error ?? null });
  try {
    store = LabStore.open(opts.labDir);
    const info = await initEngine({ force: opts.backend });
    if (opts.isCancelled()) throw new LabError("cancelled", "Cancelled before it started.");
    if (!store.markRunning(opts.runId, { backend: info.name, device: info.device, workerPid: process.pid })) {
      return { status: "cancelled", error: "The run was no longer queued when the worker started." };
    }
    emitStatus("running");
    const run = store.getRun(opts.runId);
    const spec = JobSpecSchema.parse(run.spec);
    const ctx = new JobContext(store, run, opts.emit, opts.isCancelled);
    if (spec.kind === "train") await runTraining(ctx, spec);
    else if (spec.kind === "corrupt") await runCorruptJob(ctx, spec);
    else if (spec.benchmark === "corruptions") await runCorruptionBenchmark(ctx, spec);
    else await runEvaluation(ctx, spec);
    store.endRun(opts.runId, "finished");
    emitStatus("finished");
    return { status: "finished" };
  } catch (err) {
    const e = LabError.from(err);
    const status = e.code === "cancelled" ? "cancelled" : "failed";
    const message = e.code === "internal" && err instanceof Error && process.env.ROBUSTLAB_DEBUG ? `${e.message}
${err.stack}` : e.message;
    try {
      store?.endRun(opts.runId, status, message);
    } catch {
    }
    emitStatus(status, message);
    return { status, error: message };
  } finally {
    store?.close();
  }
}
function hostPort() {
  const parentPort = process.parentPort;
  if (parentPort) {
    return {
      send: (msg) => parentPort.postMessage(msg),
      onMessage: (cb) => parentPort.on("message", (e) => cb(e.data))
    };
  }
  if (!process.send) throw new Error("worker-entry must be started as a job worker (no IPC channel).");
  return {
    send: (msg) => process.send(msg),
    onMessage: (cb) => process.on("message", (m) => cb(m))
  };
}
const port = hostPort();
let cancelled = false;
let started = false;
port.onMessage((msg) => {
  if (msg.type === "cancel") {
    cancelled = true;
    return;
  }
  if (msg.type === "start" && !started) {
    started = true;
    void runJob({
      runId: msg.runId,
      labDir: msg.labDir,
      backend: msg.backend,
      emit: (event) => port.send({ type: "event", event }),
      isCancelled: () => cancelled
    }).then((result) => {
      port.send({ type: "done", status: result.status, error: result.error });
      setTimeout(() => process.exit(0), 50);
    });
  }
});
process.on("disconnect", () => process.exit(0));
port.send({ type: "ready" });
//# sourceMappingURL=worker.js.map
