export default function MigrationsPage() {
  return (
    <>
      <h1>Migrations</h1>
      <p className="empty">No rekey or key-provider migration campaigns yet.</p>
    </>
  );
}
