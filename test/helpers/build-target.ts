// vitest globalSetup: builds the Go target for this run's toolchain (RCA_GO)
// before any test starts its clock. A fresh machine fetches the toolchain and
// the modules here, which can take minutes; a test's 60 s are for the test.
import { buildTarget, buildTool, hasGo, toolchain } from './go.js';

export default function setup() {
  if (!hasGo) return;
  const t0 = Date.now();
  const out = buildTarget();
  // The Go 1.26 leak-profile tests build their own variant.
  if (toolchain().minor >= 26) buildTarget({ experiment: 'goroutineleakprofile' });
  // Go's own trace parser (golang.org/x/exp/trace), the reference for ours.
  buildTool('tracedump');
  const secs = (Date.now() - t0) / 1000;
  if (secs > 1) console.log(`built the Go target with ${toolchain().version} in ${secs.toFixed(0)} s: ${out}`);
}
