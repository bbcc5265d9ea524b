/**
 * Rename, delete (with what depends on it shown first) and, for models, download the weights of a
 * dataset or model. The rules (what may be deleted, names) are the lab's; this only asks and shows.
 * A delete can be undone from its notification for as long as the lab keeps the undo token.
 */
import { Alert, Button, Group, List, Loader, Menu, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { DeletedItem } from '../../../shared/schemas';
import { downloadBase64 } from '../../lib/download';
import { useAction, useLoad } from '../../lib/hooks';
import { notifyError, notifyOk, notifyTakeBack } from '../../lib/notify';
import { RenameDialog } from './RenameDialog';

type Kind = 'dataset' | 'model';
const WORD: Record<Kind, string> = { dataset: 'dataset', model: 'model' };

export function ManageItem({
  kind,
  id,
  name,
  builtin = false,
  compact = false,
  onDeleted,
}: {
  kind: Kind;
  id: string;
  name: string;
  builtin?: boolean;
  /** A "More…" menu for table rows. */
  compact?: boolean;
  onDeleted?: () => void;
}) {
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const download = async () => {
    setDownloading(true);
    try {
      const f = await lab.exportModelWeights({ model: id });
      downloadBase64(f.filename, f.content, f.mimeType);
    } catch (err) {
      notifyError('Could not download the weights', err);
    } finally {
      setDownloading(false);
    }
  };
  const dialogs = (
    <>
      {renaming && <RenameModal kind={kind} id={id} name={name} onClose={() => setRenaming(false)} />}
      {deleting && (
        <DeleteModal
          kind={kind}
          id={id}
          name={name}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            setDeleting(false);
            onDeleted?.();
          }}
        />
      )}
    </>
  );
  if (compact) {
    // In a table row: one small menu instead of three buttons.
    return (
      <>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button size="compact-sm" variant="default" aria-label={`More… actions for ${name}`} data-testid="manage-menu">
              More…
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {!builtin && (
              <Menu.Item onClick={() => setRenaming(true)} data-testid="rename-item">
                Rename
              </Menu.Item>
            )}
            {kind === 'model' && (
              <Menu.Item onClick={download} data-testid="download-weights">
                Download weights (safetensors)
              </Menu.Item>
            )}
            {!builtin && (
              <Menu.Item color="red" onClick={() => setDeleting(true)} data-testid="delete-item">
                Delete…
              </Menu.Item>
            )}
          </Menu.Dropdown>
        </Menu>
        {dialogs}
      </>
    );
  }
  return (
    <Group gap="xs" wrap="wrap" data-testid={`manage-${kind}`}>
      {!builtin && (
        <Button size="xs" variant="default" onClick={() => setRenaming(true)} aria-label={`Rename ${WORD[kind]} ${name}`} data-testid="rename-item">
          Rename
        </Button>
      )}
      {kind === 'model' && (
        <Button size="xs" variant="default" onClick={download} loading={downloading} aria-label={`Download weights of ${name} (safetensors)`} data-testid="download-weights">
          Download weights (safetensors)
        </Button>
      )}
      {!builtin && (
        <Button size="xs" variant="default" color="red" onClick={() => setDeleting(true)} aria-label={`Delete ${WORD[kind]} ${name}`} data-testid="delete-item">
          Delete…
        </Button>
      )}
      {dialogs}
    </Group>
  );
}

function RenameModal({ kind, id, name, onClose }: { kind: Kind; id: string; name: string; onClose: () => void }) {
  return (
    <RenameDialog
      title={`Rename ${WORD[kind]} “${name}”`}
      name={name}
      testIds={{ input: 'rename-input', save: 'rename-save' }}
      onClose={onClose}
      onRename={async (value) => {
        if (kind === 'dataset') await lab.updateDataset({ dataset: id, name: value });
        else await lab.updateModel({ model: id, name: value });
        notifyOk(`Renamed to “${value.trim()}”`);
        onClose();
      }}
    />
  );
}

function DeleteModal({ kind, id, name, onClose, onDeleted }: { kind: Kind; id: string; name: string; onClose: () => void; onDeleted: () => void }) {
  const deps = useLoad(() => lab.listDependents({ kind, id }), [kind, id]);
  const blocking = deps.data?.dependents.filter((d) => d.blocks) ?? [];
  const informational = deps.data?.dependents.filter((d) => !d.blocks) ?? [];
  const remove = useAction(async () => {
    showUndo(await lab.deleteItem({ kind, id }));
    onDeleted();
  });
  return (
    <Modal opened onClose={onClose} title={`Delete ${WORD[kind]} “${name}”?`}>
      <Stack data-testid="delete-dialog">
        {deps.loading && !deps.data ? (
          <Loader size="sm" aria-label="Looking for what uses it" />
        ) : deps.error ? (
          <Alert color="red">{deps.error.message}</Alert>
        ) : blocking.length ? (
          <Alert color="orange" title={`It stays: ${blocking.length} ${blocking.length === 1 ? 'thing needs' : 'things need'} it`} data-testid="delete-blocked">
            <List size="sm" spacing={2}>
              {blocking.slice(0, 12).map((d) => (
                <List.Item key={`${d.kind}:${d.id}`}>
                  {d.kind} <b>{d.name}</b> {d.how}
                </List.Item>
              ))}
              {blocking.length > 12 && <List.Item>and {blocking.length - 12} more</List.Item>}
            </List>
            <Text size="sm" mt="xs">
              Deleting it would break their records. Delete those first if you really want it gone.
            </Text>
          </Alert>
        ) : (
          <Text size="sm" data-testid="delete-free">
            Nothing else uses this {WORD[kind]}.{' '}
            {informational.map((d) => `The ${d.kind} “${d.name}” ${d.how}.`).join(' ')} You can undo the delete for a minute.
          </Text>
        )}
        {remove.error && (
          <Alert color="red" data-testid="delete-error">
            {remove.error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {blocking.length ? 'Close' : 'Cancel'}
          </Button>
          {!blocking.length && (
            <Button color="red" onClick={remove.run} loading={remove.busy} disabled={!deps.data} data-testid="delete-confirm">
              Delete
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

function showUndo(item: DeletedItem): void {
  notifyTakeBack({
    id: `deleted-${item.undoToken}`,
    title: `Deleted ${item.kind} “${item.name}”`,
    text: 'You can undo this for a minute.',
    autoClose: Math.max(5000, new Date(item.undoUntil).getTime() - Date.now() - 2000),
    button: 'Undo',
    testId: 'undo-delete',
    done: `Restored ${item.kind} “${item.name}”`,
    failed: 'Could not undo',
    action: () => lab.undoDelete({ undoToken: item.undoToken }),
  });
}
