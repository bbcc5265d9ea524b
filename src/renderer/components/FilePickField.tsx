/** A labelled "Choose file…" field over lab.pickFiles (native dialog or browser upload). */
import { Button, CloseButton, Group, Input, Text } from '@mantine/core';
import { useId, useState, type ReactNode } from 'react';
import { lab } from '../api/client';
import type { PickFilesOptions } from '../../shared/api';
import { notifyError } from '../lib/notify';

export interface FilePickFieldProps {
  label: string;
  description: string;
  value: string | null;
  onChange: (path: string | null) => void;
  filters?: PickFilesOptions['filters'];
  required?: boolean;
  testId?: string;
  /** A problem with the chosen file, shown under the field until it changes. */
  error?: ReactNode;
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export function FilePickField({ label, description, value, onChange, filters, required, testId, error }: FilePickFieldProps) {
  const [busy, setBusy] = useState(false);
  const id = useId();
  const pick = async () => {
    setBusy(true);
    try {
      const paths = await lab.pickFiles({ title: label, multiple: false, filters });
      if (paths.length > 0) onChange(paths[0] ?? null);
    } catch (err) {
      notifyError(`Could not read the ${label.toLowerCase()}`, err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Input.Wrapper label={label} description={description} required={required} id={id} error={error}>
      <Group gap="xs" mt={4} wrap="nowrap">
        <Button
          variant="default"
          size="sm"
          onClick={pick}
          loading={busy}
          aria-describedby={`${id}-file`}
          aria-label={`${label}: choose file`}
          data-testid={testId}
          style={{ flexShrink: 0 }}
        >
          Choose file…
        </Button>
        <Text size="sm" c={value ? undefined : 'dimmed'} truncate id={`${id}-file`} title={value ?? undefined}>
          {value ? baseName(value) : 'No file chosen'}
        </Text>
        {value && <CloseButton size="sm" aria-label={`Clear ${label.toLowerCase()}`} onClick={() => onChange(null)} />}
      </Group>
    </Input.Wrapper>
  );
}
