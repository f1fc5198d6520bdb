/** SessionManager: Login (sets the vmware-api-session-id response header), Logout, currentSession. */
import { LoginRequestSchema, type UserSession } from '@/lib/vsphere/schemas';
import type { LabSession } from '../sessions';
import { VimFault } from '../vim-fault';
import { AnswerWithHeaders, defineManagedObject, parseBody, sessionOf } from './managed-object';

export const SESSION_MANAGER = 'SessionManager';

function userSession(session: LabSession): UserSession {
  return {
    _typeName: 'UserSession',
    key: session.key,
    userName: session.userName,
    fullName: 'Administrator vsphere.local',
    loginTime: session.loginTime.toISOString(),
    lastActiveTime: session.lastActiveTime.toISOString(),
    locale: 'en',
    messageLocale: 'en',
  };
}

export const sessionManager = defineManagedObject({
  type: 'SessionManager',
  exists: (_ctx, id) => id === SESSION_MANAGER,
  properties: { currentSession: (_ctx, _id, session) => (session ? userSession(session) : undefined) },
  methods: {
    Login: (call) => {
      const body = parseBody(call, LoginRequestSchema);
      if (!call.ctx.sessions.checkCredentials(body.userName, body.password)) {
        throw new VimFault('InvalidLogin', 'Cannot complete login due to an incorrect user name or password.');
      }
      const session = call.ctx.sessions.create();
      return new AnswerWithHeaders(userSession(session), { 'vmware-api-session-id': session.token });
    },
    Logout: (call) => {
      call.ctx.sessions.delete(sessionOf(call).token);
      return undefined;
    },
  },
  anonymous: ['Login'],
});
