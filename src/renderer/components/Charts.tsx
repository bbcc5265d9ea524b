/** Lazy wrapper: recharts is only loaded when a page first shows a chart. */
import { Loader } from '@mantine/core';
import { lazy, Suspense, type ComponentProps } from 'react';

const MetricChartsLazy = lazy(() => import('./MetricCharts'));

export function Charts(props: ComponentProps<typeof MetricChartsLazy>) {
  return (
    <Suspense fallback={<Loader size="sm" aria-label="Loading charts" />}>
      <MetricChartsLazy {...props} />
    </Suspense>
  );
}
