package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// The grpc and bodyleak modes call a dependency in another process: this
// binary again, in -mode downstream, started here and killed with us.
type dependency struct{ grpcAddr, httpAddr string }

func startDownstream() (*dependency, error) {
	cmd := exec.Command(os.Args[0], "-mode", "downstream")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("downstream did not start: %v", err)
	}
	var d dependency
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "listening grpc=%s http=%s", &d.grpcAddr, &d.httpAddr); err != nil {
		return nil, fmt.Errorf("downstream said %q", line)
	}
	return &d, nil
}

// slowInventory answers the health check of the "inventory" service, slowly.
type slowInventory struct {
	healthpb.UnimplementedHealthServer
}

func (slowInventory) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	carrier := propagation.MapCarrier{}
	for k, v := range md {
		if len(v) > 0 {
			carrier[k] = v[0]
		}
	}
	ctx = otel.GetTextMapPropagator().Extract(ctx, carrier)
	_, end := startSpan(ctx, "inventory.Check", asServer)
	time.Sleep(150 * time.Millisecond)
	end(nil)
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func serveDownstream(addr string) {
	shutdown := startTracing("downstream")
	defer shutdown()
	gl, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	hl, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, slowInventory{})
	go func() { log.Fatal(s.Serve(gl)) }()
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"price":42.5,"currency":"EUR"}`)
	})
	mux.HandleFunc("/rates", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		fmt.Fprintln(w, `{"EUR":1,"USD":1.08}`)
	})
	fmt.Printf("listening grpc=%s http=%s\n", gl.Addr(), hl.Addr())
	log.Fatal(http.Serve(hl, mux))
}

var inventory healthpb.HealthClient

// checkStock is the grpc fault's caller: every request waits for the slow
// inventory service.
func checkStock(ctx context.Context, id int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ctx, end := startSpan(ctx, "inventory.Check", asClient, clientSpan("inventory"))
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	ctx = metadata.NewOutgoingContext(ctx, metadata.New(carrier))
	t0 := time.Now()
	_, err := inventory.Check(ctx, &healthpb.HealthCheckRequest{Service: fmt.Sprintf("sku-%d", id%100)})
	downstreamLatency.WithLabelValues("inventory").Observe(time.Since(t0).Seconds())
	end(err)
	return err
}

func newGRPCFault() (*fault, error) {
	d, err := startDownstream()
	if err != nil {
		return nil, err
	}
	conn, err := grpc.Dial(d.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	inventory = healthpb.NewHealthClient(conn)
	return &fault{work: checkStock, health: ok}, nil
}

var quotes = &http.Client{Timeout: 5 * time.Second}

// fetchQuote is the bodyleak fault: every request asks the pricing service
// for a quote and never closes the response body, so the client's
// connection and its two goroutines are never freed.
func fetchQuote(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := quotes.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("quote: HTTP %d", resp.StatusCode)
	}
	return nil
}

var rates = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// fetchRates is the httpdep fault: every request waits for a slow HTTP
// dependency (and closes what it gets back).
func fetchRates(ctx context.Context, url string) error {
	ctx, end := startSpan(ctx, "GET /rates", asClient, clientSpan("rates"))
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err == nil {
		var resp *http.Response
		if resp, err = rates.Do(req); err == nil {
			drain(resp)
		}
	}
	end(err)
	return err
}

// httpFault calls the downstream's HTTP path on every request.
func httpFault(path string, call func(ctx context.Context, url string) error) (*fault, error) {
	d, err := startDownstream()
	if err != nil {
		return nil, err
	}
	url := "http://" + d.httpAddr + path
	return &fault{work: func(ctx context.Context, id int) error { return call(ctx, url) }, health: ok}, nil
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
