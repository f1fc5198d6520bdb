/**
 * A campaign request refused for a reason the caller can act on. It carries the HTTP status it
 * answers with and a stable code; anything else thrown from lib/campaigns is a bug or an outage.
 */
import { DomainError } from '../http/errors';

export type CampaignErrorCode =
  | 'invalid'
  | 'same-provider'
  | 'unknown-provider'
  | 'unknown-vcenter'
  | 'unknown-cluster'
  | 'unknown-vm'
  | 'vm-not-encrypted'
  | 'vm-not-on-source'
  | 'nothing-to-rekey'
  | 'not-found'
  | 'provider-unhealthy'
  | 'invalid-state'
  | 'confirmation-required'
  | 'lease-held'
  | 'not-available';

export class CampaignError extends DomainError<CampaignErrorCode> {
  override name = 'CampaignError';
}

export function isCampaignError(error: unknown, code?: CampaignErrorCode): error is CampaignError {
  return error instanceof CampaignError && (code === undefined || error.code === code);
}
