package main

import (
	"context"
	"log"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

var tracer trace.Tracer = otel.Tracer("rcatarget")

// startTracing exports spans over OTLP/HTTP when the standard OTEL_EXPORTER_OTLP_*
// variables name an endpoint; otherwise spans go nowhere and cost nothing.
func startTracing(mode string) func() {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return func() {}
	}
	if os.Getenv("OTEL_SERVICE_NAME") == "" {
		os.Setenv("OTEL_SERVICE_NAME", "target-"+mode)
	} else if mode == "downstream" {
		// TARGET_DOWNSTREAM_NAME names the dependency as a drill wants it ("inventory").
		name := os.Getenv("TARGET_DOWNSTREAM_NAME")
		if name == "" {
			name = os.Getenv("OTEL_SERVICE_NAME") + "-downstream"
		}
		os.Setenv("OTEL_SERVICE_NAME", name)
	}
	exp, err := otlptracehttp.New(context.Background())
	if err != nil {
		log.Fatalf("otlp: %v", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)))
	otel.SetTracerProvider(tp)
	tracer = tp.Tracer("rcatarget")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tp.Shutdown(ctx)
	}
}

// startSpan starts a span; the function it returns ends it, recording the error.
func startSpan(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, func(error)) {
	ctx, span := tracer.Start(ctx, name, opts...)
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// clientSpan is a call out to `peer`; serverSpan is a call answered.
func clientSpan(peer string) trace.SpanStartOption {
	return trace.WithAttributes(attribute.String("peer.service", peer))
}

var (
	asClient = trace.WithSpanKind(trace.SpanKindClient)
	asServer = trace.WithSpanKind(trace.SpanKindServer)
)
