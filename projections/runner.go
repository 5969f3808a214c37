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
	return &Runner{pool: pool, store: store, projections: ps, log: log, changed: make(chan struct{})}, nil
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
// was built by another version of its code is rebuilt first, in a new
// generation, while the old one keeps serving.
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

	var outdated []Projection
	for _, p := range r.projections {
		g, err := ensureActive(ctx, r.pool, p)
		if err != nil {
			return err
		}
		if g.Version != p.Version() {
			outdated = append(outdated, p)
			continue
		}
		router.AddConsumerHandler(p.Name(), p.Name(), sub, r.handler(p))
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	for _, p := range outdated {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.log.Info("read model built by another version; rebuilding", "projection", p.Name(), "version", p.Version())
			if _, err := Rebuild(ctx, r.pool, r.store, p, nil); err != nil {
				r.log.Error("rebuild failed; the old generation keeps serving", "projection", p.Name(), "err", err)
				return
			}
			<-router.Running()
			router.AddConsumerHandler(p.Name(), p.Name(), sub, r.handler(p))
			if err := router.RunHandlers(ctx); err != nil {
				r.log.Error("start handler", "projection", p.Name(), "err", err)
			}
		}()
	}
	if err := router.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("projection router: %w", err)
	}
	return nil
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
