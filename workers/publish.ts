// The publish job: every chat that asked gets its root message edited to
// the verdict, the report in its thread and the flame graphs. Each step is
// recorded, so a publish retried after a crash posts nothing twice.
import type { Job } from 'bullmq';
import type { PublishData } from '../src/queue/pipeline.js';
import type { AnalyseResult } from './analyse.js';
import type { Deps } from './deps.js';

export function publishProcessor(deps: Deps) {
  return async (job: Job<PublishData>): Promise<{ posted: number }> => {
    const [result] = Object.values(await job.getChildrenValues()) as AnalyseResult[];
    const { report, images } = result;
    const id = job.data.job;
    const roots = await deps.state.roots(id);
    const status = { job: id, service: report.service, seconds: report.window.seconds, stage: 'done' as const, detail: report.verdict };
    await deps.state.setStatus(status);
    for (const [i, root] of roots.entries()) {
      const adapter = deps.adapter(root.platform);
      await deps.state.once(id, `${i}:report`, async () => {
        await adapter.postReport(root, report, { job: id });
      });
      for (const image of images) {
        await deps.state.once(id, `${i}:image:${image.name}`, () => adapter.uploadImage(root, Buffer.from(image.png, 'base64'), image.filename, image.title));
      }
    }
    // Free the service before the roots turn to "done": whoever reads "done" may ask again at once.
    await deps.state.releaseService(report.service, id);
    for (const [i, root] of roots.entries()) await deps.state.once(id, `${i}:status`, () => deps.adapter(root.platform).updateStatus(root, status));
    return { posted: roots.length };
  };
}
