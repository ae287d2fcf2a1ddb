package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// A JSON line per request (-log FILE): its time, outcome and duration, and the
// trace and span it was served in, as services that join logs to traces write them.
var (
	requestLog   *os.File
	requestLogMu sync.Mutex
)

func openRequestLog(path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatalf("-log: %v", err)
	}
	requestLog = f
}

func logRequest(ctx context.Context, what string, d time.Duration, err error) {
	if err != nil {
		logEvent(ctx, "error", what+" failed", map[string]interface{}{"ms": d.Milliseconds(), "error": err.Error()})
		return
	}
	logEvent(ctx, "info", what+" served", map[string]interface{}{"ms": d.Milliseconds()})
}

// logEvent writes one JSON line: time, level, msg, the fields, and the trace and span of ctx.
func logEvent(ctx context.Context, level, msg string, fields map[string]interface{}) {
	if requestLog == nil {
		return
	}
	entry := map[string]interface{}{"time": time.Now().UTC().Format(time.RFC3339Nano), "level": level, "msg": msg}
	for k, v := range fields {
		entry[k] = v
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		entry["trace_id"] = sc.TraceID().String()
		entry["span_id"] = sc.SpanID().String()
	}
	b, _ := json.Marshal(entry)
	requestLogMu.Lock()
	requestLog.Write(append(b, '\n'))
	requestLogMu.Unlock()
}
