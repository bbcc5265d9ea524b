/**
 * Evaluate: every evaluation of the chosen model, reloaded when a run ends.
 */
import { Alert, Title } from '@mantine/core';
import { useState } from 'react';
import { lab } from '../../api/client';
import type { DatasetInfo, RegistryEntry } from '../../../shared/schemas';
import { EvaluationsTable } from '../../pages/RunPage';
import { isTerminal, useLabEvents, useLoad } from '../../lib/hooks';

export function ModelEvaluations({
  modelId,
  datasets,
  attacks,
  runKey,
}: {
  modelId: string;
  datasets: DatasetInfo[];
  attacks: RegistryEntry[];
  runKey: string;
}) {
  // Reload whenever a run ends (a new evaluation may have been recorded).
  const [tick, setTick] = useState(0);
  useLabEvents((e) => {
    if (e.type === 'run' && isTerminal(e.status)) setTick((t) => t + 1);
  });
  const evals = useLoad(() => lab.listEvaluations({ modelId }), [modelId, runKey, tick]);
  const list = [...(evals.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section aria-labelledby="history-title">
      <Title order={2} size="h4" id="history-title" mb="xs">
        All evaluations of this model
      </Title>
      {evals.error ? (
        <Alert color="red">{evals.error.message}</Alert>
      ) : (
        <EvaluationsTable evaluations={list} attacks={attacks} datasets={datasets} />
      )}
    </section>
  );
}
