import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './deliver';
import { jsonPayload, slackPayload } from './payload';
import { signPayload, verifySignature } from './signature';

const AT = new Date('2026-03-01T10:00:00.000Z');
const alert = {
  id: 'a1',
  kind: 'DISK_GROUP_UNMOUNTED',
  severity: 'critical',
  state: 'open',
  entityType: 'diskGroup',
  entityId: 'vc:host-1:dg',
  entityName: 'disk group dg on <esx-1> & co',
  title: 'vSAN disk group unmounted on esx-1',
  cause: 'cause',
  runbook: '1. do this',
  firstSeenAt: AT,
  lastSeenAt: AT,
  resolvedAt: null,
  ackedAt: null,
  ackedBy: null,
  ackNote: null,
};

describe('webhook signature and payloads', () => {
  it('signs "<t>.<body>" with HMAC-SHA256; a changed body, another secret or an old timestamp fails', () => {
    const body = jsonPayload('open', alert, AT);
    const header = signPayload('s3cret-s3cret-s3cret', body, AT);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret-s3cret-s3cret', body, header, AT)).toBe(true);
    expect(verifySignature('s3cret-s3cret-s3cret', `${body} `, header, AT)).toBe(false);
    expect(verifySignature('other-secret-other', body, header, AT)).toBe(false);
    expect(verifySignature('s3cret-s3cret-s3cret', body, header, new Date(AT.getTime() + 600_000))).toBe(false);
    expect(verifySignature('s3cret-s3cret-s3cret', body, 'garbage', AT)).toBe(false);
  });

  it('the JSON payload carries the event, the alert, its runbook and a link', () => {
    const body = JSON.parse(jsonPayload('ack', { ...alert, ackedAt: AT, ackedBy: 'ann', ackNote: 'on it' }, AT)) as Record<string, never>;
    expect(body).toMatchObject({ source: 'keywatch', event: 'ack', alert: { kind: 'DISK_GROUP_UNMOUNTED', runbook: '1. do this', acknowledged: { by: 'ann', note: 'on it' }, link: '/api/v1/alerts/a1' } });
  });

  it('the Slack payload escapes mrkdwn and shows the runbook on open only', () => {
    const open = JSON.parse(slackPayload('open', alert, AT)) as { text: string; blocks: { text?: { text: string } }[] };
    expect(open.text).toBe(':red_circle: [CRITICAL] DISK_GROUP_UNMOUNTED opened: vSAN disk group unmounted on esx-1');
    expect(open.blocks[1]!.text!.text).toContain('&lt;esx-1&gt; &amp; co');
    expect(open.blocks[1]!.text!.text).toContain('*Runbook:*');
    const resolved = JSON.parse(slackPayload('resolve', { ...alert, state: 'resolved' }, AT)) as { text: string; blocks: { text?: { text: string } }[] };
    expect(resolved.text).toMatch(/^:white_check_mark: .* resolved/);
    expect(resolved.blocks[1]!.text!.text).not.toContain('Runbook');
  });

  it('retries back off exponentially with jitter, capped at an hour', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(3, () => 0)).toBe(96_000);
    expect(retryDelayMs(30, () => 1)).toBe(3600_000 * 1.2);
  });
});
