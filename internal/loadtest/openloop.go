package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Open loop. A closed-loop user sends its next request only once the last
// is answered, so a server that stalls also stalls the load, and the
// requests that would have queued meanwhile are never sent nor timed
// (coordinated omission). In an open-loop run a schedule says when each
// request is due, at a fixed rate (request k at begin + k/rate), whatever
// the answers' speed, and each latency counts from that due time, as wrk2
// and vegeta do: a request that waits for a free user or for the sender
// counts its wait.
//
// The requests still walk the workflows (each workflow's requests depend on
// the answers before them), so the mix is the closed loop's: a due request
// goes to a workflow waiting for its next turn; when none waits, a new
// workflow starts with it, up to Config.Users workflows in flight; past
// that the schedule falls behind, which the latencies then show. When the
// run's time is up nothing more is sent, and the requests in flight are
// waited for (up to openDrain), so the slowest ones are counted too.

// DefaultOpenUsers is the default bound on an open-loop run's workflows
// in flight.
const DefaultOpenUsers = 512

// openDrain is how long an open-loop run waits, after its last due request,
// for those in flight; one still running then counts as "unfinished".
const openDrain = 15 * time.Second

// Saturation: an open-loop step is saturated when the server completes
// fewer requests than offered, when the p99 of all requests exceeds
// saturatedP99, or when more than saturatedErrors of them fail.
const (
	saturatedShare  = 0.95
	saturatedP99    = time.Second
	saturatedErrors = 0.01
)

// errRunOver ends a workflow when the schedule has no more requests.
var errRunOver = errors.New("loadtest: run over")

// OpenLoop is what an open-loop run adds to its report.
type OpenLoop struct {
	// OfferedRate is the schedule's rate, in requests per second.
	OfferedRate float64 `json:"offeredRequestsPerSecond"`
	// Scheduled is how many requests were due in the run's time, Sent how
	// many of them were handed to a workflow (fewer when the run ended
	// with every allowed workflow busy).
	Scheduled int64 `json:"scheduled"`
	Sent      int64 `json:"sent"`
	// MaxBehindMS is the most a due request waited for a workflow to take
	// it (the schedule falling behind; included in its latency).
	MaxBehindMS float64 `json:"maxBehindMs"`
	// MaxInFlight is the most workflows in flight at once.
	MaxInFlight int64 `json:"maxWorkflowsInFlight"`
	// DrainSeconds is how long the requests in flight took to end after the
	// last due time.
	DrainSeconds float64 `json:"drainSeconds"`
	// Saturated tells whether the server kept up; SaturatedBy says why not.
	Saturated   bool   `json:"saturated"`
	SaturatedBy string `json:"saturatedBy,omitempty"`
}

// runOpen is Run's open loop (see above).
func runOpen(ctx context.Context, cfg Config, c *client, firstMonth time.Month) (Report, error) {
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration+openDrain)
	defer cancel()
	permits := make(chan time.Time)
	var started, completed, inFlight, maxInFlight atomic.Int64
	var wg sync.WaitGroup
	user := 0
	// spawn starts a workflow whose first request is due at first; false
	// when cfg.Users are in flight.
	spawn := func(first time.Time) bool {
		if inFlight.Load() >= int64(cfg.Users) {
			return false
		}
		n := inFlight.Add(1)
		for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
		}
		uc := *c
		due := &first
		uc.pace = func(ctx context.Context) (time.Time, error) {
			if due != nil {
				t := *due
				due = nil
				return t, nil
			}
			select {
			case t, ok := <-permits:
				if !ok {
					return time.Time{}, errRunOver
				}
				return t, nil
			case <-ctx.Done():
				return time.Time{}, ctx.Err()
			}
		}
		w := &workflow{c: &uc, year: cfg.PlanYear, user: user, firstMonth: firstMonth}
		user++
		wg.Go(func() {
			defer inFlight.Add(-1)
			for runCtx.Err() == nil {
				n := started.Add(1)
				if n > int64(cfg.Workflows) {
					return
				}
				err := w.run(runCtx, n)
				switch {
				case err == nil:
					completed.Add(1)
				case errors.Is(err, errRunOver):
					return
				}
			}
		})
		return true
	}

	begin := time.Now()
	// Nothing is sent after the run's time, however far behind it is.
	dctx, dcancel := context.WithDeadline(runCtx, begin.Add(cfg.Duration))
	defer dcancel()
	open := &OpenLoop{OfferedRate: cfg.Rate, Scheduled: int64(math.Ceil(cfg.Duration.Seconds() * cfg.Rate))}
	var behind time.Duration
	timer := time.NewTimer(0)
	<-timer.C
dispatch:
	for k := int64(0); ; k++ {
		due := begin.Add(time.Duration(float64(k) * float64(time.Second) / cfg.Rate))
		if due.Sub(begin) >= cfg.Duration {
			break
		}
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-dctx.Done():
				break dispatch
			case <-timer.C:
			}
		}
		select {
		case permits <- due:
		default:
			if !spawn(due) {
				select {
				case permits <- due:
				case <-dctx.Done():
					break dispatch
				}
			}
		}
		open.Sent++
		behind = max(behind, time.Since(due))
	}
	close(permits)
	last := time.Now()
	wg.Wait()
	open.DrainSeconds = time.Since(last).Seconds()
	open.MaxBehindMS = float64(behind.Microseconds()) / 1000
	open.MaxInFlight = maxInFlight.Load()

	rep := c.rec.report(cfg, time.Since(begin), completed.Load())
	rep.Loop, rep.Open = "open", open
	var failed int64
	for _, n := range rep.Errors {
		failed += n
	}
	switch p99 := max(rep.CommandLatency.P99, rep.QueryLatency.P99); {
	case rep.Throughput < saturatedShare*cfg.Rate:
		open.Saturated, open.SaturatedBy = true, fmt.Sprintf("completed %.0f requests/s of %.0f offered", rep.Throughput, cfg.Rate)
	case p99 > float64(saturatedP99.Milliseconds()):
		open.Saturated, open.SaturatedBy = true, fmt.Sprintf("p99 %.0f ms > %s", p99, saturatedP99)
	case rep.Requests > 0 && float64(failed) > saturatedErrors*float64(rep.Requests):
		open.Saturated, open.SaturatedBy = true, fmt.Sprintf("%d of %d requests failed", failed, rep.Requests)
	}
	return rep, nil
}

// RunCurve runs cfg open-loop at each of rates in turn (each for
// cfg.Duration, against the same server) and stops after the first step
// that saturates it.
func RunCurve(ctx context.Context, cfg Config, rates []float64, progress func(Report)) ([]Report, error) {
	var reps []Report
	for _, r := range rates {
		if r <= 0 {
			return reps, fmt.Errorf("rate %v: want requests per second above 0", r)
		}
		cfg.Rate = r
		rep, err := Run(ctx, cfg)
		if err != nil {
			return reps, err
		}
		reps = append(reps, rep)
		if progress != nil {
			progress(rep)
		}
		if rep.Open.Saturated {
			break
		}
	}
	return reps, nil
}

// WriteCurveText prints open-loop reports as a latency-versus-rate table.
func WriteCurveText(w io.Writer, reps []Report) error {
	var b strings.Builder
	b.WriteString("open loop: latency from each request's intended send time (ms); lag: the client's probe (ack → visible in the list); srv: projection lag inside the server (append → committed)\n")
	fmt.Fprintf(&b, "%9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %7s %8s  %s\n", "offered/s", "done/s", "cmd p50", "cmd p99",
		"query p50", "query p99", "lag p50", "lag p99", "srv p50", "srv p99", "errors", "in flight", "saturated")
	for _, r := range reps {
		var failed int64
		for _, n := range r.Errors {
			failed += n
		}
		sat := "no"
		if r.Open != nil && r.Open.Saturated {
			sat = "yes: " + r.Open.SaturatedBy
		}
		var offered float64
		var inFlight int64
		if r.Open != nil {
			offered, inFlight = r.Open.OfferedRate, r.Open.MaxInFlight
		}
		fmt.Fprintf(&b, "%9.0f %9.1f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %7d %8d  %s\n", offered, r.Throughput,
			r.CommandLatency.P50, r.CommandLatency.P99, r.QueryLatency.P50, r.QueryLatency.P99, r.Lag.P50, r.Lag.P99,
			r.ServerLag.P50, r.ServerLag.P99, failed, inFlight, sat)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
