/** Small pure encode/decode helpers of the client, tested exhaustively on their inputs. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { queryString } from './automation';
import { VsphereClient, VsphereClientConfigError } from './client';
import { ConcurrencyLimit, mapLimited } from './concurrency-limit';
import { formatJsonPath } from './errors';
import { shallowRekeySpec } from './operations';
import { ReconfigVmRequestSchema, VsanHostDiskMapInfoExSchema, VirtualDeviceSchema } from './schemas';
import { isIncompleteJson } from './transport';
import { toDiskGroup } from './vsan';
import { fixture } from './testing/replay-server';

describe('isIncompleteJson', () => {
  it.each([
    ['{"a":1', true],
    ['[{"a":1},', true],
    ['"abc', true],
    ['{"a":"x\\"', true],
    ['{"a":"}"', true],
    ['{"a":1}', false],
    ['[1,2]', false],
    ['"done"', false],
    ['nope', false],
    ['{"a":1}}', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isIncompleteJson(text)).toBe(expected);
  });

  it('is true for every proper prefix of a JSON document that opens a container', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify({ v: value });
        for (let cut = 1; cut < text.length; cut++) {
          if (!isIncompleteJson(text.slice(0, cut))) return false;
        }
        return !isIncompleteJson(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatJsonPath', () => {
  it('renders indexes, identifiers and odd keys', () => {
    expect(formatJsonPath('$', [])).toBe('$');
    expect(formatJsonPath('$', [3, 'connection_state'])).toBe('$[3].connection_state');
    expect(formatJsonPath('$.objects[0]', ['propSet', 2, 'val', '_value'])).toBe('$.objects[0].propSet[2].val._value');
    expect(formatJsonPath('$', ['runtime.host'])).toBe('$["runtime.host"]');
  });
});

describe('queryString', () => {
  it('repeats keys for arrays and skips empty filters', () => {
    expect(queryString(undefined)).toBe('');
    expect(queryString({ hosts: [] })).toBe('');
    expect(queryString({ hosts: ['host-1', 'host-2'], names: ['a b'] })).toBe('?hosts=host-1&hosts=host-2&names=a+b');
  });
});

describe('shallowRekeySpec', () => {
  const vmPage = fixture<{ objects: { propSet: { name: string; val: { _value: unknown[] } }[] }[] }>('vim-retrieve-result-vms.json');
  const devices = vmPage.objects[0]!.propSet.find((p) => p.name === 'config.hardware.device')!.val._value.map((d) => VirtualDeviceSchema.parse(d));
  const newKey = { keyId: 'b71e0d2c-3f4a-4b5c-9d6e-7f8091a2b3c4', providerId: 'kmip-prod' };

  it('rekeys the VM and each encrypted disk, and the body matches the request schema', () => {
    const spec = shallowRekeySpec(newKey, devices, true);
    expect(ReconfigVmRequestSchema.safeParse(spec).success).toBe(true);
    expect(spec.spec.deviceChange?.map((d) => d.device.key)).toEqual([2000, 2001]);
    expect(spec.spec.deviceChange?.every((d) => d.backing?.crypto.newKeyId.keyId === newKey.keyId)).toBe(true);
  });

  it('rekeys only the VM home when disks are excluded', () => {
    const spec = shallowRekeySpec(newKey, devices, false);
    expect(spec.spec.deviceChange).toBeUndefined();
    expect(spec.spec.crypto?.newKeyId.providerId?.id).toBe('kmip-prod');
  });

  it('omits providerId when none is given', () => {
    expect(shallowRekeySpec({ keyId: 'k' }, [], true).spec.crypto?.newKeyId).toEqual({ _typeName: 'CryptoKeyId', keyId: 'k' });
  });
});

describe('toDiskGroup', () => {
  const base = VsanHostDiskMapInfoExSchema.parse(fixture<unknown[]>('vsan-query-disk-mappings.json')[0]);

  it('reports keysLoaded only for encrypted groups', () => {
    expect(toDiskGroup(base)).toMatchObject({ mounted: false, encrypted: true, keysLoaded: false });
    expect(toDiskGroup({ ...base, isMounted: true, unlockedEncrypted: true })).toMatchObject({ mounted: true, keysLoaded: true });
    const plain = { ...base, isMounted: true, unlockedEncrypted: undefined, encryptionInfo: undefined };
    expect(toDiskGroup(plain)).toMatchObject({ encrypted: false, keysLoaded: null });
  });

  it('reports an encrypted group with unlockedEncrypted unset as unknown (null), not as keys not loaded', () => {
    const group = toDiskGroup({ ...base, unlockedEncrypted: undefined });
    expect(group.encrypted).toBe(true);
    expect(group.keysLoaded).toBeNull();
  });
});

describe('ConcurrencyLimit / mapLimited', () => {
  it('never exceeds the limit and keeps result order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimited([...Array(25).keys()], 4, async (i) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      active -= 1;
      return i * 2;
    });
    expect(peak).toBe(4);
    expect(out).toEqual([...Array(25).keys()].map((i) => i * 2));
  });

  it('releases the slot when a job throws', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 7)).resolves.toBe(7);
  });

  it('refuses a non-positive limit', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});

describe('VsphereClient options', () => {
  it('refuses a plain-http URL and invalid numbers with one sentence, never echoing the password', () => {
    const secret = 'Sup3r-secret';
    expect(() => new VsphereClient({ baseUrl: 'http://vc.example', username: 'u', password: secret })).toThrow(VsphereClientConfigError);
    try {
      new VsphereClient({ baseUrl: 'https://vc.example', username: 'u', password: secret, maxConcurrency: 0 });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/^Invalid vSphere client option maxConcurrency: .+\.$/);
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it('names the vCenter by host:port of the base URL', () => {
    const c = new VsphereClient({ baseUrl: 'https://vc.example:8443', username: 'u', password: 'p' });
    expect(c.vcenter).toBe('vc.example:8443');
    void c.close();
  });
});
