package procedure_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/procedure"
)

// facts of the toy procedure's gates.
type facts struct {
	quotaLeft int
	noticeOK  bool
}

var quota = procedure.Gate[facts]{Name: "quota", Rule: "R-TEST-QUOTA", Check: func(f facts) error {
	if f.quotaLeft > 0 {
		return nil
	}
	return &domain.StateError{Rule: "R-TEST-QUOTA", Status: "-", Action: "approve", Message: "quota used up", Zh: "名额已满"}
}}

var notice = procedure.Gate[facts]{Name: "notice period", Rule: "R-TEST-NOTICE", Check: func(f facts) error {
	if f.noticeOK {
		return nil
	}
	return &domain.StateError{Rule: "R-TEST-NOTICE", Status: "-", Action: "submit", Message: "too late", Zh: "已过期限"}
}}

// toy has every kind of step: a unit that approves or returns and may
// revoke, a school with a quota, an authority that rejects.
var toy = procedure.Procedure[facts]{
	Name: "toy", Noun: "toy", NounZh: "测试", Rule: "R-TEST-REVIEW", OwnerRule: "R-TEST-OWNER",
	Steps: []procedure.Step[facts]{
		{Level: procedure.Unit, Awaits: "submitted", Approved: "unit_ok", Returned: "returned", Revocable: true},
		{Level: procedure.School, Awaits: "unit_ok", Approved: "school_ok", Rejected: "rejected", Gates: []procedure.Gate[facts]{quota}},
		{Level: procedure.Authority, Awaits: "school_ok", Approved: "approved", Rejected: "rejected"},
	},
	Owner: map[procedure.Decision]procedure.Owner[facts]{
		procedure.Edit:     {From: []procedure.State{"draft", "returned"}, To: "draft"},
		procedure.Submit:   {From: []procedure.State{"draft", "returned"}, To: "submitted", Gates: []procedure.Gate[facts]{notice}},
		procedure.Withdraw: {From: []procedure.State{"draft", "submitted", "returned"}, To: "withdrawn"},
	},
	Label: func(s procedure.State) string { return string(s) },
}

func outcome(next procedure.State, err error) string {
	if err != nil {
		return domaintest.Outcome(err)
	}
	return "ok " + string(next)
}

func TestReview(t *testing.T) {
	ok := facts{quotaLeft: 1, noticeOK: true}
	for _, c := range []struct {
		name  string
		state procedure.State
		role  domain.Role
		d     procedure.Decision
		at    procedure.Level
		text  string
		facts facts
		want  string
	}{
		{"unit approves", "submitted", domain.RoleUnitAdmin, procedure.Approve, procedure.Unit, "", ok, "ok unit_ok"},
		{"school approves at the unit's step", "submitted", domain.RoleSchoolAdmin, procedure.Approve, procedure.Unit, "", ok, "forbidden"},
		{"an applicant reviews", "submitted", domain.RoleApplicant, procedure.Reject, "", "no", ok, "forbidden"},
		{"a record that does not exist", "", domain.RoleUnitAdmin, procedure.Approve, procedure.Unit, "", ok, "not found"},
		{"out of turn", "unit_ok", domain.RoleUnitAdmin, procedure.Approve, procedure.Unit, "", ok, "state R-TEST-REVIEW"},
		{"unit returns with a reason", "submitted", domain.RoleUnitAdmin, procedure.Return, "", "补充材料", ok, "ok returned"},
		{"unit returns without a reason", "submitted", domain.RoleUnitAdmin, procedure.Return, "", "  ", ok, "validation"},
		{"unit cannot reject", "submitted", domain.RoleUnitAdmin, procedure.Reject, "", "no", ok, "forbidden"},
		{"unit revokes its approval", "unit_ok", domain.RoleUnitAdmin, procedure.Revoke, "", "误批", ok, "ok submitted"},
		{"unit revokes once the school decided", "school_ok", domain.RoleUnitAdmin, procedure.Revoke, "", "误批", ok, "state R-TEST-REVIEW"},
		{"school cannot revoke", "school_ok", domain.RoleSchoolAdmin, procedure.Revoke, "", "误批", ok, "forbidden"},
		{"school approves within the quota", "unit_ok", domain.RoleSchoolAdmin, procedure.Approve, procedure.School, "", ok, "ok school_ok"},
		{"school approves past the quota", "unit_ok", domain.RoleSchoolAdmin, procedure.Approve, procedure.School, "", facts{}, "state R-TEST-QUOTA"},
		{"school rejects past the quota", "unit_ok", domain.RoleSchoolAdmin, procedure.Reject, "", "no", facts{}, "ok rejected"},
		{"authority rejects", "school_ok", domain.RoleAuthorityReviewer, procedure.Reject, "", "no", ok, "ok rejected"},
		{"authority rejects without a reason", "school_ok", domain.RoleAuthorityReviewer, procedure.Reject, "", "", ok, "validation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := outcome(toy.Review(c.state, c.role, c.d, c.at, c.text, c.facts)); got != c.want {
				t.Errorf("Review = %s; want %s", got, c.want)
			}
		})
	}
}

func TestOwn(t *testing.T) {
	ok := facts{noticeOK: true}
	for _, c := range []struct {
		name  string
		state procedure.State
		owner bool
		d     procedure.Decision
		facts facts
		want  string
	}{
		{"edit a draft", "draft", true, procedure.Edit, ok, "ok draft"},
		{"edit a returned one", "returned", true, procedure.Edit, ok, "ok draft"},
		{"edit what does not exist", "", true, procedure.Edit, ok, "not found"},
		{"someone else edits", "draft", false, procedure.Edit, ok, "forbidden"},
		{"edit while under review", "unit_ok", true, procedure.Edit, ok, "state R-TEST-OWNER"},
		{"submit in time", "draft", true, procedure.Submit, ok, "ok submitted"},
		{"submit late", "draft", true, procedure.Submit, facts{}, "state R-TEST-NOTICE"},
		{"withdraw while submitted", "submitted", true, procedure.Withdraw, ok, "ok withdrawn"},
		{"withdraw once approved", "approved", true, procedure.Withdraw, ok, "state R-TEST-OWNER"},
		{"revoke is no owner's action", "draft", true, procedure.Revoke, ok, "forbidden"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := outcome(toy.Own(c.state, c.owner, c.d, c.facts)); got != c.want {
				t.Errorf("Own = %s; want %s", got, c.want)
			}
		})
	}
}

func TestHoldersAndAfter(t *testing.T) {
	want := map[procedure.State]procedure.Level{"draft": procedure.Applicant, "returned": procedure.Applicant,
		"submitted": procedure.Unit, "unit_ok": procedure.School, "school_ok": procedure.Authority}
	if got := toy.Holders(); !maps.Equal(got, want) {
		t.Errorf("Holders = %v; want %v", got, want)
	}
	if got := toy.After(procedure.Reject, "school_ok"); got != "rejected" {
		t.Errorf("After(reject, school_ok) = %q", got)
	}
	if got := toy.After(procedure.Reject, "submitted"); got != "" {
		t.Errorf("After(reject, submitted) = %q; the unit does not reject", got)
	}
	var se *domain.StateError
	if _, err := toy.Review("school_ok", domain.RoleUnitAdmin, procedure.Approve, procedure.Unit, "", facts{}); !errors.As(err, &se) ||
		se.Message == "" || se.Zh == "" {
		t.Errorf("out-of-turn error %v lacks a message", err)
	}
}
