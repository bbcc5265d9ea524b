/** Always-visible footer: compute backend and device, lab folder, live-update connection. */
import { Group, Text, Tooltip, Box, List } from '@mantine/core';
import { useEffect, useState } from 'react';
import { isConnected, lab, onConnectionChange } from '../api/client';
import { useLoad } from '../lib/hooks';
import { InfoIcon } from './InfoIcon';

/** true/false once the event stream has connected at least once; null before that. */
function useConnected(): boolean | null {
  const [up, setUp] = useState<boolean | null>(isConnected() ? true : null);
  useEffect(() => {
    if (isConnected()) setUp(true);
    return onConnectionChange((c) => setUp((prev) => (prev === null && !c ? null : c)));
  }, []);
  return up;
}

export function StatusBar() {
  const status = useLoad(() => lab.status({}), []);
  const connected = useConnected();
  const s = status.data;
  const fallbacks = s?.backend.fallbacks ?? [];

  const backendText = s
    ? `Backend: ${s.backend.name} — ${s.backend.device}`
    : status.error
      ? 'Backend: unknown (the lab did not answer)'
      : 'Backend: loading…';

  const backendTip = s ? (
    <Box maw={420}>
      <Text size="xs">
        Package {s.backend.package}, TensorFlow.js {s.backend.tfjsVersion}. Lab version {s.version}.
      </Text>
      {fallbacks.length > 0 ? (
        <>
          <Text size="xs" mt={4} fw={600}>
            Why not a faster backend:
          </Text>
          <List size="xs">
            {fallbacks.map((f, i) => (
              <List.Item key={i}>{f}</List.Item>
            ))}
          </List>
        </>
      ) : (
        <Text size="xs" mt={4}>
          This is the fastest backend available.
        </Text>
      )}
    </Box>
  ) : (
    (status.error?.message ?? 'Asking the lab which backend it uses…')
  );

  return (
    <Group h="100%" px="md" gap="lg" wrap="nowrap" justify="space-between" style={{ overflow: 'hidden' }}>
      <Group gap="lg" wrap="nowrap" style={{ minWidth: 0 }}>
        <Tooltip label={backendTip} multiline withArrow position="top-start">
          <Text size="xs" fw={600} data-testid="status-backend" tabIndex={0} style={{ whiteSpace: 'nowrap' }}>
            {backendText}
            {fallbacks.length > 0 ? <InfoIcon /> : null}
          </Text>
        </Tooltip>
        {s && (
          <Tooltip label="Every dataset, model and run is stored in this folder." withArrow position="top">
            <Text size="xs" c="dimmed" truncate="start" data-testid="status-labdir" tabIndex={0} title={s.labDir}>
              Lab folder: {s.labDir}
              {s.readOnly ? ' (read-only: browse only)' : ''}
            </Text>
          </Tooltip>
        )}
      </Group>
      {lab.mode === 'web' && connected !== null && (
        <Tooltip
          label={
            connected
              ? 'Progress and new results appear as they happen.'
              : 'The page lost its live connection to the lab and is trying again. Results are still saved.'
          }
          withArrow
          position="top-end"
        >
          <Text size="xs" c={connected ? 'dimmed' : 'orange'} tabIndex={0} style={{ whiteSpace: 'nowrap' }} data-testid="status-live">
            {connected ? '● Live' : '○ Reconnecting…'}
          </Text>
        </Tooltip>
      )}
    </Group>
  );
}
