/**
 * A run's name, tags and Markdown note: edited here and saved with updateRun; the note is shown
 * formatted under the editor (a preview while it is being changed).
 */
import { Button, Group, Paper, Stack, TagsInput, Text, TextInput, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { lab } from '../api/client';
import { LabError } from '../../shared/errors';
import type { RunInfo } from '../../shared/schemas';
import { notifyError, notifyOk } from '../lib/notify';
import { Markdown } from './Markdown';

export function RunNotes({ run, onSaved }: { run: RunInfo; onSaved: () => void }) {
  const [name, setName] = useState(run.name);
  const [tags, setTags] = useState<string[]>(run.tags);
  const [note, setNote] = useState(run.note);
  const [busy, setBusy] = useState(false);
  const savedKey = JSON.stringify([run.name, run.tags, run.note]);

  useEffect(() => {
    setName(run.name);
    setTags(run.tags);
    setNote(run.note);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run.id, savedKey]);

  const dirty = name !== run.name || note !== run.note || JSON.stringify(tags) !== JSON.stringify(run.tags);

  const save = async () => {
    if (!name.trim()) {
      notifyError('Could not save', new LabError('bad_input', 'Give the run a name (1 to 200 characters).'));
      return;
    }
    setBusy(true);
    try {
      await lab.updateRun({ runId: run.id, name: name.trim(), tags, note });
      notifyOk('Saved');
      onSaved();
    } catch (err) {
      notifyError('Could not save the name, tags or note', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <TextInput
          label="Name"
          description="How the run is listed; 1 to 200 characters."
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          maxLength={200}
          data-testid="run-name"
        />
        <TagsInput
          label="Tags"
          description="Short words to find and group runs later, e.g. baseline. Press Enter after each; up to 50."
          value={tags}
          onChange={setTags}
          maxTags={50}
          clearable
          data-testid="run-tags"
        />
        <Textarea
          label="Note"
          description="Anything worth remembering about this run, in Markdown (**bold**, lists, links, tables); up to 20,000 characters."
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          autosize
          minRows={3}
          maxRows={10}
          maxLength={20000}
          data-testid="run-note"
        />
        {note.trim() && (
          <Paper withBorder radius="sm" p="sm" bg="var(--mantine-color-default-hover)">
            <Text size="xs" c="dimmed" mb={4}>
              {dirty ? 'Preview (not saved yet)' : 'The note as shown'}
            </Text>
            <Markdown text={note} testId="run-note-rendered" />
          </Paper>
        )}
        <Group justify="flex-end">
          <Button onClick={save} loading={busy} disabled={!dirty} data-testid="save-run-notes">
            Save
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
