import { RequireAdmin } from '@/components/auth/RequireAdmin';
import { TokensAdmin } from '@/components/auth/TokensAdmin';

export default function TokensPage() {
  return (
    <>
      <h1>API tokens</h1>
      <RequireAdmin>
        <TokensAdmin />
      </RequireAdmin>
    </>
  );
}
