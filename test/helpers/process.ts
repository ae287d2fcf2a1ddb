// Stopping a child process the tests started: SIGTERM, resolved once it has exited.
import type { ChildProcess } from 'node:child_process';

export function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return r();
      proc.once('exit', () => r());
      proc.kill('SIGTERM');
    });
}
