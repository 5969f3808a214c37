package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster"
)

// Standby is a streaming hot standby of a cluster the load tool started,
// made as the tests make one: pg_basebackup -R of the running primary into
// a new folder, started from the machine's binaries.
type Standby struct {
	*pgcluster.Cluster
	dir string
}

// StartStandby copies primary (pg_basebackup -R) and starts the copy as its
// hot standby, durable as primary is when durable is true.
func StartStandby(ctx context.Context, primary *pgcluster.Cluster, durable bool) (*Standby, error) {
	dir, err := os.MkdirTemp("", "econf-load-standby-")
	if err != nil {
		return nil, err
	}
	if err := primary.BaseBackup(ctx, dir); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Durable: durable, Log: io.Discard})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start the standby: %w", err), os.RemoveAll(dir))
	}
	return &Standby{Cluster: c, dir: dir}, nil
}

// Close stops the standby and removes its folder.
func (s *Standby) Close() error {
	return errors.Join(s.Cluster.Close(), os.RemoveAll(s.dir))
}

// ReplicationLag is the standbys' replay lag over a run, as the primary's
// pg_stat_replication saw it every SampleMS: replay_lag (the time from the
// primary's flush of recent WAL until the standby replayed it; caught up
// and idle counts as 0) and the bytes of WAL sent but not yet replayed.
type ReplicationLag struct {
	Samples  int64   `json:"samples"`
	SampleMS float64 `json:"sampleMs"`
	// Replay is replay_lag over the samples, in milliseconds.
	Replay Stats `json:"replayLag"`
	// BytesP50, BytesP99 and BytesMax are the WAL not yet replayed.
	BytesP50 float64 `json:"behindBytesP50"`
	BytesP99 float64 `json:"behindBytesP99"`
	BytesMax float64 `json:"behindBytesMax"`
	// Missing counts the samples that found no standby streaming.
	Missing int64 `json:"noStandbySamples"`
}

// ReplicationSampler samples pg_stat_replication on the primary until
// Stop.
type ReplicationSampler struct {
	every  time.Duration
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	lag     []time.Duration
	bytes   []float64
	missing int64
}

// SampleReplication starts sampling the primary's pg_stat_replication
// through pool every interval.
func SampleReplication(ctx context.Context, pool *pgxpool.Pool, every time.Duration) *ReplicationSampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &ReplicationSampler{every: every, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample(ctx, pool)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *ReplicationSampler) sample(ctx context.Context, pool *pgxpool.Pool) {
	var lagSec, behind *float64
	err := pool.QueryRow(ctx, `SELECT EXTRACT(epoch FROM replay_lag)::float8,
		pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8
		FROM pg_stat_replication WHERE state = 'streaming' ORDER BY replay_lag DESC NULLS LAST LIMIT 1`).Scan(&lagSec, &behind)
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.missing++
		return
	}
	var lag time.Duration
	if lagSec != nil {
		lag = time.Duration(*lagSec * float64(time.Second))
	}
	var b float64
	if behind != nil {
		b = max(0, *behind)
	}
	s.lag = append(s.lag, lag)
	s.bytes = append(s.bytes, b)
}

// Stop ends the sampling and summarises it.
func (s *ReplicationSampler) Stop() ReplicationLag {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.Sort(s.bytes)
	at := func(q float64) float64 {
		if len(s.bytes) == 0 {
			return 0
		}
		return s.bytes[max(0, min(int(q*float64(len(s.bytes))+0.5)-1, len(s.bytes)-1))]
	}
	return ReplicationLag{Samples: int64(len(s.lag)), SampleMS: float64(s.every.Microseconds()) / 1000,
		Replay: summarise(s.lag), BytesP50: at(0.5), BytesP99: at(0.99), BytesMax: at(1), Missing: s.missing}
}
