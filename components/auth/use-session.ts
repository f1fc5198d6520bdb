'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from './api-client';
import type { Role } from '@/lib/auth/policy';

export interface SessionInfo {
  user: { id: string; username: string; displayName: string | null; role: Role; isDemo: boolean; permissions: string[] } | null;
  methods: { password: boolean; demo: boolean; oidc: { label: string } | null; needsSetup: boolean };
}

export const SESSION_QUERY_KEY = ['auth', 'session'] as const;

export function useSession() {
  return useQuery({ queryKey: SESSION_QUERY_KEY, queryFn: () => apiFetch<SessionInfo>('/api/auth/session'), staleTime: 30_000 });
}
