/**
 * Test support: the minimal well-behaved vCenter routes (sessions, hello, ServiceInstance content,
 * login, container views) on a ReplayServer, so each bad-input test only overrides the one route
 * it breaks.
 */
import { fixture, sendJson, type ReplayServer } from './replay-server';

export const TEST_USER = 'administrator@vsphere.local';
export const TEST_PASSWORD = 'Pa55-word-that-must-never-leak';
export const TEST_RELEASE = '8.0.3.0';

export interface SessionState {
  /** Automation tokens handed out, newest last. */
  apiTokens: string[];
  /** VI/JSON session ids handed out, newest last. */
  vimSessions: string[];
  /** Tokens the server no longer accepts. */
  revoked: Set<string>;
}

export function vimBase(): string {
  return `/sdk/vim25/${TEST_RELEASE}`;
}

export function installHappyRoutes(srv: ReplayServer): SessionState {
  const state: SessionState = { apiTokens: [], vimSessions: [], revoked: new Set() };
  const expectedAuth = `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`;
  srv.routes.set('POST /api/session', (req, res) => {
    if (req.headers.authorization !== expectedAuth) {
      sendJson(res, 401, fixture('automation-error-unauthenticated.json'));
      return;
    }
    const token = `api-token-${state.apiTokens.length + 1}-secret`;
    state.apiTokens.push(token);
    sendJson(res, 201, token);
  });
  srv.routes.set('DELETE /api/session', (_req, res) => {
    res.writeHead(204).end();
  });
  srv.routes.set('POST /api/vcenter/system', (_req, res) => sendJson(res, 200, { api_release: TEST_RELEASE }));
  srv.routes.set(`GET ${vimBase()}/ServiceInstance/ServiceInstance/content`, (_req, res) => sendJson(res, 200, fixture('vim-service-content.json')));
  srv.routes.set(`POST ${vimBase()}/SessionManager/SessionManager/Login`, (req, res) => {
    const body = JSON.parse(req.body) as { userName?: string; password?: string };
    if (body.userName !== TEST_USER || body.password !== TEST_PASSWORD) {
      sendJson(res, 500, fixture('vim-fault-invalid-login.json'));
      return;
    }
    const id = `vim-session-${state.vimSessions.length + 1}-secret`;
    state.vimSessions.push(id);
    sendJson(res, 200, fixture('vim-user-session.json'), { 'vmware-api-session-id': id });
  });
  srv.routes.set(`POST ${vimBase()}/SessionManager/SessionManager/Logout`, (_req, res) => {
    res.writeHead(204).end();
  });
  srv.routes.set(`POST ${vimBase()}/ViewManager/ViewManager/CreateContainerView`, (_req, res) => sendJson(res, 200, fixture('vim-container-view.json')));
  srv.routes.set(`POST ${vimBase()}/ContainerView/*`, (_req, res) => {
    res.writeHead(204).end();
  });
  return state;
}

/** True when the request carries a currently valid session of either kind. */
export function authorized(state: SessionState, headers: Record<string, string | string[] | undefined>): boolean {
  const token = headers['vmware-api-session-id'];
  if (typeof token !== 'string' || state.revoked.has(token)) return false;
  return state.apiTokens.includes(token) || state.vimSessions.includes(token);
}
