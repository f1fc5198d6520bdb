export default function KeyProvidersPage() {
  return (
    <>
      <h1>Key providers</h1>
      <p className="empty">No key providers recorded yet. Standard (KMIP), native and trusted providers appear here once a vCenter is polled.</p>
    </>
  );
}
