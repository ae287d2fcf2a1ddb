// What the processors need, passed in once by whoever starts the workers.
import type { ChatAdapter, Platform, Stage } from '../src/chat/adapter.js';
import type { IncidentStore } from '../src/incidents/store.js';
import type { JobState } from '../src/queue/state.js';

export interface Deps {
  state: JobState;
  incidents: IncidentStore;
  /** Base URL of report pages, when known (RCA_PUBLIC_URL, or the bot's own address). */
  publicUrl(): string | undefined;
  adapter(platform: Platform): ChatAdapter;
  /** Moves a job's root messages to a new stage. */
  progress(job: string, stage: Stage, detail?: string): Promise<void>;
}
