/**
 * A person's markdown (run notes) shown as formatted text: GitHub-flavoured (tables, task lists,
 * strikethrough, autolinks) through react-markdown, which builds React elements and never injects
 * raw HTML, so a note cannot run script. Links open outside the app (Electron's window-open
 * handler sends them to the system browser; the web mode opens a new tab).
 */
import { TypographyStylesProvider } from '@mantine/core';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

export function Markdown({ text, testId }: { text: string; testId?: string }) {
  return (
    <TypographyStylesProvider data-testid={testId} style={{ fontSize: 'var(--mantine-font-size-sm)' }}>
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{
          a: ({ href, children }) => (
            <a href={href} target="_blank" rel="noopener noreferrer">
              {children}
            </a>
          ),
        }}
      >
        {text}
      </ReactMarkdown>
    </TypographyStylesProvider>
  );
}
