// The root message of a diagnosis, as it moves from queued to done.
import type { Status } from '../src/chat/adapter.js';

export function statusText(s: Status): string {
  switch (s.stage) {
    case 'queued':
      return `⏳ Queued: ${s.service} for ${s.seconds} s…`;
    case 'capturing':
      return `📡 Capturing ${s.service} for ${s.seconds} s…`;
    case 'analysing':
      return `🔎 Analysing ${s.service}…`;
    case 'done':
      return `✅ ${s.service}: ${s.detail ?? 'done'} (details in the thread)`;
    case 'failed':
      return `❌ ${s.service}: the diagnosis failed: ${s.detail ?? 'unknown error'}`;
  }
}
