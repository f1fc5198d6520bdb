import net from 'node:net';

/** A port the OS says is free on loopback right now (for tests and throwaway servers). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves when `port` can be listened on; otherwise rejects with `describe(error)`, so each
 * caller can say in its own words which setting to change.
 */
export async function assertPortFree(port: number, host: string, describe: (error: NodeJS.ErrnoException) => Error): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(describe(error)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
