import ReadinessPanel from './ReadinessPanel';

/** Minimal host page: the readiness checklist and actions (the host's other sections come with the hosts pages). */
export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <>
      <h1>Host {decodeURIComponent(id)}</h1>
      <ReadinessPanel hostId={decodeURIComponent(id)} />
    </>
  );
}
