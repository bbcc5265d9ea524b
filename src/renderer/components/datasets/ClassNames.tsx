/**
 * "Name the classes": a dataset imported from files often has classes 0…k−1 only; reports,
 * confusion tables and galleries read better with "Bag" than with "class 8". One field per class
 * with one example image each, so a person sees which class a label is (a list, one per line,
 * above 100 classes); saved with updateDataset, and the lab checks the count.
 */
import { Button, Modal, ScrollArea, Stack, Table, Text, Textarea, TextInput, Group, Alert } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { DatasetInfo } from '../../../shared/schemas';
import { notifyOk } from '../../lib/notify';
import { useAction, useLoad } from '../../lib/hooks';
import { PixelCanvas } from '../SampleGrid';

const MAX_FIELDS = 100;

function ClassNamesModal({ dataset, onClose }: { dataset: DatasetInfo; onClose: () => void }) {
  const [names, setNames] = useState<string[]>(() => Array.from({ length: dataset.numClasses }, (_, i) => dataset.classNames[i] ?? String(i)));
  const [text, setText] = useState(() => names.join('\n'));
  const asList = dataset.numClasses > MAX_FIELDS;
  const split = dataset.splits.test ? 'test' : 'train';
  const examples = useLoad(() => (asList ? Promise.resolve(null) : lab.datasetSamples({ dataset: dataset.id, split, perClass: 1 })), [dataset.id]).data;

  const save = useAction(async () => {
    const classNames = asList ? text.split('\n').map((s) => s.trim()).filter((s, i, all) => s || i < all.length - 1) : names.map((s) => s.trim());
    await lab.updateDataset({ dataset: dataset.id, classNames });
    notifyOk('Class names saved', `Reports on “${dataset.name}” now name its classes.`);
    onClose();
  });

  return (
    <Modal opened onClose={onClose} title={`Name the classes of “${dataset.name}”`} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            One name per class, in label order (label 0 first). Reports, confusion tables and example galleries use them.
          </Text>
          {asList ? (
            <Textarea
              label={`${dataset.numClasses} class names, one per line`}
              value={text}
              onChange={(e) => {
                setText(e.currentTarget.value);
                save.clearError();
              }}
              autosize
              minRows={8}
              maxRows={20}
              data-testid="class-names-list"
            />
          ) : (
            <ScrollArea.Autosize mah={420}>
              <Table stickyHeader>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={60}>label</Table.Th>
                    <Table.Th w={60}>example</Table.Th>
                    <Table.Th>name</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {names.map((n, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{i}</Table.Td>
                      <Table.Td>
                        {examples?.classes[i]?.images[0] ? (
                          <PixelCanvas pixels={examples.classes[i].images[0]} height={examples.height} width={examples.width} channels={examples.channels} scale={Math.max(1, Math.round(32 / examples.width))} label={`An image of class ${i}`} testId={`class-example-${i}`} />
                        ) : (
                          <Text size="xs" c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <TextInput
                          aria-label={`Name of class ${i}`}
                          value={n}
                          maxLength={60}
                          onChange={(e) => {
                            const v = e.currentTarget.value;
                            setNames((all) => all.map((x, j) => (j === i ? v : x)));
                            save.clearError();
                          }}
                          data-testid={`class-name-${i}`}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          )}
          {save.error && (
            <Alert color="red" data-testid="class-names-error">
              {save.error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.busy} data-testid="class-names-save">
              Save names
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The button that opens the form (on a dataset's panel). */
export function NameClassesButton({ dataset }: { dataset: DatasetInfo }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)} data-testid="name-classes">
        Name the classes
      </Button>
      {open && <ClassNamesModal dataset={dataset} onClose={() => setOpen(false)} />}
    </>
  );
}
