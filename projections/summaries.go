package projections

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
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

// SummariesName is the summary list's stored name.
const SummariesName = "summaries"

// Summaries follows the summary of every conference the authority approved
// (R-SUM-01..04): its effective name and dates (after an approved change,
// R-CHG-04), where the summary stands, the deadline engine's overdue fact
// and last reminder, and, once the school accepted it, the attendance and
// papers the analysts' statistics count (R-SUM-03).
//
// Whether a summary is due or overdue depends on "today" and the policy in
// force, so the table keeps the end date and the queries compare it with
// policy.SummaryRules.LatestOverdueEnd: nothing stored goes stale as the
// days pass or the policy changes (R-POL-01).
type Summaries struct{}

func (Summaries) Name() string { return SummariesName }
func (Summaries) Version() int { return 1 }
func (Summaries) Tables() []string {
	return []string{"summary_declarations", "summaries", "summary_attendance"}
}

// handedIn is the SQL condition of a summary handed in (R-SUM-02): the
// partial indexes below repeat it word for word so the planner uses them.
const handedIn = `status IN ('submitted', 'accepted')`

func (Summaries) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
-- Every declaration until the authority approves it: what its summary row
-- will start from.
CREATE TABLE summary_declarations (
    id             uuid PRIMARY KEY,
    applicant_id   uuid NOT NULL,
    applicant_name text NOT NULL DEFAULT '',
    unit_id        uuid NOT NULL,
    university_id  uuid NOT NULL,
    authority_id   uuid NOT NULL,
    name_zh        text NOT NULL DEFAULT '',
    start_date     date,
    end_date       date
);
-- One row per conference approved by the authority; id is the
-- declaration's.
CREATE TABLE summaries (
    id              uuid PRIMARY KEY,
    applicant_id    uuid        NOT NULL,
    applicant_name  text        NOT NULL,
    unit_id         uuid        NOT NULL,
    university_id   uuid        NOT NULL,
    authority_id    uuid        NOT NULL,
    at_authority    boolean     NOT NULL DEFAULT true,
    name_zh         text        NOT NULL,
    start_date      date,
    end_date        date,
    approved_at     timestamptz NOT NULL,
    changed         boolean     NOT NULL DEFAULT false,
    pending_change  jsonb,
    status          text        NOT NULL DEFAULT '',
    opened_at       timestamptz,
    submitted_at    timestamptz,
    accepted_at     timestamptz,
    returned_at     timestamptz,
    late            boolean     NOT NULL DEFAULT false,
    return_reason   text        NOT NULL DEFAULT '',
    comment         text        NOT NULL DEFAULT '',
    overdue_at      timestamptz,
    overdue_due     date,
    reminded_at     timestamptz,
    reminder_due    date,
    reminder_days   int,
    attendance      jsonb       NOT NULL DEFAULT '[]', -- of the latest saved content
    papers_domestic int         NOT NULL DEFAULT 0,
    papers_foreign  int         NOT NULL DEFAULT 0,
    search          text        NOT NULL,
    grams           text[]      NOT NULL
);
CREATE INDEX summaries_applicant ON summaries (applicant_id, status, end_date);
CREATE INDEX summaries_unit ON summaries (unit_id, status, end_date);
CREATE INDEX summaries_university ON summaries (university_id, status, end_date);
CREATE INDEX summaries_authority ON summaries (authority_id, end_date);
CREATE INDEX summaries_end ON summaries (end_date);
-- Not handed in, by end date: the overdue look-ups (R-SUM-02).
CREATE INDEX summaries_applicant_out ON summaries (applicant_id, end_date, id) WHERE NOT (`+handedIn+`);
CREATE INDEX summaries_unit_out ON summaries (unit_id, end_date, id) WHERE NOT (`+handedIn+`);
CREATE INDEX summaries_university_out ON summaries (university_id, end_date, id) WHERE NOT (`+handedIn+`);
CREATE INDEX summaries_accepted ON summaries (end_date) WHERE status = 'accepted';
CREATE INDEX summaries_search ON summaries USING gin (search public.gin_trgm_ops);
CREATE INDEX summaries_grams ON summaries USING gin (grams);
-- The actual attendance of accepted summaries (R-SUM-03): domestic rows
-- by region with country '', foreign rows by country.
CREATE TABLE summary_attendance (
    declaration_id uuid NOT NULL,
    region         text NOT NULL,
    country        text NOT NULL,
    people         int  NOT NULL,
    PRIMARY KEY (declaration_id, region, country)
);`)
	return err
}

func (s Summaries) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	switch {
	case strings.HasPrefix(e.Type, "declaration."):
		return s.applyDeclaration(ctx, tx, e)
	case strings.HasPrefix(e.Type, "change."):
		return s.applyChange(ctx, tx, e)
	case strings.HasPrefix(e.Type, "summary."):
		return s.applySummary(ctx, tx, e)
	case strings.HasPrefix(e.Type, "deadline."):
		return s.applyDeadline(ctx, tx, e)
	}
	return nil
}

func (Summaries) applyDeclaration(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeDeclaration(e)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case declaration.Started:
		b := ev.Form.Basic
		_, err = tx.Exec(ctx, `INSERT INTO summary_declarations (id, applicant_id, applicant_name, unit_id, university_id, authority_id,
			name_zh, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			id, ev.ApplicantID, ev.Form.Applicant.Name, ev.UnitID, ev.UniversityID, ev.AuthorityID,
			b.NameZh, dayArg(b.StartDate), dayArg(b.EndDate))
	case declaration.ApplicantSaved:
		_, err = tx.Exec(ctx, `UPDATE summary_declarations SET applicant_name = $2 WHERE id = $1`, id, ev.Applicant.Name)
	case declaration.BasicSaved:
		b := ev.Basic
		_, err = tx.Exec(ctx, `UPDATE summary_declarations SET name_zh = $2, start_date = $3, end_date = $4 WHERE id = $1`,
			id, b.NameZh, dayArg(b.StartDate), dayArg(b.EndDate))
	case declaration.Withdrawn:
		_, err = tx.Exec(ctx, `DELETE FROM summary_declarations WHERE id = $1`, id)
	case declaration.ApprovedByAuthority:
		var d struct {
			applicant, unit, university, authority uuid.UUID
			applicantName, nameZh                  string
			start, end                             *time.Time
		}
		err = tx.QueryRow(ctx, `DELETE FROM summary_declarations WHERE id = $1
			RETURNING applicant_id, applicant_name, unit_id, university_id, authority_id, name_zh, start_date, end_date`, id).
			Scan(&d.applicant, &d.applicantName, &d.unit, &d.university, &d.authority, &d.nameZh, &d.start, &d.end)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // approved twice: the first approval made the row
		}
		if err != nil {
			return err
		}
		search := searchText(d.nameZh, d.applicantName)
		_, err = tx.Exec(ctx, `INSERT INTO summaries (id, applicant_id, applicant_name, unit_id, university_id, authority_id,
			name_zh, start_date, end_date, approved_at, search, grams) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (id) DO NOTHING`,
			id, d.applicant, d.applicantName, d.unit, d.university, d.authority, d.nameZh, d.start, d.end, ev.At, search, grams(search))
	}
	return err
}

// applyChange keeps a requested change's values until the school decides
// and, on approval, takes the new name and dates (R-CHG-04): the due date
// follows the effective end date.
func (Summaries) applyChange(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeChange(e)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case change.Requested:
		_, err = tx.Exec(ctx, `UPDATE summaries SET pending_change = $2 WHERE id = $1`,
			id, pendingChange{RequestID: ev.RequestID, Old: ev.Old, New: ev.New})
	case change.Rejected:
		_, err = tx.Exec(ctx, `UPDATE summaries SET pending_change = NULL WHERE id = $1`, id)
	case change.Approved:
		var p *pendingChange
		var applicantName string
		err = tx.QueryRow(ctx, `SELECT pending_change, applicant_name FROM summaries WHERE id = $1`, id).Scan(&p, &applicantName)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if p == nil || p.RequestID != ev.RequestID {
			return nil
		}
		v := p.New
		search := searchText(v.NameZh, applicantName)
		_, err = tx.Exec(ctx, `UPDATE summaries SET name_zh = $2, start_date = $3, end_date = $4, changed = true, pending_change = NULL,
			search = $5, grams = $6 WHERE id = $1`, id, v.NameZh, dayArg(v.Dates.Start), dayArg(v.Dates.End), search, grams(search))
	}
	return err
}

func (Summaries) applySummary(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "summary-", summary.Decode)
	if err != nil {
		return err
	}
	if _, ok := ev.(summary.Accepted); !ok {
		// Only an accepted summary counts in the statistics (R-SUM-03).
		if _, err := tx.Exec(ctx, `DELETE FROM summary_attendance WHERE declaration_id = $1`, id); err != nil {
			return err
		}
	}
	switch ev := ev.(type) {
	case summary.Opened:
		_, err = tx.Exec(ctx, `UPDATE summaries SET status = $2, opened_at = $3 WHERE id = $1`, id, string(summary.StatusDraft), ev.At)
	case summary.Saved:
		c := ev.Content
		_, err = tx.Exec(ctx, `UPDATE summaries SET status = $2, attendance = $3, papers_domestic = $4, papers_foreign = $5 WHERE id = $1`,
			id, string(summary.StatusDraft), nonNil(c.Attendance), c.PapersDomestic, c.PapersForeign)
	case summary.Submitted:
		_, err = tx.Exec(ctx, `UPDATE summaries SET status = $2, submitted_at = $3, late = $4 WHERE id = $1`,
			id, string(summary.StatusSubmitted), ev.At, ev.Late)
	case summary.Returned:
		_, err = tx.Exec(ctx, `UPDATE summaries SET status = $2, returned_at = $3, return_reason = $4 WHERE id = $1`,
			id, string(summary.StatusReturned), ev.At, ev.Reason)
	case summary.Accepted:
		var rows []summary.CountryCount
		err = tx.QueryRow(ctx, `UPDATE summaries SET status = $2, accepted_at = $3, comment = $4 WHERE id = $1 RETURNING attendance`,
			id, string(summary.StatusAccepted), ev.At, ev.Comment).Scan(&rows)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM summary_attendance WHERE declaration_id = $1`, id); err != nil {
			return err
		}
		for _, r := range rows {
			if !r.Region.Valid() || r.Count <= 0 {
				continue // counted as the domain counts (summary.Content.DomesticCount)
			}
			country := ""
			if r.Region == summary.Foreign {
				country = strings.TrimSpace(r.Country)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO summary_attendance (declaration_id, region, country, people) VALUES ($1, $2, $3, $4)
				ON CONFLICT (declaration_id, region, country) DO UPDATE SET people = summary_attendance.people + EXCLUDED.people`,
				id, string(r.Region), country, r.Count); err != nil {
				return err
			}
		}
	}
	return err
}

func (Summaries) applyDeadline(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	if e.Type != deadline.EventSummaryOverdue && e.Type != deadline.EventReminded {
		return nil
	}
	id, ev, err := decodeRecord(e, "deadline-", deadline.Decode)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case deadline.SummaryOverdue:
		_, err = tx.Exec(ctx, `UPDATE summaries SET overdue_at = $2, overdue_due = $3 WHERE id = $1`, id, ev.At, dayArg(ev.DueDate))
	case deadline.Reminded:
		if ev.Kind != deadline.KindSummary {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE summaries SET reminded_at = $2, reminder_due = $3, reminder_days = $4 WHERE id = $1`,
			id, ev.At, dayArg(ev.DueDate), ev.DaysBefore)
	}
	return err
}

// Summary states a list can ask for (R-SUM-02, R-SUM-04).
const (
	SummaryDue       = "due"     // not handed in, not overdue (not opened, draft or returned)
	SummaryOverdue   = "overdue" // not handed in and past its due date
	SummarySubmitted = "submitted"
	SummaryAccepted  = "accepted"
	SummaryReturned  = "returned"
)

// SummaryStates lists the states in a stable order.
var SummaryStates = []string{SummaryDue, SummaryOverdue, SummarySubmitted, SummaryAccepted, SummaryReturned}

// SummaryFilter selects and orders a page of summaries. Zero fields select
// everything; by default the oldest end date comes first.
type SummaryFilter struct {
	// States selects rows in any of them. due and overdue split the
	// summaries not handed in (not opened, draft or returned) by today; a
	// returned summary past its due date is both returned and overdue.
	States       []string
	UnitID       uuid.UUID
	UniversityID uuid.UUID
	Year         int    // of the (effective) end date
	Keyword      string // over the conference's name and the applicant's
	Sort         string // a key of summarySorts; endDate by default
	Desc         bool
	Page         int
	PageSize     int
}

var summarySorts = map[string]string{
	"endDate": "end_date", "dueDate": "end_date", "startDate": "start_date", "nameZh": "name_zh",
	"applicantName": "applicant_name", "status": "status", "submittedAt": "submitted_at", "approvedAt": "approved_at",
}

// ParseSummaryFilter reads a filter from query parameters (state as a
// comma-separated list, unitId, universityId, year, q, sort, order, page,
// pageSize), reporting every bad one.
func ParseSummaryFilter(q url.Values) (SummaryFilter, []domain.FieldError) {
	f := SummaryFilter{Sort: "endDate"}
	p := readParams(q, "state", "unitId", "universityId", "year")
	f.States = p.list("state", "summary state (want due, overdue, submitted, accepted or returned)", "未知的总结状态", func(s string) bool {
		for _, x := range SummaryStates {
			if s == x {
				return true
			}
		}
		return false
	})
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	f.UniversityID = p.uuid("universityId", "学校ID格式错误")
	f.Year = p.year("year")
	f.Keyword = p.keyword()
	p.sort(summarySorts, &f.Sort, &f.Desc)
	f.Page, f.PageSize = p.page()
	return f, p.bad
}

// SummaryOverdueFact is the deadline engine's record that a summary was
// not in by its due date (deadline.summary_overdue).
type SummaryOverdueFact struct {
	At      time.Time   `json:"at"`
	DueDate domain.Date `json:"dueDate"`
}

// SummaryReminder is the last reminder sent about a summary's due date.
type SummaryReminder struct {
	At         time.Time   `json:"at"`
	DueDate    domain.Date `json:"dueDate"`
	DaysBefore int         `json:"daysBefore"`
}

// SummaryRow is the summary of one approved conference.
type SummaryRow struct {
	DeclarationID uuid.UUID   `json:"declarationId"`
	NameZh        string      `json:"nameZh"` // effective, after an approved change
	ApplicantID   uuid.UUID   `json:"applicantId"`
	ApplicantName string      `json:"applicantName"`
	UnitID        uuid.UUID   `json:"unitId"`
	UniversityID  uuid.UUID   `json:"universityId"`
	AuthorityID   uuid.UUID   `json:"authorityId"`
	StartDate     domain.Date `json:"startDate"`
	EndDate       domain.Date `json:"endDate"`
	// DueDate is the end date plus the policy's months (R-SUM-02), for the
	// rules the query was given.
	DueDate domain.Date `json:"dueDate"`
	Changed bool        `json:"changed"` // the dates or name come from an approved change
	// Status is the summary's own: "" (not opened), draft, submitted,
	// accepted or returned.
	Status string `json:"status"`
	// State is submitted, accepted or returned as Status says, otherwise
	// due or overdue by today.
	State string `json:"state"`
	// Overdue: not handed in (not opened, draft or returned) and past the
	// due date on today.
	Overdue         bool                `json:"overdue"`
	Late            bool                `json:"late"` // submitted after the due date
	ApprovedAt      time.Time           `json:"approvedAt"`
	OpenedAt        *time.Time          `json:"openedAt"`
	SubmittedAt     *time.Time          `json:"submittedAt"`
	AcceptedAt      *time.Time          `json:"acceptedAt"`
	ReturnedAt      *time.Time          `json:"returnedAt"`   // the last return
	ReturnReason    string              `json:"returnReason"` // the last return's reason (R-SUM-04)
	Comment         string              `json:"comment"`      // the acceptance's comment
	OverdueRecorded *SummaryOverdueFact `json:"overdueRecorded"`
	LastReminder    *SummaryReminder    `json:"lastReminder"`
}

// SummaryPage is one page of summaries.
type SummaryPage struct {
	Items    []SummaryRow `json:"items"`
	Total    int64        `json:"total"`
	Page     int          `json:"page"`
	PageSize int          `json:"pageSize"`
}

// Summaries returns one page of the summaries of approved conferences the
// actor may see (R-ACT-02), with each one's due date and state on today
// under the rules r (R-SUM-02).
func (q *Queries) Summaries(ctx context.Context, a domain.Actor, f SummaryFilter, today domain.Date, r policy.SummaryRules) (SummaryPage, error) {
	var w where
	if err := scopeOf(a, domain.KindSummary, recordScope, &w); err != nil {
		return SummaryPage{}, err
	}
	latest := r.LatestOverdueEnd(today).String()
	if len(f.States) > 0 {
		var conds []string
		var args []any
		for _, s := range f.States {
			switch s {
			case SummaryDue:
				conds, args = append(conds, "(NOT ("+handedIn+") AND end_date > ?::date)"), append(args, latest)
			case SummaryOverdue:
				conds, args = append(conds, "(NOT ("+handedIn+") AND end_date <= ?::date)"), append(args, latest)
			case SummarySubmitted, SummaryAccepted, SummaryReturned:
				conds, args = append(conds, "status = ?"), append(args, s)
			default:
				return SummaryPage{}, fmt.Errorf("summaries: unknown state %q", s)
			}
		}
		w.add("("+strings.Join(conds, " OR ")+")", args...)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	if f.UniversityID != uuid.Nil {
		w.add("university_id = ?", f.UniversityID)
	}
	if f.Year != 0 {
		w.add("end_date >= make_date(?, 1, 1) AND end_date < make_date(?, 1, 1)", f.Year, f.Year+1)
	}
	keyword(&w, f.Keyword)
	page := SummaryPage{Page: max(f.Page, 1), PageSize: min(cmp.Or(f.PageSize, 20), 100)}
	var err error
	page.Items, page.Total, err = pageOf(ctx, q.pool, "summaries", summaryColumns, &w, cmp.Or(summarySorts[f.Sort], "end_date"), f.Desc,
		page.Page, page.PageSize, func(row pgx.CollectableRow) (SummaryRow, error) {
			return scanSummary(row, today, r)
		})
	if page.Items == nil {
		page.Items = []SummaryRow{}
	}
	return page, err
}

const summaryColumns = `id, name_zh, applicant_id, applicant_name, unit_id, university_id, authority_id, start_date, end_date,
	changed, status, late, approved_at, opened_at, submitted_at, accepted_at, returned_at, return_reason, comment,
	overdue_at, overdue_due, reminded_at, reminder_due, reminder_days`

func scanSummary(row pgx.Row, today domain.Date, r policy.SummaryRules) (SummaryRow, error) {
	var x SummaryRow
	var start, end, overdueDue, reminderDue *time.Time
	var overdueAt, remindedAt *time.Time
	var reminderDays *int
	err := row.Scan(&x.DeclarationID, &x.NameZh, &x.ApplicantID, &x.ApplicantName, &x.UnitID, &x.UniversityID, &x.AuthorityID,
		&start, &end, &x.Changed, &x.Status, &x.Late, &x.ApprovedAt, &x.OpenedAt, &x.SubmittedAt, &x.AcceptedAt, &x.ReturnedAt,
		&x.ReturnReason, &x.Comment, &overdueAt, &overdueDue, &remindedAt, &reminderDue, &reminderDays)
	if err != nil {
		return x, err
	}
	x.StartDate, x.EndDate = dayFrom(start), dayFrom(end)
	if !x.EndDate.IsZero() {
		x.DueDate = r.DueDate(x.EndDate)
	}
	switch x.Status {
	case string(summary.StatusSubmitted), string(summary.StatusAccepted):
	default:
		x.Overdue = !x.EndDate.IsZero() && r.Overdue(x.EndDate, today)
	}
	switch {
	case x.Status == string(summary.StatusSubmitted) || x.Status == string(summary.StatusAccepted) || x.Status == string(summary.StatusReturned):
		x.State = x.Status
	case x.Overdue:
		x.State = SummaryOverdue
	default:
		x.State = SummaryDue
	}
	if overdueAt != nil {
		x.OverdueRecorded = &SummaryOverdueFact{At: *overdueAt, DueDate: dayFrom(overdueDue)}
	}
	if remindedAt != nil {
		x.LastReminder = &SummaryReminder{At: *remindedAt, DueDate: dayFrom(reminderDue), DaysBefore: *reminderDays}
	}
	return x, nil
}

// scopeColumn is the column an overdue summary blocks by (R-SUM-02).
func scopeColumn(scope policy.BlockScope) (string, error) {
	switch scope {
	case policy.BlockApplicant:
		return "applicant_id", nil
	case policy.BlockUnit:
		return "unit_id", nil
	case policy.BlockUniversity:
		return "university_id", nil
	}
	return "", fmt.Errorf("summary block scope %q: want applicant, unit or university", scope)
}

// FirstOverdue is the overdue summary with the earliest end date in the
// blocked scope (R-SUM-02) — the applicant's own, any in the unit or any in
// the university, as scope says — on today under the rules r, or nil when
// none is overdue. A summary is overdue when it is not handed in (not
// opened, draft or returned) and its conference ended on or before
// r.LatestOverdueEnd(today). One index scan: the command layer asks it
// before every declaration submission.
func (q *Queries) FirstOverdue(ctx context.Context, scope policy.BlockScope, applicantID, unitID, universityID uuid.UUID,
	today domain.Date, r policy.SummaryRules) (*declaration.OverdueRef, error) {
	col, err := scopeColumn(scope)
	if err != nil {
		return nil, err
	}
	id := map[policy.BlockScope]uuid.UUID{policy.BlockApplicant: applicantID, policy.BlockUnit: unitID, policy.BlockUniversity: universityID}[scope]
	var ref declaration.OverdueRef
	var end time.Time
	err = q.pool.QueryRow(ctx, `SELECT id, name_zh, end_date FROM rm.summaries
		WHERE `+col+` = $1 AND NOT (`+handedIn+`) AND end_date <= $2::date
		ORDER BY end_date, id LIMIT 1`, id, r.LatestOverdueEnd(today).String()).Scan(&ref.DeclarationID, &ref.NameZh, &end)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("first overdue summary: %w", err)
	}
	ref.DueDate = r.DueDate(dayFrom(&end))
	return &ref, nil
}

// StandingItem is one conference in an applicant's standing.
type StandingItem struct {
	DeclarationID uuid.UUID   `json:"declarationId"`
	NameZh        string      `json:"nameZh"`
	EndDate       domain.Date `json:"endDate"`
	DueDate       domain.Date `json:"dueDate"`
	Status        string      `json:"status"` // the summary's: "", draft or returned
	Ended         bool        `json:"ended"`  // the summary can be opened (R-SUM-01)
	Overdue       bool        `json:"overdue"`
	Own           bool        `json:"own"` // the applicant's own conference
}

// Standing is where an applicant stands with their summaries (R-SUM-02).
type Standing struct {
	// BlockScope is the policy's: whose overdue summaries block.
	BlockScope policy.BlockScope `json:"blockScope"`
	// Blocked: some summary in the scope is overdue, so the applicant
	// cannot submit declarations.
	Blocked bool `json:"blocked"`
	// Due are the applicant's approved conferences whose summaries are not
	// handed in, earliest end date first.
	Due []StandingItem `json:"due"`
	// Blocking are the overdue summaries in the blocked scope, earliest
	// first (at most standingLimit of them), and BlockingTotal how many
	// there are.
	Blocking      []StandingItem `json:"blocking"`
	BlockingTotal int64          `json:"blockingTotal"`
}

// standingLimit bounds the blocking list (a university may have many).
const standingLimit = 100

// Standing is an applicant's standing on today under the policy p: what
// they owe, and what blocks them from submitting declarations (R-SUM-02).
// Only applicants have one.
func (q *Queries) Standing(ctx context.Context, a domain.Actor, today domain.Date, p policy.Policy) (Standing, error) {
	if a.Role != domain.RoleApplicant {
		return Standing{}, fmt.Errorf("summary standing: role %s has none: %w", a.Role, domain.ErrForbidden)
	}
	r := p.Summary
	col, err := scopeColumn(r.BlockScope)
	if err != nil {
		return Standing{}, err
	}
	id := map[policy.BlockScope]uuid.UUID{policy.BlockApplicant: a.UserID, policy.BlockUnit: a.OrgID, policy.BlockUniversity: a.University}[r.BlockScope]
	items := func(sql string, args ...any) ([]StandingItem, error) {
		rows, err := q.pool.Query(ctx, sql, args...)
		if err != nil {
			return nil, fmt.Errorf("summary standing: %w", err)
		}
		return pgx.CollectRows(rows, func(row pgx.CollectableRow) (StandingItem, error) {
			var x StandingItem
			var end *time.Time
			var applicant uuid.UUID
			if err := row.Scan(&x.DeclarationID, &x.NameZh, &end, &x.Status, &applicant); err != nil {
				return x, err
			}
			x.EndDate, x.Own = dayFrom(end), applicant == a.UserID
			if !x.EndDate.IsZero() {
				x.DueDate = r.DueDate(x.EndDate)
				x.Ended = today.After(x.EndDate)
				x.Overdue = r.Overdue(x.EndDate, today)
			}
			return x, nil
		})
	}
	s := Standing{BlockScope: r.BlockScope}
	latest := r.LatestOverdueEnd(today).String()
	if s.Due, err = items(`SELECT id, name_zh, end_date, status, applicant_id FROM rm.summaries
		WHERE applicant_id = $1 AND NOT (`+handedIn+`) ORDER BY end_date NULLS LAST, id`, a.UserID); err != nil {
		return Standing{}, err
	}
	if s.Blocking, err = items(`SELECT id, name_zh, end_date, status, applicant_id FROM rm.summaries
		WHERE `+col+` = $1 AND NOT (`+handedIn+`) AND end_date <= $2::date ORDER BY end_date, id LIMIT $3`, id, latest, standingLimit); err != nil {
		return Standing{}, err
	}
	s.BlockingTotal = int64(len(s.Blocking))
	if s.BlockingTotal == standingLimit {
		if err := q.pool.QueryRow(ctx, `SELECT count(*) FROM rm.summaries WHERE `+col+` = $1 AND NOT (`+handedIn+`) AND end_date <= $2::date`,
			id, latest).Scan(&s.BlockingTotal); err != nil {
			return Standing{}, fmt.Errorf("summary standing: %w", err)
		}
	}
	s.Blocked = s.BlockingTotal > 0
	if s.Due == nil {
		s.Due = []StandingItem{}
	}
	if s.Blocking == nil {
		s.Blocking = []StandingItem{}
	}
	return s, nil
}

// StatsFilter selects the accepted summaries the statistics count.
type StatsFilter struct {
	Year         int // of the (effective) end date
	UniversityID uuid.UUID
	UnitID       uuid.UUID
}

// ParseStatsFilter reads a filter from query parameters (year,
// universityId, unitId), reporting every bad one.
func ParseStatsFilter(q url.Values) (StatsFilter, []domain.FieldError) {
	var f StatsFilter
	p := readParams(q, "year", "universityId", "unitId")
	for _, k := range []string{"q", "sort", "order", "page", "pageSize"} {
		if q.Has(k) {
			p.fail(k, "unknown query parameter", "未知的查询参数")
		}
	}
	f.Year = p.year("year")
	f.UniversityID = p.uuid("universityId", "学校ID格式错误")
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	return f, p.bad
}

// AttendanceCount is the actual attendance from one region or country
// over the counted conferences (R-SUM-03).
type AttendanceCount struct {
	// Region is mainland, hong_kong, macao, taiwan or foreign; Country
	// names a foreign row's country and is "" otherwise.
	Region   string `json:"region"`
	Country  string `json:"country"`
	Domestic bool   `json:"domestic"` // Hong Kong, Macao and Taiwan count as domestic
	Count    int64  `json:"count"`
}

// SummaryStats are the statistics of accepted summaries (R-SUM-03).
type SummaryStats struct {
	Conferences int64 `json:"conferences"`
	// Attendance is by region (domestic) and country (foreign), the
	// largest first.
	Attendance     []AttendanceCount `json:"attendance"`
	Domestic       int64             `json:"domestic"` // mainland, Hong Kong, Macao and Taiwan
	Foreign        int64             `json:"foreign"`
	Total          int64             `json:"total"`
	PapersDomestic int64             `json:"papersDomestic"`
	PapersForeign  int64             `json:"papersForeign"`
}

// SummaryStatistics sums up the summaries the school accepted (R-SUM-03,
// R-SUM-04), only those, in the actor's scope (R-ACT-02: analysts and
// auditors all, a school admin their university, a unit admin their unit,
// an applicant their own) and f.
func (q *Queries) SummaryStatistics(ctx context.Context, a domain.Actor, f StatsFilter) (SummaryStats, error) {
	var w where
	if err := scopeOf(a, domain.KindSummary, recordScope, &w); err != nil {
		return SummaryStats{}, err
	}
	w.add("status = 'accepted'")
	if f.Year != 0 {
		w.add("end_date >= make_date(?, 1, 1) AND end_date < make_date(?, 1, 1)", f.Year, f.Year+1)
	}
	if f.UniversityID != uuid.Nil {
		w.add("university_id = ?", f.UniversityID)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	var s SummaryStats
	if err := q.pool.QueryRow(ctx, `SELECT count(*), COALESCE(sum(papers_domestic), 0), COALESCE(sum(papers_foreign), 0)
		FROM rm.summaries WHERE `+w.String(), w.args...).Scan(&s.Conferences, &s.PapersDomestic, &s.PapersForeign); err != nil {
		return SummaryStats{}, fmt.Errorf("summary statistics: %w", err)
	}
	rows, err := q.pool.Query(ctx, `SELECT a.region, a.country, sum(a.people)
		FROM rm.summary_attendance a JOIN rm.summaries s ON s.id = a.declaration_id
		WHERE `+w.String()+`
		GROUP BY a.region, a.country
		ORDER BY 3 DESC, a.region, a.country`, w.args...)
	if err != nil {
		return SummaryStats{}, fmt.Errorf("summary statistics: %w", err)
	}
	s.Attendance, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (AttendanceCount, error) {
		var x AttendanceCount
		err := row.Scan(&x.Region, &x.Country, &x.Count)
		x.Domestic = summary.Region(x.Region).Domestic()
		return x, err
	})
	if err != nil {
		return SummaryStats{}, fmt.Errorf("summary statistics: %w", err)
	}
	for _, x := range s.Attendance {
		if x.Domestic {
			s.Domestic += x.Count
		} else {
			s.Foreign += x.Count
		}
	}
	s.Total = s.Domestic + s.Foreign
	if s.Attendance == nil {
		s.Attendance = []AttendanceCount{}
	}
	return s, nil
}

// dayFrom is the calendar date a date column scanned into; zero for NULL.
func dayFrom(t *time.Time) domain.Date {
	if t == nil {
		return domain.Date{}
	}
	return domain.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}
