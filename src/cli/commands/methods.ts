/**
 * `robustlab methods list`: the training methods and their parameters.
 * Registered by src/cli/index.ts.
 */
import type { Command } from 'commander';
import { type CliHelpers, type GlobalOpts } from '../helpers';

export function addMethodsCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out } = h;
  const methods = program.command('methods').description('training methods');
  methods
    .command('list')
    .description('list the training methods with their parameters (for --method and --param)')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listMethods', {});
        out(
          g(),
          { methods: list.map((m) => ({ name: m.name, title: m.title, description: m.description, params: m.params.map((p) => ({ key: p.key, type: p.type, default: p.default, min: p.min ?? null, max: p.max ?? null, options: p.options?.map((o) => o.value) ?? null, help: p.help })) })) },
          () => {
            for (const m of list) {
              console.log(`${m.name} — ${m.title}`);
              for (const p of m.params) console.log(`    ${p.key}=${String(p.default)}  ${p.help}`);
            }
          },
        );
      });
    });
}
