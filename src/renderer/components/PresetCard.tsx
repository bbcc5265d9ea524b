/**
 * One preset in a radiogroup of presets (Train and Evaluate pages): a card that shows its title
 * and description, marks itself when chosen, and is greyed out when the lab lacks what it needs.
 */
import type { ReactNode } from 'react';
import { Paper, Text, UnstyledButton } from '@mantine/core';

export function PresetCard(props: {
  title: string;
  description: string;
  active: boolean;
  available: boolean;
  /** Shown instead of the description when the preset is not available. */
  unavailableText: string;
  onChoose: () => void;
  testId: string;
  children?: ReactNode;
}) {
  const { title, description, active, available, unavailableText, onChoose, testId, children } = props;
  return (
    <UnstyledButton
      role="radio"
      aria-checked={active}
      aria-disabled={!available}
      disabled={!available}
      onClick={onChoose}
      data-testid={testId}
      style={{ height: '100%', opacity: available ? 1 : 0.5 }}
    >
      <Paper
        withBorder
        radius="md"
        p="sm"
        h="100%"
        style={{
          borderColor: active ? 'var(--mantine-primary-color-filled)' : undefined,
          borderWidth: active ? 2 : 1,
          background: active ? 'var(--mantine-primary-color-light)' : undefined,
        }}
      >
        <Text fw={600} size="sm">
          {title}
        </Text>
        <Text size="xs" c="dimmed" mt={4}>
          {available ? description : unavailableText}
        </Text>
        {children}
      </Paper>
    </UnstyledButton>
  );
}
