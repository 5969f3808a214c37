package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// rebuildBatch is how many events one rebuild transaction applies (a
// variable for the tests).
var rebuildBatch = 2000

// Progress is told how far a rebuild has got.
type Progress func(applied int, at eventstore.Position)

// ErrRebuildRunning: a rebuild of the read model is already running, in
// this process or another; two would share one generation's schema.
var ErrRebuildRunning = errors.New("a rebuild of this read model is already running")

// Rebuild builds p afresh in a new generation from the start of $all while
// the active generation keeps serving, then switches the rm views to it and
// drops the old one. The switch happens with the old generation locked, after
// applying the last events, so no event is lost or applied twice in between.
//
// One rebuild of a read model runs at a time across processes (an advisory
// lock): another answers ErrRebuildRunning at once. A rebuild never
// replaces a generation built by a newer version of p's code (a
// *GenerationError); Downgrade does that on purpose.
func Rebuild(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, p Projection, progress Progress) (eventstore.Position, error) {
	return rebuildOne(ctx, pool, store, p, progress, false)
}

// Downgrade is Rebuild, allowed to replace a generation built by a newer
// version of p's code: to go back to an older release.
func Downgrade(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, p Projection, progress Progress) (eventstore.Position, error) {
	return rebuildOne(ctx, pool, store, p, progress, true)
}

func rebuildOne(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, p Projection, progress Progress, older bool) (eventstore.Position, error) {
	var at eventstore.Position
	var err error
	rebuildMany(ctx, pool, store, []Projection{p}, progress, older, func(_ Projection, pos eventstore.Position, e error) { at, err = pos, e })
	return at, err
}

// Rebuilt is told the outcome of one read model's rebuild in RebuildMany:
// the position it was rebuilt up to and switched at, or why not (as
// Rebuild would return them).
type Rebuilt func(p Projection, at eventstore.Position, err error)

// RebuildMany rebuilds each of ps as Rebuild does (each in a generation of
// its own, under its own lock, switched on its own with the same
// guarantees) in one pass over $all: each batch is read once, decoded once
// (a sharedBatch) and applied to every read model still building, up to
// rebuildWorkers of them at once on connections of their own. done is told
// each read model's outcome: a failure as soon as it is known (the others
// go on), a success once its generation serves. progress, when given, is
// told how many events of $all the pass has gone through. RebuildMany
// returns once done has been told of every read model.
func RebuildMany(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, ps []Projection, progress Progress, done Rebuilt) {
	rebuildMany(ctx, pool, store, ps, progress, false, done)
}

// DowngradeMany is RebuildMany allowed to replace generations built by
// newer versions of the code (Downgrade).
func DowngradeMany(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, ps []Projection, progress Progress, done Rebuilt) {
	rebuildMany(ctx, pool, store, ps, progress, true, done)
}

// rebuildWorkers is how many read models of a RebuildMany apply a batch at
// once, each in a transaction on a pool connection of its own: enough to
// keep the server busy while Go works, few enough to leave the pool to
// the queries and the live read models of a serve that rebuilds.
const rebuildWorkers = 2

// builder is one read model's rebuild in a pass over $all.
type builder struct {
	p        Projection
	older    bool
	g        generation
	deferred []string
	unlock   func()
}

func rebuildMany(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, ps []Projection, progress Progress, older bool, done Rebuilt) {
	var mu sync.Mutex // done and progress are told one at a time
	tell := func(b *builder, at eventstore.Position, err error) {
		if b.unlock != nil {
			b.unlock()
		}
		mu.Lock()
		defer mu.Unlock()
		done(b.p, at, err)
	}
	applied := 0
	moved := func(n int, at eventstore.Position) {
		mu.Lock()
		defer mu.Unlock()
		applied += n
		if progress != nil {
			progress(applied, at)
		}
	}
	var live []*builder
	for _, p := range ps {
		b := &builder{p: p, older: older}
		if err := b.start(ctx, pool); err != nil {
			tell(b, eventstore.Position{}, err)
			continue
		}
		live = append(live, b)
	}
	if len(live) == 0 {
		return
	}
	// The bulk of $all is read one batch ahead of the batch being applied,
	// from where the new generations start (the start of $all).
	from := live[0].g.Checkpoint
	for _, b := range live {
		if b.g.Checkpoint.Less(from) {
			from = b.g.Checkpoint
		}
	}
	next, stop := readAhead(ctx, store, from)
	for len(live) > 0 {
		events, err := next()
		if err == nil && len(events) == 0 {
			break
		}
		var shared *sharedBatch
		if err == nil {
			shared = ownStorableBatch(events) // read for this pass alone
		}
		errs := make([]error, len(live))
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
		} else {
			eachAtOnce(len(live), rebuildWorkers, func(i int) {
				errs[i] = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					_, err := live[i].fill(ctx, tx, shared)
					return err
				})
			})
		}
		still := live[:0]
		for i, b := range live {
			if errs[i] != nil {
				at, err := b.failed(ctx, pool, fmt.Errorf("rebuild %s: %w", b.p.Name(), errs[i]))
				tell(b, at, err)
				continue
			}
			still = append(still, b)
		}
		live = still
		if err != nil {
			break
		}
		moved(len(events), events[len(events)-1].Position)
		if len(events) < rebuildBatch {
			break
		}
	}
	stop()
	eachAtOnce(len(live), rebuildWorkers, func(i int) {
		b := live[i]
		at, err := b.finish(ctx, pool, store, moved)
		tell(b, at, err)
	})
}

// eachAtOnce runs f(0) … f(n-1), up to workers at once, and waits for them.
func eachAtOnce(n, workers int, f func(i int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, workers)
	for i := range n {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

// start takes b's rebuild lock and makes its new generation, without its
// query indexes (built after the fill).
func (b *builder) start(ctx context.Context, pool *pgxpool.Pool) error {
	if err := checkProjection(b.p); err != nil {
		return err
	}
	unlock, err := lockRebuild(ctx, pool, b.p.Name())
	if err != nil {
		return err
	}
	b.unlock = unlock
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := b.notNewer(ctx, tx, false); err != nil {
			return err
		}
		if err := dropGenerations(ctx, tx, b.p.Name(), "building"); err != nil {
			return err
		}
		var err error
		if b.g, err = createGeneration(ctx, tx, b.p, "building"); err != nil {
			return err
		}
		b.deferred, err = deferQueryIndexes(ctx, tx, b.p, b.g.Schema)
		return err
	})
}

// notNewer refuses to replace a generation of newer code.
func (b *builder) notNewer(ctx context.Context, tx pgx.Tx, lock bool) error {
	a, err := activeGeneration(ctx, tx, b.p.Name(), lock)
	if errors.Is(err, errNoActive) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.Version > b.p.Version() && !b.older {
		return &GenerationError{Name: b.p.Name(), Generation: a.Generation, Active: a.Version, Code: b.p.Version()}
	}
	return nil
}

// fill applies a batch to the new generation in tx and moves its
// checkpoint; it returns how many events it applied.
func (b *builder) fill(ctx context.Context, tx pgx.Tx, shared *sharedBatch) (int, error) {
	n, err := applySharedInTx(ctx, tx, b.p, b.g, shared)
	if err != nil || len(shared.events) == 0 {
		return n, err
	}
	if at := shared.events[len(shared.events)-1].Position; b.g.Checkpoint.Less(at) {
		b.g.Checkpoint = at
	}
	return n, nil
}

// failed notes why the build failed on its generation, for status and
// readiness, until the next rebuild replaces it.
func (b *builder) failed(ctx context.Context, pool *pgxpool.Pool, err error) (eventstore.Position, error) {
	if ctx.Err() == nil {
		_, _ = pool.Exec(context.WithoutCancel(ctx), `UPDATE projection_state SET last_error = $3, last_error_at = now(), updated_at = now()
				WHERE name = $1 AND generation = $2 AND status = 'building'`, b.g.Name, b.g.Generation, err.Error())
	}
	return b.g.Checkpoint, err
}

// finish builds the deferred indexes, switches the views to the new
// generation after applying the last events, and drops the old one.
func (b *builder) finish(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, moved func(int, eventstore.Position)) (eventstore.Position, error) {
	p := b.p
	if err := buildQueryIndexes(ctx, pool, p, b.g.Schema, b.deferred); err != nil {
		return b.failed(ctx, pool, fmt.Errorf("rebuild %s: %w", p.Name(), err))
	}
	// fill applies the next batch that read gives (read from g.Checkpoint
	// on) and says whether there may be more.
	fill := func(tx pgx.Tx, read func() ([]eventstore.RecordedEvent, error)) (bool, error) {
		events, err := read()
		if err != nil || len(events) == 0 {
			return false, err
		}
		n, err := b.fill(ctx, tx, storableBatch(events))
		if err != nil {
			return false, err
		}
		moved(n, b.g.Checkpoint)
		return len(events) == rebuildBatch, nil
	}
	// The switch takes the views first, without a transaction id (see
	// withLocks), then the active generation's row, which stops live
	// applies until it commits.
	err := withLocks(ctx, pool, func(tx pgx.Tx) error {
		at := b.g.Checkpoint
		err := switchTo(ctx, tx, p, &b.g, store, b.notNewer, fill)
		if err != nil {
			b.g.Checkpoint = at // rolled back
		}
		return err
	})
	if err != nil {
		return b.failed(ctx, pool, fmt.Errorf("switch %s to %s: %w", p.Name(), b.g.Schema, err))
	}
	// Nothing reads the old generation any more; queries still running on it
	// finish before its tables go.
	if err := withLocks(ctx, pool, func(tx pgx.Tx) error { return dropGenerations(ctx, tx, p.Name(), "retired") }); err != nil {
		return b.g.Checkpoint, fmt.Errorf("drop the old generation of %s: %w", p.Name(), err)
	}
	return b.g.Checkpoint, nil
}

// lockRebuild takes the rebuild lock of name on a connection of its own
// (outside the pool, so rebuilds waiting for pool connections cannot hold
// them all), and returns its release.
func lockRebuild(ctx context.Context, pool *pgxpool.Pool, name string) (func(), error) {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("rebuild %s: lock: %w", name, err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('econf.rebuild'), hashtext($1))`, name).Scan(&ok); err != nil || !ok {
		_ = conn.Close(context.WithoutCancel(ctx))
		if err == nil {
			err = ErrRebuildRunning
		}
		return nil, fmt.Errorf("rebuild %s: %w", name, err)
	}
	return func() {
		// Unlock first: closing the session releases the lock too, but only
		// once the server has seen it go.
		ctx := context.WithoutCancel(ctx)
		_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('econf.rebuild'), hashtext($1))`, name)
		_ = conn.Close(ctx)
	}, nil
}

// switchTo makes g the active generation of p in tx: it locks the views,
// then the active generation (refusing a newer one), applies the last
// events and points the views at g.
// The last events are read there and then, after the locks: a batch read
// ahead before them could miss what committed meanwhile.
func switchTo(ctx context.Context, tx pgx.Tx, p Projection, g *generation, store eventstore.Store, notNewer func(context.Context, pgx.Tx, bool) error,
	fill func(pgx.Tx, func() ([]eventstore.RecordedEvent, error)) (bool, error)) error {
	if err := lockViews(ctx, tx, p); err != nil {
		return err
	}
	if err := notNewer(ctx, tx, true); err != nil {
		return err
	}
	read := func() ([]eventstore.RecordedEvent, error) { return store.ReadAll(ctx, g.Checkpoint, rebuildBatch) }
	for more := true; more; {
		var err error
		if more, err = fill(tx, read); err != nil {
			return err
		}
	}
	if err := exposeViews(ctx, tx, p, g.Schema); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE projection_state SET status = 'retired', updated_at = now() WHERE name = $1 AND status = 'active'`, g.Name); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE projection_state SET status = 'active', updated_at = now() WHERE name = $1 AND generation = $2`, g.Name, g.Generation)
	return err
}

// readAhead reads $all from `from` on, in batches of rebuildBatch, on a
// goroutine of its own that stays one batch ahead of next's caller: the
// next batch is read while the last is applied. It ends after a short batch
// (the head, as it was then) or an error, which next then returns; stop
// ends it early and waits for it.
func readAhead(ctx context.Context, store eventstore.Store, from eventstore.Position) (next func() ([]eventstore.RecordedEvent, error), stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	type page struct {
		events []eventstore.RecordedEvent
		err    error
	}
	pages := make(chan page, 1)
	go func() {
		defer close(pages)
		for {
			events, err := store.ReadAll(ctx, from, rebuildBatch)
			select {
			case pages <- page{events, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(events) < rebuildBatch {
				return
			}
			from = events[len(events)-1].Position
		}
	}()
	next = func() ([]eventstore.RecordedEvent, error) {
		p, ok := <-pages
		if !ok {
			return nil, ctx.Err()
		}
		return p.events, p.err
	}
	stop = func() {
		cancel()
		for range pages {
		}
	}
	return next, stop
}

// lockWait is how long a rebuild's transaction waits for one lock before
// it rolls back and tries again (see withLocks).
const lockWait = 200 * time.Millisecond

// withLocks runs f in a transaction whose lock waits give up after
// lockWait; it runs it again, after a backoff, until f gets its locks. A
// switch or a drop can wait behind a long query (an export) on the views or
// the old tables: waiting with a transaction id would hold back every
// subscriber of $all for as long (see pgstore), and a queued ACCESS
// EXCLUSIVE request would queue every later query of the read model too.
func withLocks(ctx context.Context, pool *pgxpool.Pool, f func(tx pgx.Tx) error) error {
	wait := newBackoff(10*time.Millisecond, 2*time.Second)
	for {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, fmt.Sprintf("%dms", lockWait.Milliseconds())); err != nil {
				return err
			}
			return f(tx)
		})
		if !isLockTimeout(err) {
			return err
		}
		if !wait.sleep(ctx) {
			return ctx.Err()
		}
	}
}

// isLockTimeout: a statement gave up waiting for a lock (lock_timeout).
func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03" // lock_not_available
}

// lockViews locks p's views in the rm schema, those that exist, in the
// order readers take them: before a transaction id is taken.
func lockViews(ctx context.Context, tx pgx.Tx, p Projection) error {
	for _, t := range p.Tables() {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, "rm."+t).Scan(&exists); err != nil {
			return err
		}
		if exists {
			if _, err := tx.Exec(ctx, `LOCK TABLE rm.`+t+` IN ACCESS EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("lock view rm.%s: %w", t, err)
			}
		}
	}
	return nil
}

// queryIndexer is a read model some of whose indexes serve its queries
// only, never its Apply (which finds its rows by primary key). A rebuild
// drops them from the new generation before filling it and builds them once
// the bulk of the events is in: one sorted build instead of an entry per
// row written, and for GIN indexes over search text, instead of some 150
// keys re-inserted on every update of a row.
type queryIndexer interface {
	QueryIndexes() []string
}

// deferQueryIndexes drops p's query-only indexes from schema and returns
// the statements that create them again, as Setup made them.
func deferQueryIndexes(ctx context.Context, tx pgx.Tx, p Projection, schema string) ([]string, error) {
	qi, ok := p.(queryIndexer)
	if !ok {
		return nil, nil
	}
	names := qi.QueryIndexes()
	rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY($2) ORDER BY indexname`, schema, names)
	if err != nil {
		return nil, err
	}
	type index struct{ Name, Def string }
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return nil, err
	}
	if len(found) != len(names) {
		return nil, fmt.Errorf("%s: query indexes %v: Setup made only %d of them", p.Name(), names, len(found))
	}
	defs := make([]string, len(found))
	for i, ix := range found {
		if _, err := tx.Exec(ctx, `DROP INDEX `+schema+`.`+ix.Name); err != nil {
			return nil, err
		}
		defs[i] = ix.Def
	}
	return defs, nil
}

// buildQueryIndexes vacuums and analyzes the new tables, so that the first
// queries after the switch have statistics and can answer from the
// covering indexes alone, and then creates the deferred indexes (see
// buildIndex). The vacuum goes first: the rows a rebuild updated after
// copying them in are dead tuples that a vacuum after the build would
// have to find in every deferred index too (a full scan of each), and
// the builds then read only live ones; building an index leaves the
// visibility map as the vacuum set it.
//
// All of it runs on one connection without waiting for its commits to
// reach disk (synchronous_commit off): a concurrent build commits three
// times, and on a small table those flushes took a third or more of each
// build. Nothing is lost by it: a crash recovers the log up to some
// point, and the builds' commits come before the switch's, so a
// generation that serves after a crash has its indexes; one whose
// builds were lost is still building, and the next rebuild drops it.
func buildQueryIndexes(ctx context.Context, pool *pgxpool.Pool, p Projection, schema string, defs []string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET synchronous_commit = off`); err != nil {
		return err
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `RESET synchronous_commit`); err != nil {
			conn.Conn().Close(ctx) //nolint:errcheck // the pool drops it
		}
	}()
	for _, t := range p.Tables() {
		if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) `+schema+`.`+t); err != nil {
			return fmt.Errorf("vacuum %s.%s: %w", schema, t, err)
		}
	}
	plain := false
	for _, def := range defs {
		var err error
		if plain, err = buildIndex(ctx, conn, schema, def, plain); err != nil {
			return fmt.Errorf("%s: %w", def, err)
		}
	}
	return nil
}

// concurrentIndexWait is how long a concurrent index build waits for a
// lock (the older transactions it must outlast) before it gives up.
var concurrentIndexWait = 5 * time.Second

// buildIndex builds one deferred index (def as pg_indexes shows it) on
// conn with CREATE INDEX CONCURRENTLY, unless plain. A plain CREATE INDEX
// holds a transaction id for the whole build, and every subscriber of $all
// waits behind the oldest one (see pgstore): a large GIN index would stall
// every read model for as long. A concurrent build holds none while it
// builds, but first waits for older transactions to end. When that takes
// over concurrentIndexWait (a session left idle in a transaction, a long
// export), it gives up, leaving an invalid index that is dropped here, and
// this and the rebuild's later indexes are built plainly: it returns
// whether they are to be.
func buildIndex(ctx context.Context, conn *pgxpool.Conn, schema, def string, plain bool) (bool, error) {
	f := strings.Fields(def)
	at := slices.Index(f, "INDEX")
	if at < 0 || at+1 >= len(f) {
		return plain, fmt.Errorf("not an index definition")
	}
	name := schema + "." + f[at+1]
	concurrently := strings.Join(slices.Concat(f[:at+1], []string{"CONCURRENTLY"}, f[at+1:]), " ")
	if !plain {
		if _, err := conn.Exec(ctx, fmt.Sprintf("SET lock_timeout = '%dms'", concurrentIndexWait.Milliseconds())); err != nil {
			return plain, err
		}
		_, err := conn.Exec(ctx, concurrently)
		if _, rerr := conn.Exec(context.WithoutCancel(ctx), `RESET lock_timeout`); rerr != nil {
			conn.Conn().Close(ctx) //nolint:errcheck // the pool drops it
			return plain, rerr
		}
		if !isLockTimeout(err) {
			return plain, err
		}
		if _, err := conn.Exec(ctx, `DROP INDEX IF EXISTS `+name); err != nil {
			return plain, err
		}
		slog.Default().WarnContext(ctx, "concurrent index build kept waiting behind older transactions; building the rebuild's indexes plainly, which holds back $all while they build",
			"index", name, "waited", concurrentIndexWait)
	}
	_, err := conn.Exec(ctx, def)
	return true, err
}

// dropGenerations removes p's generations in status, schemas and all.
func dropGenerations(ctx context.Context, tx pgx.Tx, name, status string) error {
	rows, err := tx.Query(ctx, `DELETE FROM projection_state WHERE name = $1 AND status = $2 RETURNING schema_name`, name, status)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, s := range schemas {
		if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+s+` CASCADE`); err != nil {
			return fmt.Errorf("drop %s: %w", s, err)
		}
	}
	return nil
}
