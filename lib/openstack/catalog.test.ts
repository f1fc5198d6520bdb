import { describe, expect, it } from 'vitest';
import { findEndpoint } from './catalog';
import { OpenStackError } from './errors';
import { errorBodyMessage, statusKind } from './http';
import type { CatalogEntry } from './schemas';

const ep = (iface: 'public' | 'internal' | 'admin', region: string, url: string) => ({ id: `${iface}-${region}`, interface: iface, region, region_id: region, url });

const catalog: CatalogEntry[] = [
  { id: 'k', type: 'identity', name: 'keystone', endpoints: [ep('public', 'RegionOne', 'https://ks/identity')] },
  { id: 'b', type: 'key-manager', name: 'barbican', endpoints: [ep('public', 'RegionOne', 'https://bb:9311/'), ep('internal', 'RegionOne', 'https://bb-int:9311')] },
  { id: 'c3', type: 'volumev3', name: 'cinderv3', endpoints: [ep('public', 'RegionOne', 'https://cinder/volume/v3/p1'), ep('public', 'RegionTwo', 'https://cinder2/volume/v3/p1')] },
];

function miss(fn: () => unknown): OpenStackError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OpenStackError);
    return err as OpenStackError;
  }
  throw new Error('expected a catalog error');
}

describe('findEndpoint', () => {
  it('finds by type, interface and region and trims the trailing slash', () => {
    expect(findEndpoint(catalog, 'key-manager', { interface: 'public', region: 'RegionOne' })).toEqual({
      url: 'https://bb:9311',
      serviceType: 'key-manager',
      serviceName: 'barbican',
      region: 'RegionOne',
      interface: 'public',
    });
    expect(findEndpoint(catalog, 'key-manager', { interface: 'internal' }).url).toBe('https://bb-int:9311');
  });
  it('finds block-storage through its volumev3 alias, in the asked region', () => {
    const found = findEndpoint(catalog, 'block-storage', { interface: 'public', region: 'RegionTwo' });
    expect(found).toMatchObject({ url: 'https://cinder2/volume/v3/p1', serviceType: 'volumev3' });
  });
  it('prefers block-storage over its aliases', () => {
    const both: CatalogEntry[] = [...catalog, { id: 'bs', type: 'block-storage', endpoints: [ep('public', 'RegionOne', 'https://bs/v3/p1')] }];
    expect(findEndpoint(both, 'block-storage', { interface: 'public' }).serviceType).toBe('block-storage');
  });
  it('says which service types exist when one is missing', () => {
    const e = miss(() => findEndpoint(catalog.filter((c) => c.type !== 'key-manager'), 'key-manager', { interface: 'public' }));
    expect(e.kind).toBe('catalog');
    expect(e.service).toBe('barbican');
    expect(e.message).toBe('OpenStack barbican: catalog lookup of key-manager: the service catalog has no key-manager service; types present: identity, volumev3.');
  });
  it('says which interfaces and regions exist when none matches', () => {
    const e = miss(() => findEndpoint(catalog, 'key-manager', { interface: 'admin', region: 'RegionTwo' }));
    expect(e.message).toContain('key-manager has no admin endpoint in region RegionTwo; it has public/RegionOne, internal/RegionOne');
    const none = miss(() => findEndpoint([], 'block-storage', { interface: 'public' }));
    expect(none.message).toContain('looked for block-storage, volumev3, volume, block-store');
    expect(none.message).toContain('types present: none');
  });
});

describe('error bodies', () => {
  it("reads every service's error shape", () => {
    expect(errorBodyMessage('{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}')).toBe('The request you have made requires authentication.');
    expect(errorBodyMessage('{"code":404,"title":"Not Found","description":"Secret not found."}')).toBe('Secret not found.');
    expect(errorBodyMessage('{"itemNotFound":{"code":404,"message":"Volume v1 could not be found."}}')).toBe('Volume v1 could not be found.');
    expect(errorBodyMessage('{"message":"The server is currently unavailable.<br /><br />\\nThe Keystone service is temporarily unavailable.\\n\\n","code":"503 Service Unavailable","title":"Service Unavailable"}')).toContain('Keystone service is temporarily unavailable');
    expect(errorBodyMessage('DISABLED BY FILE')).toBe('DISABLED BY FILE');
    expect(errorBodyMessage('<html><body>bad gateway</body></html>')).toBeUndefined();
    expect(errorBodyMessage('{"unexpected":true}')).toBeUndefined();
  });
  it('maps statuses to kinds, telling the Keystone 503 apart', () => {
    expect(statusKind(401, undefined)).toBe('auth');
    expect(statusKind(403, undefined)).toBe('forbidden');
    expect(statusKind(404, undefined)).toBe('not-found');
    expect(statusKind(406, undefined)).toBe('microversion');
    expect(statusKind(503, 'The server is currently unavailable. The Keystone service is temporarily unavailable.')).toBe('keystone-unavailable');
    expect(statusKind(503, 'maintenance')).toBe('unavailable');
    expect(statusKind(500, undefined)).toBe('server');
    expect(statusKind(418, undefined)).toBe('http');
  });
  it('keeps messages on one line', () => {
    const e = new OpenStackError({ kind: 'http', service: 'cinder', host: 'h:1', call: 'GET /x', cause: 'line one<br />\nline two.\n' });
    expect(e.message).toBe('OpenStack cinder at h:1: GET /x: line one line two.');
  });
});
