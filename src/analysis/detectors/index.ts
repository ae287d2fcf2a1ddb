// The detectors. Adding one is a file in this folder and a line here.
import type { Detector } from '../inputs.js';
import { cpuHotspot } from './cpu-hotspot.js';
import { gcPressure } from './gc-pressure.js';
import { goroutineLeak } from './goroutine-leak.js';
import { lockContention } from './lock-contention.js';
import { memoryGrowth } from './memory-growth.js';
import { poolExhaustion } from './pool-exhaustion.js';
import { slowDependency } from './slow-dependency.js';
import { gcPause } from './gc-pause.js';
import { schedulerLatency } from './scheduler-latency.js';
import { stageStall } from './stage-stall.js';
import { syscallBlocking } from './syscall-blocking.js';

export const detectors: Detector[] = [cpuHotspot, lockContention, poolExhaustion, goroutineLeak, memoryGrowth, gcPressure, slowDependency, schedulerLatency, gcPause, syscallBlocking, stageStall];
