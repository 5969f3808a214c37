package projections

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// FundingListName is the funding list's stored name.
const FundingListName = "funding_list"

// FundingList follows every funding application (seed 002): the call's
// list with its filters, the funding plan's sums per category, the
// statistics by year and category, and the deadline engine's candidates
// for the funded summaries (R-FUND-06). Its scope columns are the
// procedures' (the institute as unit, the academy as university, the
// bureau as authority), so scopeOf applies unchanged. It decides nothing:
// commands confirm what it proposes on the streams.
type FundingList struct{}

func (FundingList) Name() string     { return FundingListName }
func (FundingList) Version() int     { return 1 }
func (FundingList) Tables() []string { return []string{"funding_applications", "funding_plans"} }

func (FundingList) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE funding_applications (
    id               uuid PRIMARY KEY,
    version          bigint      NOT NULL,
    applicant_id     uuid        NOT NULL,
    unit_id          uuid        NOT NULL, -- the institute
    university_id    uuid        NOT NULL, -- the academy
    authority_id     uuid        NOT NULL, -- the bureau
    at_authority     boolean     NOT NULL DEFAULT false,
    status           text        NOT NULL,
    year             int         NOT NULL, -- the conference's year of opening: its call's
    category         int         NOT NULL,
    nature           text        NOT NULL,
    name_zh          text        NOT NULL,
    name_en          text        NOT NULL,
    city             text        NOT NULL,
    opening_date     date,
    closing_date     date,
    foreign_count    int         NOT NULL,
    total_count      int         NOT NULL,
    requested_fen    bigint      NOT NULL,
    granted_fen      bigint      NOT NULL DEFAULT 0,
    clawed_fen       bigint      NOT NULL DEFAULT 0,
    state_council    boolean     NOT NULL DEFAULT false,
    foreign_ministry boolean     NOT NULL DEFAULT false,
    academy_name     boolean     NOT NULL DEFAULT false,
    acknowledged     boolean     NOT NULL DEFAULT false,
    progress_reports int         NOT NULL DEFAULT 0,
    summary_filed_on date,
    summary_late     boolean     NOT NULL DEFAULT false,
    summary_overdue  boolean     NOT NULL DEFAULT false,
    reminded         text[]      NOT NULL DEFAULT '{}', -- due|days
    submitted_at     timestamptz,
    updated_at       timestamptz NOT NULL,
    search           text        NOT NULL,
    grams            text[]      NOT NULL
);
CREATE INDEX funding_applications_call ON funding_applications (authority_id, year, category);
CREATE INDEX funding_applications_unit ON funding_applications (unit_id, status);
CREATE INDEX funding_applications_due ON funding_applications (closing_date) WHERE status = 'granted' AND summary_filed_on IS NULL AND NOT summary_overdue;
CREATE INDEX funding_applications_search ON funding_applications USING gin (search public.gin_trgm_ops);
CREATE INDEX funding_applications_grams ON funding_applications USING gin (grams);
CREATE TABLE funding_plans (
    authority_id uuid        NOT NULL,
    year         int         NOT NULL,
    decided_at   timestamptz,
    granted_fen  bigint      NOT NULL DEFAULT 0,
    late         boolean     NOT NULL DEFAULT false,
    overdue      boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (authority_id, year)
);`)
	return err
}

func (l FundingList) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	switch {
	case strings.HasPrefix(e.Type, "funding."):
		return l.applyFunding(ctx, tx, e)
	case e.Type == funding.EventClawedBack:
		ev, err := funding.DecodeStanding(e.Type, e.Data)
		if err != nil {
			return err
		}
		c := ev.(funding.ClawedBack)
		_, err = tx.Exec(ctx, `UPDATE funding_applications SET clawed_fen = clawed_fen + $2 WHERE id = $1`, c.FundingID, c.AmountFen)
		return err
	case strings.HasPrefix(e.Type, "fundingplan."):
		ev, err := funding.DecodePlan(e.Type, e.Data)
		if err != nil {
			return err
		}
		switch ev := ev.(type) {
		case funding.PlanDecided:
			_, err = tx.Exec(ctx, `INSERT INTO funding_plans (authority_id, year, decided_at, granted_fen, late) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (authority_id, year) DO UPDATE SET decided_at = $3, granted_fen = $4, late = $5`, ev.Bureau, ev.Year, ev.At, ev.GrantedFen, ev.Late)
		case funding.PlanOverdue:
			_, err = tx.Exec(ctx, `INSERT INTO funding_plans (authority_id, year, overdue) VALUES ($1, $2, true)
ON CONFLICT (authority_id, year) DO UPDATE SET overdue = true`, ev.Bureau, ev.Year)
		}
		return err
	}
	return nil
}

func fundingSearch(a funding.Application) (string, []string) {
	s := searchText(a.Conference.NameZh, a.Conference.NameEn, a.Conference.City, a.Approval.Number)
	return s, grams(s)
}

func (FundingList) applyFunding(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "funding-", funding.Decode)
	if err != nil {
		return err
	}
	at := e.Metadata.RecordedAt
	set := func(sql string, args ...any) error {
		_, err := tx.Exec(ctx, `UPDATE funding_applications SET version = $2, updated_at = $3, `+sql+` WHERE id = $1`,
			append([]any{id, int64(e.Number), at}, args...)...)
		return err
	}
	switch ev := ev.(type) {
	case funding.Drafted:
		a := ev.Application
		search, gr := fundingSearch(a)
		_, err = tx.Exec(ctx, `
INSERT INTO funding_applications (id, version, applicant_id, unit_id, university_id, authority_id, status, year, category, nature,
    name_zh, name_en, city, opening_date, closing_date, foreign_count, total_count, requested_fen, state_council, foreign_ministry,
    academy_name, updated_at, search, grams)
VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
ON CONFLICT (id) DO NOTHING`,
			id, int64(e.Number), ev.Owner, ev.Institute, ev.Academy, ev.Bureau, a.Conference.OpeningDate.Year, a.Category, string(a.Nature),
			a.Conference.NameZh, a.Conference.NameEn, a.Conference.City, dateArg(a.Conference.OpeningDate), dateArg(a.Conference.ClosingDate),
			a.Attendance.Foreign, a.Attendance.Total, a.RequestedFen, ev.Flags.StateCouncil, ev.Flags.ForeignMinistry, ev.Flags.AcademyName,
			at, search, gr)
		return err
	case funding.Edited:
		a := ev.Application
		search, gr := fundingSearch(a)
		return set(`year = $4, category = $5, nature = $6, name_zh = $7, name_en = $8, city = $9, opening_date = $10, closing_date = $11,
    foreign_count = $12, total_count = $13, requested_fen = $14, state_council = $15, foreign_ministry = $16, academy_name = $17,
    search = $18, grams = $19`,
			a.Conference.OpeningDate.Year, a.Category, string(a.Nature), a.Conference.NameZh, a.Conference.NameEn, a.Conference.City,
			dateArg(a.Conference.OpeningDate), dateArg(a.Conference.ClosingDate), a.Attendance.Foreign, a.Attendance.Total, a.RequestedFen,
			ev.Flags.StateCouncil, ev.Flags.ForeignMinistry, ev.Flags.AcademyName, search, gr)
	case funding.Submitted:
		return set(`status = 'submitted', at_authority = true, submitted_at = $4`, ev.At)
	case funding.Withdrawn:
		return set(`status = 'withdrawn'`)
	case funding.Rejected:
		return set(`status = 'rejected'`)
	case funding.Returned:
		return set(`status = 'returned'`)
	case funding.Granted:
		return set(`status = 'granted', granted_fen = $4`, ev.AmountFen)
	case funding.Acknowledged:
		return set(`acknowledged = true`)
	case funding.ProgressFiled:
		return set(`progress_reports = progress_reports + 1`)
	case funding.SummaryFiled:
		return set(`summary_filed_on = $4, summary_late = $5`, dateArg(domain.DateOf(ev.At)), ev.Late)
	case funding.SummaryReminded:
		return set(`reminded = array_append(reminded, $4)`, fmt.Sprintf("%s|%d", ev.DueDate, ev.DaysBefore))
	case funding.SummaryOverdue:
		return set(`summary_overdue = true`)
	}
	return nil
}

// FundedOf are the ids of an institute's granted applications (its
// summaries, R-FUND-06).
func (q *Queries) FundedOf(ctx context.Context, institute uuid.UUID) ([]uuid.UUID, error) {
	return q.fundingIDs(ctx, `SELECT id FROM rm.funding_applications WHERE unit_id = $1 AND status = 'granted' ORDER BY id`, institute)
}

// CallApplications are the ids of the applications of a bureau's call for
// year that reached the bureau (R-FUND-05).
func (q *Queries) CallApplications(ctx context.Context, bureau uuid.UUID, year int) ([]uuid.UUID, error) {
	return q.fundingIDs(ctx, `SELECT id FROM rm.funding_applications WHERE authority_id = $1 AND year = $2 AND at_authority ORDER BY id`, bureau, year)
}

func (q *Queries) fundingIDs(ctx context.Context, sql string, args ...any) ([]uuid.UUID, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("funding applications: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// FundingDeadlineCandidates are the granted applications whose summary
// the deadline engine would remind of or record overdue today under p
// (R-FUND-06), in id order after after, up to limit rows read.
func (q *Queries) FundingDeadlineCandidates(ctx context.Context, today domain.Date, p policy.Policy, after uuid.UUID, limit int) (ids []uuid.UUID, last uuid.UUID, more bool, err error) {
	horizon := 0
	for _, d := range p.Deadlines.ReminderDays {
		horizon = max(horizon, d)
	}
	// closing + months - horizon <= today, with a few days' slack for the
	// months' lengths; the check below is exact.
	latest := today.AddDays(horizon + 3).AddMonths(-max(p.Funding.SummaryMonths, 1))
	rows, err := q.pool.Query(ctx, `
SELECT id, closing_date, reminded FROM rm.funding_applications
WHERE status = 'granted' AND summary_filed_on IS NULL AND NOT summary_overdue AND closing_date <= $1 AND id > $2
ORDER BY id LIMIT $3`, dateArg(latest), after, limit)
	if err != nil {
		return nil, uuid.Nil, false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		var (
			id       uuid.UUID
			closing  *time.Time
			reminded []string
		)
		if err := rows.Scan(&id, &closing, &reminded); err != nil {
			return nil, uuid.Nil, false, err
		}
		last = id
		due := p.Funding.SummaryDue(dateOf(closing))
		if today.After(due) {
			ids = append(ids, id)
			continue
		}
		if days, ok := p.Deadlines.Reminder(due, today); ok && !slices.Contains(reminded, fmt.Sprintf("%s|%d", due, days)) {
			ids = append(ids, id)
		}
	}
	return ids, last, n == limit, rows.Err()
}

// FundingFilter selects and orders a page of a call's applications.
type FundingFilter struct {
	Year        int
	Categories  []int
	Statuses    []string
	InstituteID uuid.UUID
	Keyword     string
	Sort        string
	Desc        bool
	Page        int
	PageSize    int
}

// FundingRow is one application in the list.
type FundingRow struct {
	ID              uuid.UUID   `json:"id"`
	Version         int64       `json:"version"`
	InstituteID     uuid.UUID   `json:"instituteId"`
	InstituteName   string      `json:"instituteName"`
	Year            int         `json:"year"`
	Category        int         `json:"category"`
	NameZh          string      `json:"nameZh"`
	NameEn          string      `json:"nameEn"`
	City            string      `json:"city"`
	OpeningDate     domain.Date `json:"openingDate,omitzero"`
	ClosingDate     domain.Date `json:"closingDate,omitzero"`
	Foreign         int         `json:"foreign"`
	Total           int         `json:"total"`
	Status          string      `json:"status"`
	RequestedFen    int64       `json:"requestedFen"`
	GrantedFen      int64       `json:"grantedFen"`
	ClawedFen       int64       `json:"clawedFen"`
	StateCouncil    bool        `json:"stateCouncil"`
	ForeignMinistry bool        `json:"foreignMinistry"`
	AcademyName     bool        `json:"academyName"`
	Acknowledged    bool        `json:"acknowledged"`
	ProgressReports int         `json:"progressReports"`
	SummaryFiledOn  domain.Date `json:"summaryFiledOn,omitzero"`
	SummaryLate     bool        `json:"summaryLate"`
	SummaryOverdue  bool        `json:"summaryOverdue"`
	UpdatedAt       time.Time   `json:"updatedAt"`
}

// FundingPage is one page of the list.
type FundingPage struct {
	Items       []FundingRow `json:"items"`
	Total       int64        `json:"total"`
	TotalCapped bool         `json:"totalCapped,omitempty"`
	Page        int          `json:"page"`
	PageSize    int          `json:"pageSize"`
}

var fundingSorts = map[string]string{
	"updatedAt": "updated_at", "openingDate": "opening_date", "requestedFen": "requested_fen", "grantedFen": "granted_fen",
	"category": "category", "nameZh": "name_zh", "submittedAt": "submitted_at",
}

var fundingListView = listView{
	view: "funding_applications",
	columns: `id, version, unit_id, COALESCE((SELECT o.name_zh FROM rm.organisations o WHERE o.id = p.unit_id), ''), year, category,
		name_zh, name_en, city, opening_date, closing_date, foreign_count, total_count, status, requested_fen, granted_fen, clawed_fen,
		state_council, foreign_ministry, academy_name, acknowledged, progress_reports, summary_filed_on, summary_late, summary_overdue, updated_at`,
	nullable: map[string]bool{"opening_date": true, "submitted_at": true},
}

func fundingWhere(a domain.Actor, f FundingFilter) (*where, error) {
	w := &where{}
	if err := scopeOf(a, domain.KindFunding, recordScope, w); err != nil {
		return nil, err
	}
	if f.Year != 0 {
		w.add("year = ?", f.Year)
	}
	if len(f.Categories) > 0 {
		w.add("category = ANY(?)", f.Categories)
	}
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	}
	if f.InstituteID != uuid.Nil {
		w.add("unit_id = ?", f.InstituteID)
	}
	keyword(w, strings.TrimSpace(f.Keyword))
	return w, nil
}

// ListFunding answers one page of the funding applications the actor may
// see (R-ACT-02): the bureau's once handed in, an institute's own.
func (q *Queries) ListFunding(ctx context.Context, a domain.Actor, f FundingFilter) (FundingPage, error) {
	w, err := fundingWhere(a, f)
	if err != nil {
		return FundingPage{}, err
	}
	page := FundingPage{Page: max(f.Page, 1), PageSize: cmp.Or(f.PageSize, 20)}
	page.Items, page.Total, page.TotalCapped, err = listPage(ctx, q.pool, fundingListView, w, cmp.Or(fundingSorts[f.Sort], "updated_at"), f.Desc,
		page.Page, page.PageSize, scanFunding)
	return page, err
}

// FundingSortKnown reports whether s names a sort of the list.
func FundingSortKnown(s string) bool { _, ok := fundingSorts[s]; return ok || s == "" }

func scanFunding(row pgx.CollectableRow) (FundingRow, error) {
	var r FundingRow
	var opening, closing, filed *time.Time
	err := row.Scan(&r.ID, &r.Version, &r.InstituteID, &r.InstituteName, &r.Year, &r.Category, &r.NameZh, &r.NameEn, &r.City,
		&opening, &closing, &r.Foreign, &r.Total, &r.Status, &r.RequestedFen, &r.GrantedFen, &r.ClawedFen,
		&r.StateCouncil, &r.ForeignMinistry, &r.AcademyName, &r.Acknowledged, &r.ProgressReports, &filed, &r.SummaryLate, &r.SummaryOverdue, &r.UpdatedAt)
	r.OpeningDate, r.ClosingDate, r.SummaryFiledOn = dateOf(opening), dateOf(closing), dateOf(filed)
	return r, err
}

// ExportFunding answers every application of the filter the actor may
// see, in the list's order, up to limit rows (the xlsx export).
func (q *Queries) ExportFunding(ctx context.Context, a domain.Actor, f FundingFilter, limit int) ([]FundingRow, error) {
	w, err := fundingWhere(a, f)
	if err != nil {
		return nil, err
	}
	args := append(slices.Clip(w.args), limit)
	rows, err := q.pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM rm.funding_applications p WHERE %s ORDER BY %s LIMIT $%d`,
		fundingListView.columns, w.String(), orderBy("p.", cmp.Or(fundingSorts[f.Sort], "updated_at"), f.Desc, fundingListView.nullable[cmp.Or(fundingSorts[f.Sort], "updated_at")]), len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("export funding: %w", err)
	}
	return pgx.CollectRows(rows, scanFunding)
}

// PlanCategory is one category of the funding plan's view.
type PlanCategory struct {
	Category     int   `json:"category"`
	Applications int   `json:"applications"`
	Funded       int   `json:"funded"`
	RequestedFen int64 `json:"requestedFen"`
	GrantedFen   int64 `json:"grantedFen"`
}

// PlanView is a bureau's funding plan for a year as the read model has it:
// per category the applications that reached the bureau, how many are
// granted, what they asked and were granted, against the call's budget.
type PlanView struct {
	Bureau     uuid.UUID      `json:"bureau"`
	Year       int            `json:"year"`
	BudgetFen  int64          `json:"budgetFen"`
	GrantedFen int64          `json:"grantedFen"`
	LeftFen    int64          `json:"leftFen"`
	Categories []PlanCategory `json:"categories"`
	DecidedAt  *time.Time     `json:"decidedAt,omitempty"`
	Late       bool           `json:"late"`
	Overdue    bool           `json:"overdue"`
}

// FundingPlanView sums the call of bureau for year over the applications
// the actor may see.
func (q *Queries) FundingPlanView(ctx context.Context, a domain.Actor, bureau uuid.UUID, year int, budgetFen int64) (PlanView, error) {
	w := &where{}
	if err := scopeOf(a, domain.KindFunding, recordScope, w); err != nil {
		return PlanView{}, err
	}
	w.add("authority_id = ?", bureau)
	w.add("year = ?", year)
	w.add("at_authority")
	w.add("status <> 'withdrawn'")
	v := PlanView{Bureau: bureau, Year: year, BudgetFen: budgetFen, Categories: []PlanCategory{{Category: 1}, {Category: 2}, {Category: 3}}}
	rows, err := q.pool.Query(ctx, `SELECT category, count(*), count(*) FILTER (WHERE status = 'granted'), COALESCE(sum(requested_fen), 0)::bigint,
    COALESCE(sum(granted_fen) FILTER (WHERE status = 'granted'), 0)::bigint
FROM rm.funding_applications WHERE `+w.String()+` GROUP BY category`, w.args...)
	if err != nil {
		return PlanView{}, fmt.Errorf("funding plan: %w", err)
	}
	for rows.Next() {
		var c PlanCategory
		if err := rows.Scan(&c.Category, &c.Applications, &c.Funded, &c.RequestedFen, &c.GrantedFen); err != nil {
			rows.Close()
			return PlanView{}, err
		}
		if c.Category >= 1 && c.Category <= 3 {
			v.Categories[c.Category-1] = c
			v.GrantedFen += c.GrantedFen
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return PlanView{}, err
	}
	v.LeftFen = v.BudgetFen - v.GrantedFen
	err = q.pool.QueryRow(ctx, `SELECT decided_at, late, overdue FROM rm.funding_plans WHERE authority_id = $1 AND year = $2`, bureau, year).
		Scan(&v.DecidedAt, &v.Late, &v.Overdue)
	if err != nil && err != pgx.ErrNoRows {
		return PlanView{}, err
	}
	return v, nil
}

// FundingStat is one year and category of the statistics.
type FundingStat struct {
	Year         int   `json:"year"`
	Category     int   `json:"category"`
	Applications int   `json:"applications"`
	Funded       int   `json:"funded"`
	RequestedFen int64 `json:"requestedFen"`
	GrantedFen   int64 `json:"grantedFen"`
	ClawedFen    int64 `json:"clawedFen"`
	Overdue      int   `json:"summariesOverdue"`
}

// FundingStats counts the applications the actor may see that reached
// the bureau, by year and category, from year from to year to (0: open).
func (q *Queries) FundingStats(ctx context.Context, a domain.Actor, from, to int) ([]FundingStat, error) {
	w := &where{}
	if err := scopeOf(a, domain.KindFunding, recordScope, w); err != nil {
		return nil, err
	}
	w.add("at_authority")
	w.add("status <> 'withdrawn'")
	if from != 0 {
		w.add("year >= ?", from)
	}
	if to != 0 {
		w.add("year <= ?", to)
	}
	rows, err := q.pool.Query(ctx, `SELECT year, category, count(*), count(*) FILTER (WHERE status = 'granted'),
    COALESCE(sum(requested_fen), 0)::bigint, COALESCE(sum(granted_fen) FILTER (WHERE status = 'granted'), 0)::bigint,
    COALESCE(sum(clawed_fen), 0)::bigint, count(*) FILTER (WHERE summary_overdue OR summary_late)
FROM rm.funding_applications WHERE `+w.String()+` GROUP BY year, category ORDER BY year, category`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("funding statistics: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (FundingStat, error) {
		var s FundingStat
		err := row.Scan(&s.Year, &s.Category, &s.Applications, &s.Funded, &s.RequestedFen, &s.GrantedFen, &s.ClawedFen, &s.Overdue)
		return s, err
	})
}

// ParseFundingFilter reads the list's query: year, category (1,2,3),
// status, instituteId, q, sort, order, page, pageSize.
func ParseFundingFilter(q url.Values) (FundingFilter, []domain.FieldError) {
	f := FundingFilter{Sort: "updatedAt", Desc: true}
	p := readParams(q, "year", "category", "status", "instituteId")
	f.Year = p.year("year")
	for _, c := range p.list("category", "category (want 1, 2 or 3)", "资助类别应为1、2或3", func(s string) bool { return s == "1" || s == "2" || s == "3" }) {
		f.Categories = append(f.Categories, int(c[0]-'0'))
	}
	f.Statuses = p.list("status", "status (want draft, submitted, withdrawn, returned, granted or rejected)", "未知的申请状态", func(s string) bool {
		switch funding.Status(s) {
		case funding.StatusDraft, funding.StatusSubmitted, funding.StatusWithdrawn, funding.StatusReturned, funding.StatusGranted, funding.StatusRejected:
			return true
		}
		return false
	})
	f.InstituteID = p.uuid("instituteId", "研究所ID格式错误")
	f.Keyword = p.keyword()
	p.sort(fundingSorts, &f.Sort, &f.Desc)
	f.Page, f.PageSize = p.page()
	return f, p.bad
}

// FundingExportColumns are the export's columns, in the order of
// FundingRow.Cells.
var FundingExportColumns = []ExportColumn{
	{Header: "会议名称 (Name)", Kind: ExportText, Width: 36}, {Header: "研究所 (Institute)", Kind: ExportText, Width: 24},
	{Header: "年度 (Year)", Kind: ExportNumber, Width: 8}, {Header: "类别 (Category)", Kind: ExportNumber, Width: 8},
	{Header: "开幕日期 (Opening)", Kind: ExportDate, Width: 12}, {Header: "闭幕日期 (Closing)", Kind: ExportDate, Width: 12},
	{Header: "举办地 (City)", Kind: ExportText, Width: 12}, {Header: "外宾人数 (Foreign)", Kind: ExportNumber, Width: 10},
	{Header: "总人数 (Total)", Kind: ExportNumber, Width: 10}, {Header: "状态 (Status)", Kind: ExportText, Width: 10},
	{Header: "申请金额/分 (Requested, fen)", Kind: ExportNumber, Width: 16}, {Header: "资助金额/分 (Granted, fen)", Kind: ExportNumber, Width: 16},
	{Header: "追回金额/分 (Clawed back, fen)", Kind: ExportNumber, Width: 16}, {Header: "总结提交日期 (Summary in)", Kind: ExportDate, Width: 14},
}

func dateCell(d domain.Date) any {
	if d.IsZero() {
		return nil
	}
	return *dateArg(d)
}

// ExportFundingTo writes every application of the filter the actor may
// see to sink (the xlsx export of the call's list).
func (q *Queries) ExportFundingTo(ctx context.Context, a domain.Actor, f FundingFilter, sink ExportSink) error {
	rows, err := q.ExportFunding(ctx, a, f, 10_000)
	if err != nil {
		return err
	}
	if err := sink.Columns(FundingExportColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := sink.Row([]any{r.NameZh, r.InstituteName, int64(r.Year), int64(r.Category), dateCell(r.OpeningDate), dateCell(r.ClosingDate),
			r.City, int64(r.Foreign), int64(r.Total), funding.Status(r.Status).Zh(), r.RequestedFen, r.GrantedFen, r.ClawedFen,
			dateCell(r.SummaryFiledOn)}); err != nil {
			return err
		}
	}
	return nil
}

// Institutes are the ids of the academies' institutes under bureau (every
// bureau's when bureau is uuid.Nil), by their Chinese names: whose
// eligibility the bureau reads (R-FUND-06, R-FUND-08).
func (q *Queries) Institutes(ctx context.Context, bureau uuid.UUID) ([]uuid.UUID, error) {
	rows, err := q.pool.Query(ctx, `SELECT i.id FROM rm.organisations i JOIN rm.organisations ac ON ac.id = i.parent_id
		WHERE i.kind = 'institute' AND ($1::uuid IS NULL OR ac.parent_id = $1) ORDER BY i.name_zh, i.id`, nilIfZero(bureau))
	if err != nil {
		return nil, fmt.Errorf("institutes: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// nilIfZero is id as a query argument, NULL for uuid.Nil.
func nilIfZero(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
