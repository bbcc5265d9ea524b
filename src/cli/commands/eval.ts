/**
 * `robustlab eval`: attack, certify or corruption-benchmark a model and wait for it.
 * Registered by src/cli/index.ts.
 */
import type { Command } from 'commander';
import type { EvaluationReport } from '../../shared/schemas';
import { benchmarkJson, printBenchmark } from '../corruptions';
import { certifiedJson, evalJson } from '../eval-json';
import { attackNames, certifyNames, orList } from '../registry-help';
import { NO_ATTACK } from '../../shared/constants';
import { bool, keyValues, numberList, pct, writeExport, type CliHelpers, type GlobalOpts } from '../helpers';

export function addEvalCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, follow, out, num } = h;
  program
    .command('eval')
    .description('evaluate a model: clean accuracy, and robust accuracy under an attack')
    .requiredOption('--model <id|name>', 'model id or name')
    .requiredOption('--dataset <name>', 'dataset name or id')
    .option('--split <split>', 'train or test', 'test')
    .option('--attack <name>', orList(attackNames()), NO_ATTACK)
    .option('--eps <x>', 'largest change per pixel (0–1)', num('eps'))
    .option('--step-size <x>', 'PGD step size (0 = 2.5·eps/steps)', num('step-size'))
    .option('--steps <n>', 'PGD steps', num('steps', true))
    .option('--restarts <n>', 'PGD restarts', num('restarts', true))
    .option('--random-start <bool>', 'PGD random start: true or false', bool('random-start'))
    .option('--param <k=v...>', 'any other attack parameter, e.g. --param norm=l2 --param targeted=true (repeatable)')
    .option('--eps-grid <list>', 'also robust accuracy at each of these eps, e.g. 0.05,0.1,0.2 (a robustness curve)', numberList('eps-grid'))
    .option('--gallery <n>', 'example images kept for the report', num('gallery', true))
    .option('--check-unbounded', 'gradient-masking check: PGD with eps = 1 must bring accuracy to chance')
    .option('--check-blackbox', 'gradient-masking check: the Square attack on the points the attack left robust')
    .option('--no-masking-checks', 'skip the cheap gradient-masking checks (output and gradient checks)')
    .option('--report <file>', 'write the report when done: .html (self-contained) or .csv')
    .option('--limit <k>', 'only the first K examples', num('limit', true))
    .option('--batch-size <n>', 'images per batch', num('batch-size', true), 200)
    .option('--seed <n>', 'random seed', num('seed', true), 0)
    .option('--name <name>', 'run name')
    .option('--benchmark <kind>', 'corruptions: accuracy under every corruption and severity, mCE and relative mCE')
    .option('--baseline <id|name>', 'benchmark: the model that normalises the corruption errors (CE)')
    .option('--corruptions <list>', 'benchmark: corruptions, comma-separated (default: the 15 ImageNet-C ones)')
    .option('--severities <list>', 'benchmark: severities, comma-separated (default: 1,2,3,4,5)', numberList('severities'))
    .option('--certify <method>', `certified accuracy at --eps instead of an attack: ${orList(certifyNames())} (ibp is fast, crown tighter and slower)`)
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const params: Record<string, number | boolean | string> = { ...keyValues(o.param as string[] | undefined) };
        if (o.eps !== undefined && !o.certify) params.eps = o.eps;
        if (o.stepSize !== undefined) params.stepSize = o.stepSize;
        if (o.steps !== undefined) params.steps = o.steps;
        if (o.restarts !== undefined) params.restarts = o.restarts;
        if (o.randomStart !== undefined) params.randomStart = o.randomStart;
        const run = await lab.call('submitEval', {
          kind: 'eval',
          name: o.name,
          model: o.model,
          dataset: o.dataset,
          split: o.split,
          attack: { name: o.attack, params },
          limit: o.limit,
          batchSize: o.batchSize,
          seed: o.seed,
          ...(o.benchmark ? { benchmark: o.benchmark, baselineModel: o.baseline, severities: o.severities, corruptions: o.corruptions ? String(o.corruptions).split(',').map((c: string) => c.trim()).filter(Boolean) : undefined } : {}),
          epsGrid: o.epsGrid,
          gallery: o.gallery,
          checks: { masking: o.maskingChecks !== false, unbounded: !!o.checkUnbounded, blackBox: !!o.checkBlackbox },
          ...(o.certify ? { certify: o.certify, eps: o.eps } : {}),
        });
        if (!g().json) process.stderr.write(`Evaluation run ${run.id} queued.\n`);
        const done = await follow(lab, run, g());
        const ev = (await lab.call('getRun', { runId: done.id })).evaluations[0];
        const report = ev && o.report ? await writeExport(lab, ev.id, o.report) : null;
        const json = { id: done.id, status: done.status, error: done.error, model_id: done.modelId, ...evalJson(ev), ...benchmarkJson(ev), ...certifiedJson(ev), ...(report ? { report_file: report.file } : {}) };
        out(g(), json, () => {
          console.log(`Run ${done.id}: ${done.status}${done.error ? ` — ${done.error}` : ''}`);
          if (ev) {
            console.log(`Clean accuracy ${pct(ev.cleanAccuracy)} on ${ev.count} images`);
            if (ev.details.benchmark === 'corruptions') printBenchmark(ev);
            const cert = ev.details.certified as { method: string; eps: number; perPointMarginLowerBound: { median: number } } | undefined;
            if (cert) console.log(`Certified accuracy (${cert.method.toUpperCase()}, eps ${cert.eps}): ${pct(ev.robustAccuracy)}; median margin lower bound ${cert.perPointMarginLowerBound.median.toPrecision(3)}`);
            else if (ev.robustAccuracy != null) console.log(`Robust accuracy under ${ev.attack.name} ${JSON.stringify(ev.attack.params)}: ${pct(ev.robustAccuracy)}`);
            const r = ev.details as Partial<EvaluationReport>;
            for (const s of r.stages ?? []) console.log(`  after ${s.name.padEnd(9)} ${pct(s.robustAccuracyAfter)}  (broke ${s.broke} of ${s.ran}${s.skipped ? `; skipped: ${s.skipped}` : ''})`);
            if (r.minimal?.median != null) console.log(`Median smallest breaking change (${r.minimal.norm}): ${r.minimal.median.toPrecision(3)}`);
            for (const p of r.epsCurve?.source === 'grid' ? r.epsCurve.points : []) console.log(`  eps ${p.eps}: robust accuracy ${pct(p.robustAccuracy)}`);
            for (const w of r.checks?.warnings ?? []) console.log(`Warning (${w.code}): ${w.message}`);
            if (report) console.log(`Report written to ${report.file}`);
          }
        });
        if (done.status !== 'finished') process.exitCode = 1;
      });
    });
}
