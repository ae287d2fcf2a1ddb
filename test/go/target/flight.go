//go:build go1.25

package main

import (
	"net/http"
	"runtime/trace"
	"time"
)

// startFlightRecorder keeps the last seconds of execution trace in memory
// (Go 1.25's runtime/trace.FlightRecorder) and serves a snapshot of them:
// what a service adds so that rca-bot can see the seconds before an alert.
func startFlightRecorder() (http.HandlerFunc, error) {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: 5 * time.Second, MaxBytes: 32 << 20})
	if err := fr.Start(); err != nil {
		return nil, err
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		fr.WriteTo(w)
	}, nil
}
