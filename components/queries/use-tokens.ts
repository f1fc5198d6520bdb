'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { TokenSummary } from '@/lib/auth/api-tokens';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

export function useTokens() {
  return useQuery({ queryKey: queryKeys.tokens(), queryFn: () => apiFetch<{ tokens: TokenSummary[] }>('/api/v1/tokens') });
}
