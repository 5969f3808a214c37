package httpapi

import (
	"testing"

	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/summary"
)

// TestStatusZhByKind: the approval-log PDFs label each status with its own
// kind's label — a change request's approved is 变更通过, a summary's
// submitted 已提交, a declaration's school_approved 学校审核通过 — while
// forecasts print as before.
func TestStatusZhByKind(t *testing.T) {
	// before is the labelling the PDFs used before it looked at the kind.
	before := func(s string) string {
		if s == "" || forecast.Status(s).Valid() {
			return forecast.Status(s).Zh()
		}
		return declaration.Status(s).Zh()
	}
	for _, s := range append([]forecast.Status{""}, forecast.Statuses...) {
		if got, want := statusZh("forecast", string(s)), before(string(s)); got != want {
			t.Errorf("forecast %q: %q; want %q as before", s, got, want)
		}
	}
	for _, s := range append([]declaration.Status{""}, declaration.Statuses...) {
		if got, want := statusZh("declaration", string(s)), s.Zh(); got != want {
			t.Errorf("declaration %q: %q; want its own label %q", s, got, want)
		}
	}
	for _, c := range []struct{ kind, status, want string }{
		{"change", "", change.StatusNone.Zh()},
		{"change", "requested", "待审核"},
		{"change", "approved", "变更通过"},
		{"change", "rejected", "变更驳回"},
		{"summary", "", summary.Status("").Zh()},
		{"summary", "draft", "草稿"},
		{"summary", "submitted", "已提交"},
		{"summary", "accepted", "审核通过"},
		{"summary", "returned", "退回修改"},
		{"change", "unit_approved", "unit_approved"},
		{"summary", "approved", "approved"},
		{"forecast", "mystery", "mystery"},
		{"mystery", "submitted", "submitted"},
	} {
		if got := statusZh(c.kind, c.status); got != c.want {
			t.Errorf("%s %q: %q; want %q", c.kind, c.status, got, c.want)
		}
	}
}
