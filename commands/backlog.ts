// The work a command sets off after its ack (Redis, the status message)
// runs a few at a time. Under a burst the acks of the commands still
// arriving are not kept waiting behind the follow-up of earlier ones: Slack
// gives up on an ack after 3 s, while a status message can come a moment later.
import type { Inbox } from '../src/chat/adapter.js';

export function withBacklog(inbox: Inbox, concurrency = 4): Inbox & { pending(): number } {
  let running = 0;
  const waiting: (() => void)[] = [];
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  return {
    command: (c) => run(() => inbox.command(c)),
    action: (a) => run(() => inbox.action(a)),
    pending: () => running + waiting.length,
  };
}
