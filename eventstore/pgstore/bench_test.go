package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/migrate"
)

// Benchmarks of the PostgreSQL event store. They run only under -bench, on
// a durable (fsync on) cluster unless ECONF_BENCH_FSYNC=off; see
// docs/performance.md.

func migrateStore(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.Up(ctx, pool, pgstore.Migrations)
}

func benchEvents(n int) []eventstore.EventData {
	evs := make([]eventstore.EventData, n)
	at := time.Now()
	for i := range evs {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: "forecast.approved_at_unit",
			Data: json.RawMessage(`{"comment":"同意推荐","at":"2026-09-10T10:00:00+08:00"}`), Metadata: benchdata.Metadata(at)}
	}
	return evs
}

// BenchmarkAppend appends batches of 1 and 10 events, each to a new
// stream, from 1, 4 and 16 concurrent writers; events/s is the rate.
func BenchmarkAppend(b *testing.B) {
	db := benchdata.New(b, migrateStore)
	store := pgstore.New(db.Pool)
	ctx := context.Background()
	for _, batch := range []int{1, 10} {
		for _, writers := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("events=%d/writers=%d", batch, writers), func(b *testing.B) {
				if writers > int(db.Pool.Config().MaxConns) {
					b.Skipf("pool has %d connections", db.Pool.Config().MaxConns)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				var failed atomic.Value
				b.ReportAllocs()
				b.ResetTimer()
				for range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(b.N) {
							evs := benchEvents(batch)
							if _, err := store.Append(ctx, "bench-"+uuid.NewString(), eventstore.NoStream, evs); err != nil {
								failed.Store(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				if err, ok := failed.Load().(error); ok {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkReadStream reads a whole stream of 20 events forwards.
func BenchmarkReadStream(b *testing.B) {
	db := benchdata.New(b, migrateStore)
	store := pgstore.New(db.Pool)
	ctx := context.Background()
	if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), benchdata.NewOrg(), 0, 2000, 4); err != nil {
		b.Fatal(err)
	}
	if _, err := store.Append(ctx, "bench-20", eventstore.NoStream, benchEvents(20)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		evs, err := store.ReadStream(ctx, "bench-20", eventstore.Forwards, 1, 0)
		if err != nil || len(evs) != 20 {
			b.Fatalf("read %d events: %v", len(evs), err)
		}
	}
}

// BenchmarkReadAll reads $all in pages of 256 from the start of a store
// of 10k records (60k events), wrapping around; events/s is the rate.
func BenchmarkReadAll(b *testing.B) {
	db := benchdata.New(b, migrateStore)
	store := pgstore.New(db.Pool)
	ctx := context.Background()
	if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), benchdata.NewOrg(), 0, 10_000, 4); err != nil {
		b.Fatal(err)
	}
	from := eventstore.Start
	read := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		evs, err := store.ReadAll(ctx, from, 256)
		if err != nil {
			b.Fatal(err)
		}
		read += len(evs)
		if len(evs) < 256 {
			from = eventstore.Start
			continue
		}
		from = evs[len(evs)-1].Position
	}
	b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSubscribeCatchUp subscribes to $all from the start and catches
// up with 60k stored events (10k records); one op is one whole catch-up.
func BenchmarkSubscribeCatchUp(b *testing.B) {
	db := benchdata.New(b, migrateStore)
	store := pgstore.New(db.Pool)
	ctx := context.Background()
	const records = 10_000
	if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), benchdata.NewOrg(), 0, records, 4); err != nil {
		b.Fatal(err)
	}
	total := records * benchdata.EventsPerRecord
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sctx, cancel := context.WithCancel(ctx)
		n := 0
		err := store.SubscribeAll(sctx, eventstore.Start, func(context.Context, eventstore.RecordedEvent) error {
			if n++; n == total {
				cancel()
			}
			return nil
		})
		cancel()
		if n != total {
			b.Fatalf("caught up with %d of %d events: %v", n, total, err)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
}
