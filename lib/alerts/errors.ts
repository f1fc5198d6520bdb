/**
 * What lib/alerts refuses (an alert or webhook that does not exist, an ack on a resolved alert, a
 * bad cursor); the route wrapper maps `code` to HTTP 404 / 409 / 400 and `field` to a field error.
 */
export class AlertError extends Error {
  override name = 'AlertError';
  constructor(
    readonly code: 'not-found' | 'conflict' | 'invalid',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
