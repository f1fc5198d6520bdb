import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE_SCHEMAS } from './fixtures';
import { PROPERTY_SCHEMAS, RetrieveResultSchema } from './schemas';
import { fixture } from './testing/replay-server';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('fixtures ↔ schemas', () => {
  it('has a schema for every fixture and a fixture for every schema entry', () => {
    expect(files.sort()).toEqual(Object.keys(FIXTURE_SCHEMAS).sort());
  });

  it.each(files)('%s satisfies its schema', (file) => {
    const schema = FIXTURE_SCHEMAS[file]!;
    const result = schema.safeParse(fixture(file));
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it.each(['vim-retrieve-result-hosts.json', 'vim-retrieve-result-vms.json'])('every property value in %s satisfies its property schema', (file) => {
    const page = RetrieveResultSchema.parse(fixture(file));
    let checked = 0;
    for (const oc of page.objects) {
      const schemas = PROPERTY_SCHEMAS[oc.obj.type as keyof typeof PROPERTY_SCHEMAS] as Record<string, { safeParse(v: unknown): { success: boolean } }>;
      for (const dp of oc.propSet ?? []) {
        expect(schemas[dp.name], `${oc.obj.type}.${dp.name}`).toBeDefined();
        expect(schemas[dp.name]!.safeParse(dp.val).success, `${oc.obj.value} ${dp.name}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('rejects an unknown enum in a boxed property value', () => {
    const bad = { _typeName: 'HostSystemConnectionState', _value: 'maybe' };
    expect(PROPERTY_SCHEMAS.HostSystem['runtime.connectionState'].safeParse(bad).success).toBe(false);
    expect(PROPERTY_SCHEMAS.HostSystem['runtime.connectionState'].safeParse({ ...bad, _value: 'connected' }).success).toBe(true);
  });
});
