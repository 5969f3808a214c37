package commands

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// policyStream is a store holding a policy stream only: Current reads
// nothing else.
type policyStream struct {
	eventstore.Store
	last  []byte
	reads int
}

func (s *policyStream) ReadStream(_ context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	s.reads++
	if stream != PolicyStream || dir != eventstore.Backwards || from != 0 || limit != 1 {
		panic("unexpected read of " + stream)
	}
	if s.last == nil {
		return nil, eventstore.ErrStreamNotFound
	}
	return []eventstore.RecordedEvent{{StreamID: PolicyStream, Number: 1, Type: "policy.published", Data: s.last}}, nil
}

func (s *policyStream) publish(t *testing.T, p policy.Policy) {
	t.Helper()
	b, err := json.Marshal(PolicyPublished{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	s.last = b
}

// TestPolicyCurrentDecodesOnceAndHandsOutCopies: the policy in force is
// read from the store every time and decoded only when its bytes change;
// what a caller gets is equal to a fresh decoding and is its own, so a
// caller changing its slices (demo.Seed appends a window override) does
// not change what the next caller gets.
func TestPolicyCurrentDecodesOnceAndHandsOutCopies(t *testing.T) {
	ctx := context.Background()
	s := &policyStream{}
	p := &Policies{store: s}

	got, err := p.Current(ctx)
	if err != nil || !reflect.DeepEqual(got, policy.Default()) {
		t.Fatalf("no publication: %+v, %v; want the default", got, err)
	}

	pub := policy.Default()
	pub.Version = "2027-test"
	pub.WindowOverrides = []policy.WindowOverride{{UniversityID: uuid.New(), PlanYear: 2027,
		Open: domain.Date{Year: 2026, Month: time.March, Day: 1}, Close: domain.Date{Year: 2026, Month: time.June, Day: 30}}}
	s.publish(t, pub)
	var fresh PolicyPublished
	if err := json.Unmarshal(s.last, &fresh); err != nil {
		t.Fatal(err)
	}
	want := fresh.Policy.Upcast()

	for i := range 3 {
		got, err := p.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read %d (version %q) differs from a fresh decoding of the publication", i, got.Version)
		}
		// Change everything the caller can reach.
		got.WindowOverrides[0].PlanYear = 1999
		got.WindowOverrides = append(got.WindowOverrides[:1], policy.WindowOverride{PlanYear: 1998})
		got.WorkCalendar.Years[0].Holidays[0] = got.WorkCalendar.Years[0].Holidays[1]
		got.Deadlines.ReminderDays[0] = -1
		got.Funding.Categories[0].CapFen = 1
	}
	if s.reads != 4 {
		t.Errorf("%d reads of the policy stream; want one per call (4)", s.reads)
	}

	// A new publication is decoded afresh.
	pub.Version = "2027-test-2"
	pub.WindowOverrides = nil
	s.publish(t, pub)
	got, err = p.Current(ctx)
	if err != nil || got.Version != "2027-test-2" || got.WindowOverrides != nil {
		t.Fatalf("after a new publication: version %q, overrides %v, %v; want 2027-test-2 without overrides", got.Version, got.WindowOverrides, err)
	}
}

// TestDeepCopy: nothing a copy reaches is shared with the original.
func TestDeepCopy(t *testing.T) {
	type inner struct {
		Days []int
		At   time.Time
	}
	type outer struct {
		Name  string
		List  []inner
		Index map[string][]int
		Ptr   *inner
		Any   any
		Arr   [2][]int
		Empty []int
		Nil   []int
	}
	orig := outer{
		Name: "a", List: []inner{{Days: []int{1, 2}, At: time.Date(2026, 1, 2, 3, 4, 5, 0, domain.Shanghai)}},
		Index: map[string][]int{"k": {3}}, Ptr: &inner{Days: []int{4}}, Any: []int{5},
		Arr: [2][]int{{6}, {7}}, Empty: []int{},
	}
	keep := outer{
		Name: "a", List: []inner{{Days: []int{1, 2}, At: time.Date(2026, 1, 2, 3, 4, 5, 0, domain.Shanghai)}},
		Index: map[string][]int{"k": {3}}, Ptr: &inner{Days: []int{4}}, Any: []int{5},
		Arr: [2][]int{{6}, {7}}, Empty: []int{},
	}
	c := deepCopy(orig)
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("copy %+v; want %+v", c, orig)
	}
	c.List[0].Days[0] = 9
	c.Index["k"][0] = 9
	c.Index["new"] = nil
	c.Ptr.Days[0] = 9
	c.Any.([]int)[0] = 9
	c.Arr[0][0] = 9
	if !reflect.DeepEqual(orig, keep) {
		t.Fatalf("the original changed with its copy: %+v; want %+v", orig, keep)
	}
}

// BenchmarkPolicyCurrent is what Current costs a command beside its read:
// decoding the publication (before) against the copy of the one decoded
// last (now).
func BenchmarkPolicyCurrent(b *testing.B) {
	ctx := context.Background()
	data, err := json.Marshal(PolicyPublished{Policy: policy.Default()})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var e PolicyPublished
			if err := json.Unmarshal(data, &e); err != nil {
				b.Fatal(err)
			}
			_ = e.Policy.Upcast()
		}
	})
	b.Run("cached", func(b *testing.B) {
		s := &policyStream{last: data}
		p := &Policies{store: s}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Current(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
