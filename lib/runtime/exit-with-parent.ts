import { onParentGone } from './shutdown';

/**
 * Preloaded into the web server (`node --import dist/exit-with-parent.mjs next start`): when the
 * supervisor that started it goes away — even by SIGKILL — the server gets the SIGTERM it handles
 * itself, instead of living on as an orphan that holds the port. Keywatch's own long-running
 * processes do the same through stopOnSignals.
 */
onParentGone(() => process.kill(process.pid, 'SIGTERM'));
