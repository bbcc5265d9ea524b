import { Badge, Tooltip } from '@mantine/core';
import type { RunStatus } from '../../shared/schemas';

const COLORS: Record<RunStatus, string> = {
  queued: 'gray',
  running: 'blue',
  finished: 'green',
  failed: 'red',
  cancelled: 'orange',
  interrupted: 'yellow',
};

const HELP: Record<RunStatus, string> = {
  queued: 'Waiting for an earlier job to finish.',
  running: 'Working now.',
  finished: 'Done; its results are saved.',
  failed: 'Stopped with an error; open the run to read why.',
  cancelled: 'Stopped by a person.',
  interrupted: 'The lab closed while it ran; start it again to finish it.',
};

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <Tooltip label={HELP[status]} withArrow>
      <Badge
        color={COLORS[status]}
        variant="light"
        data-testid="run-status"
        data-status={status}
        style={{ minWidth: 'max-content', overflow: 'visible' }}
      >
        {status}
      </Badge>
    </Tooltip>
  );
}
