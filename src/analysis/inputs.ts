// What the detectors read: the profiles of one capture window and the probes' answers.
import type { Profile } from '../profile/model.js';
import type { ProbeResult } from '../sources/probes.js';
import type { Finding, FindingKind } from '../model.js';
import type { StageBaseline } from '../trace/stages.js';
import type { TraceView } from '../trace/view.js';

export interface Inputs {
  /** Length of the capture window. */
  seconds: number;
  cpu?: Profile;
  block?: Profile;
  mutex?: Profile;
  allocs?: Profile;
  heapStart?: Profile;
  heapEnd?: Profile;
  goroutineStart?: Profile;
  goroutineEnd?: Profile;
  /** Go 1.26's goroutine leak profile (GOEXPERIMENT=goroutineleakprofile): goroutines blocked on what nothing can reach. */
  goroutineLeak?: Profile;
  /** The execution trace taken inside the window, read. */
  trace?: TraceView;
  /** The task stages of the service's last healthy capture, and when that was. */
  stageBaseline?: { baseline: StageBaseline; at: string };
  probes: ProbeResult[];
}

/** A detector reads the inputs and returns what it found (nothing, usually). */
export interface Detector {
  kind: FindingKind;
  detect(inputs: Inputs): Finding[];
}
