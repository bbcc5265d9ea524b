/**
 * `robustlab`: the command line over the same Lab facade as the app. Every command takes
 * --lab DIR and --json; with --json the last line of stdout is one JSON object, errors exit
 * non-zero with one line on stderr. Each command group lives in its own file (src/cli/commands/,
 * src/cli/corruptions.ts) as `addXCommands(program, helpers)`; this file only assembles them.
 */
import { Command, CommanderError, Option } from 'commander';
import { LabError } from '../shared/errors';
import { LAB_VERSION } from '../core/service';
import { BACKEND_CHOICES } from '../core/engine/backend';
import { addCorruptionCommands } from './corruptions';
import { addPatchingCommands } from './patching';
import { addHistoryCommands } from './history';
import { follow, num, out, table, withLab, type CliHelpers, type GlobalOpts } from './helpers';
import { addDoctorCommands } from './commands/doctor';
import { addDatasetsCommands } from './commands/datasets';
import { addModelsCommands } from './commands/models';
import { addTrainCommands } from './commands/train';
import { addEvalCommands } from './commands/eval';
import { addEvaluationsCommands } from './commands/evaluations';
import { addMethodsCommands } from './commands/methods';
import { addWebCommands } from './commands/web';
import { addSweepCommands } from './commands/sweep';
import { addWorkerCommands } from './commands/worker';
import { addByoCommands } from './commands/byo';
import { addManageCommands } from './commands/manage';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('robustlab')
    .description('Robustness Lab: train, attack and evaluate image classifiers, offline.')
    .version(LAB_VERSION)
    .addOption(new Option('--lab <dir>', 'lab folder (default: $ROBUSTLAB_HOME, else the app-data folder)'))
    .addOption(new Option('--json', 'print one JSON object as the last line of stdout'))
    .addOption(new Option('--backend <name>', `force a compute backend: ${BACKEND_CHOICES.join(', ')}`))
    .showHelpAfterError(false)
    .exitOverride();
  const g = (): GlobalOpts => program.opts<GlobalOpts>();

  const helpers: CliHelpers<GlobalOpts> = { g, withLab, follow, out, table, num };

  addDoctorCommands(program, helpers);
  addDatasetsCommands(program, helpers);
  addModelsCommands(program, helpers);
  addTrainCommands(program, helpers);
  addEvalCommands(program, helpers);
  addEvaluationsCommands(program, helpers);
  addCorruptionCommands(program, helpers);
  addPatchingCommands(program, helpers);
  addMethodsCommands(program, helpers);

  addHistoryCommands(program, helpers);
  addWebCommands(program, helpers);
  addSweepCommands(program, helpers);
  addWorkerCommands(program, helpers);
  addByoCommands(program, helpers);
  addManageCommands(program, helpers);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return err.exitCode || 2;
    }
    const e = LabError.from(err);
    process.stderr.write(`robustlab: ${e.message.split('\n')[0]}\n`);
    if (e.code === 'internal' && process.env.ROBUSTLAB_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return e.code === 'bad_input' ? 2 : 1;
  }
}

