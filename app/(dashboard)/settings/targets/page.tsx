import { AdminOnly } from '../AdminOnly';
import { TargetsAdmin } from './TargetsAdmin';

export default function TargetsPage() {
  return (
    <AdminOnly title="Targets">
      <h1>Targets</h1>
      <p className="lede">Passwords and client keys are encrypted at rest and never shown again after saving. A password is only sent where it was entered for: changing the URL, user or CA asks for it again.</p>
      <TargetsAdmin />
    </AdminOnly>
  );
}
