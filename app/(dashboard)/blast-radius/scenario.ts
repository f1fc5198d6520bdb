import type { BlastRadiusScenario } from '@/components/queries/keys';

/** The scenario from the page's URL (`?nodes=a:1,b:2&provider=p&host=h`), in the shape of its query key. */
export function scenarioFromParams(get: (name: string) => string | null): BlastRadiusScenario {
  const nodes = (get('nodes') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .sort();
  return { nodes, provider: get('provider') ?? '', host: get('host') ?? '' };
}
