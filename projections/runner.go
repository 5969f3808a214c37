package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// Runner keeps every read model up to date: each is a handler on a Watermill
// router, fed by a subscriber over $all from the read model's checkpoint.
type Runner struct {
	pool        *pgxpool.Pool
	store       eventstore.Store
	projections []Projection
	log         *slog.Logger

	// A rebuild that fails is retried after rebuildRetryMin, doubling up
	// to rebuildRetryMax.
	rebuildRetryMin, rebuildRetryMax time.Duration
	// stallAfter is how many times in a row a batch may fail, other than
	// for an outage, before the handler looks for the event it cannot
	// apply and stalls there; stallPoll is how often a stalled handler
	// looks for a retry request.
	stallAfter int
	stallPoll  time.Duration

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a checkpoint moves

	// observeLag, when set, is told for each event a live handler applied
	// how long after its append its read model committed it.
	observeLag func(readModel string, lag time.Duration)
}

// ObserveLag has f told, for every event a read model applies live, the
// time from the event's append (its Created) until the read model's
// transaction committed: the projection lag inside the server. Set it
// before Run.
func (r *Runner) ObserveLag(f func(readModel string, lag time.Duration)) { r.observeLag = f }

// Defaults of Runner.stallAfter and Runner.stallPoll. The subscriber waits
// 50 ms after the first failure, doubling up to 5 s: eight failures take
// about six seconds.
const (
	defaultStallAfter = 8
	defaultStallPoll  = 500 * time.Millisecond
)

// NewRunner checks the projections' names and returns a runner for them.
func NewRunner(pool *pgxpool.Pool, store eventstore.Store, log *slog.Logger, ps ...Projection) (*Runner, error) {
	seen := map[string]bool{}
	for _, p := range ps {
		if err := checkProjection(p); err != nil {
			return nil, err
		}
		if seen[p.Name()] {
			return nil, fmt.Errorf("projection %s registered twice", p.Name())
		}
		seen[p.Name()] = true
	}
	return &Runner{pool: pool, store: store, projections: ps, log: log, changed: make(chan struct{}),
		rebuildRetryMin: time.Second, rebuildRetryMax: 5 * time.Minute,
		stallAfter: defaultStallAfter, stallPoll: defaultStallPoll}, nil
}

// Prepare gives every read model an active generation, so queries work
// before the runner has applied anything.
func (r *Runner) Prepare(ctx context.Context) error {
	for _, p := range r.projections {
		if _, err := ensureActive(ctx, r.pool, p); err != nil {
			return err
		}
	}
	return nil
}

// Run applies events until ctx ends. A read model whose active generation
// was built by an older version of its code is rebuilt first, in a new
// generation, while the old one keeps serving; a failed rebuild is retried
// with a backoff. One built by a newer version is left to the newer code:
// this process never writes into it, and stops applying a read model when a
// newer process switches it to a newer generation.
func (r *Runner) Run(ctx context.Context) error {
	err := r.run(ctx)
	if ctx.Err() != nil {
		return nil // stopped as asked
	}
	return err
}

func (r *Runner) run(ctx context.Context) error {
	if err := r.Prepare(ctx); err != nil {
		return err
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, quietWatermill(r.log))
	if err != nil {
		return fmt.Errorf("projection router: %w", err)
	}
	// No retry middleware: a failed batch is nacked and the subscriber
	// delivers it again after a backoff, for as long as the failure is an
	// outage; the handler counts the other failures and stalls (see
	// handler).
	router.AddMiddleware(middleware.Recoverer)
	sub := &allSubscriber{store: r.store, log: r.log, startFrom: r.checkpointOf}
	defer sub.Close() //nolint:errcheck // never fails; the router closes it too

	lv := &live{router: router, sub: sub, handlers: map[string]*message.Handler{}}
	defer lv.wg.Wait()
	// The read models older code built are rebuilt together, in one pass
	// over $all (RebuildMany).
	var older []Projection
	for _, p := range r.projections {
		g, err := ensureActive(ctx, r.pool, p)
		if err != nil {
			return err
		}
		if err := checkVersion(p, g); err != nil {
			if ge := err.(*GenerationError); ge.Newer() {
				r.mismatch(ctx, lv, p, ge)
			} else {
				older = append(older, p)
			}
			continue
		}
		r.addHandler(ctx, lv, p, false)
	}
	if len(older) > 0 {
		lv.wg.Add(1)
		go func() {
			defer lv.wg.Done()
			r.rebuild(ctx, lv, older)
		}()
	}
	// The router closes by itself only once all its handlers have stopped,
	// and waits for a first one forever: with none (every read model left
	// to newer code, or still rebuilding) it would outlive ctx.
	stop := context.AfterFunc(ctx, func() { _ = router.Close() })
	defer stop()
	if err := router.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("projection router: %w", err)
	}
	return nil
}

// live is one run of the router: what a handler needs to stop itself, and
// a rebuild to add the handler of its read model.
type live struct {
	router *message.Router
	sub    *allSubscriber
	wg     sync.WaitGroup // rebuilds

	mu       sync.Mutex
	handlers map[string]*message.Handler
}

// addHandler adds p's handler to the router, and starts it when the router
// is running already.
func (r *Runner) addHandler(ctx context.Context, lv *live, p Projection, running bool) {
	lv.mu.Lock()
	lv.handlers[p.Name()] = lv.router.AddConsumerHandler(p.Name(), p.Name(), lv.sub, r.guard(ctx, lv, p, r.handler(p)))
	lv.mu.Unlock()
	if running {
		if err := lv.router.RunHandlers(ctx); err != nil {
			r.log.Error("start handler", "projection", p.Name(), "err", err)
		}
	}
}

// guard stops p's handler instead of letting it write when the active
// generation turns out to be built by another version of p's code (a
// newer process switched it, or an older one): see mismatch.
func (r *Runner) guard(ctx context.Context, lv *live, p Projection, h message.NoPublishHandlerFunc) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		err := h(msg)
		var ge *GenerationError
		if !errors.As(err, &ge) {
			return err
		}
		lv.mu.Lock()
		handler := lv.handlers[p.Name()]
		delete(lv.handlers, p.Name())
		lv.mu.Unlock()
		if handler == nil {
			return nil // stopped already
		}
		handler.Stop()
		if ctx.Err() == nil {
			lv.wg.Add(1)
			go func() {
				defer lv.wg.Done()
				select { // the router forgets a handler's name once it has stopped
				case <-handler.Stopped():
				case <-ctx.Done():
					return
				}
				r.mismatch(ctx, lv, p, ge)
			}()
		}
		return nil // nothing was written; the stopped handler takes no more
	}
}

// mismatch deals with a read model whose active generation was built by
// another version of its code: an older one is rebuilt (see rebuild), a
// newer one is left to the newer code, and this process applies nothing to
// it.
func (r *Runner) mismatch(ctx context.Context, lv *live, p Projection, ge *GenerationError) {
	if ge.Newer() {
		r.log.Warn("read model built by newer code; this process does not apply events to it (newer processes do)",
			"projection", p.Name(), "generation", ge.Generation, "generation_version", ge.Active, "code_version", ge.Code)
		return
	}
	lv.wg.Add(1)
	go func() {
		defer lv.wg.Done()
		r.rebuild(ctx, lv, []Projection{p})
	}()
}

// rebuild rebuilds ps in one pass over $all (RebuildMany), but those that
// another process rebuilds or rebuilt meanwhile, retrying the ones that
// fail with a backoff, and starts each one's handler once it serves.
func (r *Runner) rebuild(ctx context.Context, lv *live, ps []Projection) {
	wait := newBackoff(r.rebuildRetryMin, r.rebuildRetryMax)
	for attempt := 1; len(ps) > 0; attempt++ {
		var mu sync.Mutex
		failed := map[string]error{}
		var todo []Projection
		for _, p := range ps {
			g, err := r.active(ctx, p.Name())
			if err != nil {
				failed[p.Name()] = err
				continue
			}
			err = checkVersion(p, g)
			var ge *GenerationError
			switch {
			case err == nil: // rebuilt by another process meanwhile
				r.startHandler(ctx, lv, p)
			case errors.As(err, &ge) && ge.Newer():
				r.mismatch(ctx, lv, p, ge)
			default:
				r.log.Info("read model built by another version; rebuilding", "projection", p.Name(), "generation_version", g.Version, "code_version", p.Version())
				todo = append(todo, p)
			}
		}
		RebuildMany(ctx, r.pool, r.store, todo, nil, func(p Projection, _ eventstore.Position, err error) {
			if err == nil {
				r.startHandler(ctx, lv, p)
				return
			}
			mu.Lock()
			failed[p.Name()] = err
			mu.Unlock()
		})
		if ctx.Err() != nil {
			return
		}
		var again []Projection
		for _, p := range ps {
			err, ok := failed[p.Name()]
			if !ok {
				continue
			}
			var ge *GenerationError
			switch {
			case errors.As(err, &ge) && ge.Newer():
				r.mismatch(ctx, lv, p, ge)
				continue
			case errors.Is(err, ErrRebuildRunning):
				r.log.Info("read model is being rebuilt by another process; waiting for it", "projection", p.Name())
			default:
				r.log.Error("rebuild failed; the old generation keeps serving but is not updated; retrying",
					"projection", p.Name(), "attempt", attempt, "retry_in", wait.cur, "err", err)
			}
			again = append(again, p)
		}
		if ps = again; len(ps) > 0 && !wait.sleep(ctx) {
			return
		}
	}
}

// startHandler adds p's handler once the router runs.
func (r *Runner) startHandler(ctx context.Context, lv *live, p Projection) {
	lv.wg.Add(1)
	go func() {
		defer lv.wg.Done()
		select {
		case <-lv.router.Running():
		case <-ctx.Done():
			return
		}
		r.addHandler(ctx, lv, p, true)
	}()
}

// quietWatermill logs Watermill's per-handler chatter at debug level.
func quietWatermill(log *slog.Logger) watermill.LoggerAdapter {
	return watermill.NewSlogLoggerWithLevelMapping(log.With("component", "watermill"), map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
}

func (r *Runner) checkpointOf(ctx context.Context, name string) (eventstore.Position, error) {
	g, err := r.active(ctx, name)
	return g.Checkpoint, err
}

func (r *Runner) active(ctx context.Context, name string) (generation, error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return generation{}, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	return activeGeneration(ctx, tx, name, false)
}

// handler applies one delivered batch of events in one transaction, which
// also moves the checkpoint once; events at or below the checkpoint (a
// redelivery after a commit whose ack was lost) are skipped.
//
// A failed batch is nacked and delivered again after a backoff. An outage
// (the database cannot be reached) is retried for as long as it lasts. Any
// other failure, stallAfter times in a row, makes the handler find the
// event that fails (see isolate): it applies the events before it, records
// a stall naming the event and the error, and waits for a retry request
// while the other read models go on.
func (r *Runner) handler(p Projection) message.NoPublishHandlerFunc {
	failures := 0
	stale := true // a stall row may be left from before: cleared after the first batch applied
	return func(msg *message.Message) error {
		ctx := msg.Context()
		events, err := decodeBatch(msg.Payload)
		if err != nil {
			return fmt.Errorf("%s: decode message %s: %w", p.Name(), msg.UUID, err)
		}
		err = r.apply(ctx, p, events)
		switch {
		case err == nil:
			failures = 0
			if stale && clearStalls(ctx, r.pool, p.Name()) == nil {
				stale = false
			}
			return nil
		case notPoison(ctx, err) && !isOutage(err):
			return err
		case isOutage(err):
			r.log.Warn("read model cannot reach the database; retrying", "projection", p.Name(), "err", err)
			return err
		}
		failures++
		stale = true
		r.log.Warn("read model failed to apply a batch; retrying", "projection", p.Name(), "failures", failures, "err", err)
		if failures < r.stallAfter {
			return err
		}
		failures = 0
		return r.isolate(ctx, p, events)
	}
}

// apply applies events to p and tells waiters, or records the error.
func (r *Runner) apply(ctx context.Context, p Projection, events []eventstore.RecordedEvent) error {
	if len(events) == 0 {
		return nil
	}
	if _, err := applyEvents(ctx, r.pool, p, events); err != nil {
		if ctx.Err() == nil {
			recordError(context.WithoutCancel(ctx), r.pool, p.Name(), err)
		}
		return err
	}
	r.signal()
	if r.observeLag != nil {
		now := time.Now()
		for _, e := range events {
			r.observeLag(p.Name(), now.Sub(e.Created))
		}
	}
	return nil
}

// isolate applies a batch that failed again and again as far as it can: it
// halves the failing part until one event is left whose failure does not
// go away when it is applied on its own, after every event before it. On
// such an event the read model stalls until a retry request, and then
// carries on with the rest of the batch. It returns nil once the whole
// batch is applied, and an error (the batch is delivered again) when an
// outage or the end of ctx interrupts it, or when the failure went away
// while the batch as a whole still fails.
func (r *Runner) isolate(ctx context.Context, p Projection, events []eventstore.RecordedEvent) error {
	for len(events) > 0 {
		lo, hi := 0, len(events) // events[lo:hi] fails after events[:lo]
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if err := r.apply(ctx, p, events[lo:mid]); err == nil {
				lo = mid
			} else if notPoison(ctx, err) {
				return err
			} else {
				hi = mid
			}
		}
		err := r.apply(ctx, p, events[lo:lo+1])
		if err == nil {
			// Not this event on its own: back to the batch.
			return r.apply(ctx, p, events[lo+1:])
		}
		if notPoison(ctx, err) {
			return err
		}
		if err := r.stall(ctx, p, events[lo], err); err != nil {
			return err
		}
		events = events[lo:] // retry requested: from the stalled event on
		if err = r.apply(ctx, p, events); err == nil {
			_ = clearStalls(context.WithoutCancel(ctx), r.pool, p.Name()) // the handler clears it on its next batch otherwise
			r.log.Info("read model resumed", "projection", p.Name(), "event", events[0].ID)
			return nil
		}
		if notPoison(ctx, err) {
			return err
		}
	}
	return nil
}

// notPoison tells the failures that say nothing of the events: ctx ended,
// an outage, a generation built by other code (see guard).
func notPoison(ctx context.Context, err error) bool {
	var ge *GenerationError
	return ctx.Err() != nil || isOutage(err) || errors.As(err, &ge)
}

// stall records that p cannot apply e, then waits until a retry is asked
// for, the stall is gone (a rebuild replaced the generation, or another
// process applied the event), or ctx ends.
func (r *Runner) stall(ctx context.Context, p Projection, e eventstore.RecordedEvent, cause error) error {
	var attempts int
	err := r.pool.QueryRow(ctx, `INSERT INTO projection_stalls AS s (name, generation, kind, event_id, event_type, stream_id, event_number,
			position_commit, position_prepare, error)
		SELECT $1, generation, $2, $3, $4, $5, $6, $7, $8, $9 FROM projection_state WHERE name = $1 AND status = 'active'
		ON CONFLICT (name) DO UPDATE SET generation = EXCLUDED.generation, kind = EXCLUDED.kind, event_type = EXCLUDED.event_type,
			stream_id = EXCLUDED.stream_id, event_number = EXCLUDED.event_number, position_commit = EXCLUDED.position_commit,
			position_prepare = EXCLUDED.position_prepare, error = EXCLUDED.error, last_attempt_at = now(), retry_requested_at = NULL,
			attempts = CASE WHEN s.event_id = EXCLUDED.event_id AND s.generation = EXCLUDED.generation THEN s.attempts + 1 ELSE 1 END,
			since = CASE WHEN s.event_id = EXCLUDED.event_id AND s.generation = EXCLUDED.generation THEN s.since ELSE now() END,
			event_id = EXCLUDED.event_id
		RETURNING attempts`,
		p.Name(), StallApply, e.ID, e.Type, e.StreamID, int64(e.Number), int64(e.Position.Commit), int64(e.Position.Prepare), cause.Error()).Scan(&attempts)
	if err != nil {
		return fmt.Errorf("%s: record the stall at %s %s#%d: %w (stalled by: %w)", p.Name(), e.Type, e.StreamID, e.Number, err, cause)
	}
	r.signal() // waiters for a position past e learn it will not come
	r.log.Error("read model stalled: it cannot apply an event; the other read models go on; fix the cause, then run `econf projections retry "+p.Name()+"`",
		"projection", p.Name(), "event_id", e.ID, "event_type", e.Type, "stream", e.StreamID, "number", e.Number, "position", e.Position.String(),
		"attempts", attempts, "err", cause)
	t := time.NewTicker(r.stallPoll)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		var requested bool
		err := r.pool.QueryRow(ctx, `SELECT coalesce(bool_or(retry_requested_at IS NOT NULL), true) FROM (`+stallSelect+` AND s.name = $1 AND s.event_id = $2) x`,
			p.Name(), e.ID).Scan(&requested)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // an outage: the stall stays until the database answers
		}
		if requested {
			r.log.Info("retrying the event a read model stalled at", "projection", p.Name(), "event_id", e.ID)
			return nil
		}
	}
}

// clearStalls deletes the stall rows of name that no longer stall it: the
// read model got past the event, or a rebuild replaced the generation.
func clearStalls(ctx context.Context, pool *pgxpool.Pool, name string) error {
	_, err := pool.Exec(ctx, `DELETE FROM projection_stalls s WHERE s.name = $1 AND NOT EXISTS (
			SELECT 1 FROM projection_state a WHERE a.name = s.name AND a.generation = s.generation AND a.status = 'active'
				AND (a.checkpoint_commit, a.checkpoint_prepare) < (s.position_commit, s.position_prepare))`, name)
	return err
}

func (r *Runner) signal() {
	r.mu.Lock()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func (r *Runner) changes() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// WaitFor blocks until every named read model (all when none is named) has
// applied the event at pos, or ctx ends. It works whether or not the runner
// applying them is in this process: it re-reads the checkpoints whenever the
// local runner moves one, and every few milliseconds otherwise. A read model
// stalled at an event at or before pos never gets there: WaitFor returns a
// *StalledError naming it at once.
func (r *Runner) WaitFor(ctx context.Context, pos eventstore.Position, names ...string) error {
	if len(names) == 0 {
		for _, p := range r.projections {
			names = append(names, p.Name())
		}
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	for {
		changed := r.changes()
		done, err := r.reached(ctx, pos, names)
		if err != nil || done {
			return err
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// reached tells whether every named read model has applied pos, and returns
// a *StalledError when one is stalled before it.
func (r *Runner) reached(ctx context.Context, pos eventstore.Position, names []string) (bool, error) {
	rows, err := r.pool.Query(ctx, `SELECT name FROM projection_state
		WHERE status = 'active' AND name = ANY($1) AND (checkpoint_commit, checkpoint_prepare) >= ($2, $3)`,
		names, int64(pos.Commit), int64(pos.Prepare))
	if err != nil {
		return false, err
	}
	there, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, err
	}
	if len(there) == len(names) {
		return true, nil
	}
	rows, err = r.pool.Query(ctx, stallSelect+` AND s.name = ANY($1) AND (s.position_commit, s.position_prepare) <= ($2, $3) ORDER BY s.name`,
		names, int64(pos.Commit), int64(pos.Prepare))
	if err != nil {
		return false, err
	}
	stalls, err := pgx.CollectRows(rows, scanStall)
	if err != nil {
		return false, err
	}
	if len(stalls) > 0 {
		return false, &StalledError{Stall: stalls[0]}
	}
	return false, nil
}
