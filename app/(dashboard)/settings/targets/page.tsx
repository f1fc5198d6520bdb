import { TargetsAdmin } from './TargetsAdmin';

export default function TargetsPage() {
  return (
    <>
      <h1>Targets</h1>
      <p className="lede">Passwords and client keys are encrypted at rest and never shown again after saving.</p>
      <TargetsAdmin />
    </>
  );
}
