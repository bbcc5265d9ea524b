/**
 * Evaluate, step 3: the plain-language summary, the problem (if any) and the Run button.
 */
import { Alert, Button, Group, Text, Title } from '@mantine/core';

export function RunSection({ summary, problem, busy, disabled, onRun }: { summary: string; problem: string | null; busy: boolean; disabled: boolean; onRun: () => void }) {
  return (
  <section aria-labelledby="run-title">
    <Title order={2} size="h4" id="run-title" mb="xs">
      3. Run
    </Title>
    <Text size="sm" mb="sm" data-testid="eval-summary">
      {summary}
    </Text>
    {problem && (
      <Alert color="orange" role="alert" mb="sm" data-testid="eval-problem">
        {problem}
      </Alert>
    )}
    <Group>
      <Button size="md" onClick={onRun} loading={busy} disabled={disabled} data-testid="start-eval">
        Run evaluation
      </Button>
      <Text size="xs" c="dimmed">
        Runs in the background; the report appears below when it is done.
      </Text>
    </Group>
  </section>
  );
}
