package pgstore_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestReadStreams: several streams read in one query give each stream
// exactly what ReadStream gives it, in version order, whatever order their
// events were appended in; a stream that does not exist reads as none, a
// stream asked for twice is given twice, and other streams stay out.
func TestReadStreams(t *testing.T) {
	ctx := context.Background()
	s := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	add := func(stream string, expected eventstore.Version, n int) {
		t.Helper()
		evs := make([]eventstore.EventData, n)
		for i := range evs {
			evs[i] = eventstore.EventData{ID: uuid.New(), Type: "E", Data: fmt.Appendf(nil, `{"stream":%q,"n":%d}`, stream, int(expected)+i+1),
				Metadata: eventstore.Metadata{ActorID: "a", Command: "C"}}
		}
		if _, err := s.Append(ctx, stream, expected, evs); err != nil {
			t.Fatal(err)
		}
	}
	// Interleaved, so that neither position nor stream id order is the
	// version order of a stream by accident.
	add("b-conference", 0, 1)
	add("a-conference", 0, 1)
	add("other", 0, 2)
	add("b-conference", 1, 3)
	add("a-conference", 1, 1)
	add("b-conference", 4, 1)

	if got, err := s.ReadStreams(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no streams: %v, %v; want none", got, err)
	}
	asked := []string{"b-conference", "missing", "a-conference", "b-conference"}
	got, err := s.ReadStreams(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(asked) {
		t.Fatalf("%d results for %d streams", len(got), len(asked))
	}
	for i, stream := range asked {
		want, err := s.ReadStream(ctx, stream, eventstore.Forwards, 0, 0)
		if stream == "missing" {
			if len(got[i]) != 0 {
				t.Errorf("a missing stream read as %d events", len(got[i]))
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s (asked %d.): %d events\n%+v\nwant what ReadStream gives, %d events\n%+v", stream, i+1, len(got[i]), got[i], len(want), want)
		}
		for j, e := range got[i] {
			if e.StreamID != stream || e.Number != uint64(j+1) {
				t.Errorf("%s's event %d is %s#%d", stream, j+1, e.StreamID, e.Number)
			}
		}
	}
	if len(got[0]) != 5 || len(got[2]) != 2 {
		t.Errorf("b-conference %d events, a-conference %d; want 5 and 2", len(got[0]), len(got[2]))
	}
}
