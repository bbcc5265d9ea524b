/**
 * Actions on the selected runs: compare, tag, star, archive, delete (with undo), export an archive
 * (with or without the datasets' image arrays).
 */
import { Button, Group, Menu, Paper, Popover, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { lab } from '../../api/client';
import { downloadBase64 } from '../../lib/download';
import { notifyError, notifyOk } from '../../lib/notify';
import { navigate } from '../../lib/route';

export function SelectionBar({ ids, onDone, onClear }: { ids: string[]; onDone: () => void; onClear: () => void }) {
  const [tag, setTag] = useState('');
  const [tagOpen, setTagOpen] = useState(false);
  const n = ids.length;
  const flags = (req: Parameters<typeof lab.setRunFlags>[0], what: string) =>
    lab.setRunFlags(req).then(
      () => {
        notifyOk(what);
        onDone();
      },
      (e) => notifyError(`Could not ${what.toLowerCase()}`, e),
    );

  const exportArchive = (withData: boolean) =>
    lab.exportRuns({ runIds: ids, withData }).then(
      (r) => downloadBase64(r.filename, r.base64 ?? '', 'application/gzip'),
      (e) => notifyError('Could not export', e),
    );

  const del = async () => {
    try {
      const res = await lab.deleteRuns({ runIds: ids });
      onClear();
      onDone();
      const id = `deleted-${Date.now()}`;
      notifications.show({
        id,
        title: `Deleted ${res.deleted.length} run${res.deleted.length === 1 ? '' : 's'}`,
        autoClose: 12_000,
        message: (
          <Stack gap={4}>
            {res.kept.map((k) => (
              <Text key={k.id} size="xs">
                {k.reason}
              </Text>
            ))}
            <Button
              size="xs"
              variant="light"
              data-testid="undo-delete"
              onClick={() =>
                lab.restoreRuns({ runIds: res.deleted }).then(() => {
                  notifications.hide(id);
                  notifyOk('Restored');
                  onDone();
                })
              }
            >
              Undo
            </Button>
          </Stack>
        ),
      });
    } catch (e) {
      notifyError('Could not delete', e);
    }
  };

  return (
    <Paper withBorder p="xs" mb="sm" data-testid="selection-bar">
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600}>
          {n} selected
        </Text>
        <Button size="xs" disabled={n < 2 || n > 50} onClick={() => navigate(['compare'], { runs: ids.join(',') })} data-testid="compare-selected" title={n > 50 ? 'Compare at most 50 runs' : n < 2 ? 'Select at least 2 runs' : undefined}>
          Compare
        </Button>
        <Popover opened={tagOpen} onChange={setTagOpen} withArrow trapFocus>
          <Popover.Target>
            <Button size="xs" variant="default" onClick={() => setTagOpen((o) => !o)} data-testid="tag-selected">
              Tag…
            </Button>
          </Popover.Target>
          <Popover.Dropdown>
            <Group gap="xs" align="flex-end">
              <TextInput label="Tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)} size="xs" data-testid="tag-input" autoFocus />
              <Button size="xs" disabled={!tag.trim()} data-testid="tag-add" onClick={() => flags({ runIds: ids, addTags: [tag.trim()] }, `Tagged ${tag.trim()}`).then(() => setTagOpen(false))}>
                Add
              </Button>
              <Button size="xs" variant="default" disabled={!tag.trim()} onClick={() => flags({ runIds: ids, removeTags: [tag.trim()] }, `Removed tag ${tag.trim()}`).then(() => setTagOpen(false))}>
                Remove
              </Button>
            </Group>
          </Popover.Dropdown>
        </Popover>
        <Button size="xs" variant="default" onClick={() => flags({ runIds: ids, starred: true }, 'Starred')}>
          Star
        </Button>
        <Button size="xs" variant="default" onClick={() => flags({ runIds: ids, archived: true }, 'Archived').then(onClear)}>
          Archive
        </Button>
        <Button size="xs" variant="default" onClick={() => flags({ runIds: ids, archived: false }, 'Restored from the archive')}>
          Unarchive
        </Button>
        <Menu position="bottom-start" withinPortal>
          <Menu.Target>
            <Button size="xs" variant="default" data-testid="export-archive">
              Export archive…
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => exportArchive(false)} data-testid="export-archive-plain">
              Runs, models and dataset recipes
            </Menu.Item>
            <Menu.Item onClick={() => exportArchive(true)} data-testid="export-archive-data">
              …and the datasets' image arrays (a larger file)
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
        <Button size="xs" color="red" variant="light" onClick={del} data-testid="delete-selected">
          Delete
        </Button>
        <Button size="xs" variant="subtle" onClick={onClear}>
          Clear selection
        </Button>
      </Group>
    </Paper>
  );
}
