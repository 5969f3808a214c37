package replica

import (
	"context"
	"errors"
	"testing"

	"github.com/econf/econf/eventstore"
)

// fakeStore answers ReadStream and ReadStreams with one event naming it,
// or fails.
type fakeStore struct {
	eventstore.Store
	name string
	fail bool
}

func (f fakeStore) ReadStream(ctx context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	if f.fail {
		return nil, errors.New(f.name + " fails")
	}
	return []eventstore.RecordedEvent{{StreamID: stream, Type: f.name}}, nil
}

type fakeStreamsStore struct{ fakeStore }

func (f fakeStreamsStore) ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error) {
	if f.fail {
		return nil, errors.New(f.name + " fails")
	}
	out := make([][]eventstore.RecordedEvent, len(streams))
	for i, s := range streams {
		out[i] = []eventstore.RecordedEvent{{StreamID: s, Type: f.name}}
	}
	return out, nil
}

// TestStoreReadStreamsFollowsTheRequest: the routed store reads several
// streams at once only when both stores can, from the replica for a read
// Reads marked while it is usable, from the primary otherwise and after
// the replica failed (the request then stays on the primary).
func TestStoreReadStreamsFollowsTheRequest(t *testing.T) {
	r := New(nil, nil, Options{})
	r.state.Usable = true
	if _, ok := r.Store(fakeStore{name: "primary"}, fakeStreamsStore{fakeStore{name: "replica"}}).(streamsReader); ok {
		t.Error("ReadStreams offered though the primary cannot")
	}
	if _, ok := r.Store(fakeStreamsStore{fakeStore{name: "primary"}}, fakeStore{name: "replica"}).(streamsReader); ok {
		t.Error("ReadStreams offered though the replica cannot")
	}
	from := func(s eventstore.Store, ctx context.Context) string {
		t.Helper()
		all, err := s.(streamsReader).ReadStreams(ctx, []string{"a", "b"})
		if err != nil || len(all) != 2 || len(all[1]) != 1 || all[1][0].StreamID != "b" {
			t.Fatalf("ReadStreams: %v, %v", all, err)
		}
		return all[0][0].Type
	}
	s := r.Store(fakeStreamsStore{fakeStore{name: "primary"}}, fakeStreamsStore{fakeStore{name: "replica"}})
	if got := from(s, context.Background()); got != "primary" {
		t.Errorf("an unmarked read went to the %s", got)
	}
	if got := from(s, r.Reads(context.Background())); got != "replica" {
		t.Errorf("a marked read went to the %s", got)
	}
	failing := r.Store(fakeStreamsStore{fakeStore{name: "primary"}}, fakeStreamsStore{fakeStore{name: "replica", fail: true}})
	ctx := r.Reads(context.Background())
	if got := from(failing, ctx); got != "primary" || OnReplica(ctx) {
		t.Errorf("after the replica failed: read from the %s, still on the replica %t", got, OnReplica(ctx))
	}
}
