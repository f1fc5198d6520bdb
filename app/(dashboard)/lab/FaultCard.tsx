'use client';

import { useId, useState } from 'react';
import { ConfirmDialog } from '@/components/common/Dialog';
// Type-only: erased at build, so the client bundle does not pull in the server modules.
import type { LabFaultChoice } from '@/lib/lab-control/catalog';
import type { LabStateView } from '@/lib/lab-control/lab-state';
import type { LabButton } from './LabConsole';

const CHOICE_LABEL: Record<LabFaultChoice, string> = { node: 'KMS node', host: 'Host', vm: 'VM', vmKey: 'Key of' };

/** What the lab offers for a choice right now, as [value, text]. */
function optionsFor(choice: LabFaultChoice, state: LabStateView | undefined): [string, string][] {
  if (!state) return [];
  switch (choice) {
    case 'node':
      return state.kmsNodes.map((n) => [n.id, `${n.id} · ${n.host}:${n.port}`]);
    case 'host':
      return state.hosts.map((h) => [h.id, `${h.name} (${h.id})`]);
    case 'vm':
      return state.vms.map((v) => [v.id, `${v.name}${v.cryptoState ? ` · ${v.cryptoState}` : ''}`]);
    case 'vmKey': {
      const seen = new Map<string, string>();
      for (const vm of state.vms) if (vm.kmsKeyId && !seen.has(vm.kmsKeyId)) seen.set(vm.kmsKeyId, `${vm.name} (${vm.kmsKeyId.slice(0, 8)}…)`);
      return [...seen];
    }
  }
}

/** One fault of the catalog: its story, what it acts on (picked from the lab state), the button. */
export function FaultCard({
  entry,
  state,
  busy,
  running,
  onApply,
}: {
  entry: LabButton;
  state: LabStateView | undefined;
  busy: boolean;
  running: boolean;
  onApply: (label: string, body: Record<string, unknown>) => void;
}) {
  const idPrefix = useId();
  const [picks, setPicks] = useState<Partial<Record<LabFaultChoice, string>>>({});
  const [confirming, setConfirming] = useState(false);
  const options = Object.fromEntries(entry.choose.map(({ choice }) => [choice, optionsFor(choice, state)])) as Record<LabFaultChoice, [string, string][]>;
  // A pick the lab no longer offers (a VM re-registered) falls back to the first option.
  const value = (choice: LabFaultChoice) => {
    const picked = picks[choice];
    return picked && options[choice].some(([v]) => v === picked) ? picked : (options[choice][0]?.[0] ?? '');
  };
  const missing = entry.choose.some(({ choice }) => !value(choice));
  const body: Record<string, unknown> = { ...entry.fault, ...Object.fromEntries(entry.choose.map(({ choice, field }) => [field, value(choice)])) };
  const subjects = entry.choose.map(({ choice }) => options[choice].find(([v]) => v === value(choice))?.[1] ?? value(choice));
  const described = subjects.length > 0 ? `${entry.label}: ${subjects.join(', ')}` : entry.label;

  return (
    <article className="lab-fault" data-testid={`lab-fault-${entry.id}`} aria-label={entry.label}>
      <button type="button" className={entry.confirm ? 'danger' : undefined} disabled={busy || missing} aria-describedby={`${idPrefix}-story`} onClick={() => (entry.confirm ? setConfirming(true) : onApply(described, body))}>
        {running ? <span className="spinner" aria-hidden /> : null}
        {entry.label}
      </button>
      <p id={`${idPrefix}-story`}>{entry.story}</p>
      {entry.choose.length > 0 && (
        <div className="choices">
          {entry.choose.map(({ choice }) => (
            <label key={choice} htmlFor={`${idPrefix}-${choice}`}>
              {CHOICE_LABEL[choice]}
              <select id={`${idPrefix}-${choice}`} value={value(choice)} disabled={!state} onChange={(e) => setPicks({ ...picks, [choice]: e.target.value })}>
                {options[choice].length === 0 && <option value="">{state ? 'none in the lab' : 'loading…'}</option>}
                {options[choice].map(([v, text]) => (
                  <option key={v} value={v}>
                    {text}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
      )}
      {entry.confirm && (
        <ConfirmDialog
          open={confirming}
          title={`${entry.label}?`}
          subject={subjects.join(', ')}
          confirmLabel={entry.label}
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            onApply(described, body);
          }}
          testId={`lab-confirm-${entry.id}`}
        >
          <p>{entry.story}</p>
        </ConfirmDialog>
      )}
    </article>
  );
}
