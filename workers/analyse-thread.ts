// The analyse processor as BullMQ runs it in a worker thread: decoding,
// detection and flame graph rendering stay off the event loop that
// acknowledges chat commands.
import type { SandboxedJob } from 'bullmq';
import type { AnalyseData } from '../src/queue/pipeline.js';
import { analyseJob } from './analyse.js';

export default (job: SandboxedJob<AnalyseData>) => analyseJob(job);
