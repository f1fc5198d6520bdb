import { Suspense } from 'react';
import { HostsTable } from './HostsTable';

export default function HostsPage() {
  return (
    <>
      <h1>Hosts</h1>
      <p className="lede">ESXi hosts of every polled vCenter: the reboot verdict from the last poll, connection, crypto state, vSAN disk groups and encrypted VMs.</p>
      {/* useSearchParams needs a Suspense boundary for static rendering */}
      <Suspense fallback={<p className="loading">Loading hosts…</p>}>
        <HostsTable />
      </Suspense>
    </>
  );
}
