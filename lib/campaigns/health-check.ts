/**
 * The live health check both providers must pass before a campaign starts and before every item:
 * vCenter's own view of each provider, each involved host's view of it, and (for KMIP
 * providers) Keywatch's own probe of the KMS nodes. Injected as a function so the executor can
 * be driven by any source; `vcenterProviderHealthCheck` builds the standard one. Fail closed: a
 * check that cannot be made is a failed check.
 */
import type { ProviderHealth } from '../vsphere/schemas';

export interface ProviderCheckRequest {
  providerIds: readonly string[];
  /** Hosts whose view of the providers must be healthy too (the VM's host); empty = vCenter-wide only. */
  hostMoids: readonly string[];
}

export interface ProviderCheckResult {
  providerId: string;
  healthy: boolean;
  /** One sentence per problem; empty when healthy. */
  problems: string[];
}

export type ProviderHealthCheck = (request: ProviderCheckRequest) => Promise<ProviderCheckResult[]>;

/** What the check needs from vCenter (CampaignVcenter implements it). */
export interface ProviderHealthSource {
  providerHealth(providerId: string, hostMoid?: string): Promise<{ health: ProviderHealth; details: string[] }>;
}

/** Keywatch's KMIP probe of one provider's nodes: healthy when enough nodes answer; null = not a KMIP provider. */
export type KmipProviderProbe = (providerId: string) => Promise<{ healthy: boolean; detail: string } | null>;

export interface VcenterHealthCheckOptions {
  kmipProbe?: KmipProviderProbe;
  /** Accept WARNING (some KMS nodes down) as healthy. Default false: both providers must be fully healthy. */
  allowWarning?: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const sentence = (text: string) => text.replace(/[.\s]+$/, '');

export function vcenterProviderHealthCheck(source: ProviderHealthSource, options: VcenterHealthCheckOptions = {}): ProviderHealthCheck {
  const acceptable = (h: ProviderHealth) => h === 'OK' || (options.allowWarning === true && h === 'WARNING');
  return async ({ providerIds, hostMoids }) =>
    Promise.all(
      providerIds.map(async (providerId): Promise<ProviderCheckResult> => {
        const views: { where: string; host?: string }[] = [{ where: 'vCenter' }, ...hostMoids.map((h) => ({ where: `host ${h}`, host: h }))];
        // Run concurrently, report in a fixed order: vCenter, each host, then Keywatch's probe.
        const found = await Promise.all([
          ...views.map(async ({ where, host }): Promise<string | null> => {
            try {
              const { health, details } = await source.providerHealth(providerId, host);
              return acceptable(health) ? null : `${where} reports ${providerId} as ${health}${details[0] ? `: ${sentence(details[0])}` : ''}.`;
            } catch (error) {
              return `${where} could not report the health of ${providerId}: ${sentence(message(error))}.`;
            }
          }),
          (async (): Promise<string | null> => {
            if (!options.kmipProbe) return null;
            try {
              const probe = await options.kmipProbe(providerId);
              return probe && !probe.healthy ? `Keywatch's KMIP probe of ${providerId}: ${sentence(probe.detail)}.` : null;
            } catch (error) {
              return `Keywatch's KMIP probe of ${providerId} failed: ${sentence(message(error))}.`;
            }
          })(),
        ]);
        const problems = found.filter((p): p is string => p !== null);
        return { providerId, healthy: problems.length === 0, problems };
      }),
    );
}

/** Runs `check`, turning a throw into failed results (fail closed). */
export async function runHealthCheck(check: ProviderHealthCheck, request: ProviderCheckRequest): Promise<ProviderCheckResult[]> {
  try {
    const results = await check(request);
    // A provider the check forgot to answer for is not known to be healthy.
    return request.providerIds.map(
      (id) => results.find((r) => r.providerId === id) ?? { providerId: id, healthy: false, problems: [`The health check did not report on ${id}.`] },
    );
  } catch (error) {
    return request.providerIds.map((providerId) => ({ providerId, healthy: false, problems: [`The health check failed: ${message(error)}`] }));
  }
}
