/**
 * vim25 faults of the lab vCenter, in one place: the error the host model, the managed objects and
 * the routes throw (`kind` is the fault's `_typeName`), the constructors for the faults raised
 * from several places, and the wire bodies (a MethodFault for a failed call, a
 * LocalizedMethodFault for a failed task).
 */
import { moRef, type LocalizedMethodFault, type MoRef } from '@/lib/vsphere/schemas';

export type VimFaultKind =
  | 'InvalidState'
  | 'InvalidVmState'
  | 'InvalidPowerState'
  | 'NotFound'
  | 'NotSupported'
  | 'InvalidArgument'
  | 'GenericVmConfigFault'
  | 'HostNotConnected'
  | 'SystemError'
  | 'InvalidProperty'
  | 'ManagedObjectNotFound'
  | 'InvalidRequest'
  | 'NotAuthenticated'
  | 'InvalidLogin'
  | 'MethodNotFound'
  | 'AlreadyExists';

/** A failure the API layer turns into a vim25 fault (`kind` is the fault `_typeName`, `detail` its own fields). */
export class VimFault extends Error {
  constructor(
    readonly kind: VimFaultKind,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'VimFault';
  }

  /** The object a request names does not exist (any more). */
  static objectNotFound(obj: MoRef): VimFault {
    return new VimFault('ManagedObjectNotFound', `The object '${obj.type}:${obj.value}' has already been deleted or has not been completely created.`, { obj });
  }

  static invalidProperty(type: string, path: string): VimFault {
    return new VimFault('InvalidProperty', `Property ${path} is not served for ${type} by the lab vCenter.`, { name: path });
  }

  static methodNotFound(type: string, id: string, method: string): VimFault {
    return new VimFault('MethodNotFound', `Method ${method} is not served for ${type} by the lab vCenter.`, { receiver: moRef(type, id), method });
  }
}

/** Fault fields each kind carries on the wire besides faultMessage. */
function fieldsOf(error: VimFault): Record<string, unknown> {
  const d = error.detail;
  switch (error.kind) {
    case 'GenericVmConfigFault':
    case 'SystemError':
      return { reason: error.message };
    case 'InvalidArgument':
      return { invalidProperty: d.invalidProperty ?? '' };
    case 'InvalidProperty':
      return { name: d.name ?? '' };
    case 'ManagedObjectNotFound':
    case 'NotAuthenticated':
      return { ...(d.obj ? { obj: d.obj } : {}), ...(d.object ? { object: d.object } : {}) };
    case 'MethodNotFound':
      return { receiver: d.receiver, method: d.method };
    case 'InvalidVmState':
      return d.vm ? { vm: d.vm } : {};
    case 'InvalidPowerState':
      return { ...(d.requestedState ? { requestedState: d.requestedState } : {}), existingState: d.existingState ?? 'poweredOff' };
    case 'AlreadyExists':
      return { name: d.name ?? '' };
    default:
      return {};
  }
}

export interface MethodFaultBody {
  _typeName: string;
  faultMessage: { _typeName: 'LocalizableMessage'; key: string; message: string }[];
  [field: string]: unknown;
}

/** The vim25 fault body for a failure: `_typeName`, faultMessage and the fault's own fields; anything else is a SystemError. */
export function faultBody(error: unknown): MethodFaultBody {
  if (error instanceof VimFault) {
    const key = typeof error.detail.id === 'string' ? error.detail.id : `vim.fault.${error.kind}`;
    return { _typeName: error.kind, faultMessage: [{ _typeName: 'LocalizableMessage', key, message: error.message }], ...fieldsOf(error) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { _typeName: 'SystemError', reason: message, faultMessage: [{ _typeName: 'LocalizableMessage', key: 'vim.fault.SystemError', message }] };
}

/** TaskInfo.error for a failed task. */
export function localizedFault(error: unknown): LocalizedMethodFault {
  const fault = faultBody(error);
  const text = fault.faultMessage[0]?.message ?? fault._typeName;
  const prefix = fault._typeName === 'SystemError' ? 'A general system error occurred: ' : '';
  return { _typeName: 'LocalizedMethodFault', fault, localizedMessage: `${prefix}${text}` };
}
