package personal

import (
	"context"
	"errors"
	"fmt"

	"github.com/econf/econf/eventstore"
)

// Store is an event store that writes personal fields encrypted and reads
// them decrypted (or redacted once their person is erased), after running
// the payload through the upcasters. A read event keeps its stored bytes
// in StoredData, so hash chains and Merkle leaves still cover what is
// stored. Everything the application reads and writes goes through it;
// copies, backups and verification read the store underneath.
type Store struct {
	eventstore.Store
	keys *Keys
	up   *Upcasters
}

// NewStore wraps inner; keys holds the data keys, and the upcasters are
// Registry's.
func NewStore(inner eventstore.Store, keys *Keys) *Store {
	return &Store{Store: inner, keys: keys, up: Registry}
}

// Inner is the store underneath, which hands out stored bytes.
func (s *Store) Inner() eventstore.Store { return s.Store }

// Keys is the data keys the store reads and writes under.
func (s *Store) Keys() *Keys { return s.keys }

// Append writes events with their personal fields encrypted, each at its
// type's current schema version. A batch's hash chain was linked over the
// clear payloads: each link after an encrypted event is made again over
// the event as it will be stored.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.Version, events []eventstore.EventData) (eventstore.AppendResult, error) {
	out := make([]eventstore.EventData, len(events))
	relink := false
	var prevClear, prevStored string
	for i, e := range events {
		clearHash := ""
		if relink || i+1 < len(events) {
			clearHash = eventstore.Hash(eventstore.RecordedEvent{ID: e.ID, StreamID: stream, Number: uint64(expected) + uint64(i) + 1,
				Type: e.Type, Data: e.Data, Metadata: e.Metadata, RawMetadata: e.RawMetadata})
		}
		data, err := s.keys.encrypt(ctx, e.Type, stream, e.Data)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		changed := string(data) != string(e.Data)
		e.Data = data
		if len(e.RawMetadata) == 0 {
			if v := s.up.Current(e.Type, e.Metadata.SchemaVersion); v != e.Metadata.SchemaVersion && e.Metadata.SchemaVersion > 0 {
				e.Metadata.SchemaVersion = v
				changed = true
			}
			if relink && e.Metadata.PrevHash == prevClear {
				e.Metadata.PrevHash = prevStored
			}
		} else if changed {
			return eventstore.AppendResult{}, errors.New("personal: an event copied with its metadata bytes must already hold its personal fields encrypted")
		}
		out[i] = e
		if changed || relink {
			relink = true
			prevClear = clearHash
			prevStored = eventstore.Hash(eventstore.RecordedEvent{ID: e.ID, StreamID: stream, Number: uint64(expected) + uint64(i) + 1,
				Type: e.Type, Data: e.Data, Metadata: e.Metadata, RawMetadata: e.RawMetadata})
		}
	}
	return s.Store.Append(ctx, stream, expected, out)
}

// read turns a stored event into what the application reads.
func (s *Store) read(ctx context.Context, e *eventstore.RecordedEvent) error {
	stored := e.Data
	data, _, err := s.up.Upcast(e.Type, e.Metadata.SchemaVersion, stored)
	if err != nil {
		return fmt.Errorf("%s#%d: %w", e.StreamID, e.Number, err)
	}
	if data, err = s.keys.decrypt(ctx, e.Type, e.StreamID, data); err != nil {
		return fmt.Errorf("%s#%d: %w", e.StreamID, e.Number, err)
	}
	if string(data) != string(stored) {
		e.StoredData, e.Data = stored, data
	}
	return nil
}

func (s *Store) readAll(ctx context.Context, events []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	for i := range events {
		if err := s.read(ctx, &events[i]); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// ReadStream reads a stream's events, personal fields opened.
func (s *Store) ReadStream(ctx context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := s.Store.ReadStream(ctx, stream, dir, from, limit)
	if err != nil {
		return nil, err
	}
	return s.readAll(ctx, events)
}

// ReadAll reads $all, personal fields opened.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := s.Store.ReadAll(ctx, from, limit)
	if err != nil {
		return nil, err
	}
	return s.readAll(ctx, events)
}

// SubscribeAll follows $all, personal fields opened.
func (s *Store) SubscribeAll(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	return s.Store.SubscribeAll(ctx, from, func(ctx context.Context, e eventstore.RecordedEvent) error {
		if err := s.read(ctx, &e); err != nil {
			return err
		}
		return handle(ctx, e)
	})
}

type header interface {
	Head(ctx context.Context) (eventstore.Position, error)
}

type counter interface {
	CountEvents(ctx context.Context, through eventstore.Position) (int, error)
}

// Head is the inner store's head of $all.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	h, ok := s.Store.(header)
	if !ok {
		return eventstore.Position{}, errors.New("personal: the event store cannot tell its head")
	}
	return h.Head(ctx)
}

// CountEvents is the inner store's count.
func (s *Store) CountEvents(ctx context.Context, through eventstore.Position) (int, error) {
	c, ok := s.Store.(counter)
	if !ok {
		return 0, errors.New("personal: the event store cannot count its events")
	}
	return c.CountEvents(ctx, through)
}

// streamsReader is a store that reads several whole streams at once
// (pgstore.Store.ReadStreams, the replica router over two of them).
type streamsReader interface {
	ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error)
}

// Wrap is NewStore for the application: when inner reads several whole
// streams at once, so does the store it returns (personal fields opened),
// so that the commands read a declaration's history in one query through
// it too; otherwise it is the *Store itself. Either way it offers every
// method of *Store.
func Wrap(inner eventstore.Store, keys *Keys) eventstore.Store {
	s := NewStore(inner, keys)
	if r, ok := inner.(streamsReader); ok {
		return streamsStore{Store: s, inner: r}
	}
	return s
}

type streamsStore struct {
	*Store
	inner streamsReader
}

// ReadStreams reads the whole of each stream in one read of the store
// underneath, personal fields opened.
func (s streamsStore) ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error) {
	all, err := s.inner.ReadStreams(ctx, streams)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i], err = s.readAll(ctx, all[i]); err != nil {
			return nil, err
		}
	}
	return all, nil
}
