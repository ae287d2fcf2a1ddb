// tracedump prints every event of a Go execution trace in one canonical text
// form, using golang.org/x/exp/trace (a copy of Go's own internal/trace).
// rca-bot's parser prints the same form; the tests compare the two.
//
//	tracedump FILE...   one block per event, "error: …" if reading stops
//	tracedump -count FILE...   events per file, for the parser bench
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
	flag.Parse()
	status := 0
	for _, name := range flag.Args() {
		if err := dump(name, *count); err != nil {
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
