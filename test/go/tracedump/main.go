// tracedump prints every event of a Go execution trace in one canonical text
// form, using golang.org/x/exp/trace (a copy of Go's own internal/trace).
// rca-bot's parser prints the same form; the tests compare the two.
//
//	tracedump FILE...   one block per event, "error: …" if reading stops
//	tracedump -count FILE...   events per file, for the parser bench
//	tracedump -mmu FILE...   the minimum mutator utilization at 1, 10 and 100 ms,
//	                         as go tool trace's MMU page shows it by default
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/exp/trace"
)

func main() {
	count := flag.Bool("count", false, "print the number of events and the time taken, not the events")
	mmu := flag.Bool("mmu", false, "print the minimum mutator utilization, not the events")
	flag.Parse()
	status := 0
	for _, name := range flag.Args() {
		run := func() error { return dump(name, *count) }
		if *mmu {
			run = func() error { return printMMU(name) }
		}
		if err := run(); err != nil {
			status = 1
		}
	}
	os.Exit(status)
}

func dump(name string, count bool) error {
	f, err := os.Open(name)
	if err != nil {
		fmt.Println("error:", err)
		return err
	}
	defer f.Close()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	start := time.Now()
	n := 0
	r, err := trace.NewReader(f)
	if err == nil {
		for {
			var ev trace.Event
			ev, err = r.ReadEvent()
			if err != nil {
				break
			}
			n++
			if !count {
				fmt.Fprintln(out, ev.String())
			}
		}
	}
	if count {
		fmt.Fprintf(out, "%s\t%d\t%d\n", name, n, time.Since(start).Nanoseconds())
	}
	if err == io.EOF {
		return nil
	}
	fmt.Fprintln(out, "error:", err)
	return err
}

// printMMU prints the MMU the way go tool trace's /mmu page computes it with its
// default options: the system view, counting STW, background workers and assists.
func printMMU(name string) error {
	f, err := os.Open(name)
	if err != nil {
		fmt.Println("error:", err)
		return err
	}
	defer f.Close()
	r, err := trace.NewReader(f)
	var events []trace.Event
	for err == nil {
		var ev trace.Event
		if ev, err = r.ReadEvent(); err == nil {
			events = append(events, ev)
		}
	}
	if err != io.EOF {
		fmt.Println("error:", err)
		return err
	}
	util := MutatorUtilizationV2(events, UtilSTW|UtilBackground|UtilAssist)
	if len(util) == 0 {
		fmt.Println("mmu none")
		return nil
	}
	curve := NewMMUCurve(util)
	fmt.Printf("mmu points=%d", len(util[0]))
	for _, w := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond} {
		fmt.Printf(" %v=%.12f", w, curve.MMU(w))
	}
	fmt.Println()
	return nil
}
