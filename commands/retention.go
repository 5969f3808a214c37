package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/personal"
)

// closing are the events that end a record for good as far as its people
// go: rejected or withdrawn. Any later event of the record opens it again.
var closing = map[string]bool{
	forecast.EventRejected: true, forecast.EventWithdrawn: true,
	declaration.EventRejected: true, declaration.EventWithdrawn: true,
}

// retentionNamespace derives the command id of a retention erasure: one
// person erased by retention once, however often it runs.
var retentionNamespace = uuid.MustParse("3c9e2f6a-8b1d-5f47-9e0a-6d2c4b7a1e58")

// ApplyRetention erases, as actor (a platform admin), the people the
// policy's retention rules no longer keep (PIPL): those named only in
// forecasts and declarations rejected or withdrawn more than
// retention.closedRecordMonths calendar months before now, who hold no
// account. It returns the people it erased. With the rule at 0 it erases
// nobody. It reads all of $all.
func (a *App) ApplyRetention(ctx context.Context, actor domain.Actor, now time.Time) ([]uuid.UUID, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return nil, err
	}
	months := pol.Retention.ClosedRecordMonths
	if months == 0 {
		return nil, nil
	}
	if _, err := a.personalData(); err != nil {
		return nil, err
	}
	cutoff := now.AddDate(0, -months, 0)
	type record struct {
		closedAt time.Time // zero: open
		people   []uuid.UUID
	}
	records := map[string]*record{}
	accounts := map[uuid.UUID]bool{}
	from := eventstore.Start
	for {
		page, err := a.store.ReadAll(ctx, from, 1000)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			from = e.Position
			if id, ok := strings.CutPrefix(e.StreamID, "user-"); ok {
				if u, err := uuid.Parse(id); err == nil {
					accounts[u] = true
				}
			}
			r := records[e.StreamID]
			if r == nil {
				r = &record{}
				records[e.StreamID] = r
			}
			r.closedAt = time.Time{}
			if closing[e.Type] {
				r.closedAt = e.Metadata.RecordedAt
			}
			people, err := personal.Subjects(e.Type, e.StreamID, e.Data)
			if err != nil {
				return nil, fmt.Errorf("retention: %s#%d: %w", e.StreamID, e.Number, err)
			}
			r.people = append(r.people, people...)
		}
		if len(page) < 1000 {
			break
		}
	}
	expired, kept := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for _, r := range records {
		for _, p := range r.people {
			if !r.closedAt.IsZero() && r.closedAt.Before(cutoff) {
				expired[p] = true
			} else {
				kept[p] = true
			}
		}
	}
	var erased []uuid.UUID
	for p := range expired {
		if kept[p] || accounts[p] {
			continue
		}
		meta := Meta{CommandID: uuid.NewSHA1(retentionNamespace, p[:])}
		reason := fmt.Sprintf("retention (policy %s): named only in records rejected or withdrawn more than %d months ago", pol.Version, months)
		_, err := a.ErasePerson(ctx, actor, meta, ErasePerson{Subject: p, Reason: reason})
		if errors.Is(err, personal.ErrAlreadyErased) {
			continue
		}
		if err != nil {
			return erased, fmt.Errorf("retention: erase %s: %w", p, err)
		}
		erased = append(erased, p)
	}
	return erased, nil
}
