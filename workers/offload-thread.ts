// What runs in the analysis threads: the pure, CPU-heavy steps.
export { analyseCaptures as analyse } from './analyse.js';
export { compareCaptures as compare } from './compare.js';
