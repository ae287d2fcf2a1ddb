// The compare processor as BullMQ runs it in a worker thread (decoding two
// profiles and drawing a differential flame graph).
import type { SandboxedJob } from 'bullmq';
import type { CompareData } from '../src/queue/pipeline.js';
import { compareJob } from './compare.js';

export default (job: SandboxedJob<CompareData>) => compareJob(job);
