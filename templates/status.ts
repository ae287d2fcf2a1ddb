// The root message of a diagnosis, as it moves from queued to done.
import type { Status } from '../src/chat/adapter.js';
import { formatSpan as span } from '../src/profile/units.js';

export function statusText(s: Status): string {
  switch (s.stage) {
    case 'queued': {
      const ahead = s.detail ? ` (${s.detail})` : '';
      return s.past ? `⏳ Queued: ${s.service}, ${span(s.seconds)} of its past…${ahead}` : `⏳ Queued: ${s.service} for ${s.seconds} s…${ahead}`;
    }
    case 'capturing':
      return s.past ? `📚 Reading ${span(s.seconds)} of ${s.service}'s past from its profiler…` : `📡 Capturing ${s.service} for ${s.seconds} s…`;
    case 'analysing':
      return `🔎 Analysing ${s.service}…`;
    case 'done':
      return `✅ ${s.service}: ${s.detail ?? 'done'} (details in the thread)`;
    case 'failed':
      return `❌ ${s.service}: the diagnosis failed: ${s.detail ?? 'unknown error'}`;
  }
}
