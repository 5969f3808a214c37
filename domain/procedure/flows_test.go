package procedure_test

import (
	"maps"
	"testing"

	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/domain/summary"
)

// TestDeclaredFlows pins who holds each record in each status, as the
// status view showed it before the procedures were declared (R-FC-05,
// R-DECL-16, R-CHG-04, R-SUM-04), and where the authority comes in.
func TestDeclaredFlows(t *testing.T) {
	const (
		app  = procedure.Applicant
		unit = procedure.Unit
		scl  = procedure.School
		auth = procedure.Authority
	)
	type holders = map[procedure.State]procedure.Level
	for _, c := range []struct {
		name        string
		got         holders
		want        holders
		atAuthority procedure.State
		want2       procedure.State
	}{
		{"forecast", forecast.Flow.Holders(), holders{"submitted": unit, "unit_approved": scl, "school_approved": auth, "rejected": app},
			forecast.Flow.Awaiting(auth), "school_approved"},
		{"declaration", declaration.Flow.Holders(), holders{"draft": app, "submitted": unit, "unit_approved": scl,
			"school_approved": auth, "unit_rejected": app, "school_rejected": app}, declaration.Flow.Awaiting(auth), "school_approved"},
		{"change", change.Flow.Holders(), holders{"requested": scl}, change.Flow.Awaiting(auth), ""},
		{"summary", summary.Flow.Holders(), holders{"draft": app, "submitted": scl, "returned": app}, summary.Flow.Awaiting(auth), ""},
		{"funding", funding.Flow.Holders(), holders{"draft": app, "withdrawn": app, "returned": app, "submitted": procedure.Bureau},
			funding.Flow.Awaiting(procedure.Bureau), "submitted"},
	} {
		if !maps.Equal(c.got, c.want) {
			t.Errorf("%s holders = %v; want %v", c.name, c.got, c.want)
		}
		if c.atAuthority != c.want2 {
			t.Errorf("%s reaches the authority in %q; want %q", c.name, c.atAuthority, c.want2)
		}
	}
	for stage, want := range map[procedure.State]procedure.State{"submitted": "unit_rejected", "unit_approved": "school_rejected",
		"school_approved": "authority_rejected", "draft": ""} {
		if got := declaration.Flow.After(procedure.Reject, stage); got != want {
			t.Errorf("declaration rejected in %s leads to %q; want %q", stage, got, want)
		}
	}
}

// statesOf lists every state a procedure names.
func statesOf[F any](p *procedure.Procedure[F]) []procedure.State {
	var out []procedure.State
	for _, s := range p.Steps {
		out = append(out, s.Awaits, s.Approved, s.Rejected, s.Returned)
	}
	for _, o := range p.Owner {
		out = append(out, o.To)
		out = append(out, o.From...)
	}
	return out
}

// TestFlowsNameKnownStatuses: a declared state is one of its package's
// statuses (a typo would have the fallback label of an unknown status).
func TestFlowsNameKnownStatuses(t *testing.T) {
	check := func(name string, states []procedure.State, label func(procedure.State) string) {
		unknown := label("no such status")
		for _, s := range states {
			if s != "" && label(s) == unknown {
				t.Errorf("%s names %q, which is not one of its statuses", name, s)
			}
		}
	}
	check("forecast", statesOf(&forecast.Flow), forecast.Flow.Label)
	check("declaration", statesOf(&declaration.Flow), declaration.Flow.Label)
	check("change", statesOf(&change.Flow), change.Flow.Label)
	check("summary", statesOf(&summary.Flow), summary.Flow.Label)
	check("funding", statesOf(&funding.Flow), funding.Flow.Label)
}
