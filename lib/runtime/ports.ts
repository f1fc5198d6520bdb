import net from 'node:net';

/**
 * A port free on loopback right now (for tests and throwaway servers), picked at random below Linux's
 * ephemeral range (32768–60999), where outgoing connections take their local ports: a port found free
 * there by listening on port 0 can be taken by any new connection before the server binds it.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port, host)) return port;
  }
  return listenOnce(0, host);
}

function listenOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

function canListen(port: number, host: string): Promise<boolean> {
  return listenOnce(port, host).then(
    () => true,
    () => false,
  );
}

/**
 * Resolves when `port` can be listened on; otherwise rejects with `describe(error)`, so each
 * caller can say in its own words which setting to change.
 */
export async function assertPortFree(port: number, host: string, describe: (error: NodeJS.ErrnoException) => Error): Promise<void> {
  await listenOnce(port, host).catch((error: NodeJS.ErrnoException) => {
    throw describe(error);
  });
}
