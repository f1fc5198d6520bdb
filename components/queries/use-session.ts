'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { SessionInfo } from '@/lib/auth/session-info';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** The signed-in user and the sign-in methods; the dashboard layout seeds it from the server. */
export function useSession() {
  return useQuery({ queryKey: queryKeys.session(), queryFn: () => apiFetch<SessionInfo>('/api/auth/session'), staleTime: 30_000 });
}
