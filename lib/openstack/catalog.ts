/**
 * Endpoint lookup in a Keystone v3 service catalog: by service type (with the official aliases of
 * os-service-types, so a cloud that registered Cinder only as `volumev3` is still found), region
 * and interface. Pure; a miss is an OpenStackError of kind `catalog` saying what the catalog has.
 */
import { OpenStackError, type OpenStackService } from './errors';
import type { CatalogEntry, EndpointInterface } from './schemas';

export type CatalogServiceType = 'identity' | 'key-manager' | 'block-storage';

/** Preferred type first. `volumev2` is left out on purpose: Keywatch needs the v3 API. */
export const SERVICE_TYPE_ALIASES: Record<CatalogServiceType, readonly string[]> = {
  identity: ['identity'],
  'key-manager': ['key-manager'],
  'block-storage': ['block-storage', 'volumev3', 'volume', 'block-store'],
};

const SERVICE_OF_TYPE: Record<CatalogServiceType, OpenStackService> = {
  identity: 'keystone',
  'key-manager': 'barbican',
  'block-storage': 'cinder',
};

export interface EndpointQuery {
  /** Region id or name; undefined = any region (the first match). */
  region?: string;
  interface: EndpointInterface;
}

export interface ResolvedEndpoint {
  /** Without a trailing slash. */
  url: string;
  serviceType: string;
  serviceName: string | null;
  region: string | null;
  interface: EndpointInterface;
}

function regionOf(e: { region?: string | null; region_id?: string | null }): string | null {
  return e.region_id ?? e.region ?? null;
}

export function findEndpoint(catalog: readonly CatalogEntry[], type: CatalogServiceType, query: EndpointQuery): ResolvedEndpoint {
  const aliases = SERVICE_TYPE_ALIASES[type];
  const fail = (cause: string) =>
    new OpenStackError({ kind: 'catalog', service: SERVICE_OF_TYPE[type], host: '', call: `catalog lookup of ${type}`, cause });
  const entries = aliases.flatMap((alias) => catalog.filter((e) => e.type === alias));
  if (entries.length === 0) {
    const present = [...new Set(catalog.map((e) => e.type))].sort();
    const also = aliases.length > 1 ? ` (looked for ${aliases.join(', ')})` : '';
    throw fail(`the service catalog has no ${type} service${also}; types present: ${present.length > 0 ? present.join(', ') : 'none'}`);
  }
  for (const entry of entries) {
    const match = entry.endpoints.find(
      (e) => e.interface === query.interface && (query.region === undefined || e.region_id === query.region || e.region === query.region),
    );
    if (match) {
      return {
        url: match.url.replace(/\/+$/, ''),
        serviceType: entry.type,
        serviceName: entry.name ?? null,
        region: regionOf(match),
        interface: match.interface,
      };
    }
  }
  const available = entries.flatMap((entry) => entry.endpoints.map((e) => `${e.interface}/${regionOf(e) ?? 'no region'}`));
  const wanted = `${query.interface} endpoint${query.region === undefined ? '' : ` in region ${query.region}`}`;
  throw fail(`${entries[0]!.type} has no ${wanted}; it has ${available.length > 0 ? [...new Set(available)].join(', ') : 'no endpoints'}`);
}
