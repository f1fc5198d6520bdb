import http from 'node:http';
import { reasonOf } from '../logging/logger';
import { webLogger } from '../logging/web-logger';
import { rewriteForwardedHeaders, type TrustedProxies } from './forwarded';

export type RequestHandler = (request: http.IncomingMessage, response: http.ServerResponse) => unknown;

/**
 * Keywatch's HTTP server in front of the app's handler (Next's, in scripts/start/web.ts). It exists
 * for one reason: Next fills X-Forwarded-For only when the client did not send one, so a handler
 * cannot tell a forged header from the socket peer. Here the headers are rewritten from the socket
 * and KEYWATCH_TRUSTED_PROXIES before the app runs (lib/http/forwarded.ts).
 */
export function createWebServer(handle: RequestHandler, trust: TrustedProxies): http.Server {
  return http.createServer((request, response) => {
    rewriteForwardedHeaders(request.headers, request.socket.remoteAddress, trust);
    void Promise.resolve(handle(request, response)).catch((error: unknown) => {
      webLogger().error({ method: request.method, path: request.url?.split('?')[0], reason: reasonOf(error) }, 'request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('Internal error');
    });
  });
}
