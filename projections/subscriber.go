package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
)

// maxBatch is the most events one message carries and one transaction
// applies.
const maxBatch = 256

// Message metadata keys, for logs and tracing; the events themselves travel
// in the payload (see encodeBatch).
const (
	metaCount = "econf_count"
	metaFirst = "econf_first" // position of the batch's first event
	metaLast  = "econf_last"  // and of its last
)

// keepEvents is how many of the newest events the shared tail of $all
// keeps in memory for the read models that are up to date.
const keepEvents = 4 * maxBatch

// allSubscriber is a Watermill Subscriber over $all. The topic is a read
// model's name; each Subscribe starts from that read model's checkpoint.
//
// Each message carries a batch of consecutive events of $all: whatever is
// there to read after the read model's last acked event when it is free, up
// to maxBatch. It never waits to fill a batch: a lone event goes out at once.
// It hands out one message at a time and waits for its ack, so a handler
// sees events in global order and one transaction can apply a whole batch; a
// nack redelivers the same batch after a backoff. The next batch is always
// read after the last acked event, so nothing read but not acked is kept.
//
// A read model that is behind reads its batches from the store (ReadAll).
// Once one has caught up, a single store subscription (the tail) starts
// after it and keeps the newest keepEvents events in memory; every read model
// that is up to date takes its batches from there. So a new event costs one
// read of $all, not one per read model. When the store's subscription fails,
// the tail resubscribes after the last event it read; a read model that
// falls behind what the tail keeps reads from the store again.
type allSubscriber struct {
	store     eventstore.Store
	startFrom func(ctx context.Context, topic string) (eventstore.Position, error)
	log       *slog.Logger
	batch     int // most events per message; 0 means maxBatch
	keep      int // events the tail keeps; 0 means keepEvents

	mu      sync.Mutex
	closed  bool
	cancels []context.CancelFunc
	wg      sync.WaitGroup
	tail    tail
}

func (s *allSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("subscriber closed")
	}
	from, err := s.startFrom(ctx, topic)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s.cancels = append(s.cancels, cancel)
	out := make(chan *message.Message)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(out)
		s.pump(ctx, topic, from, out)
	}()
	return out, nil
}

func (s *allSubscriber) batchSize() int {
	if s.batch > 0 {
		return s.batch
	}
	return maxBatch
}

// pump delivers the batches after acked, the position of the last acked
// event, until ctx ends.
func (s *allSubscriber) pump(ctx context.Context, topic string, acked eventstore.Position, out chan<- *message.Message) {
	backoff := newBackoff(50*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		batch, err := s.next(ctx, acked)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("reading events failed; retrying", "topic", topic, "after", acked.String(), "err", err)
			if !backoff.sleep(ctx) {
				return
			}
			continue
		}
		if err := deliver(ctx, batch, out, backoff); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("cannot pass events on; retrying", "topic", topic, "after", acked.String(), "err", err)
			if !backoff.sleep(ctx) {
				return
			}
			continue
		}
		acked = batch[len(batch)-1].Position
		backoff.reset()
	}
}

// next waits for the events after from and returns up to a batch of them:
// from the tail if it holds them, else from the store.
func (s *allSubscriber) next(ctx context.Context, from eventstore.Position) ([]eventstore.RecordedEvent, error) {
	size := s.batchSize()
	for {
		events, changed, held := s.tail.after(from, size)
		if len(events) > 0 {
			return events, nil
		}
		if held {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		events, err := s.store.ReadAll(ctx, from, size)
		if err != nil {
			return nil, err
		}
		if len(events) < size {
			// Caught up: the tail follows $all from here unless it already does.
			at := from
			if len(events) > 0 {
				at = events[len(events)-1].Position
			}
			s.startTail(at)
		}
		if len(events) > 0 {
			return events, nil
		}
		if _, _, held := s.tail.after(from, 0); !held {
			// Nothing to read, yet the tail starts further on (after
			// another read model's position): wait a little, do not spin.
			t := time.NewTimer(10 * time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
	}
}

// startTail starts the store subscription of the tail after at, once.
func (s *allSubscriber) startTail(at eventstore.Position) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.tail.begin(at, s.keep) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancels = append(s.cancels, cancel)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.follow(ctx, at)
	}()
}

// follow keeps the tail fed from the store's subscription, resubscribing
// after the last event read when it fails, until ctx ends.
func (s *allSubscriber) follow(ctx context.Context, last eventstore.Position) {
	backoff := newBackoff(50*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		err := s.store.SubscribeAll(ctx, last, func(_ context.Context, e eventstore.RecordedEvent) error {
			s.tail.add(e)
			last = e.Position
			backoff.reset()
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("event subscription dropped; resubscribing", "after", last.String(), "err", err)
		if !backoff.sleep(ctx) {
			return
		}
	}
}

// tail holds every event of $all after from that the store's subscription
// has read, in order, trimmed to the newest keep.
type tail struct {
	mu      sync.Mutex
	started bool
	keep    int
	from    eventstore.Position
	events  []eventstore.RecordedEvent
	changed chan struct{} // closed and replaced when events are added
}

// begin makes an empty tail after at; false if it has begun already.
func (t *tail) begin(at eventstore.Position, keep int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started {
		return false
	}
	if keep <= 0 {
		keep = keepEvents
	}
	t.started, t.keep, t.from = true, keep, at
	t.changed = make(chan struct{})
	return true
}

func (t *tail) add(e eventstore.RecordedEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, e)
	if len(t.events) >= 2*t.keep {
		drop := len(t.events) - t.keep
		t.from = t.events[drop-1].Position
		// A copy, so the dropped events can be collected; batches handed out
		// keep the old array.
		t.events = append([]eventstore.RecordedEvent(nil), t.events[drop:]...)
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// after returns up to limit events after pos. held tells whether the tail
// holds everything after pos; if it does and there is nothing yet, changed
// is closed when there is more.
func (t *tail) after(pos eventstore.Position, limit int) (events []eventstore.RecordedEvent, changed <-chan struct{}, held bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started || pos.Less(t.from) {
		return nil, nil, false
	}
	i := sort.Search(len(t.events), func(i int) bool { return pos.Less(t.events[i].Position) })
	j := min(len(t.events), i+limit)
	// Full slice expression: nobody can append into the tail's array.
	return t.events[i:j:j], t.changed, true
}

// deliver sends batch until it is acked.
func deliver(ctx context.Context, batch []eventstore.RecordedEvent, out chan<- *message.Message, backoff *backoff) error {
	payload, err := encodeBatch(batch)
	if err != nil {
		return err
	}
	for {
		msg := batchMessage(batch, payload)
		msg.SetContext(ctx)
		select {
		case out <- msg:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-msg.Acked():
			return nil
		case <-msg.Nacked():
			if !backoff.sleep(ctx) {
				return ctx.Err()
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *allSubscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, c := range s.cancels {
		c()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// wireEvent is a recorded event inside a message's payload.
type wireEvent struct {
	ID       uuid.UUID           `json:"id"`
	StreamID string              `json:"stream"`
	Number   uint64              `json:"number"`
	Position string              `json:"position"`
	Type     string              `json:"type"`
	Data     json.RawMessage     `json:"data"`
	Metadata eventstore.Metadata `json:"metadata"`
	Created  time.Time           `json:"created"`
}

// encodeBatch writes events as a JSON array of wireEvents.
func encodeBatch(events []eventstore.RecordedEvent) ([]byte, error) {
	wire := make([]wireEvent, len(events))
	for i, e := range events {
		wire[i] = wireEvent{ID: e.ID, StreamID: e.StreamID, Number: e.Number, Position: e.Position.String(),
			Type: e.Type, Data: e.Data, Metadata: e.Metadata, Created: e.Created}
	}
	b, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("encode events %s..%s: %w", events[0].Position, events[len(events)-1].Position, err)
	}
	return b, nil
}

// decodeBatch is encodeBatch's inverse.
func decodeBatch(payload []byte) ([]eventstore.RecordedEvent, error) {
	var wire []wireEvent
	if err := json.Unmarshal(payload, &wire); err != nil {
		return nil, err
	}
	if len(wire) == 0 {
		return nil, errors.New("no events")
	}
	events := make([]eventstore.RecordedEvent, len(wire))
	for i, w := range wire {
		pos, err := eventstore.ParsePosition(w.Position)
		if err != nil {
			return nil, err
		}
		events[i] = eventstore.RecordedEvent{ID: w.ID, StreamID: w.StreamID, Number: w.Number, Position: pos,
			Type: w.Type, Data: w.Data, Metadata: w.Metadata, Created: w.Created}
	}
	return events, nil
}

// batchMessage wraps an encoded batch. Its id follows from the batch's
// first and last events, so a redelivery has the same id.
func batchMessage(batch []eventstore.RecordedEvent, payload []byte) *message.Message {
	first, last := batch[0], batch[len(batch)-1]
	msg := message.NewMessage(uuid.NewSHA1(first.ID, last.ID[:]).String(), message.Payload(payload))
	msg.Metadata.Set(metaCount, strconv.Itoa(len(batch)))
	msg.Metadata.Set(metaFirst, first.Position.String())
	msg.Metadata.Set(metaLast, last.Position.String())
	return msg
}

// backoff doubles a wait from min to max.
type backoff struct {
	min, max, cur time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, cur: min} }

func (b *backoff) reset() { b.cur = b.min }

// sleep waits the current interval and doubles it; false if ctx ended.
func (b *backoff) sleep(ctx context.Context) bool {
	t := time.NewTimer(b.cur)
	defer t.Stop()
	b.cur = min(b.cur*2, b.max)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
