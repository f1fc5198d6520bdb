'use client';

import { useState } from 'react';
import { KmsAvailabilityChart, KmsLatencyChart } from '@/components/charts/KmsNodeCharts';
import type { TimeRange } from '@/components/common/ChartFrame';

/** Latency and availability per KMS node of one provider, over one shared window. */
export function NodeHistoryCharts({ provider }: { provider: string }) {
  const [range, setRange] = useState<TimeRange>('1h');
  return (
    <>
      <KmsLatencyChart provider={provider} range={range} onRangeChange={setRange} testId="history-latency" />
      <KmsAvailabilityChart provider={provider} range={range} onRangeChange={setRange} testId="history-availability" />
    </>
  );
}
