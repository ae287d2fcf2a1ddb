// What runs in the analysis threads: the pure, CPU-heavy steps.
export { analyseCaptures as analyse } from './analyse.js';
export { compareCaptures as compare } from './compare.js';
import type { SourcePlan } from '../src/rca/sources.js';
import { collectSources } from '../src/rca/sources.js';

export const sources = ({ plan, now }: { plan: SourcePlan; now: number }) => collectSources(plan, new Date(now));
export { renderDigestPng as digest } from '../src/render/charts.js';
