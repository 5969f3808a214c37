package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
)

// DeadlineWatchName is the deadline watch's stored name.
const DeadlineWatchName = "deadline_watch"

// DeadlineWatch is the deadline engine's index: for each submitted
// conference, the dates its deadlines follow from and the facts already
// recorded about them, so the engine finds what may be due without reading
// every stream. It decides nothing: the engine re-decides each candidate on
// the streams themselves (commands.CheckDeadlines).
type DeadlineWatch struct{}

func (DeadlineWatch) Name() string     { return DeadlineWatchName }
func (DeadlineWatch) Version() int     { return 1 }
func (DeadlineWatch) Tables() []string { return []string{"deadline_watch"} }

func (DeadlineWatch) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE deadline_watch (
    declaration_id uuid    PRIMARY KEY,
    status         text    NOT NULL,
    original_start date,
    original_end   date,
    file_by        date,
    ngo            boolean NOT NULL DEFAULT false,
    ngo_filed      boolean NOT NULL DEFAULT false,
    start_date     date,   -- effective, after an approved change
    end_date       date,
    pending_start  date,   -- a requested change's dates until decided
    pending_end    date,
    summary_status text    NOT NULL DEFAULT '',
    passed         text[]  NOT NULL DEFAULT '{}', -- kind|date
    reminded       text[]  NOT NULL DEFAULT '{}'  -- kind|date|days
);
CREATE INDEX deadline_watch_file_by ON deadline_watch (file_by) WHERE status IN ('submitted', 'unit_approved');
CREATE INDEX deadline_watch_approved ON deadline_watch (end_date) WHERE status = 'authority_approved';`)
	return err
}

func (w DeadlineWatch) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	switch {
	case strings.HasPrefix(e.Type, "declaration."):
		return w.applyDeclaration(ctx, tx, e)
	case strings.HasPrefix(e.Type, "change."):
		return w.applyChange(ctx, tx, e)
	case strings.HasPrefix(e.Type, "summary."):
		id, ev, err := decodeRecord(e, "summary-", summary.Decode)
		if err != nil {
			return err
		}
		s := summary.New(id)
		s.Apply(ev)
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET summary_status = $2 WHERE declaration_id = $1`, id, string(s.Status()))
		return err
	case strings.HasPrefix(e.Type, "deadline."):
		return w.applyDeadline(ctx, tx, e)
	}
	return nil
}

func (DeadlineWatch) applyDeclaration(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "declaration-", declaration.Decode)
	if err != nil {
		return err
	}
	status := declarationStatusAfter(ev)
	switch ev := ev.(type) {
	case declaration.Started:
		b := ev.Form.Basic
		_, err = tx.Exec(ctx, `INSERT INTO deadline_watch (declaration_id, status, original_start, original_end, start_date, end_date, ngo)
VALUES ($1, $2, $3, $4, $3, $4, $5) ON CONFLICT (declaration_id) DO NOTHING`,
			id, string(status), dateArg(b.StartDate), dateArg(b.EndDate), ev.Form.Statements.OverseasNGO)
		return err
	case declaration.BasicSaved:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET status = $2, original_start = $3, original_end = $4, start_date = $3, end_date = $4
WHERE declaration_id = $1`, id, string(status), dateArg(ev.Basic.StartDate), dateArg(ev.Basic.EndDate))
		return err
	case declaration.StatementsSaved:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET status = $2, ngo = $3 WHERE declaration_id = $1`,
			id, string(status), ev.Statements.OverseasNGO)
		return err
	case declaration.Submitted:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET status = $2, file_by = $3, ngo = $4 WHERE declaration_id = $1`,
			id, string(status), dateArg(ev.Lead.FileBy), !ev.Lead.NGOFileBy.IsZero())
		return err
	}
	if status == "" {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE deadline_watch SET status = $2 WHERE declaration_id = $1`, id, string(status))
	return err
}

func (DeadlineWatch) applyChange(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "change-", change.Decode)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case change.Requested:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET pending_start = $2, pending_end = $3 WHERE declaration_id = $1`,
			id, dateArg(ev.New.Dates.Start), dateArg(ev.New.Dates.End))
	case change.Approved:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET start_date = coalesce(pending_start, start_date),
    end_date = coalesce(pending_end, end_date), pending_start = NULL, pending_end = NULL WHERE declaration_id = $1`, id)
	case change.Rejected:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET pending_start = NULL, pending_end = NULL WHERE declaration_id = $1`, id)
	}
	return err
}

func (DeadlineWatch) applyDeadline(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "deadline-", deadline.Decode)
	if err != nil {
		return err
	}
	passed := func(k deadline.Kind, p deadline.Passed) error {
		_, err := tx.Exec(ctx, `UPDATE deadline_watch SET passed = array_append(passed, $2) WHERE declaration_id = $1`,
			id, string(k)+"|"+p.DueDate.String())
		return err
	}
	switch ev := ev.(type) {
	case deadline.Reminded:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET reminded = array_append(reminded, $2) WHERE declaration_id = $1`,
			id, fmt.Sprintf("%s|%s|%d", ev.Kind, ev.DueDate, ev.DaysBefore))
	case deadline.SummaryOverdue:
		err = passed(deadline.KindSummary, ev.Passed)
	case deadline.FilingOverdue:
		err = passed(deadline.KindFiling, ev.Passed)
	case deadline.NGOFilingOverdue:
		err = passed(deadline.KindNGOFiling, ev.Passed)
	case deadline.ChangeWindowClosed:
		err = passed(deadline.KindChangeWindow, ev.Passed)
	case deadline.NGOFiled:
		_, err = tx.Exec(ctx, `UPDATE deadline_watch SET ngo_filed = true WHERE declaration_id = $1`, id)
	}
	return err
}

// dateArg is a nullable date parameter.
func dateArg(d domain.Date) *time.Time {
	if d.IsZero() {
		return nil
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return &t
}

// DeadlineCandidates are the conferences for which the deadline engine
// would record something on today under p: a deadline passed and not
// recorded, or a reminder due and not sent. SQL narrows the rows to those
// with a date near enough; the domain's own Check on each row decides, so
// the engine loads the streams of real candidates only. It reads up to
// limit rows in id order after the id after (uuid.Nil first) and returns
// the candidates among them, the last id read and whether more rows may
// follow.
func (q *Queries) DeadlineCandidates(ctx context.Context, today domain.Date, p policy.Policy, after uuid.UUID, limit int) (ids []uuid.UUID, last uuid.UUID, more bool, err error) {
	horizon := 0
	for _, d := range p.Deadlines.ReminderDays {
		horizon = max(horizon, d)
	}
	near := today.AddDays(horizon)
	changeNear := today.AddMonths(p.Change.LeadMonths + 1)
	rows, err := q.pool.Query(ctx, `
SELECT declaration_id, status, original_start, file_by, ngo, ngo_filed, start_date, end_date, summary_status, passed, reminded
FROM rm.deadline_watch
WHERE declaration_id > $4 AND (
      (status IN ('submitted', 'unit_approved') AND file_by <= $1
        AND NOT 'filing|' || to_char(file_by, 'YYYY-MM-DD') = ANY (passed))
   OR (ngo AND NOT ngo_filed AND status IN ('submitted', 'unit_approved', 'school_approved', 'authority_approved')
        AND start_date - $3::int <= $1
        AND NOT 'ngo_filing|' || to_char(start_date - $3::int, 'YYYY-MM-DD') = ANY (passed))
   OR (status = 'authority_approved' AND original_start <= $2
        AND NOT EXISTS (SELECT FROM unnest(passed) x WHERE x LIKE 'change_window|%'))
   OR (status = 'authority_approved' AND summary_status NOT IN ('submitted', 'accepted') AND end_date <= $1
        AND NOT EXISTS (SELECT FROM unnest(passed) x WHERE x LIKE 'summary|%')))
ORDER BY declaration_id LIMIT $5`,
		dateArg(near), dateArg(changeNear), p.Declaration.NGOFilingDays, after, limit)
	if err != nil {
		return nil, uuid.Nil, false, err
	}
	defer rows.Close()
	now := today.Time().Add(12 * time.Hour)
	n := 0
	for rows.Next() {
		n++
		var (
			id                            uuid.UUID
			status, sstatus               string
			origStart, fileBy, start, end *time.Time
			ngo, ngoFiled                 bool
			passed, reminded              []string
		)
		if err := rows.Scan(&id, &status, &origStart, &fileBy, &ngo, &ngoFiled, &start, &end, &sstatus, &passed, &reminded); err != nil {
			return nil, uuid.Nil, false, err
		}
		last = id
		c := deadline.Conference{Status: declaration.Status(status), FileBy: dateOf(fileBy), OriginalStart: dateOf(origStart),
			End: dateOf(end), SummaryStatus: summary.Status(sstatus)}
		c.Submitted = !c.FileBy.IsZero()
		if ngo && start != nil {
			c.NGOFileBy = dateOf(start).AddDays(-p.Declaration.NGOFilingDays)
		}
		t := deadline.New(id)
		replayWatch(t, ngoFiled, passed, reminded)
		t.Check(c, p, now)
		if len(t.Pending()) > 0 {
			ids = append(ids, id)
		}
	}
	return ids, last, n == limit, rows.Err()
}

func dateOf(t *time.Time) domain.Date {
	if t == nil {
		return domain.Date{}
	}
	return domain.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// replayWatch rebuilds a tracker's memory from the watch row's facts.
func replayWatch(t *deadline.Tracker, ngoFiled bool, passed, reminded []string) {
	if ngoFiled {
		t.Apply(deadline.NGOFiled{})
	}
	for _, s := range passed {
		k, d, ok := strings.Cut(s, "|")
		due, err := domain.ParseDate(d)
		if !ok || err != nil {
			continue
		}
		ps := deadline.Passed{DueDate: due}
		switch deadline.Kind(k) {
		case deadline.KindSummary:
			t.Apply(deadline.SummaryOverdue{Passed: ps})
		case deadline.KindFiling:
			t.Apply(deadline.FilingOverdue{Passed: ps})
		case deadline.KindNGOFiling:
			t.Apply(deadline.NGOFilingOverdue{Passed: ps})
		case deadline.KindChangeWindow:
			t.Apply(deadline.ChangeWindowClosed{Passed: ps})
		}
	}
	for _, s := range reminded {
		parts := strings.Split(s, "|")
		if len(parts) != 3 {
			continue
		}
		due, err := domain.ParseDate(parts[1])
		var days int
		if _, serr := fmt.Sscanf(parts[2], "%d", &days); err != nil || serr != nil {
			continue
		}
		t.Apply(deadline.Reminded{Kind: deadline.Kind(parts[0]), DueDate: due, DaysBefore: days})
	}
}
