package commands_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/filestore"
)

// TestFundingPlanRacesGrant (R-FUND-05): the year's plan decision and a
// grant of its call run at the same moment, round after round, on real
// goroutines against one PostgreSQL store. The call's budget is below the
// grant, so a plan that counts the grant is refused (422 grantedFen), and
// no projection runs here, so the read model never lists the application:
// only the plan's own stream can tell the decision about the grant.
// Exactly one of the two succeeds in every round: the plan first refuses
// the grant (409 R-FUND-05); the grant first makes the plan refuse
// (still under review, or above the budget). Before the grant and the
// plan were one expected-version write, both succeeded in some rounds: a
// plan without the grant, and the grant after it.
func TestFundingPlanRacesGrant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, sh(2027, time.May, 10, 9, 0))
	a := newAcademy(t, f)
	scan, err := f.files.Put(ctx, filestore.FundingApproval, "批件.pdf", a.admin.UserID, strings.NewReader("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 12
	planWins, grantWins := 0, 0
	for i := range rounds {
		// One call a year: round i is the call for 2028+i, published in
		// May of the year before.
		f.clock.Set(sh(2027+i, time.May, 10, 9, 0))
		if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, commands.PublishFundingCall{BudgetFen: 1_000_00}); err != nil {
			t.Fatalf("round %d: publish: %v", i, err)
		}
		app := fundingApp(scan.ID)
		app.Conference.OpeningDate.Year, app.Conference.ClosingDate.Year = 2028+i, 2028+i
		res, err := f.app.DraftFunding(ctx, a.admin, commands.Meta{}, commands.DraftFunding{Application: app})
		if err != nil {
			t.Fatalf("round %d: draft: %v", i, err)
		}
		id := res.ID
		if _, err := f.app.SubmitFunding(ctx, a.admin, commands.Meta{}, commands.SubmitFunding{FundingID: id}); err != nil {
			t.Fatalf("round %d: submit: %v", i, err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		var planErr, grantErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, planErr = f.app.DecideFundingPlan(ctx, a.reviewer, commands.Meta{}, commands.DecideFundingPlan{Year: 2028 + i})
		}()
		go func() {
			defer wg.Done()
			<-start
			_, grantErr = f.app.GrantFunding(ctx, a.reviewer, commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: app.RequestedFen})
		}()
		close(start)
		wg.Wait()
		for _, err := range []error{planErr, grantErr} {
			if err != nil && !isState(err, "R-FUND-05") && !isField(err, "grantedFen", "R-FUND-05") {
				t.Fatalf("round %d: an answer other than R-FUND-05: %v", i, err)
			}
		}
		switch {
		case planErr == nil && grantErr == nil:
			t.Errorf("round %d: the plan and the grant both succeeded", i)
		case planErr != nil && grantErr != nil:
			t.Errorf("round %d: neither succeeded: plan %v; grant %v", i, planErr, grantErr)
		case planErr == nil:
			planWins++
		default:
			grantWins++
		}
		got, err := f.app.Funding(ctx, a.reviewer, id)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := f.app.DecidedFundingPlan(ctx, a.reviewer, a.bureau, 2028+i)
		if err != nil {
			t.Fatal(err)
		}
		if granted := got.Status == "granted"; granted == (plan.Decided != nil) {
			t.Errorf("round %d: application %s and plan decided %v", i, got.Status, plan.Decided != nil)
		}
	}
	t.Logf("%d rounds: the plan won %d, the grant %d", rounds, planWins, grantWins)
}

// isField reports whether err is a validation error at path with rule.
func isField(err error, path, rule string) bool {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, f := range ve.Fields {
		if f.Path == path && f.Rule == rule {
			return true
		}
	}
	return false
}
