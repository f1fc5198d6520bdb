/**
 * Talks to the lab vCenter's own routes (GET /lab/state, POST /lab/faults) with the lab
 * credentials over verified TLS, through the vSphere transport (same TLS, timeout and failure
 * classification as every vCenter call). Every answer is read with zod; every failure becomes a
 * LabControlError the route turns into an answer.
 */
import { z } from 'zod';
import { DomainError } from '../http/errors';
import { VsphereError } from '../vsphere/errors';
import { Transport, type HttpRequest, type HttpResponse } from '../vsphere/transport';
import type { LabVcenterFault } from './catalog';
import { labStateAnswerSchema, type LabStateAnswer } from './lab-state';

const LAB_CONTROL_STATUS = {
  /** Not in lab mode, or the lab target is missing: the routes do not exist. */
  'not-lab-mode': 404,
  /** The lab refused the fault as invalid or naming something it does not have. */
  'lab-refused': 400,
  /** The fault is valid but impossible now (the lab's 409). */
  'lab-conflict': 409,
  /** The lab does not answer, refuses the stored credentials, or answers something unreadable. */
  'lab-unavailable': 502,
} as const;

export class LabControlError extends DomainError<keyof typeof LAB_CONTROL_STATUS> {
  override name = 'LabControlError';
  constructor(code: keyof typeof LAB_CONTROL_STATUS, message: string) {
    super(code, LAB_CONTROL_STATUS[code], message);
  }
}

export interface LabConnection {
  url: string;
  username: string;
  password: string;
  /** The lab vCenter's CA; verification is always on. */
  caPem: string | null;
}

const faultAnswerSchema = z.object({ applied: z.string() });
const errorAnswerSchema = z.object({ error: z.string() });

export interface LabClientOptions {
  /** Per request; a fault that waits (a reboot with wait, a remount against a silent KMS) takes a while. */
  timeoutMs?: number;
}

export class LabClient {
  private readonly transport: Transport;
  private readonly authorization: string;
  readonly origin: string;

  constructor(connection: LabConnection, options: LabClientOptions = {}) {
    this.origin = new URL(connection.url).origin;
    this.transport = new Transport({
      baseUrl: connection.url,
      ...(connection.caPem ? { caPem: connection.caPem } : {}),
      timeoutMs: options.timeoutMs ?? 60_000,
      maxConcurrency: 4,
    });
    this.authorization = `Basic ${Buffer.from(`${connection.username}:${connection.password}`).toString('base64')}`;
  }

  /** The lab's ground truth, VMs included. */
  async state(): Promise<LabStateAnswer> {
    const req: HttpRequest = { method: 'GET', path: '/lab/state' };
    return this.parse(req, await this.send(req), labStateAnswerSchema);
  }

  /** Applies one fault; resolves with the lab's one-line account of what changed. */
  async applyFault(fault: LabVcenterFault): Promise<string> {
    const req: HttpRequest = { method: 'POST', path: '/lab/faults', json: fault };
    return this.parse(req, await this.send(req), faultAnswerSchema).applied;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async send(req: HttpRequest): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.transport.send({ ...req, headers: { authorization: this.authorization } });
    } catch (error) {
      throw this.unavailable(error);
    }
    if (res.status >= 200 && res.status < 300) return res;
    const message = this.errorMessage(req, res);
    if (res.status === 400 || res.status === 404) throw new LabControlError('lab-refused', `The lab refused the fault: ${message}`);
    if (res.status === 409) throw new LabControlError('lab-conflict', `The lab cannot do that now: ${message}`);
    if (res.status === 401) {
      throw new LabControlError('lab-unavailable', `The lab vCenter at ${this.origin} refused the stored lab credentials; restart Keywatch so it registers the running lab again.`);
    }
    throw new LabControlError('lab-unavailable', `The lab vCenter at ${this.origin} answered ${req.method} ${req.path} with HTTP ${res.status}: ${message}`);
  }

  private errorMessage(req: HttpRequest, res: HttpResponse): string {
    try {
      const parsed = errorAnswerSchema.safeParse(this.transport.decodeJson(req, res, false));
      if (parsed.success) return parsed.data.error;
    } catch {
      // Not JSON: fall through to the status alone.
    }
    return `HTTP ${res.status} without an error message`;
  }

  private parse<S extends z.ZodType>(req: HttpRequest, res: HttpResponse, schema: S): z.output<S> {
    try {
      return this.transport.parseJson(req, res, schema);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): LabControlError {
    const cause = error instanceof VsphereError ? error.causeText : error instanceof Error ? error.message : String(error);
    return new LabControlError('lab-unavailable', `The lab vCenter at ${this.origin} cannot be used: ${cause}.`);
  }
}
