import { describe, expect, it } from 'vitest';
import { frameKind } from './frames.js';

describe('frameKind', () => {
  it.each([
    ['runtime.mallocgc', '/usr/lib/go-1.19/src/runtime/malloc.go', 'runtime'],
    ['net/http.(*conn).serve', '/usr/lib/go-1.19/src/net/http/server.go', 'stdlib'],
    ['sync.(*Mutex).Lock', '', 'stdlib'],
    ['google.golang.org/grpc.(*Server).handleStream', '/go/pkg/mod/google.golang.org/grpc@v1.50.0/server.go', 'thirdparty'],
    ['github.com/grafana/loki/pkg/ingester.(*Ingester).flushLoop', '/src/enterprise-logs/vendor/github.com/grafana/loki/pkg/ingester/flush.go', 'thirdparty'],
    ['github.com/acme/orders/internal/db.(*Pool).Acquire', '/src/orders/internal/db/pool.go', 'app'],
    // A module path without a dot is still the application, not the standard library.
    ['orderapi/internal/store.(*Store).Get', '/home/dev/orderapi/internal/store/store.go', 'app'],
    ['main.handler', '/src/main.go', 'app'],
    ['[libc.so.6]', '', 'native'],
    ['emit', 'node:events', 'stdlib'],
    ['priceOrder', '/app/dist/src/demo/target.js', 'app'],
    ['Garbage Collection', '', 'runtime'],
    // A toolchain from the module proxy keeps its GOROOT in the module cache.
    ['net/http.(*Client).Do', '/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/src/net/http/client.go', 'stdlib'],
    ['internal/runtime/maps.(*Map).getWithKeySmall', '/usr/local/go/src/internal/runtime/maps/runtime_fast64_swiss.go', 'runtime'],
    ['internal/sync.(*Mutex).lockSlow', '/usr/local/go/src/internal/sync/mutex.go', 'stdlib'],
    ['crypto/internal/fips140/sha256.blockSHANI', '/usr/local/go/src/crypto/internal/fips140/sha256/sha256block_amd64.s', 'stdlib'],
    ['simd/archsimd.Int32x8.Add', '/usr/local/go/src/simd/archsimd/ops_amd64.go', 'stdlib'],
  ])('%s is %s', (name, file, kind) => {
    expect(frameKind(name, file)).toBe(kind);
  });
});
