import { HostPage } from './HostPage';
import { hostIdParam } from './host-id';

export default async function HostDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <HostPage id={hostIdParam(id)} />;
}
