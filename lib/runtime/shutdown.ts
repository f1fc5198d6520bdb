/**
 * For the long-running entry points (worker, embedded database, lab, supervisor): runs `stop` once,
 * on the first SIGINT or SIGTERM — or when the parent that started this process with an IPC channel
 * goes away (a supervisor killed with SIGKILL must not leave its children running) — then exits:
 * 0 after a clean stop, 1 with one line on stderr if stopping failed or took longer than
 * `deadlineMs` (a database that went away mid-query must not keep a process alive for ever).
 * Later signals are ignored, so a second Ctrl-C cannot cut a clean stop short.
 */
export function stopOnSignals(
  name: string,
  stop: (reason: string) => Promise<void>,
  options: { onDisconnect?: boolean; deadlineMs?: number } = {},
): void {
  let stopping = false;
  const run = (reason: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      process.stderr.write(`${name}: did not stop within ${Math.round((options.deadlineMs ?? 15_000) / 1000)} s; exiting anyway.\n`);
      process.exit(1);
    }, options.deadlineMs ?? 15_000);
    deadline.unref();
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
  if (options.onDisconnect ?? process.send !== undefined) onParentGone(() => run('disconnect'));
}

/**
 * Calls `then` when the parent that started this process with an IPC channel goes away. The parent
 * also held the other end of stdout and stderr, so from then on writes fail (EPIPE); reporting such
 * a failure writes to the same broken pipe and fails again — measured, an orphaned Next server spun
 * at 100 % CPU and ignored SIGTERM. With no one left to read the output, its errors are dropped.
 */
export function onParentGone(then: () => void): void {
  if (!process.send) return;
  process.on('disconnect', () => {
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    then();
  });
}
