'use client';

import { Banner } from '@/components/common/Banner';
import { LoadState } from '@/components/common/LoadState';
import { useOverview } from '@/components/queries/use-overview';
import { AlertsSummary } from './AlertsSummary';
import { CampaignProgress } from './CampaignProgress';
import { FreshnessCard } from './FreshnessCard';
import { HealthPanel } from './HealthPanel';
import { HostGrid } from './HostGrid';
import { ProvidersCard } from './ProvidersCard';

/** The first screen: providers, hosts by verdict, alerts, campaigns, freshness; polled every 10 s. */
export function OverviewBoard() {
  const { data, error, isPending } = useOverview();
  const staleTargets = data?.stale.targets ?? [];
  return (
    <LoadState loading={isPending} error={error && !data ? error : null} loadingText="Reading the estate…">
      {data && (
        <div className="overview" data-testid="overview">
          {(data.stale.worker || staleTargets.length > 0) && (
            <Banner tone="warn" title="Some of this data is old" testId="stale-banner">
              {[
                data.stale.worker ? `The worker is ${data.stale.workerStatus}: nothing is being polled.` : null,
                staleTargets.length > 0 ? `Not reported within its interval: ${staleTargets.join(', ')}.` : null,
              ]
                .filter(Boolean)
                .join(' ')}
            </Banner>
          )}
          <div className="overview-top">
            <ProvidersCard providers={data.providers} />
            <AlertsSummary alerts={data.alerts} />
          </div>
          <HostGrid hosts={data.hosts} />
          <div className="grid">
            <CampaignProgress campaigns={data.campaigns} />
            <FreshnessCard freshness={data.freshness} />
            <HealthPanel />
          </div>
        </div>
      )}
    </LoadState>
  );
}
