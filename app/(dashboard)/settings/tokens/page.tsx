import { AdminOnly } from '../AdminOnly';
import { TokensAdmin } from './TokensAdmin';

export default function TokensPage() {
  return (
    <AdminOnly title="API tokens">
      <h1>API tokens</h1>
      <TokensAdmin />
    </AdminOnly>
  );
}
