package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A fault is what /work does in one mode, what /health says, and the
// metrics it adds.
type fault struct {
	work func(ctx context.Context, id int) error
	// calm is the request path while the fault is off, where it is not healthyWork.
	calm      func(ctx context.Context, id int)
	health    func() map[string]interface{}
	collector prometheus.Collector
}

func ok() map[string]interface{} { return map[string]interface{}{"status": "OK"} }

func newFault(mode, pgURL string) (*fault, error) {
	plain := func(fn func(id int)) *fault {
		return &fault{work: func(_ context.Context, id int) error { fn(id); return nil }, health: ok}
	}
	if f, err := traceFault(mode); f != nil || err != nil {
		return f, err
	}
	switch mode {
	case "healthy":
		return plain(func(int) { healthyWork() }), nil
	case "cpu":
		return plain(func(int) { checksumRecords(3000) }), nil
	case "regexp":
		return plain(func(id int) { validateSKU(fmt.Sprintf("TECH-%06d-JP", id)) }), nil
	case "lock":
		return plain(func(int) { updateInventory() }), nil
	case "rwlock":
		go refreshPrices()
		return plain(func(id int) { lookupPrice(id) }), nil
	case "leak":
		return plain(notifyLater), nil
	case "memory":
		return plain(rememberResponse), nil
	case "gc":
		buildCatalogue(2000000)
		return plain(func(int) { bufferPages(200) }), nil
	case "churn":
		return plain(func(int) { healthyWork() }), nil
	case "pool", "pgxpool":
		return newPgxPool(pgURL)
	case "sqlpool":
		return newSQLPool(pgURL)
	case "grpc":
		return newGRPCFault()
	case "httpdep":
		return httpFault("/rates", fetchRates)
	case "bodyleak":
		return httpFault("/quote", fetchQuote)
	}
	return nil, fmt.Errorf("unknown mode")
}

var (
	global sync.Mutex
	served int
)

func healthyWork() {
	checksumRecords(20)
	renderRecords(20)
	global.Lock()
	served++
	global.Unlock()
}

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

// skuRules are the formats an order's SKU may take, one per region and product line.
var skuRules = func() []string {
	var rules []string
	for _, region := range []string{"EU", "US", "APAC", "LATAM", "MEA", "UK", "CN", "JP"} {
		for _, line := range []string{"BOOK", "TOY", "FOOD", "TECH"} {
			rules = append(rules, `^(?i)`+line+`-(\d{4,8})-`+region+`(-[A-Z0-9]{2,6}){0,4}(\.(v\d+|beta|rc\d*))?(/[a-z0-9_-]{1,32}){0,3}$`)
		}
	}
	return rules
}()

// validateSKU is the regexp fault: every rule is compiled again on every
// call instead of once at start-up.
func validateSKU(sku string) bool {
	for _, rule := range skuRules {
		if regexp.MustCompile(rule).MatchString(sku) {
			return true
		}
	}
	return false
}

// updateInventory is the lock fault: slow work inside one global mutex.
func updateInventory() {
	global.Lock()
	defer global.Unlock()
	checksumRecords(30)
	time.Sleep(5 * time.Millisecond)
	served++
}

var (
	pricesMu sync.RWMutex
	prices   = map[int]float64{}
)

// lookupPrice is a reader of the rwlock fault.
func lookupPrice(id int) float64 {
	pricesMu.RLock()
	defer pricesMu.RUnlock()
	return prices[id%1000]
}

// refreshPrices is the writer of the rwlock fault: it takes the write lock
// often and holds it long, and a waiting writer keeps new readers out.
func refreshPrices() {
	for i := 0; ; i++ {
		pricesMu.Lock()
		for j := 0; j < 1000; j++ {
			prices[j] = float64(i + j)
		}
		time.Sleep(20 * time.Millisecond)
		pricesMu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

// notifyLater is the leak fault: a goroutine that waits on a channel that
// nothing else can reach, so nothing will ever send on it.
func notifyLater(id int) {
	done := make(chan struct{})
	go func() {
		<-done
		fmt.Println("notified", id)
	}()
}

var (
	cache   = map[int][]byte{}
	cacheMu sync.Mutex
)

// rememberResponse is the memory fault: an unbounded cache.
func rememberResponse(id int) {
	b := make([]byte, 256<<10)
	b[0] = byte(id)
	cacheMu.Lock()
	cache[id] = b
	cacheMu.Unlock()
}

type record struct {
	ID    int
	Name  string
	Tags  []string
	Price float64
}

// catalogue is a large live heap of pointers, which makes every GC cycle expensive.
var catalogue []*record

func buildCatalogue(n int) {
	catalogue = make([]*record, n)
	for i := range catalogue {
		catalogue[i] = &record{ID: i, Name: "item", Tags: []string{"a", "b"}}
	}
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

var lastPage []byte

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

var retained [][]byte

func churn(freeAfter time.Duration) {
	for i := 0; i < 64; i++ {
		retained = append(retained, make([]byte, 1<<20))
	}
	go func() {
		time.Sleep(freeAfter)
		retained = nil
		runtime.GC()
	}()
}
