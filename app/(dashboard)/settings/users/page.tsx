import { UsersAdmin } from './UsersAdmin';

export default function UsersPage() {
  return (
    <>
      <h1>Users</h1>
      <UsersAdmin />
    </>
  );
}
