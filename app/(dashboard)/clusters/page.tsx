import { ClustersList } from './ClustersList';

export default function ClustersPage() {
  return (
    <>
      <h1>Clusters</h1>
      <p className="lede">Each cluster&apos;s hosts are patched one at a time; open a cluster for its rolling plan: the order, which host can go next and why the others wait.</p>
      <ClustersList />
    </>
  );
}
