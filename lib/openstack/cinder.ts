/**
 * Cinder v3 client: volumes, snapshots and backups with details (across projects with
 * `all_tenants`), each volume's encryption metadata, volume-type encryption and `os-services`.
 * Every call sends `OpenStack-API-Version: volume <microversion>` (3.64 or later, the first that
 * shows `encryption_key_id`) and refuses an answer that does not confirm it.
 */
import type { z } from 'zod';
import { compareMicroversions } from './config';
import { OpenStackError } from './errors';
import type { HttpResponse, OpenStackHttp, OpenStackRequest } from './http';
import type { KeystoneSession } from './keystone';
import {
  BackupListSchema,
  CinderServiceListSchema,
  CinderVersionsSchema,
  SnapshotListSchema,
  TypeEncryptionSchema,
  VolumeEncryptionSchema,
  VolumeListSchema,
  type Backup,
  type CinderService,
  type Snapshot,
  type Volume,
  type VolumeEncryption,
} from './schemas';

/** Cinder's default `osapi_max_limit`. */
export const CINDER_DEFAULT_PAGE = 1000;

export interface CinderListOptions {
  /** Every project's rows (admin only). */
  allTenants?: boolean;
  pageSize?: number;
}

export interface CinderList<T> {
  items: T[];
  /** `count` from the first page (`with_count=true`), null when the server did not send it. */
  count: number | null;
  pages: number;
}

export interface TypeEncryption {
  volumeTypeId: string;
  provider: string;
  cipher: string | null;
  keySize: number | null;
  controlLocation: string | null;
}

export interface CinderVersionInfo {
  id: string;
  status: string;
  /** Highest microversion (`version`), null for unversioned entries. */
  maxVersion: string | null;
  minVersion: string | null;
}

type Collection = 'volumes' | 'snapshots' | 'backups';

const LIST_SCHEMAS = { volumes: VolumeListSchema, snapshots: SnapshotListSchema, backups: BackupListSchema } as const;

export class CinderClient {
  constructor(
    private readonly session: KeystoneSession,
    private readonly http: OpenStackHttp,
    readonly microversion: string,
  ) {}

  /** The catalog's block-storage URL (`…/v3/{project_id}` or, from 3.67, `…/v3`). */
  async baseUrl(): Promise<string> {
    return (await this.session.endpoint('block-storage')).url;
  }

  private confirmMicroversion(req: OpenStackRequest, res: HttpResponse): void {
    const header = res.headers['openstack-api-version'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const answered = value?.match(/volume\s+(\d+\.\d+)/i)?.[1];
    if (answered && compareMicroversions(answered, this.microversion) === 0) return;
    throw new OpenStackError({
      kind: 'microversion',
      service: 'cinder',
      host: new URL(req.url).host,
      call: this.http.callName(req),
      cause: `Cinder did not confirm microversion ${this.microversion} (OpenStack-API-Version: ${value ?? 'absent'}); without it encryption_key_id is not shown`,
      status: res.status,
    });
  }

  private async getJson<S extends z.ZodType>(pathAndQuery: string, schema: S): Promise<z.output<S>> {
    const req: OpenStackRequest = {
      service: 'cinder',
      method: 'GET',
      url: `${await this.baseUrl()}${pathAndQuery}`,
      headers: { 'openstack-api-version': `volume ${this.microversion}` },
    };
    const res = await this.session.send(req);
    if (res.status !== 200) throw this.http.statusError(req, res);
    this.confirmMicroversion(req, res);
    return this.http.parse(req, res, schema);
  }

  /** `GET /` of the API root (no token): the versions document with min / max microversions. */
  async versions(): Promise<CinderVersionInfo[]> {
    const base = new URL(await this.baseUrl());
    const prefix = base.pathname.replace(/\/v3(\/.*)?$/, '');
    const req: OpenStackRequest = { service: 'cinder', method: 'GET', url: `${base.origin}${prefix}/` };
    const res = await this.http.send(req);
    const body = this.http.parse(req, res, CinderVersionsSchema, [200, 300]);
    return body.versions.map((v) => ({ id: v.id, status: v.status, maxVersion: v.version || null, minVersion: v.min_version || null }));
  }

  private async listAll<Item extends { id: string }>(collection: Collection, opts: CinderListOptions): Promise<CinderList<Item>> {
    const pageSize = opts.pageSize ?? CINDER_DEFAULT_PAGE;
    const items: Item[] = [];
    let count: number | null = null;
    let pages = 0;
    let marker: string | undefined;
    const seenMarkers = new Set<string>();
    for (;;) {
      const params = new URLSearchParams();
      if (opts.allTenants) params.set('all_tenants', '1');
      params.set('limit', String(pageSize));
      params.set('with_count', 'true');
      if (marker) params.set('marker', marker);
      const body = (await this.getJson(`/${collection}/detail?${params}`, LIST_SCHEMAS[collection])) as Record<string, unknown>;
      pages += 1;
      const page = body[collection] as Item[];
      if (count === null && typeof body.count === 'number') count = body.count;
      items.push(...page);
      const links = body[`${collection}_links`] as { rel: string }[] | undefined;
      const hasNext = links?.some((l) => l.rel === 'next') ?? false;
      if (!hasNext || page.length === 0) break;
      marker = page[page.length - 1]!.id;
      // A server that keeps answering the same page would otherwise loop forever.
      if (seenMarkers.has(marker)) break;
      seenMarkers.add(marker);
    }
    return { items, count, pages };
  }

  listVolumes(opts: CinderListOptions = {}): Promise<CinderList<Volume>> {
    return this.listAll<Volume>('volumes', opts);
  }

  listSnapshots(opts: CinderListOptions = {}): Promise<CinderList<Snapshot>> {
    return this.listAll<Snapshot>('snapshots', opts);
  }

  listBackups(opts: CinderListOptions = {}): Promise<CinderList<Backup>> {
    return this.listAll<Backup>('backups', opts);
  }

  /** `GET …/volumes/{id}/encryption`: shows the all-zero ID that the details hide. */
  volumeEncryption(volumeId: string): Promise<VolumeEncryption> {
    return this.getJson(`/volumes/${encodeURIComponent(volumeId)}/encryption`, VolumeEncryptionSchema);
  }

  /** `GET …/types/{id}/encryption`; null for an unencrypted type. */
  async typeEncryption(typeId: string): Promise<TypeEncryption | null> {
    const body = await this.getJson(`/types/${encodeURIComponent(typeId)}/encryption`, TypeEncryptionSchema);
    if (!('provider' in body)) return null;
    return {
      volumeTypeId: body.volume_type_id,
      provider: body.provider,
      cipher: body.cipher ?? null,
      keySize: body.key_size ?? null,
      controlLocation: body.control_location ?? null,
    };
  }

  /** `GET …/os-services`, optionally for one binary (`cinder-volume`, `cinder-backup`). */
  async services(binary?: string): Promise<CinderService[]> {
    const query = binary ? `?binary=${encodeURIComponent(binary)}` : '';
    return (await this.getJson(`/os-services${query}`, CinderServiceListSchema)).services;
  }
}
