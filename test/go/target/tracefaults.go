package main

// The faults only an execution trace explains: waiting for a P, stop-the-world
// pauses, syscalls on the request path, and one stage of an annotated request
// pipeline that stalls.

import (
	"context"
	"os"
	"runtime"
	"runtime/trace"
	"time"
)

// rebuildSearchIndex is the sched fault's background work: CPU-bound and
// endless, on a service that runs with GOMAXPROCS=1, so requests wait for
// the only P.
func rebuildSearchIndex() {
	for {
		checksumRecords(500)
	}
}

// parked stands for idle keep-alive connections, one goroutine each.
var parked = make(chan struct{})

func parkIdleConnections(n int) {
	for i := 0; i < n; i++ {
		go func() { <-parked }()
	}
}

// stackWatchdog is the stw fault: a watchdog that logs every goroutine's stack
// several times a second. runtime.Stack(all) stops the world for as long as
// it takes to walk tens of thousands of stacks.
func stackWatchdog() {
	buf := make([]byte, 64<<20)
	for {
		runtime.Stack(buf, true)
		time.Sleep(100 * time.Millisecond)
	}
}

// appendJournal is the fsync fault: every request appends its record to a
// journal file and waits for it to reach the disk.
func appendJournal(f *os.File, id int) error {
	rec := make([]byte, 64<<10)
	rec[0] = byte(id)
	if _, err := f.Write(rec); err != nil {
		return err
	}
	return f.Sync()
}

func openJournal() (*os.File, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "rca-target-journal-*")
	if err != nil {
		return nil, err
	}
	// Unlinked at once: the file lives as long as the process.
	os.Remove(f.Name())
	return f, nil
}

// handleOrder is the pipeline fault: a request annotated as a task with one
// region per stage, where the execute stage stalls (or, with the fault off,
// does not).
func handleOrder(ctx context.Context, id int, stall bool) {
	ctx, task := trace.NewTask(ctx, "order")
	defer task.End()
	trace.Logf(ctx, "order", "id=%d", id)
	trace.WithRegion(ctx, "parse", func() { checksumRecords(3) })
	trace.WithRegion(ctx, "route", func() { checksumRecords(1) })
	trace.WithRegion(ctx, "execute", func() { executeOrder(id, stall) })
	trace.WithRegion(ctx, "render", func() { renderRecords(5) })
}

// executeOrder waits on a settlement step that has become slow.
func executeOrder(id int, stall bool) {
	checksumRecords(2)
	if stall {
		time.Sleep(25 * time.Millisecond)
	} else {
		time.Sleep(3 * time.Millisecond)
	}
}

// traceFault returns the fault of a mode that only a trace explains, or nil.
func traceFault(mode string) (*fault, error) {
	plain := func(fn func(id int) error) *fault {
		return &fault{work: func(_ context.Context, id int) error { return fn(id) }, health: ok}
	}
	switch mode {
	case "sched":
		runtime.GOMAXPROCS(1)
		go rebuildSearchIndex()
		return plain(func(int) error { healthyWork(); return nil }), nil
	case "stw":
		parkIdleConnections(20000)
		go stackWatchdog()
		return plain(func(int) error { healthyWork(); return nil }), nil
	case "fsync":
		f, err := openJournal()
		if err != nil {
			return nil, err
		}
		return plain(func(id int) error { healthyWork(); return appendJournal(f, id) }), nil
	case "pipeline":
		return &fault{work: func(ctx context.Context, id int) error { handleOrder(ctx, id, true); return nil }, calm: func(ctx context.Context, id int) { handleOrder(ctx, id, false) }, health: ok}, nil
	}
	return nil, nil
}
