'use client';

import { Banner } from '../common/Banner';
import { useHealth } from '../queries/use-health';
import { healthProblem } from './health-problem';

/** Across the top of every signed-in page while Keywatch itself is not healthy (database, worker, restarts). */
export function HealthBanner() {
  const { data, error, isPending } = useHealth();
  if (isPending && !error) return null;
  const problem = healthProblem(data, { unreachable: Boolean(error) });
  if (!problem) return null;
  return (
    <Banner tone={problem.tone} title={problem.title} urgent={problem.tone === 'bad'} testId="health-banner">
      {problem.detail}
    </Banner>
  );
}
