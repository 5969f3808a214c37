package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/mail"
)

// ApplyBatch applies events as Apply would one by one. The forecasts' and
// declarations' events (the bulk of $all) are folded in memory: each run of
// them reads the records and applicants it needs once (a statement per
// table), keeps their names in memory, and writes its new and renamed
// records and its notifications together at its end. Apply read a record
// and its applicant back for every decision, which sent the queued writes
// each time: a round trip per decision. Any other event the notifications
// follow (accounts, inbox reads, changes, summaries, deadlines, funding) is
// applied by Apply, after the run before it is written, and the run after
// it reads afresh what it may have changed.
func (n Notifications) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
	return n.applyShared(ctx, tx, newSharedBatch(events))
}

// applyShared is ApplyBatch taking the forecasts' events decoded from sb.
func (n Notifications) applyShared(ctx context.Context, tx pgx.Tx, sb *sharedBatch) error {
	b := &notifyBatch{}
	var run []notifyEvent
	for i, e := range sb.events {
		ne, inMemory, err := decodeNotifyEvent(sb, i)
		if err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
		}
		if inMemory {
			if ne.ev != nil {
				run = append(run, ne)
			}
			continue
		}
		if !notifiedElsewhere(e.Type) {
			continue // Apply ignores it
		}
		if err := b.apply(ctx, tx, run); err != nil {
			return err
		}
		run = run[:0]
		b.forget()
		if err := n.Apply(ctx, tx, e); err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
		}
	}
	return b.apply(ctx, tx, run)
}

// notifiedElsewhere: Apply does something with events of type t other than
// the forecasts' and declarations'.
func notifiedElsewhere(t string) bool {
	for _, prefix := range []string{"user.", "change.", "summary.", "deadline.", "funding."} {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return t == "inbox.read"
}

// notifyEvent is a forecast's or declaration's event, decoded: ev is nil
// for one the notifications ignore.
type notifyEvent struct {
	e   eventstore.RecordedEvent
	key notifyKey
	ev  any
	// decision is what a decision tells the applicant.
	decision decisionNotice
}

// notifyKey is a record of notification_forecasts or
// notification_declarations.
type notifyKey struct {
	table string
	id    uuid.UUID
}

// decodeNotifyEvent decodes the i-th event of sb, a forecast's or a
// declaration's (inMemory), as Apply does.
func decodeNotifyEvent(sb *sharedBatch, i int) (ne notifyEvent, inMemory bool, err error) {
	e := sb.events[i]
	ne.e = e
	switch {
	case strings.HasPrefix(e.Type, "forecast."):
		id, ev, _, err := sb.forecast(i)
		if err != nil {
			return ne, true, err
		}
		ne.key = notifyKey{"notification_forecasts", id}
		switch ev.(type) {
		case forecast.Submitted, forecast.Revised:
			ne.ev = ev
		default:
			var ok bool
			if ne.decision, ok = forecastDecision(ev); ok {
				ne.ev = ev
			}
		}
		return ne, true, nil
	case strings.HasPrefix(e.Type, "declaration."):
		id, ev, err := decodeRecord(e, "declaration-", declaration.Decode)
		if err != nil {
			return ne, true, err
		}
		ne.key = notifyKey{"notification_declarations", id}
		switch ev.(type) {
		case declaration.Started, declaration.BasicSaved:
			ne.ev = ev
		default:
			var ok bool
			if ne.decision, ok = declarationDecision(ev); ok {
				ne.ev = ev
			}
		}
		return ne, true, nil
	}
	return ne, false, nil
}

// notifyRecord is a record's row in memory: its applicant and names.
type notifyRecord struct {
	applicant      uuid.UUID
	nameZh, nameEn string
	// stored: the row is in the table; dirty: the run changed it.
	stored, dirty bool
}

// notifyBatch is what a batch knows in memory of the notifications' tables.
type notifyBatch struct {
	records map[notifyKey]*notifyRecord // nil: read, and not in the table
	// recipients are the accounts read: nil when there is none.
	recipients map[uuid.UUID]*recipient
	epochs     map[string]time.Time // the mail epochs, once read
	rows       []notificationRow
	rowIDs     map[uuid.UUID]bool
}

// forget drops what the batch read of records and accounts: an event
// applied by Apply may change them.
func (b *notifyBatch) forget() {
	b.records, b.recipients = nil, nil
}

// notification gathers a notifications row; a second with the same id is
// skipped, as the INSERT's ON CONFLICT does.
func (b *notifyBatch) notification(r notificationRow) {
	if b.rowIDs == nil {
		b.rowIDs = map[uuid.UUID]bool{}
	}
	if b.rowIDs[r.id] {
		return
	}
	b.rowIDs[r.id] = true
	b.rows = append(b.rows, r)
}

// mailable is mailable with the mail epochs read once per batch: only a
// migration or Setup writes them.
func (b *notifyBatch) mailable(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, t mail.Template, epoch string) (bool, error) {
	if b.epochs == nil {
		rows, err := tx.Query(ctx, `SELECT name, since FROM public.mail_epoch`)
		if err != nil {
			return false, fmt.Errorf("mail epoch: %w", err)
		}
		b.epochs = map[string]time.Time{}
		var name string
		var since time.Time
		if _, err := pgx.ForEachRow(rows, []any{&name, &since}, func() error {
			b.epochs[name] = since
			return nil
		}); err != nil {
			return false, fmt.Errorf("mail epoch: %w", err)
		}
	}
	var since *time.Time
	for _, name := range epochNames(t, epoch) {
		if s, ok := b.epochs[name]; ok && (since == nil || s.After(*since)) {
			since = &s
		}
	}
	if since == nil {
		return false, fmt.Errorf("mail epoch of %s: not set", t)
	}
	return !e.Created.Before(*since), nil
}

// apply folds a run of forecasts' and declarations' events and writes it.
func (b *notifyBatch) apply(ctx context.Context, tx pgx.Tx, run []notifyEvent) error {
	if len(run) == 0 {
		return nil
	}
	if err := b.read(ctx, tx, run); err != nil {
		return err
	}
	var order []notifyKey // records to write, in the order first changed
	dirty := func(k notifyKey, r *notifyRecord) {
		if !r.dirty {
			r.dirty = true
			order = append(order, k)
		}
	}
	for _, ne := range run {
		e, k := ne.e, ne.key
		r := b.records[k]
		fail := func(err error) error { return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err) }
		var d decisionNotice
		switch ev := ne.ev.(type) {
		case forecast.Submitted:
			if r != nil {
				return fail(fmt.Errorf("%s %s exists already", k.table, k.id))
			}
			r = &notifyRecord{applicant: ev.ApplicantID, nameZh: ev.Details.NameZh, nameEn: ev.Details.NameEn}
			b.records[k] = r
			dirty(k, r)
			continue
		case declaration.Started:
			if r != nil {
				return fail(fmt.Errorf("%s %s exists already", k.table, k.id))
			}
			r = &notifyRecord{applicant: ev.ApplicantID, nameZh: ev.Form.Basic.NameZh, nameEn: ev.Form.Basic.NameEn}
			b.records[k] = r
			dirty(k, r)
			continue
		case forecast.Revised:
			if r != nil {
				r.nameZh, r.nameEn = ev.Details.NameZh, ev.Details.NameEn
				dirty(k, r)
			}
			continue
		case declaration.BasicSaved:
			if r != nil {
				r.nameZh, r.nameEn = ev.Basic.NameZh, ev.Basic.NameEn
				dirty(k, r)
			}
			continue
		default:
			d = ne.decision
		}
		if r == nil {
			return fail(fmt.Errorf("%s about %s, which was never started", e.Type, k.id))
		}
		to := recipient{id: r.applicant}
		if a := b.recipients[r.applicant]; a != nil {
			to.email, to.name = a.email, a.name
		}
		if err := deliverTo(ctx, tx, b, e, k.id, d.notice(r.nameZh, r.nameEn), to); err != nil {
			return fail(err)
		}
	}
	return b.write(ctx, tx, order)
}

// read reads the records of run and their applicants that the batch does
// not know yet: a statement per table.
func (b *notifyBatch) read(ctx context.Context, tx pgx.Tx, run []notifyEvent) error {
	if b.records == nil {
		b.records, b.recipients = map[notifyKey]*notifyRecord{}, map[uuid.UUID]*recipient{}
	}
	want := map[string][]uuid.UUID{}
	for _, ne := range run {
		if _, known := b.records[ne.key]; !known {
			b.records[ne.key] = nil
			want[ne.key.table] = append(want[ne.key.table], ne.key.id)
		}
	}
	for _, table := range []string{"notification_forecasts", "notification_declarations"} {
		if len(want[table]) == 0 {
			continue
		}
		rows, err := tx.Query(ctx, `SELECT id, applicant_id, name_zh, name_en FROM `+table+` WHERE id = ANY($1)`, want[table])
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		var id uuid.UUID
		var r notifyRecord
		if _, err := pgx.ForEachRow(rows, []any{&id, &r.applicant, &r.nameZh, &r.nameEn}, func() error {
			c := r
			c.stored = true
			b.records[notifyKey{table, id}] = &c
			return nil
		}); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	var applicants []uuid.UUID
	ask := func(id uuid.UUID) {
		if _, known := b.recipients[id]; !known {
			b.recipients[id] = nil
			applicants = append(applicants, id)
		}
	}
	for _, ne := range run {
		switch ev := ne.ev.(type) {
		case forecast.Submitted:
			ask(ev.ApplicantID)
		case declaration.Started:
			ask(ev.ApplicantID)
		default:
			if r := b.records[ne.key]; r != nil {
				ask(r.applicant)
			}
		}
	}
	if len(applicants) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, email, name FROM notification_recipients WHERE id = ANY($1)`, applicants)
	if err != nil {
		return fmt.Errorf("notification_recipients: %w", err)
	}
	var r recipient
	_, err = pgx.ForEachRow(rows, []any{&r.id, &r.email, &r.name}, func() error {
		c := r
		b.recipients[r.id] = &c
		return nil
	})
	if err != nil {
		return fmt.Errorf("notification_recipients: %w", err)
	}
	return nil
}

// write writes the records the run changed and the notifications it
// gathered: new records by COPY (or INSERTs when few), renamed ones by one
// UPDATE per table, the notifications by one INSERT.
func (b *notifyBatch) write(ctx context.Context, tx pgx.Tx, order []notifyKey) error {
	fresh := map[string][][]any{}
	renamed := map[string][]notifyKey{}
	for _, k := range order {
		r := b.records[k]
		if r.stored {
			renamed[k.table] = append(renamed[k.table], k)
		} else {
			fresh[k.table] = append(fresh[k.table], []any{k.id, r.applicant, r.nameZh, r.nameEn})
		}
		r.stored, r.dirty = true, false
	}
	for _, table := range []string{"notification_forecasts", "notification_declarations"} {
		if ks := renamed[table]; len(ks) > 0 {
			ids, zh, en := make([]uuid.UUID, len(ks)), make([]string, len(ks)), make([]string, len(ks))
			for i, k := range ks {
				r := b.records[k]
				ids[i], zh[i], en[i] = k.id, r.nameZh, r.nameEn
			}
			if _, err := tx.Exec(ctx, `UPDATE `+table+` t SET name_zh = v.name_zh, name_en = v.name_en
				FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, name_zh, name_en)
				WHERE t.id = v.id AND t.id = ANY($1)`, ids, zh, en); err != nil {
				return err
			}
		}
		if err := copyRows(ctx, tx, table, []string{"id", "applicant_id", "name_zh", "name_en"}, fresh[table]); err != nil {
			return err
		}
	}
	rows := b.rows
	b.rows, b.rowIDs = nil, nil
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids, users, records := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
	kinds, titlesZh, titlesEn, bodiesZh, bodiesEn := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created := make([]time.Time, n)
	for i, r := range rows {
		ids[i], users[i], kinds[i], records[i] = r.id, r.userID, r.kind, r.recordID
		titlesZh[i], titlesEn[i], bodiesZh[i], bodiesEn[i], created[i] = r.titleZh, r.titleEn, r.bodyZh, r.bodyEn, r.createdAt
	}
	_, err := tx.Exec(ctx, `INSERT INTO notifications (id, user_id, kind, record_id, title_zh, title_en, body_zh, body_en, created_at)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
		ON CONFLICT (id) DO NOTHING`, ids, users, kinds, records, titlesZh, titlesEn, bodiesZh, bodiesEn, created)
	return err
}
