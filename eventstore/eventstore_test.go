package eventstore_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
)

func TestPositionOrderAndText(t *testing.T) {
	cases := []struct {
		a, b eventstore.Position
		less bool
	}{
		{eventstore.Position{Commit: 1, Prepare: 9}, eventstore.Position{Commit: 2, Prepare: 1}, true},
		{eventstore.Position{Commit: 2, Prepare: 1}, eventstore.Position{Commit: 2, Prepare: 2}, true},
		{eventstore.Position{Commit: 2, Prepare: 2}, eventstore.Position{Commit: 2, Prepare: 2}, false},
		{eventstore.Start, eventstore.Position{Prepare: 1}, true},
	}
	for _, c := range cases {
		if got := c.a.Less(c.b); got != c.less {
			t.Errorf("%s < %s: got %v; want %v", c.a, c.b, got, c.less)
		}
		back, err := eventstore.ParsePosition(c.a.String())
		if err != nil || back != c.a {
			t.Errorf("ParsePosition(%q) = %v, %v; want %v", c.a.String(), back, err, c.a)
		}
	}
	if p, err := eventstore.ParsePosition("42"); err != nil || p != (eventstore.Position{Commit: 42, Prepare: 42}) {
		t.Errorf("ParsePosition(42) = %v, %v", p, err)
	}
	for _, bad := range []string{"", "x", "1/", "/2", "1/2/3", "-1/2"} {
		if _, err := eventstore.ParsePosition(bad); err == nil {
			t.Errorf("ParsePosition(%q) accepted", bad)
		}
	}
}

func TestEventIDIsDeterministic(t *testing.T) {
	cmd := uuid.MustParse("0d6f3a52-8f1e-4c3b-9a57-3c1f2b4e5d6a")
	first, again := eventstore.EventID(cmd, 0), eventstore.EventID(uuid.MustParse(cmd.String()), 0)
	if first != again {
		t.Error("same command and index gave different ids")
	}
	if eventstore.EventID(cmd, 0) == eventstore.EventID(cmd, 1) || eventstore.EventID(cmd, 0) == eventstore.EventID(uuid.New(), 0) {
		t.Error("different commands or indexes gave the same id")
	}
}

func TestHashChain(t *testing.T) {
	at := time.Date(2026, 9, 10, 2, 0, 0, 123, time.UTC)
	var events []eventstore.RecordedEvent
	prev := ""
	for i := 1; i <= 4; i++ {
		e := eventstore.RecordedEvent{
			ID: uuid.New(), StreamID: "forecast-x", Number: uint64(i), Type: "forecast.revised",
			Data:     json.RawMessage(`{"n":` + string(rune('0'+i)) + `}`),
			Metadata: eventstore.Metadata{ActorID: "a", RecordedAt: at, PrevHash: prev},
		}
		prev = eventstore.Hash(e)
		events = append(events, e)
	}
	if n := eventstore.VerifyChain(events); n != 0 {
		t.Fatalf("intact chain broken at %d", n)
	}
	forged := append([]eventstore.RecordedEvent(nil), events...)
	forged[1].Data = json.RawMessage(`{"n":9}`)
	if n := eventstore.VerifyChain(forged); n != 3 {
		t.Errorf("rewritten payload of event 2: broken at %d; want 3", n)
	}
	forged = append([]eventstore.RecordedEvent(nil), events...)
	forged[2].Metadata.ActorID = "b"
	if n := eventstore.VerifyChain(forged); n != 4 {
		t.Errorf("rewritten actor of event 3: broken at %d; want 4", n)
	}
	forged = append([]eventstore.RecordedEvent(nil), events...)
	forged[0].Metadata.PrevHash = "x"
	if n := eventstore.VerifyChain(forged); n != 1 {
		t.Errorf("first event claiming a predecessor: broken at %d; want 1", n)
	}
}
