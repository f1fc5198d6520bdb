/**
 * Every encrypted column, with the purpose string bound into its envelopes. Rotation walks this
 * list; a new secret column must be added here or rotation would leave it on the old key.
 */
export const SECRET_COLUMNS = [
  { table: 'VcenterTarget', column: 'passwordEnc', purpose: 'VcenterTarget.password' },
  { table: 'KmsProvider', column: 'clientKeyEnc', purpose: 'KmsProvider.clientKey' },
  { table: 'Webhook', column: 'secretEnc', purpose: 'Webhook.secret' },
] as const;

export type SecretPurpose = (typeof SECRET_COLUMNS)[number]['purpose'];
