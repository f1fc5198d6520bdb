'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { apiFetch } from '@/components/common/api-client';
import { Banner } from '@/components/common/Banner';
import { Card } from '@/components/common/Card';
import { errorText } from '@/components/common/LoadState';
import { queryKeys } from '@/components/queries/keys';
import { useLabState } from '@/components/queries/use-lab-state';
// Type-only: erased at build, so the client bundle does not pull in the server modules.
import type { LabFaultChoice, LabFaultEntry } from '@/lib/lab-control/catalog';
import type { FaultResult } from '@/lib/lab-control/control';
import { FaultCard } from './FaultCard';
import { LabStateTables } from './LabStateTables';

/** A catalog entry as the page hands it to the browser. */
export interface LabButton extends Omit<LabFaultEntry, 'choose' | 'confirm'> {
  choose: { choice: LabFaultChoice; field: string }[];
  confirm: boolean;
}

const GROUPS: { id: LabButton['group']; title: string }[] = [
  { id: 'story', title: 'The story: break it, watch Keywatch, put it back' },
  { id: 'kms', title: 'More faults: KMS nodes' },
  { id: 'host', title: 'Hosts' },
  { id: 'vm', title: 'Virtual machines' },
  { id: 'vcenter', title: 'vCenter' },
];

interface Outcome {
  label: string;
  result?: FaultResult;
  error?: unknown;
}

export function LabConsole({ buttons }: { buttons: LabButton[] }) {
  const state = useLabState();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const apply = useMutation({
    mutationFn: ({ body }: { label: string; body: Record<string, unknown> }) => apiFetch<FaultResult>('/api/v1/lab/faults', { method: 'POST', body }),
    onMutate: () => setOutcome(null),
    onSuccess: (result, { label }) => setOutcome({ label, result }),
    onError: (error, { label }) => setOutcome({ label, error }),
    // Whatever happened, show the lab as it is now (the lab may have applied part of a sequence).
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.labState() }),
  });
  const pending = apply.isPending ? apply.variables.label : null;

  return (
    <>
      {/* Sticky: a button far down the page still shows that the lab is working. */}
      <div className="lab-progress">
        {pending && (
          <Banner tone="neutral" title={`Applying: ${pending}…`} testId="lab-progress">
            The lab is changing; a reboot or a restore takes a few seconds.
          </Banner>
        )}
      </div>
      <div role="status">{outcome && <FaultOutcome outcome={outcome} />}</div>
      {GROUPS.map((group) => {
        const entries = buttons.filter((b) => b.group === group.id);
        if (entries.length === 0) return null;
        return (
          <Fragment key={group.id}>
            <section className="lab-section" aria-labelledby={`lab-group-${group.id}`}>
              <h2 id={`lab-group-${group.id}`}>{group.title}</h2>
              <div className="lab-faults">
                {entries.map((entry) => (
                  <FaultCard
                    key={entry.id}
                    entry={entry}
                    state={state.data}
                    busy={pending !== null}
                    running={pending === entry.label}
                    onApply={(label, body) => apply.mutate({ label, body })}
                  />
                ))}
              </div>
            </section>
            {/* Right under the story's buttons, so pressing one and seeing its effect fit on one screen. */}
            {group.id === 'story' && (
              <div className="lab-section">
                <LabStateTables query={state} />
              </div>
            )}
          </Fragment>
        );
      })}
    </>
  );
}

function FaultOutcome({ outcome }: { outcome: Outcome }) {
  if (outcome.error) {
    return (
      <Card title={`${outcome.label}: refused`} className="lab-result" testId="lab-result">
        <p className="bad" role="alert">
          {errorText(outcome.error)}
        </p>
      </Card>
    );
  }
  const result = outcome.result!;
  return (
    <Card title={`${outcome.label}: done`} className="lab-result" testId="lab-result">
      <p className="muted">The lab answered:</p>
      <ul>
        {result.applied.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      {result.skipped.length > 0 && (
        <>
          <p className="warn">Not restored:</p>
          <ul>
            {result.skipped.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
