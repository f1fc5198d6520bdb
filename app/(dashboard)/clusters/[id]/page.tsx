import { ClusterPage } from './ClusterPage';
import { clusterIdParam } from './cluster-id';

export default async function ClusterDetailPage({ params }: { params: Promise<{ id: string }> }) {
  return <ClusterPage id={clusterIdParam((await params).id)} />;
}
