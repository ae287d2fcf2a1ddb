// The digest job: the period's incidents and the period before, summed up
// (src/incidents/digest.ts), drawn in the analysis threads, posted as a text
// and a chart.
import type { Job } from 'bullmq';
import { digest } from '../src/incidents/digest.js';
import type { DigestRequest } from '../src/queue/digests.js';
import { digestText } from '../templates/digest.js';
import type { Deps } from './deps.js';
import type { Offload } from './offload.js';

const DAY = 86_400_000;

export function digestProcessor(deps: Deps, offload: Offload) {
  return async (job: Job<DigestRequest>): Promise<void> => {
    const { platform, channel, thread, days, service } = job.data;
    const end = new Date(job.timestamp);
    const start = new Date(end.getTime() - days * DAY);
    const before = new Date(start.getTime() - days * DAY);
    const only = (list: Awaited<ReturnType<typeof deps.incidents.range>>) => (service ? list.filter((i) => i.service === service) : list);
    const d = digest(only(await deps.incidents.range(start, end)), { start, end }, only(await deps.incidents.range(before, start)));
    const adapter = deps.adapter(platform);
    const id = job.id ?? job.name;
    let root = thread ? { platform, channel, id: thread } : undefined;
    await deps.state.once(id, 'text', async () => {
      const heading = `📈 MTTR digest${service ? ` for ${service}` : ''}, last ${days} days`;
      const posted = await adapter.reply(channel, `${heading}\n${digestText(d)}`, thread);
      root ??= posted;
    });
    if (!root) return;
    const png = await offload.digest(d);
    await deps.state.once(id, 'chart', () => adapter.uploadImage(root as NonNullable<typeof root>, png, `mttr-${days}d.png`, `MTTR, last ${days} days`));
  };
}
