'use client';

import { useSyncExternalStore } from 'react';

const noSubscription = () => () => {};

/**
 * False in the server-rendered HTML and until React has hydrated. Forms that carry passwords keep
 * their submit button disabled until then: a click before hydration would submit natively and put
 * the fields in the URL.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(noSubscription, () => true, () => false);
}
