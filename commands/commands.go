// Package commands is the application layer: one file per command. Each
// loads the record's stream, authorises the actor against the record's scope
// (R-ACT-02), lets the aggregate decide, and appends the recorded events with
// the exact version it loaded: one path, decideOn in procedure.go, for
// every procedure declared with domain/procedure (docs/procedures.md). It is called in-process by httpapi and the
// command line; there is no bus on the write path.
package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// SchemaVersion of the event payloads this code writes.
const SchemaVersion = 1

// maxAttempts bounds how often a command decides again after losing a race
// to another writer (only when the client did not pin a version).
const maxAttempts = 8

// ErrTampered: a stored event no longer matches the hash its successor
// recorded. Nothing more is appended to such a stream until an auditor has
// looked at it.
var ErrTampered = errors.New("the record's event chain is broken")

// Clock tells the time; tests pass one they move.
type Clock interface{ Now() time.Time }

// simulated is a Clock that is not the machine's (a training instance's,
// ECONF_CLOCK): events written under it are marked in their metadata.
type simulated interface{ Simulated() bool }

// Credentials stores logins; passwords never enter the event stream.
type Credentials interface {
	SetCredential(ctx context.Context, userID uuid.UUID, email, passwordHash string) error
	CheckPassword(ctx context.Context, userID uuid.UUID, password string) error
}

// Sessions ends a user's sessions when their access changes.
type Sessions interface {
	EndSessionsOf(ctx context.Context, userID uuid.UUID) error
}

// App runs commands against the event store.
type App struct {
	store    eventstore.Store
	clock    Clock
	creds    Credentials
	sessions Sessions
	policies *Policies
	files    Files
	overdue  OverdueSummaries
	observe  Observer
}

// Observer hears how every command ended (for metrics): its name, its
// result and error, and how long it took.
type Observer func(command string, res Result, took time.Duration, err error)

// Observe has o told of every command's end.
func (a *App) Observe(o Observer) { a.observe = o }

// Deps are the collaborators an App needs. Every one is required: a
// missing one is refused by New rather than quietly switching a rule off
// (without OverdueSummaries no declaration would ever be blocked, R-SUM-02;
// without Files no upload could be referred to).
type Deps struct {
	Store       eventstore.Store
	Clock       Clock
	Credentials Credentials
	Sessions    Sessions
	// Files describes uploads, so forms refer only to their applicant's own
	// (R-DECL-07/20).
	Files Files
	// Overdue finds overdue summaries that block a declaration (R-SUM-02).
	Overdue OverdueSummaries
}

// ErrMissingDependency: New was not given a collaborator it needs.
var ErrMissingDependency = errors.New("commands: missing dependency")

// New wires the application layer: "econf serve", the tests and the load
// tool all build it here, with the same collaborators.
func New(d Deps) (*App, error) {
	var missing []string
	for _, c := range []struct {
		name string
		nil  bool
	}{
		{"Store", d.Store == nil}, {"Clock", d.Clock == nil}, {"Credentials", d.Credentials == nil},
		{"Sessions", d.Sessions == nil}, {"Files", d.Files == nil}, {"Overdue", d.Overdue == nil},
	} {
		if c.nil {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMissingDependency, strings.Join(missing, ", "))
	}
	return &App{store: d.Store, clock: d.Clock, creds: d.Credentials, sessions: d.Sessions, files: d.Files, overdue: d.Overdue,
		policies: &Policies{store: d.Store}}, nil
}

// Policies gives the policy in force.
func (a *App) Policies() *Policies { return a.policies }

// Store is the event store the app writes to.
func (a *App) Store() eventstore.Store { return a.store }

// Meta identifies one command invocation.
type Meta struct {
	// CommandID makes the command idempotent: a retry with the same id
	// appends nothing and returns the first result. The HTTP layer derives it
	// from the Idempotency-Key header; zero means a fresh id.
	CommandID     uuid.UUID
	CorrelationID string
	CausationID   string
	// Expected, when set, is the version the client last saw (If-Match): a
	// record at another version is refused with eventstore.ErrWrongVersion.
	Expected *eventstore.Version
}

// Result says where a command left its record.
type Result struct {
	ID       uuid.UUID           `json:"id"`
	Version  eventstore.Version  `json:"version"`
	Position eventstore.Position `json:"-"`
	// Replayed is true when the command had already been applied and nothing
	// new was written.
	Replayed bool `json:"-"`
	// Appended is how many events this run wrote (0 when the decision
	// recorded nothing).
	Appended int `json:"-"`
	// Warnings are the rules the record bends without breaking (R-FC-03's
	// discouraged terms), answered with the command that produced them so
	// the applicant sees them at once, not only in the history.
	Warnings []domain.Warning `json:"warnings,omitempty"`
}

// event is a domain event: a payload with a stable type name.
type event interface{ EventType() string }

// loaded is a stream as read for a decision.
type loaded struct {
	id      string
	events  []eventstore.RecordedEvent
	version eventstore.Version
}

func (a *App) load(ctx context.Context, stream string) (loaded, error) {
	l := loaded{id: stream}
	events, err := a.store.ReadStream(ctx, stream, eventstore.Forwards, 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("read %s: %w", stream, err)
	}
	l.events = events
	if n := len(events); n > 0 {
		l.version = eventstore.Version(events[n-1].Number)
	}
	return l, nil
}

// streamsReader is an event store that reads several whole streams at
// once (pgstore: in one query): events[i] are streams[i]'s, in version
// order, none when it does not exist.
type streamsReader interface {
	ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error)
}

// loadAll loads the streams, in the order given: in one read where the
// store can (streamsReader), else concurrently, each on a connection of
// its own.
func (a *App) loadAll(ctx context.Context, streams ...string) ([]loaded, error) {
	out := make([]loaded, len(streams))
	if r, ok := a.store.(streamsReader); ok {
		all, err := r.ReadStreams(ctx, streams)
		if err == nil && len(all) != len(streams) {
			err = fmt.Errorf("%d results for %d streams", len(all), len(streams))
		}
		if err != nil {
			return out, fmt.Errorf("read %s: %w", strings.Join(streams, ", "), err)
		}
		for i, events := range all {
			out[i] = loaded{id: streams[i], events: events}
			if n := len(events); n > 0 {
				out[i].version = eventstore.Version(events[n-1].Number)
			}
		}
		return out, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, stream := range streams {
		g.Go(func() error {
			l, err := a.load(gctx, stream)
			out[i] = l
			return err
		})
	}
	return out, g.Wait()
}

// fold replays a stream into an aggregate: each stored event decoded by its
// package's Decode and applied in order.
func fold[E any, A interface{ Apply(E) }](agg A, l loaded, decode func(eventType string, data []byte) (E, error)) (A, error) {
	for _, e := range l.events {
		ev, err := decode(e.Type, e.Data)
		if err != nil {
			return agg, fmt.Errorf("replay %s#%d: %w", l.id, e.Number, err)
		}
		agg.Apply(ev)
	}
	return agg, nil
}

// replayOf finds the result of an earlier run of the same command: its
// last event, when the stream holds the command's first one.
func (l loaded) replayOf(commandID uuid.UUID) (eventstore.RecordedEvent, bool) {
	first := eventstore.EventID(commandID, 0)
	var last eventstore.RecordedEvent
	found := false
	for _, e := range l.events {
		if e.ID == first {
			found = true
		}
		if found && e.Metadata.CommandID == commandID.String() {
			last = e
		}
	}
	return last, found
}

// decision is what a decide function returns: the events to record and the
// policy version they were decided under.
type decision struct {
	events   []event
	policy   string
	warnings []domain.Warning
}

// execute runs one command against a stream: load, replay check, version
// check, decide, append. When another writer got in between and the client
// did not pin a version, it decides once more on the fresh stream.
func (a *App) execute(ctx context.Context, actor domain.Actor, meta Meta, command, stream string, id uuid.UUID,
	decide func(l loaded) (decision, error)) (res Result, err error) {
	if a.observe != nil {
		start := time.Now()
		defer func() { a.observe(command, res, time.Since(start), err) }()
	}
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	if meta.CorrelationID == "" {
		meta.CorrelationID = meta.CommandID.String()
	}
	for attempt := 0; ; attempt++ {
		l, err := a.load(ctx, stream)
		if err != nil {
			return Result{}, err
		}
		if err := a.checkChain(ctx, l); err != nil {
			return Result{}, fmt.Errorf("%s: %w", command, err)
		}
		if e, ok := l.replayOf(meta.CommandID); ok {
			return Result{ID: id, Version: eventstore.Version(e.Number), Position: e.Position, Replayed: true}, nil
		}
		if meta.Expected != nil && *meta.Expected != l.version {
			return Result{}, fmt.Errorf("%s: record is at version %d, not %d: %w", command, l.version, *meta.Expected, eventstore.ErrWrongVersion)
		}
		d, err := decide(l)
		if err != nil {
			return Result{}, err
		}
		if len(d.events) == 0 {
			return Result{ID: id, Version: l.version}, nil
		}
		data, err := a.eventData(l, actor, meta, command, d)
		if err != nil {
			return Result{}, err
		}
		res, err := a.store.Append(ctx, stream, l.version, data)
		if errors.Is(err, eventstore.ErrWrongVersion) && meta.Expected == nil && attempt+1 < maxAttempts {
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("%s: append to %s: %w", command, stream, err)
		}
		return Result{ID: id, Version: res.Version, Position: res.Position, Appended: len(data), Warnings: d.warnings}, nil
	}
}

// eventData turns decided events into store events: deterministic ids,
// metadata, and the hash chain linking each to the one before.
func (a *App) eventData(l loaded, actor domain.Actor, meta Meta, command string, d decision) ([]eventstore.EventData, error) {
	prev := ""
	if n := len(l.events); n > 0 {
		prev = eventstore.Hash(l.events[n-1])
	}
	now := a.clock.Now().UTC()
	out := make([]eventstore.EventData, 0, len(d.events))
	for i, e := range d.events {
		payload, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		md := eventstore.Metadata{
			ActorID:       actor.UserID.String(),
			Role:          string(actor.Role),
			Command:       command,
			CommandID:     meta.CommandID.String(),
			CorrelationID: meta.CorrelationID,
			CausationID:   meta.CausationID,
			RecordedAt:    now,
			PolicyVersion: d.policy,
			SchemaVersion: SchemaVersion,
			PrevHash:      prev,
			HashScheme:    eventstore.CurrentHashScheme,
		}
		if actor.OrgID != uuid.Nil {
			md.OrgID = actor.OrgID.String()
		}
		if sc, ok := a.clock.(simulated); ok && sc.Simulated() {
			md.SimulatedClock = true
		}
		ed := eventstore.EventData{ID: eventstore.EventID(meta.CommandID, i), Type: e.EventType(), Data: payload, Metadata: md}
		out = append(out, ed)
		// Link the next event of the batch to this one as it will be stored.
		prev = eventstore.Hash(eventstore.RecordedEvent{
			ID: ed.ID, StreamID: l.id, Number: uint64(l.version) + uint64(i) + 1, Type: ed.Type, Data: ed.Data, Metadata: ed.Metadata,
		})
	}
	return out, nil
}
