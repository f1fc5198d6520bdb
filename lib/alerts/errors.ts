import { DomainError } from '../http/errors';

const ALERT_ERROR_STATUS = { 'not-found': 404, conflict: 409, invalid: 400 } as const;

/**
 * What lib/alerts refuses (an alert or webhook that does not exist, an ack on a resolved alert, a
 * bad cursor, a signed webhook moved without its secret); `field` becomes a field error.
 */
export class AlertError extends DomainError<keyof typeof ALERT_ERROR_STATUS> {
  override name = 'AlertError';
  constructor(code: keyof typeof ALERT_ERROR_STATUS, message: string, field?: string) {
    super(code, ALERT_ERROR_STATUS[code], message, field === undefined ? {} : { field });
  }
}
