import { AdminOnly } from '../AdminOnly';
import { UsersAdmin } from './UsersAdmin';

export default function UsersPage() {
  return (
    <AdminOnly title="Users">
      <h1>Users</h1>
      <UsersAdmin />
    </AdminOnly>
  );
}
