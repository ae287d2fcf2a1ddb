// The capture processor as BullMQ runs it in a worker thread: gunzip and
// profile deltas stay off the event loop that acknowledges chat commands.
import type { SandboxedJob } from 'bullmq';
import type { CaptureData } from '../src/queue/pipeline.js';
import { captureJob } from './capture.js';

export default (job: SandboxedJob<CaptureData>) => captureJob(job);
