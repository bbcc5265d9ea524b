/**
 * Managing what you made, from the command line: `robustlab datasets|models rename|dependents|delete`
 * and `robustlab undo TOKEN`. The rules (what may be deleted, names) are the facade's
 * (src/core/manage.ts); a refused delete exits 2 with the sentence naming what still needs the item.
 * Registered by src/cli/index.ts after the datasets and models groups.
 */
import type { Command } from 'commander';
import type { CliHelpers, GlobalOpts } from '../helpers';

export function addManageCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out } = h;
  for (const kind of ['dataset', 'model'] as const) {
    const group = program.commands.find((c) => c.name() === `${kind}s`) ?? program.command(`${kind}s`);
    group
      .command('rename <item> <name>')
      .description(`rename a ${kind} (id or name)`)
      .action(async (item: string, name: string) => {
        await withLab(g(), async (lab) => {
          const r = kind === 'dataset' ? await lab.call('updateDataset', { dataset: item, name }) : await lab.call('updateModel', { model: item, name });
          out(g(), { id: r.id, name: r.name }, `Renamed ${kind} ${r.id} to "${r.name}".`);
        });
      });
    group
      .command('dependents <item>')
      .description(`what uses a ${kind}: runs, models, datasets, evaluations`)
      .action(async (item: string) => {
        await withLab(g(), async (lab) => {
          const d = await lab.call('listDependents', { kind, id: item });
          out(
            g(),
            { id: d.id, name: d.name, dependents: d.dependents },
            d.dependents.length ? d.dependents.map((x) => `${x.blocks ? '*' : ' '} ${x.kind} ${x.name} (${x.id}) ${x.how}`).join('\n') : `Nothing uses "${d.name}".`,
          );
        });
      });
    group
      .command('delete <item>')
      .description(`delete a ${kind} that nothing uses (undo within a minute with \`robustlab undo TOKEN\`)`)
      .action(async (item: string) => {
        await withLab(g(), async (lab) => {
          const r = await lab.call('deleteItem', { kind, id: item });
          out(g(), { id: r.id, name: r.name, undo_token: r.undoToken, undo_until: r.undoUntil }, `Deleted ${kind} "${r.name}". Undo until ${r.undoUntil}: robustlab undo ${r.undoToken}`);
        });
      });
  }
  program
    .command('undo <token>')
    .description('put back a deleted dataset or model while its undo token is valid')
    .action(async (token: string) => {
      await withLab(g(), async (lab) => {
        const r = await lab.call('undoDelete', { undoToken: token });
        out(g(), { kind: r.kind, id: r.id, name: r.name }, `Restored ${r.kind} "${r.name}".`);
      });
    });
}
