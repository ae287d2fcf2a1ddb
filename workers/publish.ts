// The publish job: every chat that asked gets its root message edited to
// the verdict, the report in its thread and the flame graphs. Each step is
// recorded, so a publish retried after a crash posts nothing twice.
import type { Job } from 'bullmq';
import { lenient, refresh } from '../src/incidents/intake.js';
import { reportUrl as pageUrl } from '../src/reports/routes.js';
import { comparisonText } from '../templates/compare.js';
import type { MessageRef } from '../src/chat/adapter.js';
import type { PostCompareData, PublishData } from '../src/queue/pipeline.js';
import type { AnalyseResult } from './analyse.js';
import type { CompareResult } from './compare.js';
import type { Deps } from './deps.js';

const DAY = 24 * 3600;

export function publishProcessor(deps: Deps) {
  return async (job: Job<PublishData>): Promise<{ posted: number; service: string; verdict: string }> => {
    const [result] = Object.values(await job.getChildrenValues()) as AnalyseResult[];
    const { report, images, profiles } = result;
    const id = job.data.job;
    const set = { job: id, at: report.window.start, profiles: profiles.map((p) => ({ name: p.name, data: Buffer.from(p.data, 'base64') })) };
    await deps.state.saveProfiles(`job:${id}`, set, DAY);
    // The newest healthy capture is what "Compare with last healthy capture" compares against.
    // A past window is no capture of the service as it is now: it is never the baseline.
    if (report.verdict === 'healthy' && !report.pastOnly && set.profiles.some((p) => p.name === 'cpu')) await deps.state.saveProfiles(`healthy:${report.service}`, set, 30 * DAY);
    if (report.verdict === 'healthy' && result.stages) await deps.state.saveStages(report.service, { baseline: result.stages, at: report.window.start }, 30 * DAY);
    const roots = await deps.state.roots(id);
    const base = deps.publicUrl();
    const reportUrl = result.reportId && base ? pageUrl(base, result.reportId) : undefined;
    const status = { job: id, service: report.service, seconds: report.window.seconds, stage: 'done' as const, detail: report.verdict };
    await deps.state.setStatus(status);
    const post = async (i: number, root: MessageRef) => {
      const adapter = deps.adapter(root.platform);
      await deps.state.once(id, `${i}:report`, async () => {
        await adapter.postReport(root, report, { job: id, reportUrl });
      });
      for (const image of images) {
        await deps.state.once(id, `${i}:image:${image.name}`, () => adapter.uploadImage(root, Buffer.from(image.png, 'base64'), image.filename, image.title));
      }
    };
    for (const [i, root] of roots.entries()) await post(i, root);
    // The incidents this diagnosis serves (alerts) learn the verdict; their messages are edited in place.
    const top = report.findings[0];
    const cause = (report.verdict === 'confirmed' || report.verdict === 'likely' || report.verdict === 'needs-review') && top ? top.kind : undefined;
    for (const incident of await deps.incidents.byJob(id)) {
      await deps.incidents.append(incident, { type: 'diagnosed', at: new Date().toISOString(), verdict: report.verdict, job: id, ...(cause ? { cause } : {}) });
      await refresh({ incidents: deps.incidents, adapter: lenient(deps.adapter) }, incident);
    }
    // Free the service before the roots turn to "done": whoever reads "done" may ask again at once.
    await deps.state.releaseService(job.data.claim ?? report.service, id);
    // Requests that joined while the report was being posted get it too; from here on a request starts anew.
    for (let fresh = await deps.state.roots(id); fresh.length > roots.length; fresh = await deps.state.roots(id)) {
      for (let i = roots.length; i < fresh.length; i++) await post(i, fresh[i]);
      roots.push(...fresh.slice(roots.length));
    }
    for (const [i, root] of roots.entries()) await deps.state.once(id, `${i}:status`, () => deps.adapter(root.platform).updateStatus(root, status));
    return { posted: roots.length, service: report.service, verdict: report.verdict };
  };
}

/** Posts a comparison (or why there is none) in the thread of the report whose button asked for it. */
export function postCompareProcessor(deps: Deps) {
  return async (job: Job<PostCompareData>): Promise<void> => {
    const [result] = Object.values(await job.getChildrenValues()) as CompareResult[];
    const { job: id, requester } = job.data;
    const adapter = deps.adapter(requester.platform);
    let root: MessageRef | undefined = requester.thread ? { platform: requester.platform, channel: requester.channel, id: requester.thread } : undefined;
    await deps.state.once(id, 'text', async () => {
      const text = 'error' in result ? `⚠️ No comparison: ${result.error}` : comparisonText(result.comparison);
      const posted = await adapter.reply(requester.channel, text, requester.thread);
      root ??= posted;
    });
    if ('comparison' in result && result.png && root) {
      const png = Buffer.from(result.png, 'base64');
      const c = result.comparison;
      await deps.state.once(id, 'image', () => adapter.uploadImage(root as MessageRef, png, `${c.service}-${c.profile}-diff.png`, `${c.service}: ${c.profile} against the last healthy capture`));
    }
  };
}
