package projections

import (
	"context"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
)

// sharedBatch is a batch of events that several read models apply, each
// event decoded at most once whichever of them asks: a rebuild of several
// read models reads $all once (RebuildMany) and hands every batch to each
// of them. An event's record step (record kinds) and its forecast event are
// decoded when first asked for and kept; read models applying the batch on
// goroutines of their own may ask at once.
type sharedBatch struct {
	events []eventstore.RecordedEvent
	cache  []decodedEvent
}

// decodedEvent is what was decoded of one event of a sharedBatch.
type decodedEvent struct {
	recordOnce sync.Once
	kind       *recordKind // nil: not an event of a record kind
	recordID   uuid.UUID
	step       step
	recordErr  error

	forecastOnce sync.Once
	forecastID   uuid.UUID
	forecast     forecast.Event // nil: not a forecast's event
	forecastErr  error
}

// newSharedBatch shares events as they are.
func newSharedBatch(events []eventstore.RecordedEvent) *sharedBatch {
	return &sharedBatch{events: events, cache: make([]decodedEvent, len(events))}
}

// storableBatch shares events made storable (storableEvent), which every
// read model applies.
func storableBatch(events []eventstore.RecordedEvent) *sharedBatch {
	out := make([]eventstore.RecordedEvent, len(events))
	for i, e := range events {
		out[i] = storableEvent(e)
	}
	return newSharedBatch(out)
}

// ownStorableBatch is storableBatch for events the caller owns and gives
// up: they are made storable in place, without a copy of the batch.
func ownStorableBatch(events []eventstore.RecordedEvent) *sharedBatch {
	for i := range events {
		events[i] = storableEvent(events[i])
	}
	return newSharedBatch(events)
}

// from is the batch from its i-th event on, sharing what is decoded.
func (b *sharedBatch) from(i int) *sharedBatch {
	return &sharedBatch{events: b.events[i:], cache: b.cache[i:]}
}

// record is the i-th event's record kind, record id and step, as kindOf,
// recordID and the kind's read give them; ok is false for an event of no
// record kind.
func (b *sharedBatch) record(i int) (k *recordKind, id uuid.UUID, s step, ok bool, err error) {
	c := &b.cache[i]
	c.recordOnce.Do(func() {
		e := b.events[i]
		c.kind = kindAt(e.Type)
		if c.kind == nil {
			return
		}
		if c.kind.name == forecast.Flow.Name {
			// The forecast list decodes the same event: decode it once.
			var ev forecast.Event
			if _, ev, _, c.recordErr = b.forecast(i); c.recordErr == nil {
				c.step = forecastStep(e.Type, ev)
			}
		} else {
			c.step, c.recordErr = c.kind.read(e.Type, e.Data)
		}
		if c.recordErr == nil {
			c.recordID, c.recordErr = recordID(e.StreamID, c.kind.streamPrefix)
		}
	})
	return c.kind, c.recordID, c.step, c.kind != nil, c.recordErr
}

// forecast is the i-th event decoded as decodeForecast does.
func (b *sharedBatch) forecast(i int) (uuid.UUID, forecast.Event, bool, error) {
	c := &b.cache[i]
	c.forecastOnce.Do(func() {
		var ok bool
		c.forecastID, c.forecast, ok, c.forecastErr = decodeForecast(b.events[i])
		if !ok {
			c.forecast = nil
		}
	})
	return c.forecastID, c.forecast, c.forecast != nil, c.forecastErr
}

// kindAt is the record kind of an event type, or nil (kindOf).
func kindAt(eventType string) *recordKind {
	for i := range recordKinds {
		if strings.HasPrefix(eventType, recordKinds[i].eventPrefix) {
			return &recordKinds[i]
		}
	}
	return nil
}

// sharedApplier is a read model that applies a whole shared batch at once,
// with the same result as Apply one event at a time, taking the events'
// decoded forms from the batch.
type sharedApplier interface {
	applyShared(ctx context.Context, tx pgx.Tx, b *sharedBatch) error
}
