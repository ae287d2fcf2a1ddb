// The detectors. Adding one is a file in this folder and a line here.
import type { Detector, Inputs } from '../inputs.js';
import type { Finding, FindingKind } from '../../model.js';
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

/**
 * Every detector on `inputs`. A detector that breaks on an input nobody foresaw costs its own
 * finding, not the diagnosis: its kind and message come back beside the others' findings.
 */
export function runDetectors(inputs: Inputs): { found: Finding[]; failed: { kind: FindingKind; message: string }[] } {
  const failed: { kind: FindingKind; message: string }[] = [];
  const found = detectors.flatMap((d) => {
    try {
      return d.detect(inputs);
    } catch (e) {
      failed.push({ kind: d.kind, message: e instanceof Error ? e.message : String(e) });
      return [];
    }
  });
  return { found, failed };
}
