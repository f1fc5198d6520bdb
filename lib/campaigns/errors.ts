/**
 * A campaign request refused for a reason the caller can act on. It carries the HTTP status it
 * answers with and a stable code (the shape of lib/http's DomainError, which it will extend once
 * that lands); anything else thrown from lib/campaigns is a bug or an outage.
 */
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

export class CampaignError extends Error {
  override name = 'CampaignError';
  readonly fieldErrors: Record<string, string[]> | undefined;

  constructor(
    readonly code: CampaignErrorCode,
    readonly status: number,
    message: string,
    options: { field?: string } = {},
  ) {
    super(message);
    this.fieldErrors = options.field === undefined ? undefined : { [options.field]: [message] };
  }
}

export function isCampaignError(error: unknown, code?: CampaignErrorCode): error is CampaignError {
  return error instanceof CampaignError && (code === undefined || error.code === code);
}
