/**
 * Turns a non-2xx response into a VsphereError, reading the Automation API error body
 * ({ error_type, messages }) or a vim25 fault ({ _typeName, faultMessage }) when there is one.
 */
import { VsphereError } from './errors';
import { ApiErrorSchema, MethodFaultSchema, type MethodFault } from './schemas';
import type { HttpRequest, HttpResponse, Transport } from './transport';

export function faultText(fault: MethodFault): string {
  const message = fault.faultMessage?.find((m) => m.message)?.message ?? fault.msg ?? fault.reason;
  return message ? `${fault._typeName}: ${message}` : fault._typeName;
}

/** The vim25 fault in a response body, if it is one. */
export function readFault(res: HttpResponse): MethodFault | undefined {
  try {
    const parsed = MethodFaultSchema.safeParse(JSON.parse(res.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function httpError(t: Transport, req: Pick<HttpRequest, 'method' | 'path'>, res: HttpResponse): VsphereError {
  const base = { vcenter: t.vcenter, call: t.callName(req), status: res.status };
  const trimmed = res.text.trimStart();
  const statusText = res.status === 503 ? 'service unavailable (HTTP 503)' : `HTTP ${res.status}`;
  if (trimmed.startsWith('<') || /text\/html/i.test(res.contentType)) {
    return new VsphereError({ ...base, kind: 'http', cause: `${statusText} with an HTML body instead of JSON` });
  }
  let body: unknown;
  try {
    body = trimmed === '' ? undefined : JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  const apiError = ApiErrorSchema.safeParse(body);
  if (apiError.success) {
    const msg = apiError.data.messages?.[0]?.default_message;
    return new VsphereError({ ...base, kind: 'http', cause: `${statusText} ${apiError.data.error_type}${msg ? `: ${msg}` : ''}` });
  }
  const fault = MethodFaultSchema.safeParse(body);
  if (fault.success) {
    return new VsphereError({ ...base, kind: 'fault', cause: `${statusText} fault ${faultText(fault.data)}`, faultType: fault.data._typeName });
  }
  return new VsphereError({ ...base, kind: 'http', cause: statusText });
}
