package commands

import (
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// Point says how far a read folds a record's stream: to its end (the zero
// Point), up to a time (AsOf: the events recorded by then), or up to a
// stream revision (Revision: the record after its first N events, N from 1
// to the stream's last). A read takes one or the other, never both.
type Point struct {
	AsOf     *time.Time
	Revision *eventstore.Version
}

// AtRevision is the Point of revision n.
func AtRevision(n eventstore.Version) Point { return Point{Revision: &n} }

// IsZero says the read folds the whole stream.
func (p Point) IsZero() bool { return p.AsOf == nil && p.Revision == nil }

// Check refuses a Point that names both a time and a revision.
func (p Point) Check() error {
	if p.AsOf != nil && p.Revision != nil {
		return &domain.ValidationError{Fields: []domain.FieldError{{Path: "query:atRevision", Rule: "SCHEMA",
			Message: "give either asOf or atRevision, not both", Zh: "asOf与atRevision只能指定其一"}}}
	}
	return nil
}

// RevisionRule is the rule id of an atRevision outside the record's stream.
const RevisionRule = "REVISION"

// upTo is l cut at p: its events up to revision p.Revision, or those
// recorded by p.AsOf; the zero Point leaves it whole. A revision outside 1
// to the stream's last is a validation error on query:atRevision saying
// which revisions there are (what names the record); a time before the
// record's first event is not found.
func (l loaded) upTo(p Point, what string) (loaded, error) {
	if err := p.Check(); err != nil {
		return loaded{}, err
	}
	keep := len(l.events)
	switch {
	case p.Revision != nil:
		n := *p.Revision
		if n < 1 || n > l.version {
			return loaded{}, revisionOutOfRange(what, n, l.version)
		}
		keep = 0
		for keep < len(l.events) && eventstore.Version(l.events[keep].Number) <= n {
			keep++
		}
	case p.AsOf != nil:
		keep = 0
		for keep < len(l.events) && !l.events[keep].Metadata.RecordedAt.After(*p.AsOf) {
			keep++
		}
		if keep == 0 {
			return loaded{}, fmt.Errorf("%s did not exist at %s: %w", l.id, p.AsOf.Format(time.RFC3339), domain.ErrNotFound)
		}
	}
	cut := loaded{id: l.id, events: l.events[:keep]}
	if keep > 0 {
		cut.version = eventstore.Version(cut.events[keep-1].Number)
	}
	return cut, nil
}

// revisionOutOfRange is the error of revision n of a stream whose last
// revision is last.
func revisionOutOfRange(what string, n, last eventstore.Version) error {
	f := domain.FieldError{Path: "query:atRevision", Rule: RevisionRule,
		Message: fmt.Sprintf("want a revision from 1 to %d, the %s's last; got %d", last, what, n),
		Zh:      fmt.Sprintf("版本号应在1到%d（该记录的最新版本）之间，收到%d", last, n)}
	if last == 0 {
		f.Message = fmt.Sprintf("the %s has no revisions yet; atRevision %d does not exist", what, n)
		f.Zh = fmt.Sprintf("该记录（%s）尚无任何版本，不存在第%d版", what, n)
	}
	return &domain.ValidationError{Fields: []domain.FieldError{f}}
}
