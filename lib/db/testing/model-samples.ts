/**
 * One complete row per model, every field set, for the schema round-trip test. A model without
 * a sample here fails that test: adding a model means adding its sample (and its migration).
 * Keys are the client's delegate names; rows are created in this order, so parents come first.
 */
export const modelSamples: Array<[model: string, row: Record<string, unknown>]> = [
  [
    'WorkerHeartbeat',
    {
      id: 'worker-sample',
      hostname: 'sample-host',
      pid: 4242,
      version: '0.1.0',
      startedAt: new Date('2026-01-01T00:00:00.000Z'),
      beatAt: new Date('2026-01-01T00:00:05.000Z'),
      stoppedAt: new Date('2026-01-01T00:01:00.000Z'),
    },
  ],
];
