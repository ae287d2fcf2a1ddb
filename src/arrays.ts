// Column-wise tables (typed arrays) that grow as they are filled.

/** A typed array twice as long as `a`, with `a`'s values at its start. */
export function doubled<T extends Int32Array | Float64Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
