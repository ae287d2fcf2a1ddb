// What kind of code a frame is: the Go runtime, the standard library, a
// well-known third-party library, or the application. Flame graphs colour by
// it and the detectors use it to find the first application frame.

export type FrameKind = 'runtime' | 'stdlib' | 'thirdparty' | 'app' | 'native';

/** Whose code a profile is: the legend names the kinds after it. */
export type Runtime = 'go' | 'node' | 'other';

// runtime/pprof's label API runs the service's own code inside it (pprof.Do(ctx, labels, handler)).
const labelApi = /^runtime\/pprof\.(Do|Labels|WithLabels|SetGoroutineLabels|ForLabels|Label)\b/;

/** The profiler's own frames: a capture in progress shows as a long wait, or as CPU the service did not ask for. */
export function isProfilerFrame(name: string, file = ''): boolean {
  if (name.startsWith('net/http/pprof.')) return true;
  if (name.startsWith('runtime/pprof.')) return !labelApi.test(name);
  return file.includes('/node_modules/@datadog/pprof/');
}

/** The runtime of a profile from its functions' names and files. */
export function profileRuntime(names: readonly string[], files: readonly string[]): Runtime {
  if (files.some((f) => f.endsWith('.go')) || names.some((n) => n.startsWith('runtime.'))) return 'go';
  if (files.some((f) => f.startsWith('node:') || /\.(m?js|cjs|ts)$/.test(f))) return 'node';
  return 'other';
}

// Libraries whose frames are plumbing, not the cause: routers, drivers, RPC, logging.
const thirdPartyPrefixes = [
  'golang.org/x/', 'google.golang.org/', 'cloud.google.com/go', 'github.com/golang/', 'github.com/google/',
  'github.com/grpc-ecosystem/', 'go.opentelemetry.io/', 'github.com/prometheus/', 'github.com/gorilla/',
  'github.com/gin-gonic/', 'github.com/labstack/', 'github.com/go-chi/', 'github.com/julienschmidt/',
  'github.com/valyala/', 'github.com/gofiber/', 'github.com/jackc/', 'github.com/lib/pq', 'github.com/go-sql-driver/',
  'github.com/redis/', 'github.com/go-redis/', 'github.com/gomodule/redigo', 'go.mongodb.org/', 'gorm.io/',
  'github.com/jmoiron/sqlx', 'go.uber.org/', 'gopkg.in/', 'k8s.io/', 'sigs.k8s.io/', 'github.com/sirupsen/logrus',
  'github.com/rs/zerolog', 'github.com/json-iterator/', 'github.com/goccy/go-json', 'github.com/bytedance/sonic',
  'github.com/klauspost/', 'github.com/cespare/', 'github.com/aws/', 'github.com/Azure/', 'github.com/hashicorp/',
  'go.etcd.io/', 'github.com/segmentio/', 'github.com/Shopify/sarama', 'github.com/IBM/sarama', 'github.com/nats-io/',
  'github.com/spf13/', 'github.com/mattn/', 'github.com/gogo/', 'github.com/felixge/', 'github.com/DataDog/',
  'github.com/pkg/errors', 'github.com/stretchr/', 'github.com/twmb/', 'github.com/confluentinc/',
];

/** The Go import path of a symbol such as "net/http.(*conn).serve" or "github.com/x/y.(*T).M". */
export function goPackage(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot < 0 ? name : name.slice(0, dot);
}

// First elements of the standard library's import paths (Go 1.19 to 1.26; simd with GOEXPERIMENT=simd).
const stdlibRoots = new Set(
  ('archive bufio bytes cmp compress container context crypto database debug embed encoding errors expvar flag fmt go ' +
    'hash html image index internal io iter log maps math mime net os path plugin reflect regexp runtime slices sort ' +
    'strconv strings structs sync syscall testing text time unicode unique unsafe vendor weak arena simd').split(' '),
);

export function frameKind(name: string, file = ''): FrameKind {
  if (name === '' || name.startsWith('[') || name === '<unknown>') return 'native';
  if (name.startsWith('runtime.') || name.startsWith('runtime/') || name.startsWith('internal/runtime/')) return 'runtime';
  if (name.startsWith('main.')) return 'app';
  // Node.js profiles (from @datadog/pprof): core modules, packages, V8's own pseudo-frames.
  if (file.startsWith('node:') || file.startsWith('internal/')) return 'stdlib';
  if (file.includes('/node_modules/')) return 'thirdparty';
  if (name === 'Garbage Collection' || name === '(garbage collector)' || name === '(program)' || name === '(idle)') return 'runtime';
  if (file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.ts')) return 'app';
  // A Go toolchain fetched through the module proxy has its GOROOT in the module cache.
  if (/\/golang\.org\/toolchain@[^/]+\/src\//.test(file)) return 'stdlib';
  if (file.includes('/vendor/') || file.includes('/pkg/mod/')) return 'thirdparty';
  const pkg = goPackage(name);
  if (thirdPartyPrefixes.some((p) => pkg.startsWith(p) || `${pkg}/`.startsWith(p))) return 'thirdparty';
  const first = pkg.split('/')[0];
  if (stdlibRoots.has(first)) return 'stdlib';
  return 'app';
}

