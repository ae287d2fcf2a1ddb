// A Go service that misbehaves on purpose, for rca-bot's tests, built on the
// libraries real services use: pgx against the machine's PostgreSQL, gRPC,
// prometheus/client_golang and the OpenTelemetry SDK. It serves
// net/http/pprof (block and mutex profiling on), GET /work (the request path
// the faults live on), GET /health (a JSON probe), GET /stats (requests so
// far), GET /metrics and POST /fault?on=true|false (the fault switched on or
// off while serving; -fault-off starts without it), /debug/flightrecorder with
// -flightrecorder (Go 1.25+: the last seconds of execution trace), and prints "listening <addr>" once ready. With
// OTEL_EXPORTER_OTLP_ENDPOINT set it exports its spans; -log FILE appends a
// JSON line per request carrying the trace and span it was served in.
//
// Modes (-mode):
//
//	healthy   /work does a little of everything, nothing dominates
//	cpu       /work burns CPU checksumming records
//	regexp    /work compiles a regular expression on every request
//	lock      /work holds one global sync.Mutex while it works
//	rwlock    /work reads under a sync.RWMutex that a writer keeps taking
//	pgxpool   /work runs a slow query (pg_sleep) on a pgxpool of 8 against PostgreSQL (also -mode pool)
//	sqlpool   the same through database/sql and pgx's stdlib driver
//	grpc      /work calls a gRPC dependency (its own child process) that answers slowly
//	httpdep   /work calls an HTTP dependency (the same child process) that answers slowly
//	leak      /work starts a goroutine that waits forever on a channel nobody else holds
//	bodyleak  /work calls an HTTP dependency and never closes the response body
//	memory    /work caches 256 KiB per request and never evicts
//	gc        /work allocates megabytes of short-lived garbage
//	churn     retains ~64 MB at start, frees it after -free-after
//	sched     GOMAXPROCS=1 and a CPU-bound background goroutine: requests wait for the P
//	stw       20,000 parked goroutines and a watchdog dumping all their stacks: stop-the-world pauses
//	fsync     /work appends to a journal file and fsyncs it: syscalls on the request path
//	pipeline  /work is a trace task with parse, route, execute and render regions; execute stalls
//
// The same binary generates load from a separate process, so that the load
// does not show in the target's profiles:
//
//	target -load http://127.0.0.1:PORT/work -rate 200 -concurrency 32
//
// and serves the dependencies of the grpc, httpdep and bodyleak modes (-mode downstream).
//
// The code keeps to what Go 1.19 has, so one source builds on every toolchain
// of the matrix; go.mod names current libraries, go.122.mod and go.119.mod
// the newest ones that older toolchains can build.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "target_requests_total", Help: "Requests to /work by outcome."}, []string{"code"})
	latency  = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "target_request_duration_seconds", Help: "Time to serve /work.", Buckets: prometheus.DefBuckets})
	// The client side of a call to a dependency, by the dependency's name.
	downstreamLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "target_downstream_duration_seconds", Help: "Time a call to a dependency took.", Buckets: prometheus.DefBuckets}, []string{"peer"})
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	mode := flag.String("mode", "healthy", "fault mode (see the package comment)")
	freeAfter := flag.Duration("free-after", time.Second, "churn: when to free the retained memory")
	contention := flag.Bool("contention", true, "enable block and mutex profiling")
	pgURL := flag.String("pg", envOr("RCA_TARGET_PG", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL for pgxpool and sqlpool")
	load := flag.String("load", "", "generate load against this URL instead of serving")
	concurrency := flag.Int("concurrency", 32, "load: most requests in flight")
	rate := flag.Int("rate", 200, "load: requests per second")
	logPath := flag.String("log", "", "append a JSON line per request (with its trace id) to this file")
	faultOff := flag.Bool("fault-off", false, "start with the fault off: requests take the healthy path until POST /fault?on=true")
	flight := flag.Bool("flightrecorder", false, "keep a flight recorder (Go 1.25+) and serve its snapshot at /debug/flightrecorder")
	flag.Parse()

	if *load != "" {
		generateLoad(*load, *rate, *concurrency)
		return
	}
	if *mode == "downstream" {
		serveDownstream(*addr)
		return
	}
	if *contention {
		runtime.SetBlockProfileRate(10000)
		runtime.SetMutexProfileFraction(5)
	}
	shutdown := startTracing(*mode)
	defer shutdown()
	openRequestLog(*logPath)

	f, err := newFault(*mode, *pgURL)
	if err != nil {
		log.Fatalf("%s: %v", *mode, err)
	}
	if *mode == "churn" {
		churn(*freeAfter)
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(requests, latency, downstreamLatency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	if f.collector != nil {
		registry.MustRegister(f.collector)
	}

	// The fault can be switched on and off while serving (POST /fault?on=true|false): a drill's incident starts and ends.
	var faulty atomic.Bool
	faulty.Store(!*faultOff)
	http.HandleFunc("/fault", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST /fault?on=true|false", http.StatusMethodNotAllowed)
			return
		}
		faulty.Store(r.URL.Query().Get("on") != "false")
		fmt.Fprintf(w, "{\"fault\":%v}\n", faulty.Load())
	})

	var mu sync.Mutex
	next := 0
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		mu.Lock()
		next++
		id := next
		mu.Unlock()
		ctx, end := startSpan(r.Context(), "GET /work")
		var err error
		switch {
		case faulty.Load():
			err = f.work(ctx, id)
		case f.calm != nil:
			f.calm(ctx, id)
		default:
			healthyWork()
		}
		logRequest(ctx, "GET /work", time.Since(t0), err)
		end(err)
		latency.Observe(time.Since(t0).Seconds())
		if err != nil {
			requests.WithLabelValues("503").Inc()
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		requests.WithLabelValues("200").Inc()
		fmt.Fprintln(w, `{"ok":true}`)
	})
	http.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(map[string]int{"requests": next})
	})
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(f.health())
	})
	http.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	if *flight {
		snapshot, err := startFlightRecorder()
		if err != nil {
			log.Fatalf("flight recorder: %v", err)
		}
		http.HandleFunc("/debug/flightrecorder", snapshot)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// generateLoad sends `rate` requests a second, with at most `concurrency`
// in flight (a request that would exceed it waits), until killed.
func generateLoad(url string, rate, concurrency int) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	fmt.Println("loading", url)
	slots := make(chan struct{}, concurrency)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for range tick.C {
		slots <- struct{}{}
		go func() {
			defer func() { <-slots }()
			req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			drain(resp)
		}()
	}
}
