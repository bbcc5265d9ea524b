import { Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { LabError } from '../../shared/errors';

/** Shows a lab error as a red notification: a short title and the one-sentence message. */
export function notifyError(title: string, err: unknown): void {
  const e = LabError.from(err);
  notifications.show({ color: 'red', title, message: e.message, autoClose: 10_000 });
}

export function notifyOk(title: string, message?: string): void {
  notifications.show({ color: 'green', title, message: message ?? '', autoClose: 4000 });
}

/**
 * A notification with one button that takes something back (undo a delete, add a deleted
 * architecture back): on success it closes and says so; on failure it says why.
 */
export function notifyTakeBack(o: { id: string; title: string; text: string; autoClose: number; button: string; testId: string; done: string; failed: string; action: () => Promise<unknown> }): void {
  notifications.show({
    id: o.id,
    color: 'gray',
    title: o.title,
    autoClose: o.autoClose,
    message: (
      <Group justify="space-between" gap="xs" mt={4}>
        <Text size="sm">{o.text}</Text>
        <Button
          size="xs"
          variant="light"
          data-testid={o.testId}
          onClick={async () => {
            try {
              await o.action();
              notifications.hide(o.id);
              notifyOk(o.done);
            } catch (err) {
              notifyError(o.failed, err);
            }
          }}
        >
          {o.button}
        </Button>
      </Group>
    ),
  });
}
