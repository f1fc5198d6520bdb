/**
 * One vCenter session token (Automation API token or VI/JSON session id) and the rule both APIs
 * share: log in on first use, and when the server says the session is gone, log in again once —
 * concurrent refusals wait for the same new login instead of each opening a session.
 */

/** The header both APIs carry their session id in. */
export const SESSION_HEADER = 'vmware-api-session-id';

export interface Credentials {
  username: string;
  password: string;
}

export class SessionToken {
  private token: string | null = null;
  private renewal: Promise<string> | null = null;

  constructor(private readonly login: () => Promise<string>) {}

  get isOpen(): boolean {
    return this.token !== null;
  }

  /** Logs in now and keeps the token. */
  async open(): Promise<void> {
    this.token = await this.login();
  }

  /** Forgets the token and hands it over (to log it out); null when there was none. */
  take(): string | null {
    const token = this.token;
    this.token = null;
    return token;
  }

  private renew(): Promise<string> {
    if (!this.renewal) {
      this.renewal = this.login()
        .then((token) => {
          this.token = token;
          return token;
        })
        .finally(() => {
          this.renewal = null;
        });
    }
    return this.renewal;
  }

  /**
   * Runs `attempt` with the token; when `refused` says the session is gone, runs it once more with
   * a fresh token and throws `refusedAgain` if that is refused too.
   */
  async send<R>(attempt: (token: string) => Promise<R>, refused: (result: R) => boolean, refusedAgain: (result: R) => Error): Promise<R> {
    const token = this.token ?? (await this.renew());
    const first = await attempt(token);
    if (!refused(first)) return first;
    // Another call may already have renewed the session while this one was in flight.
    const fresh = this.token && this.token !== token ? this.token : await this.renew();
    const second = await attempt(fresh);
    if (refused(second)) throw refusedAgain(second);
    return second;
  }
}
