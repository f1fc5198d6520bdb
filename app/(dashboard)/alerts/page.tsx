import { AlertsBoard } from './AlertsBoard';

export default function AlertsPage() {
  return (
    <>
      <h1>Alerts</h1>
      <p className="lede">Unmounted vSAN disk groups first, then critical, each with its likely cause and runbook. Refreshed every 10 s.</p>
      <AlertsBoard />
    </>
  );
}
