package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
)

// maxBatch is the most events one message carries: the size of the store's
// subscription pages, so a page read while a handler was busy is applied in
// one transaction.
const maxBatch = 256

// Message metadata keys, for logs and tracing; the events themselves travel
// in the payload (see encodeBatch).
const (
	metaCount = "econf_count"
	metaFirst = "econf_first" // position of the batch's first event
	metaLast  = "econf_last"  // and of its last
)

// allSubscriber is a Watermill Subscriber over the store's $all
// subscription. The topic is a read model's name; each Subscribe starts from
// that read model's checkpoint.
//
// Each message carries a batch of consecutive events of $all: whatever the
// store subscription has read by the time the previous batch was acked, up
// to maxBatch. It never waits to fill a batch: a lone event goes out at once.
// It hands out one message at a time and waits for its ack, so a handler
// sees events in global order and one transaction can apply a whole batch; a
// nack redelivers the same batch after a backoff. When the store's
// subscription fails it drops whatever it read but has not had acked and
// resubscribes from the last acked position.
type allSubscriber struct {
	store     eventstore.Store
	startFrom func(ctx context.Context, topic string) (eventstore.Position, error)
	log       *slog.Logger
	batch     int // most events per message; 0 means maxBatch

	mu      sync.Mutex
	closed  bool
	cancels []context.CancelFunc
	wg      sync.WaitGroup
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

// pump delivers batches from one store subscription after another until
// ctx ends; acked is the position of the last acked event.
func (s *allSubscriber) pump(ctx context.Context, topic string, acked eventstore.Position, out chan<- *message.Message) {
	backoff := newBackoff(50*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		err := s.follow(ctx, &acked, out, backoff)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("event subscription dropped; resubscribing", "topic", topic, "from", acked.String(), "err", err)
		if !backoff.sleep(ctx) {
			return
		}
	}
}

// follow runs one store subscription from *acked and delivers what it reads
// in batches, moving *acked as each is acked, until the subscription fails
// or ctx ends. Events it read but did not deliver go with the subscription's
// buffer when it returns.
func (s *allSubscriber) follow(ctx context.Context, acked *eventstore.Position, out chan<- *message.Message, backoff *backoff) error {
	size := s.batchSize()
	subCtx, cancel := context.WithCancel(ctx)
	read := make(chan eventstore.RecordedEvent, size)
	stopped := make(chan struct{})
	var subErr error
	go func(from eventstore.Position) {
		defer close(stopped)
		subErr = s.store.SubscribeAll(subCtx, from, func(ctx context.Context, e eventstore.RecordedEvent) error {
			select {
			case read <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if subErr == nil {
			subErr = errors.New("subscription ended")
		}
	}(*acked)
	// The store's subscription must have returned before a new one starts,
	// so nothing of this one is ever delivered after it.
	defer func() {
		cancel()
		<-stopped
	}()

	for {
		// Once the store's subscription has failed, what it left in the
		// buffer is dropped: the next one starts after the last ack.
		select {
		case <-stopped:
			return subErr
		default:
		}
		var batch []eventstore.RecordedEvent
		select {
		case e := <-read:
			batch = append(batch, e)
		case <-stopped:
			return subErr
		case <-ctx.Done():
			return ctx.Err()
		}
	fill:
		for len(batch) < size {
			select {
			case e := <-read:
				batch = append(batch, e)
			default:
				break fill
			}
		}
		// A batch in flight is seen through to its ack even if the store's
		// subscription fails meanwhile: it is applied or not as a whole, and
		// the next subscription starts after it only if it was acked.
		if err := deliver(ctx, batch, out, backoff); err != nil {
			return err
		}
		*acked = batch[len(batch)-1].Position
		backoff.reset()
	}
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
