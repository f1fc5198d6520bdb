'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { UserView } from '@/lib/auth/users';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

export function useUsers() {
  return useQuery({ queryKey: queryKeys.users(), queryFn: () => apiFetch<{ users: UserView[] }>('/api/v1/users') });
}
