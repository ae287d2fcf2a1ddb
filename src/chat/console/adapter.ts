// The console channel behind the chat adapter interface: what Slack and
// Feishu do in their apps, the console does in its store.
import { toMarkdown } from '../../../templates/markdown.js';
import { statusText } from '../../../templates/status.js';
import type { Report } from '../../model.js';
import type { ChatAdapter, MessageRef, Status } from '../adapter.js';
import type { ConsoleStore } from './store.js';

// Threads are one level deep, as in Slack: what belongs in the thread of a reply goes in its parent's.
export class ConsoleAdapter implements ChatAdapter {
  readonly platform = 'console' as const;
  constructor(private readonly store: ConsoleStore) {}

  private ref(channel: string, id: string, thread?: string): MessageRef {
    return { platform: 'console', channel, id, thread };
  }

  async postStatus(channel: string, status: Status, thread?: string): Promise<MessageRef> {
    const m = await this.store.add({ channel, thread, text: statusText(status), from: 'bot' });
    return this.ref(channel, m.id, thread);
  }

  async updateStatus(root: MessageRef, status: Status): Promise<void> {
    await this.store.update(root.id, { text: statusText(status) });
  }

  async postReport(root: MessageRef, report: Report, opts: { job: string; reportUrl?: string }): Promise<MessageRef> {
    const value = JSON.stringify({ job: opts.job, service: report.service });
    const m = await this.store.add({
      channel: root.channel,
      thread: root.thread ?? root.id,
      text: opts.reportUrl ? `${toMarkdown(report)}\n\nFull report: ${opts.reportUrl}` : toMarkdown(report),
      from: 'bot',
      // A past window has nothing live to re-run or compare, and opened no incident.
      buttons: report.pastOnly
        ? []
        : [
            { action: 'rerun', label: 'Re-run', value },
            { action: 'compare', label: 'Compare with last healthy capture', value },
            { action: 'resolve', label: 'Mark resolved', value },
          ],
    });
    return this.ref(root.channel, m.id, root.thread ?? root.id);
  }

  async uploadImage(root: MessageRef, png: Buffer, filename: string, title: string): Promise<void> {
    await this.store.add({ channel: root.channel, thread: root.thread ?? root.id, text: filename, title, from: 'bot' }, png);
  }

  async reply(channel: string, text: string, thread?: string): Promise<MessageRef> {
    const m = await this.store.add({ channel, thread, text, from: 'bot' });
    return this.ref(channel, m.id, thread);
  }

  async postNotice(channel: string, text: string): Promise<MessageRef> {
    const m = await this.store.add({ channel, text, from: 'bot' });
    return this.ref(channel, m.id);
  }

  async editNotice(ref: MessageRef, text: string): Promise<void> {
    await this.store.update(ref.id, { text });
  }
}
