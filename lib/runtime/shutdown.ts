/**
 * For the long-running entry points (worker, embedded database, lab, supervisor): runs `stop` once,
 * on the first SIGINT or SIGTERM — or when the parent that started this process with an IPC channel
 * goes away (a supervisor killed with SIGKILL must not leave its children running) — then exits:
 * 0 after a clean stop, 1 with one line on stderr if stopping failed. Later signals are ignored, so
 * a second Ctrl-C cannot cut a clean stop short.
 */
export function stopOnSignals(
  name: string,
  stop: (reason: string) => Promise<void>,
  options: { onDisconnect?: boolean } = {},
): void {
  let stopping = false;
  const run = (reason: string) => {
    if (stopping) return;
    stopping = true;
    stop(reason).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => run('SIGINT'));
  process.on('SIGTERM', () => run('SIGTERM'));
  if (options.onDisconnect ?? process.send !== undefined) process.on('disconnect', () => run('disconnect'));
}
