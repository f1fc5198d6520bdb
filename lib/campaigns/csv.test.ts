import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvCell, itemsToCsv, type CsvItem } from './csv';

const item: CsvItem = {
  id: 'it1',
  kind: 'vm-disk',
  entityName: 'vm-00012',
  entityMoid: 'vm-12',
  diskKey: 2001,
  diskLabel: 'Hard disk 2',
  hostMoid: 'host-3',
  clusterMoid: 'domain-c1',
  state: 'failed',
  currentProviderId: 'lab-nkp',
  failureClass: 'HA_RESET',
  errorText: 'Cannot decrypt disk because key or password is incorrect',
  attempts: 1,
  startedAt: new Date('2026-12-01T10:00:00.000Z'),
  rekeyedAt: null,
  verifiedAt: null,
  failedAt: new Date('2026-12-01T10:00:05.000Z'),
};

describe('CSV export', () => {
  it('quotes commas, quotes and newlines; neutralises formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+1')).toBe("'-1+1");
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(null)).toBe('');
  });

  it('one header line and one line per item, with the workaround of failed items', () => {
    const text = itemsToCsv([item, { ...item, id: 'it2', state: 'verified', failureClass: null, errorText: null, verifiedAt: new Date('2026-12-01T11:00:00.000Z') }]);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[1]).toBe(
      'it1,vm-disk,vm-00012,vm-12,2001,Hard disk 2,host-3,domain-c1,failed,lab-nkp,HA_RESET,Cannot decrypt disk because key or password is incorrect,' +
        '"vSphere HA VM monitoring reset the VM while it was being rekeyed; some disks were rewrapped, others not.",1,2026-12-01T10:00:00.000Z,,,2026-12-01T10:00:05.000Z',
    );
    expect(lines[2]).toMatch(/^it2,.*,verified,lab-nkp,,,,1,2026-12-01T10:00:00.000Z,,2026-12-01T11:00:00.000Z,2026-12-01T10:00:05.000Z$/);
    expect(lines[1]!.split(',').length).toBeGreaterThanOrEqual(CSV_HEADER.split(',').length);
  });
});
