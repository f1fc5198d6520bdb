/**
 * CSV export of a campaign's items (RFC 4180: CRLF, quoted when needed). Cells that a
 * spreadsheet would run as a formula (=, +, -, @ first) are prefixed with an apostrophe: VM
 * names and error texts come from vCenter, not from us.
 */
import { workaroundFor } from './failure-classes';
import type { FailureClass } from './model';

export interface CsvItem {
  id: string;
  kind: string;
  entityName: string;
  entityMoid: string;
  diskKey: number | null;
  diskLabel: string | null;
  hostMoid: string | null;
  clusterMoid: string | null;
  state: string;
  currentProviderId: string | null;
  failureClass: string | null;
  errorText: string | null;
  attempts: number;
  startedAt: Date | null;
  rekeyedAt: Date | null;
  verifiedAt: Date | null;
  failedAt: Date | null;
}

export const CSV_COLUMNS = [
  'item',
  'kind',
  'name',
  'moid',
  'disk_key',
  'disk',
  'host',
  'cluster',
  'state',
  'current_provider',
  'failure_class',
  'error',
  'workaround',
  'attempts',
  'started_at',
  'rekeyed_at',
  'verified_at',
  'failed_at',
] as const;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function csvRow(item: CsvItem): string {
  const workaround = item.state === 'failed' && item.failureClass ? workaroundFor(item.failureClass as FailureClass)?.summary : null;
  return [
    item.id,
    item.kind,
    item.entityName,
    item.entityMoid,
    item.diskKey,
    item.diskLabel,
    item.hostMoid,
    item.clusterMoid,
    item.state,
    item.currentProviderId,
    item.failureClass,
    item.errorText,
    workaround ?? null,
    item.attempts,
    iso(item.startedAt),
    iso(item.rekeyedAt),
    iso(item.verifiedAt),
    iso(item.failedAt),
  ]
    .map(csvCell)
    .join(',');
}

export const CSV_HEADER = CSV_COLUMNS.join(',');

/** The whole file for items already in hand (the store streams pages through csvRow instead). */
export function itemsToCsv(items: readonly CsvItem[]): string {
  return [CSV_HEADER, ...items.map(csvRow)].join('\r\n') + '\r\n';
}
