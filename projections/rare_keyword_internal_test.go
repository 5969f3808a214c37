package projections

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestKeywordWords(t *testing.T) {
	for k, want := range map[string][]string{
		"研讨会（12345）":      {"12345"},
		"人工智能":            nil,
		"（12）":            nil, // two runes: a gram, not a word
		"no. 12345 x":     {"12345"},
		"a workshop b":    {"workshop"},
		"workshop":        nil,
		" (abc) (abc) ":   {"abc"},
		"| 计算机学院 | 软件工程系": {"计算机学院"},
	} {
		if got := keywordWords(k); !slices.Equal(got, want) {
			t.Errorf("keywordWords(%q) = %q, want %q", k, got, want)
		}
	}
	text := searchText("2027年人工智能国际研讨会（12345）", "2027 International Workshop no. 12345", "张明远")
	got := words(text)
	for _, w := range []string{"2027年人工智能国际研讨会", "12345", "2027", "international", "workshop", "张明远"} {
		if !slices.Contains(got, w) {
			t.Errorf("words(%q) = %q: %q missing", text, got, w)
		}
	}
	if slices.Contains(got, "no") || len(got) != 6 {
		t.Errorf("words(%q) = %q: want six words of three runes or more, once each", text, got)
	}
	// Every word a keyword holds whole is among the words of a text that
	// holds the keyword.
	for _, k := range []string{"研讨会（12345）", "no. 12345", "（12345）", "2027 international"} {
		for _, w := range keywordWords(k) {
			if !slices.Contains(forecastGrams(text), w) {
				t.Errorf("keyword %q: word %q not in the text's grams", k, w)
			}
		}
	}
}

// TestRareKeyword checks that a page found from the text indexes, as a
// rare keyword's is (rareKeyword), is the page read in order: every
// scope, keyword, sort and page alike, with the same total, cap and
// cursor, whether the keyword matches none, a few or more than TotalCap
// of the scope's rows.
func TestRareKeyword(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, migrateBench)
	o := benchdata.NewOrg()
	listRows(t, &benchdata.DB{Pool: pool, Fill: pool}, o, TotalCap+400)
	q := NewQueries(pool)
	actors := map[string]domain.Actor{
		"school":    {UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: o.University},
		"unit3":     {UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: o.Units[3]},
		"unit1":     {UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: o.Units[1]},
		"authority": {UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: o.Authority},
		"analyst":   {UserID: uuid.New(), Role: domain.RoleAnalyst},
	}
	defer func(v int) { rareMatches = v }(rareMatches)
	for name, a := range actors {
		for _, k := range []string{"人工智能", "研讨会", "海洋", "海", "研讨会（13）", "（12", "no. 1", "none such"} {
			for _, f := range []ForecastFilter{{Sort: "submittedAt", Desc: true}, {Sort: "submittedAt"}, {Sort: "nameZh"},
				{Sort: "startDate", Desc: true, UnitID: o.Units[1]}, {Sort: "submittedAt", Desc: true, Statuses: []string{"approved"}}} {
				for _, page := range []int{1, 3} {
					f.Keyword, f.Page, f.PageSize = k, page, 20
					var pages [2]ForecastPage
					for i, m := range []int{0, 1 << 30} { // never rare, always rare
						rareMatches = m
						p, err := q.ListForecasts(ctx, a, f)
						if err != nil {
							t.Fatal(err)
						}
						pages[i] = p
					}
					in, rare := pages[0], pages[1]
					what := fmt.Sprintf("%s, %q, %s desc %v unit %v statuses %v, page %d", name, k, f.Sort, f.Desc, f.UnitID != uuid.Nil, f.Statuses, page)
					if !slices.Equal(rowIDs(in), rowIDs(rare)) || in.Total != rare.Total || in.TotalCapped != rare.TotalCapped || in.NextCursor != rare.NextCursor {
						t.Errorf("%s: in order %d rows (%v), total %d capped %v, cursor %q; rare %d rows (%v), total %d capped %v, cursor %q",
							what, len(in.Items), rowIDs(in), in.Total, in.TotalCapped, in.NextCursor,
							len(rare.Items), rowIDs(rare), rare.Total, rare.TotalCapped, rare.NextCursor)
					}
					if page == 1 && in.NextCursor != "" {
						// The next page by cursor, both ways.
						c, _ := parseForecastCursor(in.NextCursor)
						next := f
						next.Page, next.Cursor = 1, &c
						var after [2][]string
						for i, m := range []int{0, 1 << 30} {
							rareMatches = m
							p, err := q.ListForecasts(ctx, a, next)
							if err != nil {
								t.Fatal(err)
							}
							after[i] = rowIDs(p)
						}
						if !slices.Equal(after[0], after[1]) {
							t.Errorf("%s, after the cursor: in order %v, rare %v", what, after[0], after[1])
						}
					}
				}
			}
		}
	}
}

func rowIDs(p ForecastPage) []string {
	var out []string
	for _, r := range p.Items {
		out = append(out, r.ID)
	}
	return out
}
