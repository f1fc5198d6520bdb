import { describe, expect, it } from 'vitest';
import { labObjects } from './registry';

const boxValue = (type: string, path: string, value: unknown) => labObjects.box(type, path, value);

describe('boxValue (values in VI/JSON any slots)', () => {
  it('boxes an empty managed-object array with its declared type', () => {
    expect(boxValue('HostSystem', 'vm', [])).toEqual({ _typeName: 'ArrayOfManagedObjectReference', _value: [] });
    expect(boxValue('VirtualMachine', 'config.hardware.device', [])).toEqual({ _typeName: 'ArrayOfVirtualDevice', _value: [] });
  });

  it('boxes enums with their enum type and primitives with xsd names', () => {
    expect(boxValue('HostSystem', 'runtime.connectionState', 'connected')).toEqual({ _typeName: 'HostSystemConnectionState', _value: 'connected' });
    expect(boxValue('VirtualMachine', 'runtime.cryptoState', 'locked')).toEqual({ _typeName: 'string', _value: 'locked' });
    expect(boxValue('HostSystem', 'runtime.inMaintenanceMode', false)).toEqual({ _typeName: 'boolean', _value: false });
    expect(boxValue('Datastore', 'summary.capacity', 0)).toEqual({ _typeName: 'long', _value: 0 });
    expect(boxValue('X', 'n', 7)).toEqual({ _typeName: 'int', _value: 7 });
  });

  it('leaves data objects and references as they are', () => {
    const ref = { _typeName: 'ManagedObjectReference', type: 'HostSystem', value: 'host-1' };
    expect(boxValue('VirtualMachine', 'runtime.host', ref)).toBe(ref);
  });
});
