import { TokensAdmin } from './TokensAdmin';

export default function TokensPage() {
  return (
    <>
      <h1>API tokens</h1>
      <TokensAdmin />
    </>
  );
}
