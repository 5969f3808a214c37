package projections

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
)

// Message metadata keys under which the subscriber passes the recorded event.
const (
	metaStream   = "econf_stream"
	metaNumber   = "econf_number"
	metaPosition = "econf_position"
	metaType     = "econf_type"
	metaEventMD  = "econf_metadata"
	metaCreated  = "econf_created"
)

// allSubscriber is a Watermill Subscriber over the store's $all
// subscription. The topic is a read model's name; each Subscribe starts from
// that read model's checkpoint. It hands out one message at a time and waits
// for its ack, so a handler sees events in global order; a nack redelivers
// the same event after a backoff. When the store's subscription fails it
// resubscribes from the last acked position.
type allSubscriber struct {
	store     eventstore.Store
	startFrom func(ctx context.Context, topic string) (eventstore.Position, error)
	log       *slog.Logger

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

func (s *allSubscriber) pump(ctx context.Context, topic string, from eventstore.Position, out chan<- *message.Message) {
	backoff := newBackoff(50*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		err := s.store.SubscribeAll(ctx, from, func(ctx context.Context, e eventstore.RecordedEvent) error {
			if err := deliver(ctx, e, out, backoff); err != nil {
				return err
			}
			from = e.Position
			backoff.reset()
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("event subscription dropped; resubscribing", "topic", topic, "from", from.String(), "err", err)
		if !backoff.sleep(ctx) {
			return
		}
	}
}

// deliver sends e until it is acked.
func deliver(ctx context.Context, e eventstore.RecordedEvent, out chan<- *message.Message, backoff *backoff) error {
	for {
		msg := toMessage(e)
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

func toMessage(e eventstore.RecordedEvent) *message.Message {
	msg := message.NewMessage(e.ID.String(), message.Payload(e.Data))
	md, _ := json.Marshal(e.Metadata) // plain struct: cannot fail
	msg.Metadata.Set(metaStream, e.StreamID)
	msg.Metadata.Set(metaNumber, strconv.FormatUint(e.Number, 10))
	msg.Metadata.Set(metaPosition, e.Position.String())
	msg.Metadata.Set(metaType, e.Type)
	msg.Metadata.Set(metaEventMD, string(md))
	msg.Metadata.Set(metaCreated, e.Created.Format(time.RFC3339Nano))
	return msg
}

// fromMessage is toMessage's inverse.
func fromMessage(msg *message.Message) (eventstore.RecordedEvent, error) {
	var e eventstore.RecordedEvent
	var err error
	if e.ID, err = uuid.Parse(msg.UUID); err != nil {
		return e, err
	}
	e.StreamID = msg.Metadata.Get(metaStream)
	if e.Number, err = strconv.ParseUint(msg.Metadata.Get(metaNumber), 10, 64); err != nil {
		return e, err
	}
	if e.Position, err = eventstore.ParsePosition(msg.Metadata.Get(metaPosition)); err != nil {
		return e, err
	}
	e.Type = msg.Metadata.Get(metaType)
	if err = json.Unmarshal([]byte(msg.Metadata.Get(metaEventMD)), &e.Metadata); err != nil {
		return e, err
	}
	if e.Created, err = time.Parse(time.RFC3339Nano, msg.Metadata.Get(metaCreated)); err != nil {
		return e, err
	}
	e.Data = json.RawMessage(msg.Payload)
	return e, nil
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
