// `npm run drill`: the incident drill, each step and its timings printed.
import { runDrill } from './drill.js';

const t0 = performance.now();
// RCA_DRILL_RECORD=test/recorded npm run drill writes the real programs' answers there.
const result = await runDrill((line) => console.log(line), process.env.RCA_DRILL_RECORD);
console.log(`verdict: ${result.report.body.text?.split('\n')[0]}`);
console.log(`the drill took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
