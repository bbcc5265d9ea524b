/**
 * The last step of a job form (Train, Evaluate): the plain-language summary, the problem (if any)
 * and the button that submits, with a line on where the job runs.
 */
import { Alert, Button, Group, Text, Title } from '@mantine/core';

export interface SubmitSectionProps {
  /** Heading, e.g. "3. Start". */
  title: string;
  /** data-testid prefix of the summary and problem ("train" → train-summary, train-problem). */
  testId: string;
  buttonLabel: string;
  buttonTestId: string;
  hint: string;
  summary: string;
  problem: string | null;
  busy: boolean;
  disabled?: boolean;
  onSubmit: () => void;
}

export function SubmitSection({ title, testId, buttonLabel, buttonTestId, hint, summary, problem, busy, disabled, onSubmit }: SubmitSectionProps) {
  const titleId = `${testId}-submit-title`;
  return (
    <section aria-labelledby={titleId}>
      <Title order={2} size="h4" id={titleId} mb="xs">
        {title}
      </Title>
      <Text size="sm" mb="sm" data-testid={`${testId}-summary`}>
        {summary}
      </Text>
      {problem && (
        <Alert color="orange" role="alert" mb="sm" data-testid={`${testId}-problem`}>
          {problem}
        </Alert>
      )}
      <Group>
        <Button size="md" onClick={onSubmit} loading={busy} disabled={disabled} data-testid={buttonTestId}>
          {buttonLabel}
        </Button>
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      </Group>
    </section>
  );
}
