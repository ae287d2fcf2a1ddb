package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
)

// Both pool modes hold 8 connections and run a 100 ms query: under 200
// requests a second, requests queue for a connection.
const poolSize = 8
const slowQuery = "SELECT $1::int FROM pg_sleep(0.1)"

func poolHealth(inUse, max int, waited bool) map[string]interface{} {
	status := "OK"
	if inUse >= max && waited {
		status = "CRITICAL"
	}
	return map[string]interface{}{"status": status, "activeConnections": inUse, "maxPoolSize": max}
}

// poolMetrics is what a service exports about its pool: in use, the cap,
// and the time spent waiting for a connection.
func poolMetrics(inUse, max, waitSeconds func() float64) prometheus.Collector {
	return collectors{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "target_db_pool_in_use_connections", Help: "Connections in use."}, inUse),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "target_db_pool_max_connections", Help: "The pool's cap."}, max),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "target_db_pool_wait_seconds_total", Help: "Time requests spent waiting for a connection."}, waitSeconds),
	}
}

type collectors []prometheus.Collector

func (c collectors) Describe(ch chan<- *prometheus.Desc) {
	for _, x := range c {
		x.Describe(ch)
	}
}

func (c collectors) Collect(ch chan<- prometheus.Metric) {
	for _, x := range c {
		x.Collect(ch)
	}
}

var pgx *pgxpool.Pool

// loadOrder is the pgxpool fault: a slow query on a small pool. A request
// that waited for a connection says so in the request log, as services do.
func loadOrder(ctx context.Context, id int) error {
	ctx, end := startSpan(ctx, "SELECT orders")
	t0 := time.Now()
	conn, err := pgx.Acquire(ctx)
	if err != nil {
		end(err)
		return err
	}
	if waited := time.Since(t0); waited > 50*time.Millisecond {
		logEvent(ctx, "warn", "waiting for a free connection from the pool", map[string]interface{}{"waited_ms": waited.Milliseconds(), "pool_size": poolSize})
	}
	var n int
	err = conn.QueryRow(ctx, slowQuery, id).Scan(&n)
	conn.Release()
	end(err)
	return err
}

func newPgxPool(url string) (*fault, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = poolSize
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if pgx, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, err
	}
	if err := pgx.Ping(ctx); err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %v", url, err)
	}
	var lastEmpty int64
	return &fault{
		work: loadOrder,
		health: func() map[string]interface{} {
			s := pgx.Stat()
			empty := s.EmptyAcquireCount()
			waited := empty > lastEmpty
			lastEmpty = empty
			return poolHealth(int(s.AcquiredConns()), int(s.MaxConns()), waited)
		},
		collector: poolMetrics(
			func() float64 { return float64(pgx.Stat().AcquiredConns()) },
			func() float64 { return float64(pgx.Stat().MaxConns()) },
			func() float64 { return pgx.Stat().AcquireDuration().Seconds() },
		),
	}, nil
}

var db *sql.DB

// loadOrderSQL is the sqlpool fault: the same query through database/sql.
func loadOrderSQL(ctx context.Context, id int) error {
	ctx, end := startSpan(ctx, "SELECT orders")
	var n int
	err := db.QueryRowContext(ctx, slowQuery, id).Scan(&n)
	end(err)
	return err
}

func newSQLPool(url string) (*fault, error) {
	var err error
	if db, err = sql.Open("pgx", url); err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %v", url, err)
	}
	return &fault{
		work: loadOrderSQL,
		health: func() map[string]interface{} {
			s := db.Stats()
			return poolHealth(s.InUse, s.MaxOpenConnections, s.WaitCount > 0)
		},
		collector: poolMetrics(
			func() float64 { return float64(db.Stats().InUse) },
			func() float64 { return float64(db.Stats().MaxOpenConnections) },
			func() float64 { return db.Stats().WaitDuration.Seconds() },
		),
	}, nil
}
