package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// DeclarationListName is the declaration list's stored name.
const DeclarationListName = "declaration_list"

// DefaultSimilarWindowDays is how far apart two start dates may be for the
// conferences to count as held at a nearby time (R-DECL-19, 001). It is a
// parameter of the rule and belongs in the versioned policy; it lives here
// until the policy has it.
const DefaultSimilarWindowDays = 30

// DefaultSimilarThreshold is the least pg_trgm similarity of two themes or
// Chinese names (without the generic words, see similarityKey) that counts
// as the same theme (R-DECL-19). Like the window it belongs in the policy.
const DefaultSimilarThreshold = 0.3

// DeclarationList is the list of declarations reviewers and applicants
// search (R-DECL-18): filters by status, type, scale, unit, year and date
// ranges, keyword over names, unit and applicant (Chinese substrings
// included), sorting by any column, pages. On each submission it also
// records the similar conferences at a nearby time (R-DECL-19).
//
// It follows the organisations' names itself (from the org events), so the
// unit name is the organisation's and a rename reaches the list.
type DeclarationList struct {
	// SimilarWindowDays and SimilarThreshold tune R-DECL-19; zero means
	// the defaults.
	SimilarWindowDays int
	SimilarThreshold  float64
}

func (DeclarationList) Name() string { return DeclarationListName }
func (DeclarationList) Version() int { return 3 }
func (DeclarationList) Tables() []string {
	return []string{"declarations", "declaration_orgs", "similar_declarations"}
}

// QueryIndexes: the keyword indexes serve the list only (built after the
// bulk of a rebuild); Apply's own lookups by unit and date keep theirs.
func (DeclarationList) QueryIndexes() []string {
	return []string{"declarations_search", "declarations_grams"}
}

func (DeclarationList) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE declarations (
    id              uuid PRIMARY KEY,
    version         bigint      NOT NULL,
    applicant_id    uuid        NOT NULL,
    applicant_name  text        NOT NULL,
    unit_id         uuid        NOT NULL,
    unit_name       text        NOT NULL,
    university_id   uuid        NOT NULL,
    authority_id    uuid        NOT NULL,
    at_authority    boolean     NOT NULL DEFAULT false,
    forecast_id     uuid,
    direct          boolean     NOT NULL,
    name_zh         text        NOT NULL,
    name_en         text        NOT NULL,
    start_date      date,
    end_date        date,
    type            text        NOT NULL,
    scale           text        NOT NULL,
    category        text        NOT NULL DEFAULT '',
    foreign_count   int         NOT NULL,
    domestic_count  int         NOT NULL,
    total_count     int         NOT NULL,
    province        text        NOT NULL,
    status          text        NOT NULL,
    submitted_at    timestamptz,
    updated_at      timestamptz NOT NULL,
    filing          text,
    file_by         date,
    theme           text        NOT NULL DEFAULT '',
    name_key        text        NOT NULL DEFAULT '',
    theme_key       text        NOT NULL DEFAULT '',
    search          text        NOT NULL,
    grams           text[]      NOT NULL,
    -- R-CHG-04: an approved change's values replace the declared ones;
    -- a requested change waits in pending_change.
    changed         boolean     NOT NULL DEFAULT false,
    changed_at      timestamptz,
    change_status   text        NOT NULL DEFAULT '',
    pending_change  jsonb
);
CREATE INDEX declarations_search ON declarations USING gin (search public.gin_trgm_ops);
CREATE INDEX declarations_grams ON declarations USING gin (grams);
-- Each scope's declarations in the list's order, to the id, so that a
-- page stops early (listPage); the keys ascend as declarations change,
-- and the default order, latest first, reads them backwards.
CREATE INDEX declarations_unit ON declarations (unit_id, updated_at, id);
CREATE INDEX declarations_university ON declarations (university_id, updated_at, id);
CREATE INDEX declarations_authority ON declarations (authority_id, updated_at, id) WHERE at_authority;
CREATE INDEX declarations_applicant ON declarations (applicant_id, updated_at, id);
CREATE INDEX declarations_status ON declarations (status);
CREATE INDEX declarations_start ON declarations (start_date);
CREATE INDEX declarations_end ON declarations (end_date);
CREATE TABLE declaration_orgs (
    id      uuid PRIMARY KEY,
    name_zh text NOT NULL
);
CREATE TABLE similar_declarations (
    declaration_id uuid NOT NULL,
    other_id       uuid NOT NULL,
    score          real NOT NULL,
    reason         text NOT NULL,
    PRIMARY KEY (declaration_id, other_id)
);
CREATE INDEX similar_declarations_other ON similar_declarations (other_id);
`)
	return err
}

func (l DeclarationList) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	switch {
	case strings.HasPrefix(e.Type, "org."):
		return applyOrgName(ctx, tx, e)
	case strings.HasPrefix(e.Type, "change."):
		return applyDeclarationChange(ctx, tx, e, "declarations", func(c *columns, _ uuid.UUID, p pendingChange) error {
			f := withValues(declaration.Form{}, p.New)
			setBasic(c, f.Basic)
			setAttendance(c, f.Attendance)
			setContent(c, f.Content)
			return nil
		}, func(c columns, id uuid.UUID) error { return updateDeclarations(ctx, tx, c, "id = $1", id) })
	case !strings.HasPrefix(e.Type, "declaration."):
		return nil
	}
	id, ev, err := decodeDeclaration(e)
	if err != nil {
		return err
	}
	if s, ok := ev.(declaration.Started); ok {
		return insertDeclaration(ctx, tx, id, e, s)
	}
	var c columns
	c.set("version", e.Number)
	c.set("status", string(declarationStatusAfter(ev)))
	c.set("updated_at", e.Metadata.RecordedAt)
	switch ev := ev.(type) {
	case declaration.ApplicantSaved:
		c.set("applicant_name", ev.Applicant.Name)
	case declaration.BasicSaved:
		setBasic(&c, ev.Basic)
	case declaration.AttendanceSaved:
		setAttendance(&c, ev.Attendance)
	case declaration.ContentSaved:
		setContent(&c, ev.Content)
	case declaration.Submitted:
		c.set("submitted_at", e.Metadata.RecordedAt)
		c.set("category", string(ev.Lead.Category))
		c.set("filing", string(ev.Lead.Filing))
		c.set("file_by", dateOrNil(ev.Lead.FileBy.String()))
	case declaration.ApprovedAtSchool:
		c.set("at_authority", true)
	}
	if err := updateDeclarations(ctx, tx, c, "id = $1", id); err != nil {
		return err
	}
	switch ev := ev.(type) {
	case declaration.Submitted:
		return l.findSimilar(ctx, tx, id, ev.Similar)
	case declaration.Withdrawn:
		_, err := tx.Exec(ctx, `DELETE FROM similar_declarations WHERE declaration_id = $1 OR other_id = $1`, id)
		return err
	}
	return nil
}

// decodeDeclaration reads a declaration event and the id in its stream.
func decodeDeclaration(e eventstore.RecordedEvent) (uuid.UUID, declaration.Event, error) {
	return decodeRecord(e, "declaration-", declaration.Decode)
}

func insertDeclaration(ctx context.Context, tx pgx.Tx, id uuid.UUID, e eventstore.RecordedEvent, s declaration.Started) error {
	var unitName string
	if err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT name_zh FROM declaration_orgs WHERE id = $1), '')`, s.UnitID).Scan(&unitName); err != nil {
		return err
	}
	f := s.Form
	var forecastID *uuid.UUID
	if s.ForecastID != uuid.Nil {
		forecastID = &s.ForecastID
	}
	var c columns
	for _, kv := range []struct {
		col string
		v   any
	}{
		{"id", id}, {"version", e.Number}, {"applicant_id", s.ApplicantID}, {"applicant_name", f.Applicant.Name},
		{"unit_id", s.UnitID}, {"unit_name", unitName}, {"university_id", s.UniversityID}, {"authority_id", s.AuthorityID},
		{"forecast_id", forecastID}, {"direct", forecastID == nil}, {"status", string(declaration.StatusDraft)},
		{"updated_at", e.Metadata.RecordedAt},
	} {
		c.set(kv.col, kv.v)
	}
	setBasic(&c, f.Basic)
	setAttendance(&c, f.Attendance)
	setContent(&c, f.Content)
	search := declarationSearch(f.Basic.NameZh, f.Basic.NameEn, unitName, f.Applicant.Name)
	c.set("search", search)
	c.set("grams", grams(search))
	_, err := tx.Exec(ctx, c.insert("declarations"), c.values...)
	return err
}

// setBasic, setAttendance and setContent set the columns a form section
// feeds.
func setBasic(c *columns, b declaration.Basic) {
	c.set("name_zh", b.NameZh)
	c.set("name_en", b.NameEn)
	c.set("name_key", similarityKey(b.NameZh))
	c.set("start_date", dateOrNil(b.StartDate.String()))
	c.set("end_date", dateOrNil(b.EndDate.String()))
	c.set("type", string(b.Type))
	c.set("scale", string(b.Scale))
	c.set("province", b.Province)
}

func setAttendance(c *columns, a declaration.Attendance) {
	c.set("foreign_count", a.Foreign)
	c.set("domestic_count", a.Domestic())
	c.set("total_count", a.Total())
}

func setContent(c *columns, x declaration.Content) {
	c.set("theme", x.Theme)
	c.set("theme_key", similarityKey(x.Theme))
}

// updateDeclarations sets c on the rows cond selects (cond's arguments are
// $1..), then brings their search text up to date.
func updateDeclarations(ctx context.Context, tx pgx.Tx, c columns, cond string, args ...any) error {
	rows, err := tx.Query(ctx, c.update("declarations", cond, len(args))+` RETURNING id, name_zh, name_en, unit_name, applicant_name, search`,
		append(args, c.values...)...)
	if err != nil {
		return err
	}
	type row struct {
		id                                    uuid.UUID
		nameZh, nameEn, unit, applicant, text string
	}
	updated, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.nameZh, &x.nameEn, &x.unit, &x.applicant, &x.text)
	})
	if err != nil {
		return err
	}
	for _, x := range updated {
		if search := declarationSearch(x.nameZh, x.nameEn, x.unit, x.applicant); search != x.text {
			if _, err := tx.Exec(ctx, `UPDATE declarations SET search = $2, grams = $3 WHERE id = $1`, x.id, search, grams(search)); err != nil {
				return err
			}
		}
	}
	return nil
}

// declarationSearch is the text keyword search runs over (R-DECL-18).
func declarationSearch(nameZh, nameEn, unitName, applicantName string) string {
	return searchText(nameZh, nameEn, unitName, applicantName)
}

// applyOrgName keeps the organisations' Chinese names, and a renamed
// unit's name in its declarations.
func applyOrgName(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "org-", org.Decode)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case org.Created:
		_, err = tx.Exec(ctx, `INSERT INTO declaration_orgs (id, name_zh) VALUES ($1, $2)`, id, ev.NameZh)
	case org.Renamed:
		if _, err = tx.Exec(ctx, `UPDATE declaration_orgs SET name_zh = $2 WHERE id = $1`, id, ev.NameZh); err != nil {
			return err
		}
		var c columns
		c.set("unit_name", ev.NameZh)
		err = updateDeclarations(ctx, tx, c, "unit_id = $1", id)
	}
	return err
}

// findSimilar records the declarations similar to id (R-DECL-19): any
// applicant's, any unit's, submitted at least once and still in the running
// (not withdrawn, not rejected by the authority), starting within the
// window of id's start, whose theme is the same or whose theme or Chinese
// name is similar. The relation is symmetric, so the pairs naming id are
// rebuilt from scratch.
func (l DeclarationList) findSimilar(ctx context.Context, tx pgx.Tx, id uuid.UUID, check policy.SimilarCheck) error {
	if _, err := tx.Exec(ctx, `DELETE FROM similar_declarations WHERE declaration_id = $1 OR other_id = $1`, id); err != nil {
		return err
	}
	// The submission carries the check of the policy it was decided under;
	// events from before it did fall back to the projection's settings.
	window, threshold := check.WindowDays, check.Threshold
	if threshold <= 0 {
		window, threshold = l.SimilarWindowDays, l.SimilarThreshold
	}
	if window <= 0 {
		window = DefaultSimilarWindowDays
	}
	if threshold <= 0 {
		threshold = DefaultSimilarThreshold
	}
	_, err := tx.Exec(ctx, `INSERT INTO similar_declarations (declaration_id, other_id, score, reason)
		SELECT DISTINCT ON (o.id) d.id, o.id, s.score, s.reason
		FROM declarations d
		JOIN declarations o ON o.id <> d.id AND o.submitted_at IS NOT NULL AND o.status NOT IN ('withdrawn', 'authority_rejected')
			AND o.start_date BETWEEN d.start_date - $2::int AND d.start_date + $2::int
		CROSS JOIN LATERAL (VALUES
			('same_theme', CASE WHEN d.theme_key <> '' AND d.theme_key = o.theme_key THEN 1.0::real ELSE 0 END),
			('similar_theme', CASE WHEN d.theme_key <> '' AND o.theme_key <> '' THEN similarity(d.theme_key, o.theme_key) ELSE 0 END),
			('similar_name', CASE WHEN d.name_key <> '' AND o.name_key <> '' THEN similarity(d.name_key, o.name_key) ELSE 0 END)
		) AS s(reason, score)
		WHERE d.id = $1 AND s.score >= $3
		ORDER BY o.id, s.score DESC, s.reason`, id, window, threshold)
	return err
}

// columns collects column assignments for an INSERT or UPDATE.
type columns struct {
	names  []string
	values []any
}

func (c *columns) set(name string, v any) {
	c.names = append(c.names, name)
	c.values = append(c.values, v)
}

// insert is the INSERT of c into table.
func (c *columns) insert(table string) string {
	return fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, table, strings.Join(c.names, ", "), c.placeholders(0))
}

// update is the UPDATE of c in the rows of table cond selects; cond has
// nargs arguments, which come before c's values.
func (c *columns) update(table, cond string, nargs int) string {
	return fmt.Sprintf(`UPDATE %s SET (%s) = ROW(%s) WHERE %s`, table, strings.Join(c.names, ", "), c.placeholders(nargs), cond)
}

// placeholders numbers the values from $(after+1).
func (c *columns) placeholders(after int) string {
	ps := make([]string, len(c.values))
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", after+i+1)
	}
	return strings.Join(ps, ", ")
}

// DeclarationRow is one declaration in the list.
type DeclarationRow struct {
	ID            string     `json:"id"`
	Version       int64      `json:"version"`
	ApplicantID   string     `json:"applicantId"`
	ApplicantName string     `json:"applicantName"`
	UnitID        string     `json:"unitId"`
	UnitName      string     `json:"unitName"`
	ForecastID    *string    `json:"forecastId"`
	Direct        bool       `json:"direct"`
	NameZh        string     `json:"nameZh"`
	NameEn        string     `json:"nameEn"`
	StartDate     string     `json:"startDate"`
	EndDate       string     `json:"endDate"`
	Type          string     `json:"type"`
	Scale         string     `json:"scale"`
	Category      string     `json:"category"` // computed at submission; "" before
	ForeignCount  int        `json:"foreignCount"`
	DomesticCount int        `json:"domesticCount"`
	TotalCount    int        `json:"totalCount"`
	Province      string     `json:"province"`
	Status        string     `json:"status"`
	SubmittedAt   *time.Time `json:"submittedAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	Filing        *string    `json:"filing"`
	FileBy        *string    `json:"fileBy"`
	// Changed says the values above are those of an approved change
	// (R-CHG-04), approved at ChangedAt; ChangeStatus is where the change
	// request stands ("", requested, approved, rejected).
	Changed      bool       `json:"changed"`
	ChangedAt    *time.Time `json:"changedAt"`
	ChangeStatus string     `json:"changeStatus"`
}

// DeclarationPage is one page of the list.
type DeclarationPage struct {
	Items []DeclarationRow `json:"items"`
	Total int64            `json:"total"`
	// TotalCapped says more than Total (= TotalCap) declarations match.
	TotalCapped bool `json:"totalCapped"`
	Page        int  `json:"page"`
	PageSize    int  `json:"pageSize"`
}
