package funding

import (
	"cmp"
	"fmt"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// Facts are what an application's gates read when it is handed in.
type Facts struct {
	// Call is the bureau's call for the conference's year; HasCall is
	// false when the bureau published none (R-FUND-03).
	Call    policy.FundingCall
	HasCall bool
	Year    int // the conference's year of opening
	Today   domain.Date
	Opening domain.Date
	// Approval is the conference's approval as the command found it
	// (R-FUND-02): "" when approved (a declaration the authority approved,
	// or an approval document), else why not; ApprovalZh says the same in
	// Chinese.
	Approval   string
	ApprovalZh string
	// Declaration is the status of the declaration named, for messages.
	Declaration string
	// GrantFen is the amount the bureau grants; RequestedFen what the
	// institute asked for; Cap the category's cap under the policy in force
	// (R-FUND-05, R-FUND-04).
	GrantFen, RequestedFen, CapFen int64
	Category                       int
	// Bars are why the institute may not apply today (R-FUND-06,
	// R-FUND-08), as Bars found them; none when it may.
	Bars []Bar
}

// The gates of a submission, in the order they are checked.
var (
	callOpen = procedure.Gate[Facts]{Name: "call open", Rule: "R-FUND-03", Check: func(f Facts) error {
		if !f.HasCall {
			var pr domain.Problems
			pr.Add("conference.openingDate", "R-FUND-03",
				fmt.Sprintf("the bureau has published no call for conferences opening in %d", f.Year),
				fmt.Sprintf("国际合作局尚未发布%d年度会议的资助征集通知", f.Year))
			return pr.Err()
		}
		return f.Call.Accepts(f.Today, f.Opening)
	}}
	eligible = procedure.Gate[Facts]{Name: "institute eligible", Rule: "R-FUND-06", Check: func(f Facts) error {
		var pr domain.Problems
		for _, b := range f.Bars {
			pr.Add("institute", b.Rule, b.Message, b.Zh)
		}
		return pr.Err()
	}}
	conferenceApproved = procedure.Gate[Facts]{Name: "conference approved", Rule: "R-FUND-02", Check: func(f Facts) error {
		if f.Approval == "" {
			return nil
		}
		var pr domain.Problems
		pr.Add("approval.declarationId", "R-FUND-02",
			fmt.Sprintf("only a conference already approved may apply: %s", f.Approval),
			fmt.Sprintf("仅已获批的会议可以申请资助：%s", cmp.Or(f.ApprovalZh, f.Approval)))
		return pr.Err()
	}}
)

// The gates of a grant (R-FUND-05, R-FUND-04): a positive amount, no more
// than requested, no more than the category's cap, exact in fen.
var (
	grantWithinRequest = procedure.Gate[Facts]{Name: "grant within the request", Rule: "R-FUND-05", Check: func(f Facts) error {
		var pr domain.Problems
		switch {
		case f.GrantFen < 1 || f.GrantFen > maxFen:
			pr.Add("amountFen", "SCHEMA", "must be more than 0 fen", "须大于0")
		case f.GrantFen > f.RequestedFen:
			pr.Add("amountFen", "R-FUND-05",
				fmt.Sprintf("the grant may not exceed the request: %s yuan requested, %s granted", yuan(f.RequestedFen), yuan(f.GrantFen)),
				fmt.Sprintf("资助金额不得超过申请金额：申请%s元，资助%s元", yuan(f.RequestedFen), yuan(f.GrantFen)))
		}
		return pr.Err()
	}}
	grantWithinCap = procedure.Gate[Facts]{Name: "grant within the cap", Rule: "R-FUND-04", Check: func(f Facts) error {
		if f.GrantFen <= f.CapFen {
			return nil
		}
		var pr domain.Problems
		pr.Add("amountFen", "R-FUND-04",
			fmt.Sprintf("category %d is funded up to %s yuan; %s granted", f.Category, yuan(f.CapFen), yuan(f.GrantFen)),
			fmt.Sprintf("第%s类会议资助不超过%s元，资助%s元", zhNumber(f.Category), yuan(f.CapFen), yuan(f.GrantFen)))
		return pr.Err()
	}}
)

// editable are the states the institute may change and hand in from.
var editable = procedure.States(StatusDraft, StatusWithdrawn, StatusReturned)

// Flow is the application's procedure (seed 002): the institute's
// administrator drafts, submits to the bureau's call (gates: the call is
// open for the conference's year, the conference is approved) and may
// withdraw until the bureau decides; the bureau (the authority's part of
// an academy's tree) grants, rejects with a reason or returns it for
// revision (第八条, R-FUND-05).
var Flow = procedure.Procedure[Facts]{
	Name: "funding", Noun: "funding application", NounZh: "资助申请", Rule: "R-FUND-05", OwnerRule: "R-FUND-03",
	Steps: []procedure.Step[Facts]{
		{Level: procedure.Bureau, Awaits: "submitted", Approved: "granted", Rejected: "rejected", Returned: "returned",
			Gates: []procedure.Gate[Facts]{grantWithinRequest, grantWithinCap}},
	},
	Owner: map[procedure.Decision]procedure.Owner[Facts]{
		procedure.Edit:     {From: editable},
		procedure.Submit:   {From: editable, To: "submitted", Gates: []procedure.Gate[Facts]{callOpen, eligible, conferenceApproved}},
		procedure.Withdraw: {From: procedure.States(StatusSubmitted), To: "withdrawn"},
	},
	Label: procedure.Labels[Status],
}
