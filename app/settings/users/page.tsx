import { RequireAdmin } from '@/components/auth/RequireAdmin';
import { UsersAdmin } from '@/components/auth/UsersAdmin';

export default function UsersPage() {
  return (
    <>
      <h1>Users</h1>
      <RequireAdmin>
        <UsersAdmin />
      </RequireAdmin>
    </>
  );
}
