// A Go service that misbehaves on purpose, for rca-bot's tests. Standard
// library only. It serves net/http/pprof (block and mutex profiling on),
// GET /work (the request path the faults live on), GET /health (a JSON
// probe) and GET /stats (requests so far), and prints "listening <addr>" once ready.
//
// Modes (-mode):
//
//	healthy  /work does a little of everything, nothing dominates
//	cpu      /work burns CPU checksumming records
//	lock     /work holds one global mutex while it works
//	pool     /work queries a database/sql pool of 8 connections, each query slow
//	leak     /work starts a goroutine that waits forever
//	memory   /work caches 256 KiB per request and never evicts
//	gc       /work allocates megabytes of short-lived garbage
//	churn    retains ~64 MB at start, frees it after -free-after
//
// The same binary generates load from a separate process, so that the load
// does not show in the target's profiles:
//
//	target -load http://127.0.0.1:PORT/work -concurrency 16
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	retained [][]byte
	cache    = map[int][]byte{}
	cacheMu  sync.Mutex
	global   sync.Mutex
	served   int
	db       *sql.DB
	stuck    = make(chan struct{})
)

// checksumRecords is the CPU fault: far more hashing than a request needs.
func checksumRecords(n int) [32]byte {
	var sum [32]byte
	buf := make([]byte, 4096)
	for i := 0; i < n; i++ {
		buf[i%len(buf)] = byte(i)
		sum = sha256.Sum256(buf)
	}
	return sum
}

// updateInventory is the lock fault: slow work inside one global mutex.
func updateInventory() {
	global.Lock()
	defer global.Unlock()
	checksumRecords(30)
	time.Sleep(5 * time.Millisecond)
	served++
}

// loadOrder is the pool fault: a slow query on a small pool.
func loadOrder(ctx context.Context) error {
	rows, err := db.QueryContext(ctx, "SELECT * FROM orders WHERE id = ?", 42)
	if err != nil {
		return err
	}
	return rows.Close()
}

// notifyLater is the leak fault: a goroutine that waits for a signal that never comes.
func notifyLater(id int) {
	go func() {
		<-stuck
		fmt.Println("notified", id)
	}()
}

// rememberResponse is the memory fault: an unbounded cache.
func rememberResponse(id int) {
	b := make([]byte, 256<<10)
	b[0] = byte(id)
	cacheMu.Lock()
	cache[id] = b
	cacheMu.Unlock()
}

// catalogue is a large live heap of pointers, which makes every GC cycle expensive.
var catalogue []*record

func buildCatalogue(n int) {
	catalogue = make([]*record, n)
	for i := range catalogue {
		catalogue[i] = &record{ID: i, Name: "item", Tags: []string{"a", "b"}}
	}
}

type record struct {
	ID    int
	Name  string
	Tags  []string
	Price float64
}

// renderRecords formats records as JSON.
func renderRecords(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		r := &record{ID: i, Name: fmt.Sprintf("item-%d", i), Tags: []string{"a", "b", "c"}, Price: float64(i)}
		b, _ := json.Marshal(r)
		total += len(strings.ToUpper(string(b)))
	}
	return total
}

// bufferPages is the GC fault: megabytes of short-lived buffers per request,
// on top of a large live heap that every collection has to mark.
func bufferPages(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		page := make([]byte, 32<<10)
		page[i%len(page)] = byte(i)
		lastPage = page // escapes, so it is a heap allocation
		total += int(page[0])
	}
	return total
}

var lastPage []byte

func work(mode string, id int, r *http.Request) error {
	switch mode {
	case "cpu":
		checksumRecords(3000)
	case "lock":
		updateInventory()
	case "pool":
		return loadOrder(r.Context())
	case "leak":
		notifyLater(id)
	case "memory":
		rememberResponse(id)
	case "gc":
		bufferPages(200)
	default:
		checksumRecords(20)
		renderRecords(20)
		global.Lock()
		served++
		global.Unlock()
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	mode := flag.String("mode", "healthy", "healthy, cpu, lock, pool, leak, memory, gc or churn")
	freeAfter := flag.Duration("free-after", time.Second, "churn: when to free the retained memory")
	contention := flag.Bool("contention", true, "enable block and mutex profiling")
	load := flag.String("load", "", "generate load against this URL instead of serving")
	concurrency := flag.Int("concurrency", 32, "load: most requests in flight")
	rate := flag.Int("rate", 200, "load: requests per second")
	flag.Parse()

	if *load != "" {
		generateLoad(*load, *rate, *concurrency)
		return
	}
	if *contention {
		runtime.SetBlockProfileRate(10000)
		runtime.SetMutexProfileFraction(5)
	}
	db = sql.OpenDB(slowConnector{})
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)

	var mu sync.Mutex
	next := 0
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		next++
		id := next
		mu.Unlock()
		if err := work(*mode, id, r); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, `{"ok":true}`)
	})
	http.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(map[string]int{"requests": next})
	})
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		s := db.Stats()
		status := "OK"
		if s.InUse >= s.MaxOpenConnections && s.WaitCount > 0 {
			status = "CRITICAL"
		}
		json.NewEncoder(w).Encode(map[string]any{"status": status, "activeConnections": s.InUse, "maxPoolSize": s.MaxOpenConnections})
	})

	if *mode == "gc" {
		buildCatalogue(2_000_000)
	}
	if *mode == "churn" {
		for i := 0; i < 64; i++ {
			retained = append(retained, make([]byte, 1<<20))
		}
		go func() {
			time.Sleep(*freeAfter)
			retained = nil
			runtime.GC()
		}()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
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
			resp, err := client.Get(url)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
}

// A database/sql driver whose queries take 100 ms: with 8 connections and
// more requests than that in flight, requests queue for a connection.
type slowConnector struct{}

func (slowConnector) Connect(context.Context) (driver.Conn, error) { return slowConn{}, nil }
func (slowConnector) Driver() driver.Driver                        { return nil }

type slowConn struct{}

func (slowConn) Prepare(query string) (driver.Stmt, error) { return slowStmt{}, nil }
func (slowConn) Close() error                              { return nil }
func (slowConn) Begin() (driver.Tx, error)                 { return nil, errors.New("no transactions") }

type slowStmt struct{}

func (slowStmt) Close() error                                    { return nil }
func (slowStmt) NumInput() int                                   { return -1 }
func (slowStmt) Exec(args []driver.Value) (driver.Result, error) { return nil, errors.New("read only") }
func (slowStmt) Query(args []driver.Value) (driver.Rows, error) {
	time.Sleep(100 * time.Millisecond)
	return &oneRow{}, nil
}

type oneRow struct{ done bool }

func (*oneRow) Columns() []string { return []string{"id"} }
func (*oneRow) Close() error      { return nil }
func (r *oneRow) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(42)
	return nil
}
