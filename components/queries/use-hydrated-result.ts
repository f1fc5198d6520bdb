'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import { useHydrated } from '@/components/common/use-hydrated';

export interface HydratedResult<T> {
  data: T | undefined;
  error: Error | null;
  isPending: boolean;
}

/**
 * A query's result as a component may render it when its HTML can be hydrated after the cache was
 * filled: a Suspense boundary streamed after the shell, or a page the dashboard's cache outlives
 * (sign-in after a sign-out). The server rendered "no data yet"; showing cached data on the first
 * client render would not match it, and React would re-create the subtree (and wipe typed input).
 * So the first render always says pending, and the next shows what the cache holds.
 */
export function useHydratedResult<T>(query: UseQueryResult<T>): HydratedResult<T> {
  const hydrated = useHydrated();
  if (!hydrated) return { data: undefined, error: null, isPending: true };
  return { data: query.data, error: query.error, isPending: query.isPending };
}
