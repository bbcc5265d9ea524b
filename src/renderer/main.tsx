import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './a11y.css';
import { createTheme, darken, localStorageColorSchemeManager, MantineProvider, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif',
  headings: { fontWeight: '650' },
  // Shade 8 keeps white text on filled buttons and indigo text on light backgrounds above the
  // WCAG AA contrast of 4.5:1 (shade 6, the default, gives 4.1:1).
  primaryShade: { light: 8, dark: 8 },
});

/**
 * Text colours at WCAG AA contrast (4.5:1) in both themes, checked by axe-core in the e2e tests:
 * - grey help text ("dimmed"): #5c636a is 5.3:1 or more on white, the light greys and the
 *   selected-navigation tint; #adadad is 5.0:1 or more on every dark surface (dark.5 to dark.8).
 *   Mantine's defaults (gray.6, dark.2) are 3.3:1 and 4.1:1.
 * - light theme, coloured text (`c="red"`, alert titles, light buttons): shade 9 darkened by 30 %,
 *   4.7:1 or more on its own tint even inside an alert of another colour (shade 6–8 of orange,
 *   green, yellow fall to 2.5–3.9:1).
 * - dark theme, links: indigo.3, 5.9:1 on a selected table row (indigo.4 is 4.46:1).
 */
const resolver: CSSVariablesResolver = (t) => {
  const light: Record<string, string> = { '--mantine-color-dimmed': '#5c636a' };
  for (const [name, shades] of Object.entries(t.colors)) {
    if (name === 'dark' || name === 'gray') continue;
    const strong = darken(shades[9], 0.3);
    light[`--mantine-color-${name}-light-color`] = strong;
    light[`--mantine-color-${name}-text`] = strong;
  }
  return {
    variables: {},
    light,
    dark: { '--mantine-color-dimmed': '#adadad', '--mantine-color-anchor': 'var(--mantine-color-indigo-3)' },
  };
};

const colorSchemeManager = localStorageColorSchemeManager({ key: 'robustlab-color-scheme' });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager} cssVariablesResolver={resolver}>
      <Notifications position="bottom-right" limit={4} />
      <App />
    </MantineProvider>
  </StrictMode>,
);
