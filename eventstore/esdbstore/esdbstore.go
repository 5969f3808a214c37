// Package esdbstore is the EventStoreDB adapter of the event store port,
// on EventStore-Client-Go v4. It passes the same contract suite
// (eventstore/storetest) as the PostgreSQL adapter.
//
// # Mapping
//
//   - Versions: our Version counts events and numbers them from 1;
//     EventStoreDB numbers revisions from 0. Expected version 0 is NoStream,
//     v is revision v-1; event number n is revision n-1.
//   - Positions: eventstore.Position{Commit, Prepare} is EventStoreDB's
//     commit and prepare position, compared in that order.
//   - Events: the id is kept (so deterministic command ids make retries
//     idempotent), the payload is stored byte for byte as JSON, and our
//     Metadata is the event's JSON user metadata.
//   - $all: reads and subscriptions hand out every stream but EventStoreDB's
//     own ($-prefixed: system streams, stream metadata, and $-typed events
//     such as a tombstone's $streamDeleted) and the adapter's id claims
//     (econf-eventid-). Nothing else is left out, so a new kind of stream
//     needs no list kept in step: an allow-list of prefixes once dropped
//     the deadline, inbox, registration, password-reset and policy streams
//     without a sound. Subscriptions filter on the server with a regular
//     expression (applicationStreams); reads, which the client cannot
//     filter, skip the rest as they page.
//
// # Event ids
//
// EventStoreDB checks event ids only to make a re-append at the same
// expected revision idempotent; it does not refuse an id that exists in
// another stream or earlier in the same one, which the port calls
// ErrDuplicateEvent. So before an append the adapter claims each id in a
// stream of its own (econf-eventid-<id>, created with NoStream, naming the
// target stream). A claim held by another stream is ErrDuplicateEvent; a
// claim already held by the same stream (a retry, a re-decided command)
// makes the adapter look at the stream first: the exact batch already at
// expected+1.. is a retry and returns the original result, an id elsewhere
// in the stream is ErrDuplicateEvent. A claim outlives an append that then
// failed on its version; its id stays bound to that stream.
//
// # Faults
//
// Failures to reach the server (unavailable, connection closed, discovery
// exhausted) are eventstore.ErrUnavailable, and the client is replaced so
// the next call connects afresh. A subscription that drops resubscribes by
// itself from the last event it handed out (the subscription start is
// exclusive), with a backoff, skipping anything at or before that
// position, so a drop causes neither a gap nor a duplicate.
package esdbstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/econf/econf/eventstore"
)

// claimPrefix names the streams that bind an event id to its stream.
const claimPrefix = "econf-eventid-"

// systemPrefix starts EventStoreDB's own stream names and event types.
const systemPrefix = "$"

// applicationStreams matches the names of the streams $all subscriptions
// hand out: those starting with neither systemPrefix nor claimPrefix.
var applicationStreams = notStartingWith(systemPrefix, claimPrefix)

// ours tells whether an event of $all is the application's.
func ours(stream, eventType string) bool {
	return stream != "" && !strings.HasPrefix(stream, systemPrefix) && !strings.HasPrefix(stream, claimPrefix) &&
		!strings.HasPrefix(eventType, systemPrefix)
}

const (
	// readPage is how many events a $all read asks for at a time.
	readPage = 512
	// pingTimeout bounds Ping.
	pingTimeout = 5 * time.Second
	// rediscoverAfter is how long calls fail at once after a discovery
	// failed, before the next one tries again.
	rediscoverAfter = time.Second
	// resubscribe backoff bounds.
	backoffMin, backoffMax = 50 * time.Millisecond, 5 * time.Second
)

// Options configure a Store.
type Options struct {
	// Log receives the adapter's warnings and the client's messages (at
	// debug level); slog.Default() when nil.
	Log *slog.Logger
}

// Store is the EventStoreDB event store. It is safe for concurrent use.
type Store struct {
	cfg esdb.Configuration
	log *slog.Logger

	mu          sync.Mutex
	client      *client // the current one
	closed      bool
	lastFailure time.Time // of the last discovery
	lastErr     error
}

// client is an EventStoreDB client and the calls under way on it. A
// client set aside after a fault is closed when its last call ends:
// closing it under a call would panic that call (the client's connection
// loop ends), and never closing it leaks its connection, which gRPC keeps
// redialling.
type client struct {
	*esdb.Client
	users   int  // calls under way; guarded by Store.mu
	retired bool // no new calls; close at users == 0
}

var _ eventstore.Store = (*Store)(nil)

// ParseURL checks an EventStoreDB connection string
// (esdb://[user:password@]host:port[,host:port...]?tls=...&tlsCAFile=...)
// and returns its configuration. The password never appears in an error.
func ParseURL(raw string) (*esdb.Configuration, error) {
	redacted := redact(raw)
	if !strings.HasPrefix(raw, "esdb://") && !strings.HasPrefix(raw, "esdb+discover://") {
		return nil, fmt.Errorf("EventStoreDB URL %q: want esdb://host:port or esdb+discover://host:port", redacted)
	}
	cfg, err := esdb.ParseConnectionString(raw)
	if err != nil {
		return nil, fmt.Errorf("EventStoreDB URL %q: %s", redacted, strings.ReplaceAll(err.Error(), raw, redacted))
	}
	if cfg.Username != "" && cfg.DisableTLS {
		return nil, fmt.Errorf("EventStoreDB URL %q: credentials are sent only over TLS; drop tls=false or the credentials", redacted)
	}
	return cfg, nil
}

// redact hides the password of a URL.
func redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return raw
	}
	if user, _, hasPw := strings.Cut(userinfo, ":"); hasPw {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return raw
}

// Open returns a store for the connection string. It does not connect:
// the first call does (Ping tells whether the server can be reached).
func Open(url string, opts Options) (*Store, error) {
	cfg, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: *cfg, log: opts.Log}
	if s.log == nil {
		s.log = slog.Default()
	}
	clientLog := s.log.With("component", "esdb-client")
	s.cfg.Logger = func(level esdb.LogLevel, format string, args ...any) {
		clientLog.Debug(fmt.Sprintf(format, args...), "level", level)
	}
	return s, nil
}

// Close closes the client connections: the current client's at once
// unless a call is under way on it, the others' as their last call ends.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if c := s.client; c != nil {
		s.client = nil
		c.retired = true
		if c.users == 0 {
			c.Close()
		}
	}
	return nil
}

// release ends a call on c.
func (s *Store) release(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.users--
	if c.retired && c.users == 0 {
		c.Close()
	}
}

// conn returns the current client for one call, which must release it.
// A new client finds its server here, under the lock, before anyone else
// may use it: the client's connection loop ends for good when a discovery
// fails, and a call racing with that end would wait forever. While the
// server cannot be found, calls fail at once for a second instead of each
// waiting for a discovery of its own.
func (s *Store) conn() (*client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("%w: store closed", eventstore.ErrUnavailable)
	}
	if s.client == nil {
		if time.Since(s.lastFailure) < rediscoverAfter {
			return nil, fmt.Errorf("%w: %w", eventstore.ErrUnavailable, s.lastErr)
		}
		cfg := s.cfg
		c, err := esdb.NewClient(&cfg)
		if err != nil {
			return nil, fmt.Errorf("esdbstore: client: %w", err)
		}
		if _, err := c.GetServerVersion(); err != nil {
			c.Close() // nobody else has it
			s.lastFailure, s.lastErr = time.Now(), err
			return nil, translate(err)
		}
		s.client = &client{Client: c}
	}
	s.client.users++
	return s.client, nil
}

// fail translates a client error. When the server could not be reached,
// the client is set aside and the next call makes a new one; the old one
// is closed when the calls under way on it have ended.
func (s *Store) fail(ctx context.Context, c *client, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	err = translate(err)
	if errors.Is(err, eventstore.ErrUnavailable) {
		s.mu.Lock()
		if s.client == c {
			s.client = nil
			c.retired = true // its last call closes it
		}
		s.mu.Unlock()
	}
	return err
}

// translate maps the client's errors onto the port's.
func translate(err error) error {
	var e *esdb.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case esdb.ErrorCodeWrongExpectedVersion:
			return fmt.Errorf("%w: %w", eventstore.ErrWrongVersion, err)
		case esdb.ErrorCodeResourceNotFound:
			return fmt.Errorf("%w: %w", eventstore.ErrStreamNotFound, err)
		case esdb.ErrorCodeStreamDeleted:
			return fmt.Errorf("%w: %w", eventstore.ErrStreamDeleted, err)
		case esdb.ErrorCodeAccessDenied, esdb.ErrorCodeUnauthenticated:
			return fmt.Errorf("%w: %w", eventstore.ErrAccessDenied, err)
		case esdb.ErrorUnavailable, esdb.ErrorCodeConnectionClosed, esdb.ErrorCodeDeadlineExceeded, esdb.ErrorCodeNotLeader:
			return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
	}
	// A gRPC stream cut under a send reports io.EOF (the status would
	// only come from the next receive); the client wraps it as an unknown
	// error. The connection is gone: retry on a new one (appends are
	// idempotent through their event ids).
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	switch status.Code(errors.Unwrap(err)) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// revision is the expected revision of a stream at version v.
func revision(v eventstore.Version) esdb.ExpectedRevision {
	if v == eventstore.NoStream {
		return esdb.NoStream{}
	}
	return esdb.Revision(uint64(v) - 1)
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.Version, events []eventstore.EventData) (eventstore.AppendResult, error) {
	fail := func(err error) (eventstore.AppendResult, error) {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: append to %s: %w", stream, err)
	}
	switch {
	case stream == "":
		return fail(errors.New("empty stream id"))
	case strings.HasPrefix(stream, systemPrefix) || strings.HasPrefix(stream, claimPrefix):
		return fail(errors.New("system and bookkeeping streams are not the application's"))
	case len(events) == 0:
		return fail(errors.New("no events"))
	case uint64(expected) > math.MaxInt64-uint64(len(events)):
		return fail(fmt.Errorf("expected version %d out of range", expected))
	}
	ids := make([]uuid.UUID, len(events))
	data := make([]esdb.EventData, len(events))
	seen := make(map[uuid.UUID]bool, len(events))
	for i, e := range events {
		if seen[e.ID] {
			return fail(fmt.Errorf("%w: %s twice in one batch", eventstore.ErrDuplicateEvent, e.ID))
		}
		seen[e.ID] = true
		if !json.Valid(e.Data) {
			return fail(fmt.Errorf("payload of event %s is not JSON", e.ID))
		}
		meta, err := e.MetadataBytes()
		if err != nil {
			return fail(fmt.Errorf("metadata of event %s: %w", e.ID, err))
		}
		ids[i] = e.ID
		data[i] = esdb.EventData{EventID: e.ID, EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: e.Data, Metadata: meta}
	}

	fresh, err := s.claim(ctx, stream, ids)
	if err != nil {
		return fail(err)
	}
	if !fresh {
		// Some id was claimed for this stream before: a retry, or a reuse.
		res, done, err := s.resolve(ctx, stream, expected, ids, false)
		if err != nil || done {
			if err != nil {
				return fail(err)
			}
			return res, nil
		}
	}
	c, err := s.conn()
	if err != nil {
		return fail(err)
	}
	_, err = c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: revision(expected)}, data...)
	if err != nil {
		err = s.fail(ctx, c, err)
	}
	s.release(c)
	if err != nil {
		if !errors.Is(err, eventstore.ErrWrongVersion) {
			return fail(err)
		}
		res, _, err := s.resolve(ctx, stream, expected, ids, true)
		if err != nil {
			return fail(err)
		}
		return res, nil
	}
	// The write result's position is the transaction's, not necessarily
	// the last event's: read the last event back.
	last := uint64(expected) + uint64(len(events))
	read, err := s.ReadStream(ctx, stream, eventstore.Backwards, last, 1)
	if err != nil {
		return fail(fmt.Errorf("read back: %w", err))
	}
	if len(read) != 1 || read[0].ID != ids[len(ids)-1] {
		return fail(fmt.Errorf("read back: event %d is not the one appended", last))
	}
	return eventstore.AppendResult{Version: eventstore.Version(last), Position: read[0].Position}, nil
}

// claimed is a claim stream's event.
type claimed struct {
	Stream string `json:"stream"`
}

// claim binds every id to stream. It reports whether all claims are new,
// and ErrDuplicateEvent when an id is bound to another stream.
func (s *Store) claim(ctx context.Context, stream string, ids []uuid.UUID) (bool, error) {
	var mu sync.Mutex
	fresh := true
	g, gctx := errgroup.WithContext(ctx)
	for _, id := range ids {
		g.Go(func() error {
			isNew, err := s.claimOne(gctx, stream, id)
			if err != nil {
				return err
			}
			mu.Lock()
			fresh = fresh && isNew
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, err
	}
	return fresh, nil
}

func (s *Store) claimOne(ctx context.Context, stream string, id uuid.UUID) (bool, error) {
	c, err := s.conn()
	if err != nil {
		return false, err
	}
	defer s.release(c)
	body, _ := json.Marshal(claimed{Stream: stream}) // a plain struct cannot fail
	claimStream := claimPrefix + id.String()
	// A fresh event id each time: EventStoreDB's idempotency must not
	// turn a second claim into a silent success.
	_, err = c.AppendToStream(ctx, claimStream, esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}},
		esdb.EventData{EventID: uuid.New(), EventType: "EventIdClaimed", ContentType: esdb.ContentTypeJson, Data: body})
	if err == nil {
		return true, nil
	}
	if err = s.fail(ctx, c, err); !errors.Is(err, eventstore.ErrWrongVersion) {
		return false, fmt.Errorf("claim event id %s: %w", id, err)
	}
	holder, err := s.readRaw(ctx, claimStream, eventstore.Forwards, 1, 1)
	if err != nil {
		return false, fmt.Errorf("read claim of event id %s: %w", id, err)
	}
	var cl claimed
	if len(holder) != 1 || json.Unmarshal(holder[0].Data, &cl) != nil {
		return false, fmt.Errorf("claim of event id %s is unreadable", id)
	}
	if cl.Stream != stream {
		return false, fmt.Errorf("%w: event %s belongs to %s", eventstore.ErrDuplicateEvent, id, cl.Stream)
	}
	return false, nil
}

// resolve looks at the stream for the batch: the exact batch after
// expected is a retry (its original result); an id anywhere else in the
// stream is ErrDuplicateEvent. Otherwise, after a version conflict, it is
// ErrWrongVersion, and before one the append may go ahead (done false).
func (s *Store) resolve(ctx context.Context, stream string, expected eventstore.Version, ids []uuid.UUID, conflict bool) (eventstore.AppendResult, bool, error) {
	all, err := s.ReadStream(ctx, stream, eventstore.Forwards, 0, 0)
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		return eventstore.AppendResult{}, false, err
	}
	byID := make(map[uuid.UUID]eventstore.RecordedEvent, len(all))
	for _, e := range all {
		byID[e.ID] = e
	}
	var result eventstore.AppendResult
	retry := true
	for i, id := range ids {
		e, ok := byID[id]
		if ok && e.Number == uint64(expected)+uint64(i)+1 {
			result = eventstore.AppendResult{Version: eventstore.Version(e.Number), Position: e.Position}
			continue
		}
		retry = false
		if ok {
			return eventstore.AppendResult{}, false, fmt.Errorf("%w: event %s is already event %d of %s", eventstore.ErrDuplicateEvent, id, e.Number, stream)
		}
	}
	if retry {
		return result, true, nil
	}
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			return eventstore.AppendResult{}, false, fmt.Errorf("%w: event %s is already event %d of %s", eventstore.ErrDuplicateEvent, id, e.Number, stream)
		}
	}
	if conflict {
		return eventstore.AppendResult{}, false, fmt.Errorf("%w: stream is at version %d, not %d", eventstore.ErrWrongVersion, len(all), expected)
	}
	return eventstore.AppendResult{}, false, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	if limit < 0 {
		return nil, fmt.Errorf("esdbstore: read %s: negative limit %d", stream, limit)
	}
	raw, err := s.readRaw(ctx, stream, dir, from, limit)
	if err != nil {
		return nil, fmt.Errorf("esdbstore: read %s: %w", stream, err)
	}
	out := make([]eventstore.RecordedEvent, 0, len(raw))
	for _, r := range raw {
		e, err := fromESDB(r)
		if err != nil {
			return nil, fmt.Errorf("esdbstore: read %s: %w", stream, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Store) readRaw(ctx context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]*esdb.RecordedEvent, error) {
	opts := esdb.ReadStreamOptions{}
	switch dir {
	case eventstore.Forwards:
		opts.Direction = esdb.Forwards
		opts.From = esdb.Start{}
		if from > 1 {
			opts.From = esdb.Revision(from - 1)
		}
	case eventstore.Backwards:
		opts.Direction = esdb.Backwards
		opts.From = esdb.End{}
		if from > 0 {
			opts.From = esdb.Revision(from - 1)
		}
	default:
		return nil, fmt.Errorf("unknown direction %d", dir)
	}
	count := uint64(math.MaxInt64)
	if limit > 0 {
		count = uint64(limit)
	}
	c, err := s.conn()
	if err != nil {
		return nil, err
	}
	defer s.release(c)
	rs, err := c.ReadStream(ctx, stream, opts, count)
	if err != nil {
		return nil, s.fail(ctx, c, err)
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, s.fail(ctx, c, err)
		}
		if ev.Event != nil {
			out = append(out, ev.Event)
		}
	}
}

// fromESDB converts a recorded event; its user metadata is our Metadata.
func fromESDB(r *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	e := eventstore.RecordedEvent{
		ID:       r.EventID,
		StreamID: r.StreamID,
		Number:   r.EventNumber + 1,
		Position: eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare},
		Type:     r.EventType,
		Data:     json.RawMessage(r.Data),
		Created:  r.CreatedDate,
	}
	if len(r.UserMetadata) > 0 {
		e.RawMetadata = json.RawMessage(r.UserMetadata)
		if err := json.Unmarshal(r.UserMetadata, &e.Metadata); err != nil {
			return e, fmt.Errorf("metadata of event %s: %w", e.ID, err)
		}
	}
	return e, nil
}

// readAllRaw reads one page of $all forwards from (inclusive) or from the start.
func (s *Store) readAllRaw(ctx context.Context, dir esdb.Direction, from esdb.AllPosition, count uint64) ([]*esdb.RecordedEvent, error) {
	c, err := s.conn()
	if err != nil {
		return nil, err
	}
	defer s.release(c)
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from}, count)
	if err != nil {
		return nil, s.fail(ctx, c, err)
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, s.fail(ctx, c, err)
		}
		if ev.Event != nil {
			out = append(out, ev.Event)
		}
	}
}

func allPosition(p eventstore.Position) esdb.AllPosition {
	if p == eventstore.Start {
		return esdb.Start{}
	}
	return esdb.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// ReadAll implements eventstore.Store; limit 0 reads everything. A read
// from a position includes it, so the event at from is skipped.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit < 0 {
		return nil, fmt.Errorf("esdbstore: read $all: negative limit %d", limit)
	}
	var out []eventstore.RecordedEvent
	cursor := from
	for {
		page, err := s.readAllRaw(ctx, esdb.Forwards, allPosition(cursor), readPage)
		if err != nil {
			return nil, fmt.Errorf("esdbstore: read $all: %w", err)
		}
		for _, r := range page {
			pos := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
			if cursor != eventstore.Start && !cursor.Less(pos) {
				continue // the event at from, which a read includes
			}
			cursor = pos
			if !ours(r.StreamID, r.EventType) {
				continue
			}
			e, err := fromESDB(r)
			if err != nil {
				return nil, fmt.Errorf("esdbstore: read $all: %w", err)
			}
			out = append(out, e)
			if limit > 0 && len(out) == limit {
				return out, nil
			}
		}
		if len(page) < readPage {
			return out, nil
		}
	}
}

// Head is the position of the application's last event (Start when there
// is none): the position a subscriber is sure to reach.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var from esdb.AllPosition = esdb.End{}
	for {
		page, err := s.readAllRaw(ctx, esdb.Backwards, from, 64)
		if err != nil {
			return eventstore.Position{}, fmt.Errorf("esdbstore: head: %w", err)
		}
		for _, r := range page {
			if ours(r.StreamID, r.EventType) {
				return eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}, nil
			}
		}
		if len(page) < 64 {
			return eventstore.Start, nil
		}
		from = page[len(page)-1].Position
	}
}

// CountEvents counts the application's events at or before a position by
// reading $all page by page as the server gives it, apart from ReadAll's
// paging: an independent figure for checks of what a full read saw (a
// copy's verification, econf audit verify).
func (s *Store) CountEvents(ctx context.Context, through eventstore.Position) (int, error) {
	n := 0
	var from esdb.AllPosition = esdb.Start{}
	for {
		page, err := s.readAllRaw(ctx, esdb.Forwards, from, readPage)
		if err != nil {
			return 0, fmt.Errorf("esdbstore: count events: %w", err)
		}
		start := 0
		if _, first := from.(esdb.Start); !first && len(page) > 0 {
			start = 1 // a read includes its start, counted on the page before
		}
		for _, r := range page[start:] {
			if through.Less(eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}) {
				return n, nil
			}
			if ours(r.StreamID, r.EventType) {
				n++
			}
		}
		if len(page) < readPage {
			return n, nil
		}
		from = page[len(page)-1].Position
	}
}

// Ping implements eventstore.Store: one read of $all's last event.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := s.readAllRaw(ctx, esdb.Backwards, esdb.End{}, 1); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
		return fmt.Errorf("esdbstore: ping: %w", err)
	}
	return nil
}

// handlerError carries the handler's error out of a subscription.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }

// SubscribeAll implements eventstore.Store with a server-side filtered
// $all subscription. When it drops, it resubscribes from the last event
// handed out.
func (s *Store) SubscribeAll(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	last := from
	backoff := backoffMin
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		before := last
		err := s.subscribeOnce(ctx, &last, handle)
		var he handlerError
		if errors.As(err, &he) {
			return he.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if last != before {
			backoff = backoffMin
		}
		s.log.WarnContext(ctx, "esdbstore: $all subscription dropped; resubscribing", "from", last.String(), "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, backoffMax)
	}
}

func (s *Store) subscribeOnce(ctx context.Context, last *eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	c, err := s.conn()
	if err != nil {
		return err
	}
	defer s.release(c)
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{
		From:   allPosition(*last), // exclusive
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: applicationStreams},
	})
	if err != nil {
		return s.fail(ctx, c, err)
	}
	defer sub.Close()
	for {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			return s.fail(ctx, c, ev.SubscriptionDropped.Error)
		case ev.EventAppeared != nil && ev.EventAppeared.Event != nil:
			r := ev.EventAppeared.Event
			pos := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
			if *last != eventstore.Start && !last.Less(pos) {
				continue // already handed out
			}
			if !ours(r.StreamID, r.EventType) {
				*last = pos
				continue
			}
			e, err := fromESDB(r)
			if err != nil {
				return handlerError{fmt.Errorf("esdbstore: subscription: %w", err)}
			}
			if err := handle(ctx, e); err != nil {
				return handlerError{err}
			}
			*last = pos
		}
		// Checkpoints, caught-up and fell-behind notices need nothing.
	}
}
