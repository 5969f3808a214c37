package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
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

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a checkpoint moves
}

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
		rebuildRetryMin: time.Second, rebuildRetryMax: 5 * time.Minute}, nil
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
	router.AddMiddleware(
		middleware.Recoverer,
		middleware.Retry{MaxRetries: 3, InitialInterval: 50 * time.Millisecond, MaxInterval: time.Second, Multiplier: 2, Logger: quietWatermill(r.log)}.Middleware,
	)
	sub := &allSubscriber{store: r.store, log: r.log, startFrom: r.checkpointOf}
	defer sub.Close() //nolint:errcheck // never fails; the router closes it too

	lv := &live{router: router, sub: sub, handlers: map[string]*message.Handler{}}
	defer lv.wg.Wait()
	for _, p := range r.projections {
		g, err := ensureActive(ctx, r.pool, p)
		if err != nil {
			return err
		}
		if err := checkVersion(p, g); err != nil {
			r.mismatch(ctx, lv, p, err.(*GenerationError))
			continue
		}
		r.addHandler(ctx, lv, p, false)
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
		r.rebuild(ctx, lv, p)
	}()
}

// rebuild rebuilds p, unless another process does or did, retrying with a
// backoff while it fails, then starts its handler.
func (r *Runner) rebuild(ctx context.Context, lv *live, p Projection) {
	wait := newBackoff(r.rebuildRetryMin, r.rebuildRetryMax)
	for attempt := 1; ; attempt++ {
		g, err := r.active(ctx, p.Name())
		var ge *GenerationError
		if err == nil {
			if err = checkVersion(p, g); err == nil {
				break // rebuilt by another process meanwhile
			}
			if errors.As(err, &ge) && ge.Newer() {
				r.mismatch(ctx, lv, p, ge)
				return
			}
			r.log.Info("read model built by another version; rebuilding", "projection", p.Name(), "generation_version", g.Version, "code_version", p.Version())
			_, err = Rebuild(ctx, r.pool, r.store, p, nil)
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		switch {
		case errors.As(err, &ge) && ge.Newer():
			r.mismatch(ctx, lv, p, ge)
			return
		case errors.Is(err, ErrRebuildRunning):
			r.log.Info("read model is being rebuilt by another process; waiting for it", "projection", p.Name())
		default:
			r.log.Error("rebuild failed; the old generation keeps serving but is not updated; retrying",
				"projection", p.Name(), "attempt", attempt, "retry_in", wait.cur, "err", err)
		}
		if !wait.sleep(ctx) {
			return
		}
	}
	select {
	case <-lv.router.Running():
	case <-ctx.Done():
		return
	}
	r.addHandler(ctx, lv, p, true)
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
func (r *Runner) handler(p Projection) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		events, err := decodeBatch(msg.Payload)
		if err != nil {
			return fmt.Errorf("%s: decode message %s: %w", p.Name(), msg.UUID, err)
		}
		if _, err := applyEvents(msg.Context(), r.pool, p, events); err != nil {
			if msg.Context().Err() == nil {
				recordError(context.WithoutCancel(msg.Context()), r.pool, p.Name(), err)
			}
			return err
		}
		r.signal()
		return nil
	}
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
// local runner moves one, and every few milliseconds otherwise.
func (r *Runner) WaitFor(ctx context.Context, pos eventstore.Position, names ...string) error {
	if len(names) == 0 {
		for _, p := range r.projections {
			names = append(names, p.Name())
		}
	}
	for {
		changed := r.changes()
		done := true
		for _, n := range names {
			cp, err := r.checkpointOf(ctx, n)
			if errors.Is(err, errNoActive) {
				done = false // not prepared yet
				break
			}
			if err != nil {
				return err
			}
			if cp.Less(pos) {
				done = false
				break
			}
		}
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
