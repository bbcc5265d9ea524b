/**
 * Evaluate: the runs just started, followed live (progress, then the report), one tab per run.
 */
import { Alert, Anchor, Group, Loader, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { EvaluationReportView } from '../EvaluationReport';
import { RunProgress } from '../RunProgress';
import { StatusBadge } from '../StatusBadge';
import { formatPercent } from '../../lib/format';
import { isTerminal, useLiveRun } from '../../lib/hooks';
import { href } from '../../lib/route';

export function EvalRuns({ runIds }: { runIds: string[] }) {
  const [tab, setTab] = useState<string | null>(runIds[0] ?? null);
  const ref = useRef<HTMLDivElement>(null);
  const key = runIds.join(',');
  useEffect(() => {
    setTab(runIds[0] ?? null);
    // Bring the new run into view: its progress, then its report, appear below the form.
    ref.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  if (runIds.length === 1) {
    return (
      <div ref={ref} style={{ scrollMarginTop: 70 }}>
        <EvalRunPanel runId={runIds[0]!} />
      </div>
    );
  }
  return (
    <Tabs ref={ref} value={tab} onChange={setTab} keepMounted={false} variant="outline" data-testid="eval-runs" style={{ scrollMarginTop: 70 }}>
      <Tabs.List>
        {runIds.map((id) => (
          <RunTab key={id} runId={id} />
        ))}
      </Tabs.List>
      {runIds.map((id) => (
        <Tabs.Panel key={id} value={id} pt="sm">
          <EvalRunPanel runId={id} />
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

/** A tab label: the attack, its status and, when done, clean → robust. */
function RunTab({ runId }: { runId: string }) {
  const { detail } = useLiveRun(runId);
  const run = detail?.run;
  const ev = detail?.evaluations[detail.evaluations.length - 1];
  const spec = run?.spec.kind === 'eval' ? run.spec : undefined;
  const label = spec ? (spec.certify ? spec.certify.toUpperCase() : spec.attack.name.toUpperCase()) : '…';
  return (
    <Tabs.Tab value={runId} data-testid={`eval-tab-${runId}`}>
      <Group gap={6} wrap="nowrap">
        <span>{label}</span>
        {run && run.status !== 'finished' && <StatusBadge status={run.status} />}
        {ev && ev.robustAccuracy !== null && (
          <Text span size="xs" c="dimmed">
            {formatPercent(ev.cleanAccuracy, 0)} → {formatPercent(ev.robustAccuracy, 0)}
          </Text>
        )}
      </Group>
    </Tabs.Tab>
  );
}

function EvalRunPanel({ runId }: { runId: string }) {
  const { detail, error, progress } = useLiveRun(runId);
  if (error && !detail) {
    return (
      <Alert color="red" title="Could not load the evaluation">
        {error.message}
      </Alert>
    );
  }
  if (!detail) return <Loader size="sm" aria-label="Loading the evaluation" />;
  const { run, evaluations } = detail;
  const ev = evaluations[evaluations.length - 1];
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`eval-run-title-${run.id}`} data-testid="eval-run" data-run-id={run.id}>
      <Stack gap="md">
        <Group gap="xs" wrap="wrap">
          <Title order={2} size="h4" id={`eval-run-title-${run.id}`} style={{ overflowWrap: 'anywhere' }}>
            <Anchor href={href(['runs', run.id])} inherit>
              {run.name}
            </Anchor>
          </Title>
          <StatusBadge status={run.status} />
        </Group>
        {!isTerminal(run.status) && <RunProgress run={run} progress={progress} />}
        {run.status === 'finished' && ev && (
          <div data-testid="eval-result">
            <EvaluationReportView evaluation={ev} />
          </div>
        )}
        {run.status === 'finished' && !ev && (
          <Text size="sm" c="dimmed">
            The run finished but recorded no evaluation; open the run page for details.
          </Text>
        )}
        {run.status === 'failed' && (
          <Alert color="red" title="The evaluation failed">
            {run.error ?? 'It stopped with an error.'}
          </Alert>
        )}
        {run.status === 'cancelled' && (
          <Alert color="orange" title="Evaluation cancelled">
            Nothing was recorded.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
