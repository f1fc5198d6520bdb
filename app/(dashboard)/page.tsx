import { HealthPanel } from './HealthPanel';

export default function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <p className="lede">Will each host&apos;s disks and VMs come back after a reboot? Keywatch watches the key providers that decide it.</p>
      <div className="grid">
        <HealthPanel />
      </div>
    </>
  );
}
