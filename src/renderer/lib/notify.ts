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
