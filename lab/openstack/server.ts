/**
 * The lab OpenStack cloud: Keystone, Barbican and Cinder as three HTTPS servers on loopback (one
 * lab CA), over a seeded estate, with the lab routes on the Keystone port: GET /lab/state (ground
 * truth), GET /lab/faults, POST /lab/faults (HTTP Basic with the lab's `admin` credentials).
 * "Barbican down" really closes Barbican's port; restarting cinder-volume really migrates keys over
 * HTTPS as the cinder service user.
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createCertificateAuthority, issueCertificate } from '@/lib/pki/certificates';
import { createLogger } from '@/lib/logging/logger';
import { BadRequest, parseJsonBody, readBody, type RouteAnswer } from '../vcenter/http';
import { describeIssues } from '../vcenter/fault-injection';
import { SessionStore } from '../vcenter/sessions';
import { handleBarbican } from './barbican-api';
import { cinderFault, handleCinder } from './cinder-api';
import type { LabCloudContext, LabCloudUrls } from './context';
import { generateOpenStackEstate, type OpenStackEstate, type OpenStackEstateOptions } from './estate';
import { applyOpenStackFault, LabFaultError, openStackFaultSchema, type FaultControls, type OpenStackFault } from './faults';
import { handleKeystone } from './keystone-api';
import { MigrationError, restartService, type MigrationResult } from './migration';
import { OpenStackLabModel } from './model';
import { buildOpenStackLabState, type OpenStackLabState } from './state';

export interface StartOpenStackLabOptions {
  estate?: OpenStackEstateOptions;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** 0 / unset picks free ports. */
  ports?: { keystone?: number; barbican?: number; cinder?: number };
  region?: string;
  /** Keystone token lifetime (default 3600 s, Keystone's default). */
  tokenLifetimeSeconds?: number;
  tls?: { certPem: string; keyPem: string; caPem: string };
  /** Structured log of the lab (cinder-volume's migration lines); default: lib/logging's JSON logger. */
  logger?: Logger;
}

/** What Keywatch needs to watch the lab cloud (an OpenStackCloudConfigInput). */
export interface LabCloudCredentials {
  name: string;
  authUrl: string;
  username: string;
  password: string;
  userDomainId: string;
  projectName: string;
  projectDomainId: string;
  region: string;
  interface: 'public';
  caPem: string;
}

export interface OpenStackLab {
  /** Keystone v3 URL (`https://127.0.0.1:PORT/v3`). */
  authUrl: string;
  urls: LabCloudUrls;
  region: string;
  caPem: string;
  /** The watcher user Keywatch uses: admin in the service project (Cinder all_tenants; migrated secrets readable). */
  watcher: LabCloudCredentials;
  /** The cloud admin (admin project): also the HTTP Basic credentials of /lab. */
  admin: LabCloudCredentials;
  /** The cinder service user (service project) that the migration runs as. */
  cinderService: LabCloudCredentials;
  estate: OpenStackEstate;
  model: OpenStackLabModel;
  state(includeRows?: boolean): OpenStackLabState;
  /** In-process POST /lab/faults. */
  fault(fault: unknown): Promise<{ applied: string; migration?: MigrationResult }>;
  stop(): Promise<void>;
}

type Service = 'keystone' | 'barbican' | 'cinder';

function errorAnswer(service: Service, status: number, message: string): RouteAnswer {
  const title = status === 400 ? 'Bad Request' : 'Internal Server Error';
  if (service === 'keystone') return { status, body: { error: { code: status, title, message } } };
  if (service === 'barbican') return { status, body: { code: status, title, description: message } };
  return cinderFault(status, message);
}

function reply(res: ServerResponse, answer: RouteAnswer): void {
  const headers = answer.headers ?? {};
  if (answer.status === 204 || (answer.body === undefined && answer.text === undefined)) {
    res.writeHead(answer.status, headers).end();
  } else if (answer.text !== undefined) {
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(answer.text);
  } else {
    res.writeHead(answer.status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(answer.body));
  }
}

function listen(server: https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startOpenStackLab(options: StartOpenStackLabOptions = {}): Promise<OpenStackLab> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'RegionOne';
  const logger = options.logger ?? createLogger('lab-openstack');
  const estate = generateOpenStackEstate(options.estate ?? {});
  const model = new OpenStackLabModel(estate, (options.tokenLifetimeSeconds ?? 3600) * 1000, logger);
  // The ConfKeyManager fixed_key the migration copies into Barbican (hex in cinder.conf).
  const fixedKey = randomBytes(estate.options.fixedKeyBits / 8);
  const tls =
    options.tls ??
    (() => {
      const ca = createCertificateAuthority({ commonName: 'Keywatch lab OpenStack CA' });
      const leaf = issueCertificate(ca, { commonName: host, kind: 'server', sans: [...new Set([host, '127.0.0.1', 'localhost'])] });
      return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem };
    })();
  const labAuth = new SessionStore(estate.adminUser.name, estate.adminUser.password, 60_000);
  const urls: LabCloudUrls = { keystone: '', barbican: '', cinder: '' };
  const ctx: LabCloudContext = { model, urls, region };

  const servers: Record<Service, https.Server> = {
    keystone: https.createServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }),
    barbican: https.createServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }),
    cinder: https.createServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }),
  };
  const ports: Record<Service, number> = { keystone: 0, barbican: 0, cinder: 0 };

  let barbicanChange: Promise<void> = Promise.resolve();
  const controls: FaultControls = {
    setBarbicanListening(listening) {
      barbicanChange = barbicanChange.then(async () => {
        if (listening && !servers.barbican.listening) await listen(servers.barbican, ports.barbican, host);
        if (!listening) await close(servers.barbican);
      });
      return barbicanChange;
    },
    restartService: (binary, serviceHost) => restartService(ctx, tls.caPem, fixedKey, binary, serviceHost),
  };
  const fault = async (body: unknown) => {
    const parsed = openStackFaultSchema.safeParse(body);
    if (!parsed.success) throw new LabFaultError(400, `Invalid fault: ${describeIssues(parsed.error)}.`);
    return applyOpenStackFault(ctx, controls, parsed.data as OpenStackFault);
  };

  const labRoutes = async (req: IncomingMessage, url: URL, bodyText: string): Promise<RouteAnswer> => {
    if (!labAuth.checkBasicAuth(req.headers.authorization)) {
      return { status: 401, body: { error: 'Lab routes need the lab admin credentials (HTTP Basic).' }, headers: { 'www-authenticate': 'Basic realm="keywatch-lab-openstack"' } };
    }
    const path = url.pathname.replace(/\/+$/, '');
    try {
      if (path === '/lab/state' && req.method === 'GET') return { status: 200, body: buildOpenStackLabState(ctx, url.searchParams.get('rows') === 'true') };
      if (path === '/lab/faults' && req.method === 'GET') return { status: 200, body: { faults: model.faults } };
      if (path === '/lab/faults' && req.method === 'POST') return { status: 200, body: { ...(await fault(parseJsonBody(bodyText))), faults: model.faults } };
    } catch (error) {
      if (error instanceof LabFaultError) return { status: error.status, body: { error: error.message } };
      if (error instanceof MigrationError || error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
    return { status: 404, body: { error: `${req.method} ${path} is not a lab route (GET /lab/state, GET|POST /lab/faults).` } };
  };

  const handler = (service: Service) => (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', `https://${host}`);
        const bodyText = await readBody(req);
        const method = req.method ?? 'GET';
        let answer: RouteAnswer;
        if (service === 'keystone' && url.pathname.startsWith('/lab/')) answer = await labRoutes(req, url, bodyText);
        else if (service === 'keystone') answer = handleKeystone(ctx, method, url, req.headers, bodyText);
        else if (service === 'barbican') answer = handleBarbican(ctx, method, url, req.headers, bodyText);
        else answer = handleCinder(ctx, method, url, req.headers);
        reply(res, answer);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (res.headersSent) res.destroy();
        else reply(res, errorAnswer(service, error instanceof BadRequest ? 400 : 500, error instanceof BadRequest ? message : `Lab ${service} internal error: ${message}`));
      }
    })();
  };
  for (const service of ['keystone', 'barbican', 'cinder'] as const) {
    servers[service].on('request', handler(service));
    ports[service] = await listen(servers[service], options.ports?.[service] ?? 0, host);
  }
  const origin = (port: number) => `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  urls.keystone = origin(ports.keystone);
  urls.barbican = `${origin(ports.barbican)}/key-manager`;
  urls.cinder = `${origin(ports.cinder)}/volume`;

  const credentials = (user: { name: string; password: string }, projectName: string): LabCloudCredentials => ({
    name: `lab-openstack-${user.name}`,
    authUrl: `${urls.keystone}/v3`,
    username: user.name,
    password: user.password,
    userDomainId: 'default',
    projectName,
    projectDomainId: 'default',
    region,
    interface: 'public',
    caPem: tls.caPem,
  });

  let stopped: Promise<void> | null = null;
  return {
    authUrl: `${urls.keystone}/v3`,
    urls,
    region,
    caPem: tls.caPem,
    watcher: { ...credentials(estate.keywatchUser, estate.serviceProject.name), name: 'lab-openstack' },
    admin: credentials(estate.adminUser, estate.adminProject.name),
    cinderService: credentials(estate.cinderUser, estate.serviceProject.name),
    estate,
    model,
    state: (includeRows = false) => buildOpenStackLabState(ctx, includeRows),
    fault,
    stop() {
      stopped ??= barbicanChange.then(() => Promise.all(Object.values(servers).map(close))).then(() => undefined);
      return stopped;
    },
  };
}
