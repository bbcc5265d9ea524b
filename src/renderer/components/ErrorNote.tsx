/**
 * An error that stays where it happened until the person acts: one sentence in their terms, and
 * the technical detail folded away under "Details".
 */
import { Alert, Anchor, Code, Collapse, Text } from '@mantine/core';
import { useState } from 'react';
import type { ExplainedError } from '../lib/explainError';

export function ErrorNote({ title, error, testId }: { title: string; error: ExplainedError; testId?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Alert color="red" title={title} role="alert" data-testid={testId}>
      <Text size="sm" data-testid="error-summary">
        {error.summary}
      </Text>
      {error.detail && (
        <>
          <Anchor component="button" type="button" size="xs" mt={4} onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            {open ? 'Hide details' : 'Details'}
          </Anchor>
          <Collapse in={open}>
            <Code block mt={4} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="error-detail">
              {error.detail}
            </Code>
          </Collapse>
        </>
      )}
    </Alert>
  );
}
