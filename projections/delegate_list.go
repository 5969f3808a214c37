package projections

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/eventstore"
)

// DelegateListName is the delegates list's stored name.
const DelegateListName = "delegate_list"

// DelegateList follows every nominee of every electing unit to every
// congress (seed 004, figs. 2.3–2.10): one row per nominee with the
// columns of the seed's lists, its status in the seed's words, and the
// delegation's scope (the unit where a record's unit is, the organiser
// where its authority is, reached once the unit reported: R-DEL-04), so
// scopeOf applies as to every record. A nominee deregistered (R-DEL-08)
// leaves it. Its personal columns (name, gender, ethnicity, affiliations,
// occupation, birth date, the ID number, masked: the clear one is never
// stored here) are read from the events as the personal-data layer
// answers them: once a person is erased, the rebuild every erasure
// triggers (projections.Refresh) writes them blank. Only who may read a
// nominee's personal fields (domain.KindNomineePersonal: the unit, the
// organiser once reported) gets them from the queries; anyone else reads
// the row without them and cannot filter, search or sort by them.
type DelegateList struct{}

func (DelegateList) Name() string     { return DelegateListName }
func (DelegateList) Version() int     { return 2 }
func (DelegateList) Tables() []string { return []string{"delegates", "delegate_congresses"} }

func (DelegateList) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE delegates (
    id             uuid PRIMARY KEY, -- the nominee
    delegation_id  uuid        NOT NULL,
    version        bigint      NOT NULL, -- of the delegation's stream
    congress_id    uuid        NOT NULL,
    applicant_id   uuid        NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000', -- no applicant owns a nominee
    unit_id        uuid        NOT NULL, -- the electing unit
    university_id  uuid        NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    authority_id   uuid        NOT NULL, -- the organiser
    at_authority   boolean     NOT NULL DEFAULT false, -- the unit reported (R-DEL-04)
    identity       text        NOT NULL,
    name           text        NOT NULL,
    gender         text        NOT NULL,
    ethnicity      text        NOT NULL,
    affiliations   text[]      NOT NULL,
    party          text        NOT NULL, -- the affiliations joined, as the lists show them
    occupation     text        NOT NULL DEFAULT '',
    birth_date     date,
    id_type        text        NOT NULL DEFAULT '',
    id_masked      text        NOT NULL DEFAULT '', -- delegation.MaskID of the ID number
    grassroots     boolean     NOT NULL,
    under45        boolean     NOT NULL,
    minority       boolean     NOT NULL,
    democratic     boolean     NOT NULL,
    woman          boolean     NOT NULL,
    status         text        NOT NULL,
    opinion        text        NOT NULL DEFAULT '',
    submitted_at   timestamptz NOT NULL, -- put forward, or resubmitted after an edit
    updated_at     timestamptz NOT NULL,
    search         text        NOT NULL,
    grams          text[]      NOT NULL
);
CREATE INDEX delegates_congress ON delegates (congress_id, unit_id, status);
CREATE INDEX delegates_delegation ON delegates (delegation_id);
CREATE INDEX delegates_search ON delegates USING gin (search public.gin_trgm_ops);
CREATE INDEX delegates_grams ON delegates USING gin (grams);
CREATE TABLE delegate_congresses (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    reference_date date NOT NULL -- ages are counted at it (R-DEL-01)
);`)
	return err
}

func delegateSearch(name, ethnicity string, affiliations []string, occupation string) (string, []string) {
	s := searchText(append([]string{name, ethnicity, occupation}, affiliations...)...)
	return s, grams(s)
}

func (DelegateList) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	if e.Type == congress.EventCreated {
		ev, err := congress.Decode(e.Type, e.Data)
		if err != nil {
			return err
		}
		c := ev.(congress.Created)
		_, err = tx.Exec(ctx, `INSERT INTO delegate_congresses (id, name, reference_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.Name, dateArg(c.ReferenceDate))
		return err
	}
	if !strings.HasPrefix(e.Type, "delegation.") {
		return nil
	}
	del, ev, err := decodeRecord(e, "delegation-", delegation.Decode)
	if err != nil {
		return err
	}
	at := e.Metadata.RecordedAt
	// Every event moves the whole delegation's version: a row's version
	// is its stream's, as If-Match wants it.
	if _, err := tx.Exec(ctx, `UPDATE delegates SET version = $2 WHERE delegation_id = $1`, del, int64(e.Number)); err != nil {
		return err
	}
	set := func(nominee uuid.UUID, sql string, args ...any) error {
		_, err := tx.Exec(ctx, `UPDATE delegates SET updated_at = $2, `+sql+` WHERE id = $1`, append([]any{nominee, at}, args...)...)
		return err
	}
	switch ev := ev.(type) {
	case delegation.NomineeAdded:
		p, in := ev.Profile, ev.Indicators
		aff := nonNil(p.Affiliations)
		search, gr := delegateSearch(ev.Name, p.Ethnicity, aff, p.Occupation)
		reported := false
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM delegates WHERE delegation_id = $1 AND at_authority)`, del).Scan(&reported); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
INSERT INTO delegates (id, delegation_id, version, congress_id, unit_id, authority_id, at_authority, identity, name, gender, ethnicity,
    affiliations, party, grassroots, under45, minority, democratic, woman, status, submitted_at, updated_at, search, grams,
    occupation, birth_date, id_type, id_masked)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, $22, $23, $24, $25, $26)
ON CONFLICT (id) DO NOTHING`,
			ev.Nominee, del, int64(e.Number), ev.Congress, ev.Unit, ev.Organiser, reported, string(ev.Identity), ev.Name, p.Gender, p.Ethnicity,
			aff, strings.Join(aff, "、"), in.Grassroots, in.Under45, in.Minority, in.DemocraticParty, in.Woman, string(delegation.Pending), ev.At, search, gr,
			p.Occupation, dateArg(ev.BirthDate), p.IDType, delegation.MaskID(p.IDNumber))
		return err
	case delegation.NomineeApproved:
		return set(ev.Nominee, `status = $3, opinion = $4`, string(delegation.Approved), ev.Opinion)
	case delegation.NomineeRejected:
		return set(ev.Nominee, `status = $3, opinion = $4`, string(delegation.Rejected), ev.Opinion)
	case delegation.NomineeRevoked:
		return set(ev.Nominee, `status = $3, opinion = ''`, string(delegation.Pending))
	case delegation.NomineeEdited:
		p, in := ev.Profile, ev.Indicators
		aff := nonNil(p.Affiliations)
		search, gr := delegateSearch(ev.Name, p.Ethnicity, aff, p.Occupation)
		return set(ev.Nominee, `status = $3, opinion = '', name = $4, gender = $5, ethnicity = $6, affiliations = $7, party = $8,
    grassroots = $9, under45 = $10, minority = $11, democratic = $12, woman = $13, submitted_at = $14, search = $15, grams = $16,
    occupation = $17, birth_date = $18, id_type = $19, id_masked = $20`,
			string(ev.Next), ev.Name, p.Gender, p.Ethnicity, aff, strings.Join(aff, "、"), in.Grassroots, in.Under45, in.Minority,
			in.DemocraticParty, in.Woman, ev.At, search, gr, p.Occupation, dateArg(ev.BirthDate), p.IDType, delegation.MaskID(p.IDNumber))
	case delegation.NomineeFinalApproved:
		return set(ev.Nominee, `status = $3, opinion = $4`, string(delegation.FinalApproved), ev.Opinion)
	case delegation.NomineeFinalRejected:
		return set(ev.Nominee, `status = $3, opinion = $4`, string(delegation.FinalRejected), ev.Opinion)
	case delegation.NomineeDeregistered:
		_, err := tx.Exec(ctx, `DELETE FROM delegates WHERE id = $1`, ev.Nominee)
		return err
	case delegation.AllReported:
		if _, err := tx.Exec(ctx, `UPDATE delegates SET at_authority = true WHERE delegation_id = $1`, del); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE delegates SET status = $2, updated_at = $3 WHERE id = ANY($1)`, ev.Nominees, string(delegation.Reported), at)
		return err
	}
	return nil
}

// DelegateFilter selects and orders a page of nominees (the seed's
// filters: congress, identity, name, ethnicity, occupation category,
// party, submission time range; the lists by status).
type DelegateFilter struct {
	CongressID uuid.UUID
	UnitID     uuid.UUID
	Statuses   []string
	Identities []string
	Name       string
	Ethnicity  string
	Occupation string
	Party      string
	From, To   domain.Date // submitted on or after From, on or before To (Beijing calendar days)
	Keyword    string
	Sort       string
	Desc       bool
	Page       int
	PageSize   int
}

// DelegateRow is one nominee in the list. Personal says whether the
// reader may see the nominee's personal fields (the unit, the organiser
// once reported); without, they are empty.
type DelegateRow struct {
	ID           uuid.UUID             `json:"id"`
	Version      int64                 `json:"version"`
	CongressID   uuid.UUID             `json:"congressId"`
	UnitID       uuid.UUID             `json:"unitId"`
	UnitName     string                `json:"unitName"`
	Identity     string                `json:"identity"`
	IdentityZh   string                `json:"identityZh"`
	Personal     bool                  `json:"personal"`
	Name         string                `json:"name"`
	Gender       string                `json:"gender"`
	Ethnicity    string                `json:"ethnicity"`
	Affiliations []string              `json:"affiliations"`
	Occupation   string                `json:"occupation"`
	BirthDate    domain.Date           `json:"birthDate,omitzero"`
	Age          *int                  `json:"age,omitempty"` // at the congress's reference date
	IDType       string                `json:"idType"`
	IDNumber     string                `json:"idNumber"` // masked (delegation.MaskID)
	Indicators   delegation.Indicators `json:"indicators"`
	Status       string                `json:"status"`
	StatusZh     string                `json:"statusZh"`
	Opinion      string                `json:"opinion"`
	Reported     bool                  `json:"reported"`
	SubmittedAt  time.Time             `json:"submittedAt"`
	UpdatedAt    time.Time             `json:"updatedAt"`
}

// DelegatePage is one page of the list.
type DelegatePage struct {
	Items    []DelegateRow `json:"items"`
	Total    int64         `json:"total"`
	Page     int           `json:"page"`
	PageSize int           `json:"pageSize"`
}

const delegateUnitName = "COALESCE((SELECT o.name_zh FROM rm.organisations o WHERE o.id = delegates.unit_id), '')"

const delegateAge = `(SELECT extract(year FROM age(c.reference_date, delegates.birth_date))::int FROM rm.delegate_congresses c
	WHERE c.id = delegates.congress_id)`

// delegatePersonal is the SQL condition under which a may read a row's
// personal columns: domain.KindNomineePersonal's filter, the place's id
// written in (a uuid, nothing to escape), so the columns, filters and
// sorts can use it without arguments of their own.
func delegatePersonal(a domain.Actor) string {
	f := domain.FilterFor(a, domain.KindNomineePersonal, domain.Read)
	col := map[domain.Place]string{domain.OwnUnit: "delegates.unit_id", domain.OwnAuthority: "delegates.authority_id"}[f.Place]
	var cond string
	switch {
	case f.Place == domain.Everywhere:
		cond = "true"
	case col != "":
		cond = fmt.Sprintf("%s = '%s'::uuid", col, f.ID)
	default:
		return "false" // Nowhere, or a place the table has no column for
	}
	if f.Submitted {
		cond += " AND delegates.at_authority"
	}
	return "(" + cond + ")"
}

// delegateView is the list's columns and sorts as a reads them: each
// personal column only where a may read it.
type delegateView struct{ personal, columns string }

func delegateViewFor(a domain.Actor) delegateView {
	p := delegatePersonal(a)
	or := func(col, blank string) string { return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", p, col, blank) }
	return delegateView{personal: p, columns: `id, version, congress_id, unit_id, ` + delegateUnitName + `, identity, ` + p + `, ` +
		or("name", "''") + `, ` + or("gender", "''") + `, ` + or("ethnicity", "''") + `, ` + or("affiliations", "'{}'::text[]") + `, ` +
		or("occupation", "''") + `, ` + or("birth_date", "NULL") + `, ` + or(delegateAge, "NULL") + `, ` + or("id_type", "''") + `, ` +
		or("id_masked", "''") + `, grassroots, under45, minority, democratic, woman, status, opinion, at_authority, submitted_at, updated_at`}
}

// delegateSorts are the list's columns, each sortable both ways; the
// personal ones (true) sort as blank for who may not read them.
var delegateSorts = map[string]struct {
	col      string
	personal bool
}{
	"submittedAt": {"submitted_at", false}, "updatedAt": {"updated_at", false}, "unitName": {delegateUnitName, false},
	"identity": {"identity", false}, "status": {"status", false},
	"name": {"name", true}, "gender": {"gender", true}, "ethnicity": {"ethnicity", true}, "party": {"party", true},
	"occupation": {"occupation", true}, "birthDate": {"birth_date", true}, "age": {delegateAge, true},
}

func (v delegateView) sort(name string) string {
	s, ok := delegateSorts[name]
	if !ok {
		return "submitted_at"
	}
	if s.personal {
		return fmt.Sprintf("(CASE WHEN %s THEN %s END)", v.personal, s.col)
	}
	return s.col
}

func scanDelegate(row pgx.CollectableRow) (DelegateRow, error) {
	var r DelegateRow
	var birth *time.Time
	in := &r.Indicators
	err := row.Scan(&r.ID, &r.Version, &r.CongressID, &r.UnitID, &r.UnitName, &r.Identity, &r.Personal, &r.Name, &r.Gender, &r.Ethnicity,
		&r.Affiliations, &r.Occupation, &birth, &r.Age, &r.IDType, &r.IDNumber, &in.Grassroots, &in.Under45, &in.Minority, &in.DemocraticParty,
		&in.Woman, &r.Status, &r.Opinion, &r.Reported, &r.SubmittedAt, &r.UpdatedAt)
	r.BirthDate = dateOf(birth)
	r.IdentityZh, r.StatusZh = delegation.Identity(r.Identity).Zh(), delegation.Status(r.Status).Zh()
	return r, err
}

// delegateWhere selects the rows a may read that f names; a filter or
// keyword on a personal column matches only rows whose personal columns a
// may read.
func delegateWhere(a domain.Actor, v delegateView, f DelegateFilter) (*where, error) {
	w := &where{}
	if err := scopeOf(a, domain.KindDelegation, recordScope, w); err != nil {
		return nil, err
	}
	if f.CongressID != uuid.Nil {
		w.add("congress_id = ?", f.CongressID)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	}
	if len(f.Identities) > 0 {
		w.add("identity = ANY(?)", f.Identities)
	}
	if f.Name != "" || f.Ethnicity != "" || f.Occupation != "" || f.Party != "" || strings.TrimSpace(f.Keyword) != "" {
		w.add(v.personal)
	}
	if f.Name != "" {
		w.add("strpos(lower(name), lower(?)) > 0", f.Name)
	}
	if f.Ethnicity != "" {
		w.add("ethnicity = ?", f.Ethnicity)
	}
	if f.Occupation != "" {
		w.add("occupation = ?", f.Occupation)
	}
	if f.Party != "" {
		w.add("? = ANY(affiliations)", f.Party)
	}
	if !f.From.IsZero() {
		w.add("(submitted_at AT TIME ZONE 'Asia/Shanghai')::date >= ?", dateArg(f.From))
	}
	if !f.To.IsZero() {
		w.add("(submitted_at AT TIME ZONE 'Asia/Shanghai')::date <= ?", dateArg(f.To))
	}
	keyword(w, strings.TrimSpace(f.Keyword))
	return w, nil
}

// ListDelegates answers one page of the nominees the actor may see
// (R-ACT-02): a unit's own, the organiser's congresses' once reported.
func (q *Queries) ListDelegates(ctx context.Context, a domain.Actor, f DelegateFilter) (DelegatePage, error) {
	v := delegateViewFor(a)
	w, err := delegateWhere(a, v, f)
	if err != nil {
		return DelegatePage{}, err
	}
	page := DelegatePage{Page: max(f.Page, 1), PageSize: f.PageSize}
	if page.PageSize == 0 {
		page.PageSize = 20
	}
	page.Items, page.Total, err = pageOf(ctx, q.pool, "delegates", v.columns, w, v.sort(f.Sort), f.Desc, page.Page, page.PageSize, scanDelegate)
	if page.Items == nil {
		page.Items = []DelegateRow{}
	}
	return page, err
}

// ParseDelegateFilter reads the list's query: congressId, unitId, status,
// identity, name, ethnicity, occupation, party, submittedFrom,
// submittedTo, q, sort, order, page, pageSize.
func ParseDelegateFilter(q url.Values) (DelegateFilter, []domain.FieldError) {
	f := DelegateFilter{Sort: "submittedAt", Desc: true}
	p := readParams(q, "congressId", "unitId", "status", "identity", "name", "ethnicity", "occupation", "party", "submittedFrom", "submittedTo")
	f.CongressID = p.uuid("congressId", "换届活动ID格式错误")
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	f.Statuses = p.list("status", "status (want pending, approved, rejected, reported, final_approved or final_rejected)", "未知的人选状态",
		func(s string) bool {
			return slices.Contains([]delegation.Status{delegation.Pending, delegation.Approved, delegation.Rejected, delegation.Reported,
				delegation.FinalApproved, delegation.FinalRejected}, delegation.Status(s))
		})
	f.Identities = p.list("identity", "identity", "身份类型无效", func(s string) bool { return delegation.Identity(s).Valid() })
	for _, k := range []struct {
		name string
		to   *string
	}{{"name", &f.Name}, {"ethnicity", &f.Ethnicity}, {"occupation", &f.Occupation}, {"party", &f.Party}} {
		*k.to = strings.TrimSpace(q.Get(k.name))
		if len([]rune(*k.to)) > 100 {
			p.fail(k.name, "at most 100 characters", "最多100个字符")
		}
	}
	f.From, f.To = p.dateRange("submittedFrom", "submittedTo")
	f.Keyword = p.keyword()
	names := map[string]string{}
	for k, v := range delegateSorts {
		names[k] = v.col
	}
	p.sort(names, &f.Sort, &f.Desc)
	f.Page, f.PageSize = p.page()
	return f, p.bad
}

// DelegateExportColumns are the export's columns (the seed's list, fig.
// 2.7's 导出参会人员信息).
var DelegateExportColumns = []ExportColumn{
	{Header: "推荐单位 (Unit)", Kind: ExportText, Width: 24}, {Header: "姓名 (Name)", Kind: ExportText, Width: 12},
	{Header: "性别 (Gender)", Kind: ExportText, Width: 6}, {Header: "民族 (Ethnicity)", Kind: ExportText, Width: 10},
	{Header: "党派 (Party)", Kind: ExportText, Width: 20}, {Header: "职业类别 (Occupation)", Kind: ExportText, Width: 16},
	{Header: "出生日期 (Born)", Kind: ExportDate, Width: 12}, {Header: "年龄 (Age)", Kind: ExportNumber, Width: 6},
	{Header: "证件号 (ID number, masked)", Kind: ExportText, Width: 20},
	{Header: "身份 (Identity)", Kind: ExportText, Width: 10}, {Header: "基层工作者 (Grassroots)", Kind: ExportText, Width: 8},
	{Header: "45岁以下 (45 or younger)", Kind: ExportText, Width: 8}, {Header: "少数民族 (Minority)", Kind: ExportText, Width: 8},
	{Header: "民主党派 (Democratic party)", Kind: ExportText, Width: 8}, {Header: "女性 (Woman)", Kind: ExportText, Width: 6},
	{Header: "提交时间 (Submitted)", Kind: ExportDateTime, Width: 18}, {Header: "状态 (Status)", Kind: ExportText, Width: 22},
	{Header: "审核意见 (Opinion)", Kind: ExportText, Width: 24},
}

// delegateExportLimit bounds one export of the delegates list.
const delegateExportLimit = 10_000

// ExportDelegatesTo writes every nominee of the filter the actor may see
// to sink, in the list's order (the xlsx export of the list).
func (q *Queries) ExportDelegatesTo(ctx context.Context, a domain.Actor, f DelegateFilter, sink ExportSink) error {
	v := delegateViewFor(a)
	w, err := delegateWhere(a, v, f)
	if err != nil {
		return err
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	args := append(slices.Clip(w.args), delegateExportLimit)
	rows, err := q.pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM rm.delegates WHERE %s ORDER BY %s %s NULLS LAST, id %s LIMIT $%d`,
		v.columns, w.String(), v.sort(f.Sort), dir, dir, len(args)), args...)
	if err != nil {
		return fmt.Errorf("export delegates: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanDelegate)
	if err != nil {
		return fmt.Errorf("export delegates: %w", err)
	}
	if err := sink.Columns(DelegateExportColumns); err != nil {
		return err
	}
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	for _, r := range list {
		gender := map[string]string{"male": "男", "female": "女"}[r.Gender]
		if gender == "" {
			gender = r.Gender
		}
		wall := r.SubmittedAt.In(domain.Shanghai)
		submitted := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
		in := r.Indicators
		var age any
		if r.Age != nil {
			age = int64(*r.Age)
		}
		if err := sink.Row([]any{r.UnitName, r.Name, gender, r.Ethnicity, strings.Join(r.Affiliations, "、"), r.Occupation,
			dateCell(r.BirthDate), age, r.IDNumber, r.IdentityZh,
			yes(in.Grassroots), yes(in.Under45), yes(in.Minority), yes(in.DemocraticParty), yes(in.Woman), submitted, r.StatusZh, r.Opinion}); err != nil {
			return err
		}
	}
	return nil
}
