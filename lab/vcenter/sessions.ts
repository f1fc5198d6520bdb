/**
 * Sessions of the lab vCenter. One store serves both APIs: a token from POST /api/session or
 * from SessionManager.Login is accepted on /api, /sdk and /lab (vCenter 8 shares them too).
 * Sessions expire after an idle timeout, or all at once through the `expire-sessions` fault.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export interface LabSession {
  token: string;
  /** UserSession.key (not the secret token). */
  key: string;
  userName: string;
  loginTime: Date;
  lastActiveTime: Date;
}

export class SessionStore {
  private readonly sessions = new Map<string, LabSession>();

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly idleTimeoutMs: number,
    private readonly onForget: (session: LabSession) => void = () => undefined,
  ) {}

  checkCredentials(username: string, password: string): boolean {
    const a = Buffer.from(`${username}\u0000${password}`);
    const b = Buffer.from(`${this.username}\u0000${this.password}`);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** `Authorization: Basic …` header → credentials match. */
  checkBasicAuth(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return this.checkCredentials(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  create(): LabSession {
    const now = new Date();
    const session: LabSession = {
      token: randomBytes(20).toString('hex'),
      key: randomUUID(),
      userName: this.username.includes('@') ? `${this.username.split('@')[1]!.toUpperCase()}\\${this.username.split('@')[0]}` : this.username,
      loginTime: now,
      lastActiveTime: now,
    };
    this.sessions.set(session.token, session);
    return session;
  }

  /** The live session for a token (and marks it active), or null. */
  touch(token: string | undefined): LabSession | null {
    if (!token) return null;
    const session = this.sessions.get(token);
    if (!session) return null;
    const now = Date.now();
    if (now - session.lastActiveTime.getTime() > this.idleTimeoutMs) {
      this.delete(token);
      return null;
    }
    session.lastActiveTime = new Date(now);
    return session;
  }

  delete(token: string): boolean {
    const session = this.sessions.get(token);
    if (!session) return false;
    this.sessions.delete(token);
    this.onForget(session);
    return true;
  }

  expireAll(): void {
    for (const token of [...this.sessions.keys()]) this.delete(token);
  }

  get size(): number {
    return this.sessions.size;
  }
}
