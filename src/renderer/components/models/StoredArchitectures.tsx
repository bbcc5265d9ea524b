/**
 * The layer-list architectures stored in the lab, on the Models page: what each takes, how many
 * models use it, and Rename / Delete… (delete asks first). The rules (valid and free names, no
 * delete while a model uses it, built-ins never) are the lab's (core/store/architecture-store);
 * this shows its refusal next to the action, and offers to add a deleted one back.
 */
import { Alert, Button, Group, List, Loader, Modal, Paper, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { ArchitectureDetail, ArchitectureUses, DeletedArchitecture } from '../../../shared/byo';
import { formatDate, formatInt } from '../../lib/format';
import { useAction, useLoad } from '../../lib/hooks';
import { notifyOk, notifyTakeBack } from '../../lib/notify';
import { RenameDialog } from '../manage/RenameDialog';

type Row = { detail: ArchitectureDetail; uses: ArchitectureUses };

async function loadStored(): Promise<Row[]> {
  const list = await lab.listArchitectures({});
  const details = await Promise.all(list.map((a) => lab.getArchitecture({ name: a.name })));
  const stored = details.filter((d) => !d.builtin);
  const uses = await Promise.all(stored.map((d) => lab.architectureUses({ name: d.name })));
  return stored.map((detail, i) => ({ detail, uses: uses[i]! }));
}

export function StoredArchitectures() {
  const rows = useLoad(loadStored, []);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  return (
    <Paper withBorder radius="md" p="md" mt="lg" component="section" aria-labelledby="stored-archs-title" data-testid="stored-archs">
      <Title order={2} size="h4" id="stored-archs-title" mb="xs">
        Stored architectures
      </Title>
      {rows.error ? (
        <Alert color="red">{rows.error.message}</Alert>
      ) : rows.loading && !rows.data ? (
        <Loader size="sm" aria-label="Loading the stored architectures" />
      ) : !rows.data?.length ? (
        <Text size="sm" c="dimmed">
          None yet: save a layer list below and it is listed here, usable by name like the built-in ones.
        </Text>
      ) : (
        <Table striped withTableBorder fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Input (H×W×C)</Table.Th>
              <Table.Th>Parameters</Table.Th>
              <Table.Th>Models using it</Table.Th>
              <Table.Th>Added</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.data.map(({ detail: d, uses }) => (
              <Table.Tr key={d.name} data-testid={`arch-row-${d.name}`}>
                <Table.Td>
                  <Text fw={600} size="sm">
                    {d.name}
                  </Text>
                </Table.Td>
                <Table.Td>{d.spec?.input.join('×') ?? 'any'}</Table.Td>
                <Table.Td>{d.summary ? formatInt(d.summary.params) : '—'}</Table.Td>
                <Table.Td>{uses.models.length}</Table.Td>
                <Table.Td>{formatDate(d.createdAt)}</Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap" justify="flex-end">
                    <Button size="xs" variant="default" onClick={() => setRenaming(d.name)} aria-label={`Rename architecture ${d.name}`} data-testid="arch-rename">
                      Rename
                    </Button>
                    <Button size="xs" variant="default" color="red" onClick={() => setDeleting(d.name)} aria-label={`Delete architecture ${d.name}`} data-testid="arch-delete">
                      Delete…
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {renaming && <RenameArchModal name={renaming} onClose={() => setRenaming(null)} onDone={rows.reload} />}
      {deleting && <DeleteArchModal name={deleting} onClose={() => setDeleting(null)} onDone={rows.reload} />}
    </Paper>
  );
}

function RenameArchModal({ name, onClose, onDone }: { name: string; onClose: () => void; onDone: () => void }) {
  const uses = useLoad(() => lab.architectureUses({ name }), [name]);
  const n = uses.data?.models.length ?? 0;
  return (
    <RenameDialog
      title={`Rename architecture “${name}”`}
      name={name}
      description="Lower-case letters, digits, - or _, starting with a letter; not a built-in architecture's name."
      refusal={uses.data?.renameRefusal}
      note={
        n > 0 && (
          <Text size="sm" c="dimmed">
            {n} model{n === 1 ? '' : 's'} and {n === 1 ? 'its' : 'their'} training runs follow the new name.
          </Text>
        )
      }
      testIds={{ input: 'arch-rename-input', save: 'arch-rename-save' }}
      onClose={onClose}
      onRename={async (value) => {
        const d = await lab.renameArchitecture({ name, newName: value });
        notifyOk(`Renamed architecture to “${d.name}”`, n ? `${n} model${n === 1 ? '' : 's'} now name${n === 1 ? 's' : ''} it “${d.name}”.` : undefined);
        onDone();
        onClose();
      }}
    />
  );
}

function DeleteArchModal({ name, onClose, onDone }: { name: string; onClose: () => void; onDone: () => void }) {
  const uses = useLoad(() => lab.architectureUses({ name }), [name]);
  const refusal = uses.data?.deleteRefusal ?? null;
  const remove = useAction(async () => {
    showAddBack(await lab.deleteArchitecture({ name }));
    onDone();
    onClose();
  });
  return (
    <Modal opened onClose={onClose} title={`Delete architecture “${name}”?`}>
      <Stack data-testid="arch-delete-dialog">
        {uses.loading && !uses.data ? (
          <Loader size="sm" aria-label="Looking for models that use it" />
        ) : uses.error ? (
          <Alert color="red">{uses.error.message}</Alert>
        ) : refusal ? (
          <Alert color="orange" title="Still in use" data-testid="arch-delete-refused">
            <Text size="sm">{refusal}</Text>
            {uses.data!.models.length > 0 && (
              <List size="sm" spacing={2} mt="xs">
                {uses.data!.models.slice(0, 12).map((m) => (
                  <List.Item key={m.id}>
                    model <b>{m.name}</b>
                  </List.Item>
                ))}
                {uses.data!.models.length > 12 && <List.Item>and {uses.data!.models.length - 12} more</List.Item>}
              </List>
            )}
          </Alert>
        ) : (
          <Text size="sm" data-testid="arch-delete-free">
            No model uses “{name}”. Its layer list is removed from the lab; you can add it back from the notification.
          </Text>
        )}
        {remove.error && (
          <Alert color="red" data-testid="arch-delete-error">
            {remove.error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {refusal ? 'Close' : 'Cancel'}
          </Button>
          {!refusal && (
            <Button color="red" onClick={remove.run} loading={remove.busy} disabled={!uses.data} data-testid="arch-delete-confirm">
              Delete
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

function showAddBack(gone: DeletedArchitecture): void {
  notifyTakeBack({
    id: `deleted-arch-${gone.name}`,
    title: `Deleted architecture “${gone.name}”`,
    text: 'Its layer list can be added back.',
    autoClose: 15000,
    button: 'Add back',
    testId: 'arch-add-back',
    done: `Added architecture “${gone.name}” back`,
    failed: 'Could not add it back',
    action: () => lab.addArchitecture({ spec: gone.spec }),
  });
}
