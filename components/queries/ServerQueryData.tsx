import { dehydrate, HydrationBoundary, QueryClient, type QueryKey } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/**
 * For server layouts and pages: puts data they already read into the browser's query cache under
 * the key the page's hook uses, so the first render shows it without a spinner or a second request.
 * The data must be exactly what the matching API route answers: both get it from the same lib/
 * function.
 */
export function ServerQueryData({ entries, children }: { entries: readonly (readonly [QueryKey, unknown])[]; children: ReactNode }) {
  const client = new QueryClient();
  for (const [key, data] of entries) client.setQueryData(key, data);
  return <HydrationBoundary state={dehydrate(client)}>{children}</HydrationBoundary>;
}
