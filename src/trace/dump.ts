// The whole trace in the canonical text form (one Event.String() per event,
// "error: …" where reading stops), the same as test/go/tracedump prints with
// Go's own parser.
import { eventString } from './format.js';
import { TraceReader } from './reader.js';
import { outputBytes } from './text.js';
import { TraceError } from './wire.js';

export function dumpTrace(input: Uint8Array | string, write: (s: string | Buffer) => void): boolean {
  let r: TraceReader;
  try {
    r = new TraceReader(input);
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    write(`error: ${e.message}\n`);
    return false;
  }
  try {
    for (let e = r.next(); e; e = r.next()) write(outputBytes(eventString(e) + '\n'));
    return true;
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    write(`error: ${e.message}\n`);
    return false;
  } finally {
    r.close();
  }
}
