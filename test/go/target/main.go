// A Go service that misbehaves on purpose, for rca-bot's tests. It serves
// net/http/pprof on the given address and prints "listening <addr>" once
// ready. Modes:
//
//	healthy  serves /work cheaply
//	cpu      /work burns CPU in hashRecords
//	churn    retains ~64 MB at start and frees it after -free-after, so a
//	         heap delta over that window has negative in-use values
package main

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"time"
)

var retained [][]byte

func hashRecords(n int) [32]byte {
	var sum [32]byte
	buf := make([]byte, 4096)
	for i := 0; i < n; i++ {
		buf[i%len(buf)] = byte(i)
		sum = sha256.Sum256(buf)
	}
	return sum
}

func retain(mb int) {
	for i := 0; i < mb; i++ {
		retained = append(retained, make([]byte, 1<<20))
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	mode := flag.String("mode", "healthy", "healthy, cpu or churn")
	freeAfter := flag.Duration("free-after", time.Second, "churn: when to free the retained memory")
	contention := flag.Bool("contention", true, "enable block and mutex profiling")
	flag.Parse()

	if *contention {
		runtime.SetBlockProfileRate(10000)
		runtime.SetMutexProfileFraction(5)
	}

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		n := 10
		if *mode == "cpu" {
			n = 20000
		}
		sum := hashRecords(n)
		json.NewEncoder(w).Encode(map[string]string{"sum": fmt.Sprintf("%x", sum[:4])})
	})
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"status": "OK"})
	})

	if *mode == "churn" {
		retain(64)
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
