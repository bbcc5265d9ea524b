/**
 * Train, step 3: the plain-language summary, the problem (if any) and the Start button.
 */
import { Alert, Button, Group, Text, Title } from '@mantine/core';

export function StartSection({ summary, problem, busy, onStart }: { summary: string; problem: string | null; busy: boolean; onStart: () => void }) {
  return (
  <section aria-labelledby="start-title">
    <Title order={2} size="h4" id="start-title" mb="xs">
      3. Start
    </Title>
    <Text size="sm" mb="sm" data-testid="train-summary">
      {summary}
    </Text>
    {problem && (
      <Alert color="orange" role="alert" mb="sm" data-testid="train-problem">
        {problem}
      </Alert>
    )}
    <Group>
      <Button size="md" onClick={onStart} loading={busy} data-testid="start-training">
        Start training
      </Button>
      <Text size="xs" c="dimmed">
        Runs in the background; you can leave this page and follow it on the Runs page.
      </Text>
    </Group>
  </section>
  );
}
