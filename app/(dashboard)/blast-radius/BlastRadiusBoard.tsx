'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Card } from '@/components/common/Card';
import { LoadState } from '@/components/common/LoadState';
import { blastRadiusSearch, useBlastRadius } from '@/components/queries/use-blast-radius';
import { DependentsCard } from './DependentsCard';
import { OutcomeCard } from './OutcomeCard';
import { scenarioFromParams } from './scenario';

/** The scenario lives in the URL, so a what-if can be shared and survives a reload. */
export function BlastRadiusBoard() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const scenario = scenarioFromParams((name) => params.get(name));
  const query = useBlastRadius(scenario);
  const [nodes, setNodes] = useState<string[]>(scenario.nodes);
  const [provider, setProvider] = useState(scenario.provider);
  const [host, setHost] = useState(scenario.host);
  const providers = query.data?.providers ?? [];

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const search = blastRadiusSearch({ nodes: [...nodes].sort(), provider, host: host.trim() }).toString();
    router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
  };
  const clear = () => {
    setNodes([]);
    setProvider('');
    setHost('');
    router.replace(pathname, { scroll: false });
  };

  return (
    <div className="blast-radius">
      <Card title="What if…" testId="what-if">
        <form className="what-if-form" onSubmit={apply}>
          <fieldset>
            <legend>KMS nodes down</legend>
            {providers.flatMap((p) =>
              p.nodes.map((n) => (
                <label key={n.endpoint} className="check">
                  <input
                    type="checkbox"
                    checked={nodes.includes(n.endpoint)}
                    onChange={(e) => setNodes(e.target.checked ? [...nodes, n.endpoint] : nodes.filter((x) => x !== n.endpoint))}
                  />
                  {`${p.id} ${n.endpoint}${n.reachable ? '' : ' (down now)'}`}
                </label>
              )),
            )}
            {providers.every((p) => p.nodes.length === 0) && <p className="muted">No KMS nodes are monitored.</p>}
          </fieldset>
          <label>
            Key provider down{' '}
            <select value={provider} onChange={(e) => setProvider(e.target.value)}>
              <option value="">none</option>
              {providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.id}
                </option>
              ))}
            </select>
          </label>
          <label>
            Host to reboot <input type="text" value={host} onChange={(e) => setHost(e.target.value)} placeholder="host name" />
          </label>
          <div className="form-actions">
            <button type="submit" className="button">
              Show the blast radius
            </button>
            <button type="button" className="button secondary" onClick={clear}>
              Clear
            </button>
          </div>
        </form>
      </Card>
      <LoadState loading={query.isPending} error={query.error} loadingText="Computing the blast radius…">
        {query.data && (
          <>
            {query.data.scenario && <OutcomeCard scenario={query.data.scenario} busy={query.isFetching} />}
            <DependentsCard providers={query.data.providers} />
          </>
        )}
      </LoadState>
    </div>
  );
}
