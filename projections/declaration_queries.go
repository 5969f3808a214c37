package projections

import (
	"cmp"
	"context"
	"fmt"
	"net/url"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
)

// DeclarationFilter selects and orders a page of declarations (R-DECL-18).
// Zero fields select everything; date bounds are inclusive.
type DeclarationFilter struct {
	Statuses  []string
	Types     []string
	Scales    []string // declared scales
	UnitID    uuid.UUID
	Year      int // of the start date
	StartFrom domain.Date
	StartTo   domain.Date
	EndFrom   domain.Date
	EndTo     domain.Date
	Keyword   string
	Sort      string // a key of the sort columns; updatedAt by default
	Desc      bool
	Page      int
	PageSize  int
}

// declarationSorts maps the sort names clients use to columns.
var declarationSorts = map[string]string{
	"nameZh": "name_zh", "nameEn": "name_en", "startDate": "start_date", "endDate": "end_date", "status": "status",
	"scale": "scale", "type": "type", "unitName": "unit_name", "applicantName": "applicant_name",
	"submittedAt": "submitted_at", "updatedAt": "updated_at", "foreignCount": "foreign_count", "totalCount": "total_count",
}

// ParseDeclarationFilter reads a filter from query parameters (status,
// type and scale as comma-separated lists, unitId, year, startFrom,
// startTo, endFrom, endTo as YYYY-MM-DD, q, sort, order, page, pageSize),
// reporting every bad one.
func ParseDeclarationFilter(q url.Values) (DeclarationFilter, []domain.FieldError) {
	f := DeclarationFilter{Sort: "updatedAt", Desc: true}
	p := readParams(q, "status", "type", "scale", "unitId", "year", "startFrom", "startTo", "endFrom", "endTo")
	f.Statuses = p.list("status", "status", "未知的状态", func(s string) bool { return declaration.Status(s).Valid() })
	f.Types = p.list("type", "conference type", "未知的会议类型", func(s string) bool { return classify.Type(s).Valid() })
	f.Scales = p.scales()
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	f.Year = p.year("year")
	f.StartFrom, f.StartTo = p.dateRange("startFrom", "startTo")
	f.EndFrom, f.EndTo = p.dateRange("endFrom", "endTo")
	f.Keyword = p.keyword()
	p.sort(declarationSorts, &f.Sort, &f.Desc)
	f.Page, f.PageSize = p.page()
	return f, p.bad
}

// ListDeclarations returns one page of the declarations the actor may see
// (R-ACT-02): withdrawn ones only when asked for by status.
func (q *Queries) ListDeclarations(ctx context.Context, a domain.Actor, f DeclarationFilter) (DeclarationPage, error) {
	w, err := declarationWhere(a, f)
	if err != nil {
		return DeclarationPage{}, err
	}
	page := DeclarationPage{Page: max(f.Page, 1), PageSize: cmp.Or(f.PageSize, 20)}
	page.Items, page.Total, page.TotalCapped, err = listPage(ctx, q.pool, declarationList, w,
		cmp.Or(declarationSorts[f.Sort], "updated_at"), f.Desc, page.Page, page.PageSize,
		func(row pgx.CollectableRow) (DeclarationRow, error) {
			var r DeclarationRow
			err := row.Scan(&r.ID, &r.Version, &r.ApplicantID, &r.ApplicantName, &r.UnitID, &r.UnitName, &r.ForecastID, &r.Direct,
				&r.NameZh, &r.NameEn, &r.StartDate, &r.EndDate, &r.Type, &r.Scale, &r.Category,
				&r.ForeignCount, &r.DomesticCount, &r.TotalCount, &r.Province, &r.Status, &r.SubmittedAt, &r.UpdatedAt,
				&r.Filing, &r.FileBy, &r.Changed, &r.ChangedAt, &r.ChangeStatus)
			return r, err
		})
	return page, err
}

// declarationList is the declaration list's view. Its scope indexes keep
// the default order but carry no filter columns (its search text has no
// bound that would fit a btree entry), so the count is left to the
// planner: no countOrder.
var declarationList = listView{
	view: "declarations",
	columns: `id::text, version, applicant_id::text, applicant_name,
		unit_id::text, unit_name, forecast_id::text, direct, name_zh, name_en,
		COALESCE(to_char(start_date, 'YYYY-MM-DD'), ''), COALESCE(to_char(end_date, 'YYYY-MM-DD'), ''),
		type, scale, category, foreign_count, domestic_count, total_count, province, status, submitted_at, updated_at,
		filing, to_char(file_by, 'YYYY-MM-DD'), changed, changed_at, change_status`,
	nullable: map[string]bool{"start_date": true, "end_date": true, "submitted_at": true},
}

// SimilarDeclaration is another declaration whose conference looks like
// the same theme at a nearby time (R-DECL-19). It may lie outside the
// reviewer's scope, so it carries only what judging the clash takes — what,
// when, where from and how far along — and never the applicant, contacts,
// people or budget. Readable says whether the reviewer may open it.
type SimilarDeclaration struct {
	ID             string  `json:"id"`
	NameZh         string  `json:"nameZh"`
	NameEn         string  `json:"nameEn"`
	StartDate      string  `json:"startDate"`
	EndDate        string  `json:"endDate"`
	UnitName       string  `json:"unitName"`
	UniversityName string  `json:"universityName"`
	Status         string  `json:"status"`
	Score          float64 `json:"score"`  // 1 for the same theme
	Reason         string  `json:"reason"` // same_theme, similar_theme or similar_name
	Readable       bool    `json:"readable"`
}

// SimilarDeclarations lists the declarations similar to id, best first,
// as found at the submissions (R-DECL-19). It is for reviewers, auditors
// and analysts who may read id; id outside the actor's scope is not found,
// and an applicant, who may read their own, is refused.
func (q *Queries) SimilarDeclarations(ctx context.Context, a domain.Actor, id uuid.UUID) ([]SimilarDeclaration, error) {
	sc, err := q.declarationScope(ctx, id)
	if err != nil {
		return nil, err
	}
	if !domain.Allows(a, domain.KindDeclaration, domain.Read, sc) {
		return nil, notFound(pgx.ErrNoRows, "declaration "+id.String())
	}
	if a.Role == domain.RoleApplicant {
		return nil, fmt.Errorf("similar declarations: role %s may not: %w", a.Role, domain.ErrForbidden)
	}
	rows, err := q.pool.Query(ctx, `SELECT o.id::text, o.name_zh, o.name_en,
			COALESCE(to_char(o.start_date, 'YYYY-MM-DD'), ''), COALESCE(to_char(o.end_date, 'YYYY-MM-DD'), ''),
			o.unit_name, COALESCE(u.name_zh, ''), o.status, s.score, s.reason,
			o.applicant_id, o.unit_id, o.university_id, o.authority_id, o.at_authority
		FROM rm.similar_declarations s
		JOIN rm.declarations o ON o.id = CASE WHEN s.declaration_id = $1 THEN s.other_id ELSE s.declaration_id END
		LEFT JOIN rm.declaration_orgs u ON u.id = o.university_id
		WHERE s.declaration_id = $1 OR s.other_id = $1
		ORDER BY s.score DESC, o.start_date, o.id`, id)
	if err != nil {
		return nil, fmt.Errorf("similar declarations: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SimilarDeclaration, error) {
		var r SimilarDeclaration
		var score float32
		var other domain.Scope
		err := row.Scan(&r.ID, &r.NameZh, &r.NameEn, &r.StartDate, &r.EndDate, &r.UnitName, &r.UniversityName, &r.Status, &score, &r.Reason,
			&other.Owner, &other.Unit, &other.University, &other.Authority, &other.AtAuthority)
		r.Score, r.Readable = float64(score), domain.Allows(a, domain.KindDeclaration, domain.Read, other)
		return r, err
	})
}

// declarationScope reads where a declaration sits in the organisation tree.
func (q *Queries) declarationScope(ctx context.Context, id uuid.UUID) (domain.Scope, error) {
	var sc domain.Scope
	err := q.pool.QueryRow(ctx, `SELECT applicant_id, unit_id, university_id, authority_id, at_authority
		FROM rm.declarations WHERE id = $1`, id).Scan(&sc.Owner, &sc.Unit, &sc.University, &sc.Authority, &sc.AtAuthority)
	return sc, notFound(err, "declaration "+id.String())
}
