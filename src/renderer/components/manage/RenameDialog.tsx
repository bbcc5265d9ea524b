/**
 * The rename dialog of anything the lab names (datasets, models, stored architectures): a name
 * field that shows the lab's refusal under it, Cancel and Rename. The caller does the renaming.
 */
import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useAction } from '../../lib/hooks';

export function RenameDialog({
  title,
  name,
  description,
  refusal,
  note,
  testIds,
  onRename,
  onClose,
}: {
  title: string;
  name: string;
  description?: string;
  /** Why a rename cannot happen at all right now (known before trying); disables Rename. */
  refusal?: string | null;
  note?: ReactNode;
  testIds: { input: string; save: string };
  /** Renames (throwing the lab's refusal) and closes. */
  onRename: (value: string) => Promise<void>;
  onClose: () => void;
}) {
  const [value, setValue] = useState(name);
  const action = useAction(() => onRename(value));
  return (
    <Modal opened onClose={onClose} title={title}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run();
        }}
      >
        <Stack>
          <TextInput
            label="New name"
            description={description}
            value={value}
            onChange={(e) => {
              setValue(e.currentTarget.value);
              action.clearError();
            }}
            error={action.error ?? refusal}
            data-autofocus
            data-testid={testIds.input}
          />
          {note}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={action.busy} disabled={!value.trim() || value.trim() === name || !!refusal} data-testid={testIds.save}>
              Rename
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
