package nomination

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// Status is where a unit's nomination file stands.
type Status string

const (
	StatusDrafting  Status = "drafting"  // 遴选中: the unit works on it
	StatusSubmitted Status = "submitted" // 已提交: with the organiser
	StatusReturned  Status = "returned"  // 退回修改: back with the unit
)

// Zh is the status's Chinese label.
func (s Status) Zh() string {
	switch s {
	case StatusDrafting:
		return "遴选中"
	case StatusSubmitted:
		return "已提交"
	case StatusReturned:
		return "退回修改"
	}
	return string(s)
}

// Facts are what the file's gates read when it is submitted.
type Facts struct {
	File   *File
	Cycle  CycleSpec
	Policy policy.Policy
	Today  domain.Date
}

// The gates of a submission, in the order they are checked; other files
// of the package (the public notice, part 8) append theirs in init.
var (
	beforeDeadline = procedure.Gate[Facts]{Name: "before the deadline", Rule: "R-NOM-04", Check: func(f Facts) error {
		if !f.Today.After(f.Cycle.Deadline) {
			return nil
		}
		return &domain.StateError{Rule: "R-NOM-04", Status: string(f.File.status), Action: "submit the list",
			Message: fmt.Sprintf("the collection closed on %s", f.Cycle.Deadline), Zh: fmt.Sprintf("征集已于%s截止", f.Cycle.Deadline)}
	}}
	listReady = procedure.Gate[Facts]{Name: "list, committee and signature", Rule: "R-NOM-04", Check: func(f Facts) error {
		var pr domain.Problems
		if len(f.File.list) == 0 {
			pr.Add("recommendations", "R-NOM-04", "the list is empty", "推荐名单为空")
		}
		if f.File.scheme == nil {
			pr.Add("scheme", "R-NOM-04", "required: the recommendation scheme", "必填：推荐方案")
		}
		if n := len(f.File.committee); n < f.Policy.Nomination.CommitteeMin {
			pr.Add("committee", "R-NOM-04", fmt.Sprintf("the review committee has %d members; at least %d", n, f.Policy.Nomination.CommitteeMin),
				fmt.Sprintf("专家评审委员会现有%d人，不少于%d人", n, f.Policy.Nomination.CommitteeMin))
		} else {
			pr.Merge("", f.File.checkNominators(f.File.committee, f.Policy.Nomination))
		}
		if f.File.opinion == nil {
			pr.Add("committee.opinion", "R-NOM-04", "required: the committee's result and opinion with its signed form", "必填：专家评审委员会评审结果、意见及签字扫描件")
		}
		if f.File.signed == uuid.Nil {
			pr.Add("signedList", "R-NOM-04", "required: the signed and sealed scan of the list", "必填：签字盖章的推荐名单扫描件")
		}
		return pr.Err()
	}}
	quotaKept = procedure.Gate[Facts]{Name: "quota", Rule: "R-NOM-03", Check: func(f Facts) error {
		return f.File.Quota(f.Policy).Check("recommendations", f.Policy.Nomination)
	}}
)

// SubmitGates are the submission's gates, in order; the public notice
// (part 8) appends its own.
var SubmitGates = []procedure.Gate[Facts]{beforeDeadline, listReady, quotaKept}

// submission runs SubmitGates as they stand when the file is submitted.
var submission = procedure.Gate[Facts]{Name: "submission", Rule: "R-NOM-04", Check: func(f Facts) error {
	for _, g := range SubmitGates {
		if err := g.Check(f); err != nil {
			return err
		}
	}
	return nil
}}

// Flow is a unit's nomination file (seed 003 一(五)): the unit's contact
// works on it while drafting or returned and submits it to the organiser
// (gates: the deadline, the list with its scheme, committee, opinion and
// signature, the quotas, and whatever SubmitGates adds); the organiser's
// staff may return it with a reason.
var Flow = procedure.Procedure[Facts]{
	Name: "nomination", Noun: "nomination file", NounZh: "重要学术会议推荐", Rule: "R-NOM-04", OwnerRule: "R-NOM-04",
	Steps: []procedure.Step[Facts]{
		{Level: procedure.Organiser, Awaits: "submitted", Returned: "returned"},
	},
	Owner: map[procedure.Decision]procedure.Owner[Facts]{
		procedure.Edit:   {From: procedure.States(StatusDrafting, StatusReturned)},
		procedure.Submit: {From: procedure.States(StatusDrafting, StatusReturned), To: "submitted", Gates: []procedure.Gate[Facts]{submission}},
	},
	Label: procedure.Labels[Status],
}
