import { notFound } from 'next/navigation';
import { isAllowed } from '@/lib/auth/policy';
import { CHOICE_FIELD, LAB_FAULT_CATALOG } from '@/lib/lab-control/catalog';
import { labModeOn } from '@/lib/lab-control/control';
import { requireSignedIn } from '../page-session';
import { LabConsole, type LabButton } from './LabConsole';

/** Lab mode only, for administrators: the simulated estate's fault knobs, so the whole story plays in the browser. */
export default async function LabPage() {
  const session = await requireSignedIn();
  if (!session) return null;
  if (!labModeOn()) notFound();
  if (!isAllowed(session.auth.principal, 'admin')) {
    return (
      <>
        <h1>Lab</h1>
        <p className="warn">Only administrators can break the lab. You are signed in as {session.auth.principal.role}.</p>
      </>
    );
  }
  // Plain data for the browser: the catalog's zod schema stays on the server, which validates every request.
  const buttons: LabButton[] = LAB_FAULT_CATALOG.map((entry) => ({
    id: entry.id,
    label: entry.label,
    story: entry.story,
    group: entry.group,
    fault: { ...entry.fault },
    choose: (entry.choose ?? []).map((choice) => ({ choice, field: CHOICE_FIELD[choice] })),
    confirm: entry.confirm ?? false,
  }));
  return (
    <>
      <h1>Lab</h1>
      <p className="lede">
        The simulated vCenter and KMS cluster that <code>npm start</code> runs. Break something, then watch the other pages catch it; every fault is recorded in the audit log.
      </p>
      <LabConsole buttons={buttons} />
    </>
  );
}
