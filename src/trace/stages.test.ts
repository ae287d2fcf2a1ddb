// The stage summary a healthy capture keeps, from task stages as taskStages gives them.
import { describe, expect, it } from 'vitest';
import { stageBaseline } from './stages.js';

describe('stageBaseline', () => {
  it('means per task type and stage', () => {
    const b = stageBaseline([
      { type: 'order', ns: 10, stages: new Map([['parse', 2], ['execute', 6]]) },
      { type: 'order', ns: 20, stages: new Map([['execute', 16]]) },
    ]);
    expect(b).toEqual({ order: { tasks: 2, meanNs: 15, stages: { parse: 1, execute: 11 } } });
  });

  it('keeps names that are also Object.prototype properties as plain entries', () => {
    const b = stageBaseline([{ type: 'constructor', ns: 4, stages: new Map([['__proto__', 3], ['toString', 1]]) }]);
    expect(Object.hasOwn(b, 'constructor')).toBe(true);
    expect(b.constructor).toEqual({ tasks: 1, meanNs: 4, stages: expect.anything() });
    expect(Object.hasOwn(b.constructor.stages, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(b)).constructor.stages.toString).toBe(1);
    expect(({} as Record<string, unknown>).tasks).toBeUndefined();
  });
});
