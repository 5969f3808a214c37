package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/internal/filestore"
)

// ownUploads refuses ids that are not uploads of the actor (the evidence
// and reports of a funded conference).
func (a *App) ownUploads(ctx context.Context, actor domain.Actor, path, rule string, ids []uuid.UUID) error {
	var pr domain.Problems
	for i, id := range ids {
		if id == uuid.Nil {
			continue
		}
		f, err := a.files.Stat(ctx, id)
		switch {
		case errors.Is(err, filestore.ErrNotFound), err == nil && f.OwnerID != actor.UserID:
			pr.Add(fmt.Sprintf("%s[%d]", path, i), rule, "no such upload of yours; upload the file first", "未找到您上传的该文件，请先上传")
		case err != nil:
			return err
		}
	}
	return pr.Err()
}

// AcknowledgeFunder records that the funded conference acknowledges the
// funder in its materials, with uploaded evidence (R-FUND-05).
type AcknowledgeFunder struct {
	FundingID uuid.UUID   `json:"-"`
	Evidence  []uuid.UUID `json:"evidence"`
	Note      string      `json:"note" text:"multiline"`
}

// AcknowledgeFunder records it for the institute's administrator.
func (a *App) AcknowledgeFunder(ctx context.Context, actor domain.Actor, meta Meta, cmd AcknowledgeFunder) (Result, error) {
	return onRecord(ctx, a, actor, meta, "AcknowledgeFunder", fundings, cmd.FundingID, toRead, func(f *funding.Funding, p policy.Policy) error {
		if err := f.Acknowledge(actor, cmd.Evidence, cmd.Note, p.Text, a.clock.Now()); err != nil {
			return err
		}
		return a.ownUploads(ctx, actor, "evidence", "R-FUND-05", cmd.Evidence)
	})
}

// FundingReport is a progress report (R-FUND-09) or the summary report
// (R-FUND-06) of a funded conference: its text and uploaded files.
type FundingReport struct {
	FundingID uuid.UUID   `json:"-"`
	Text      string      `json:"text" text:"multiline"`
	Files     []uuid.UUID `json:"files"`
}

// ReportFundingProgress records a progress report while the conference is
// prepared (R-FUND-09).
func (a *App) ReportFundingProgress(ctx context.Context, actor domain.Actor, meta Meta, cmd FundingReport) (Result, error) {
	return onRecord(ctx, a, actor, meta, "ReportFundingProgress", fundings, cmd.FundingID, toRead, func(f *funding.Funding, p policy.Policy) error {
		if err := f.ReportProgress(actor, cmd.Text, cmd.Files, p.Text, a.clock.Now()); err != nil {
			return err
		}
		return a.ownUploads(ctx, actor, "files", "R-FUND-09", cmd.Files)
	})
}

// FileFundingSummary records the summary report once the conference ended
// (R-FUND-06), late after its due day.
func (a *App) FileFundingSummary(ctx context.Context, actor domain.Actor, meta Meta, cmd FundingReport) (Result, error) {
	return onRecord(ctx, a, actor, meta, "FileFundingSummary", fundings, cmd.FundingID, toRead, func(f *funding.Funding, p policy.Policy) error {
		if err := f.FileSummary(actor, cmd.Text, cmd.Files, p, a.clock.Now()); err != nil {
			return err
		}
		return a.ownUploads(ctx, actor, "files", "R-FUND-09", cmd.Files)
	})
}

// ClawBackFunding is the bureau's clawback of a grant for misuse
// (R-FUND-08), in fen, with its reason and an optional period during which
// the institute may not apply.
type ClawBackFunding struct {
	FundingID uuid.UUID      `json:"-"`
	AmountFen int64          `json:"amountFen"`
	Reason    string         `json:"reason" text:"multiline"`
	Period    funding.Period `json:"period,omitzero"`
}

// ClawBackFunding records the clawback on the institute's standing; the
// application, read from its stream, must be visible to the reviewer.
func (a *App) ClawBackFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd ClawBackFunding) (Result, error) {
	f, err := a.readFunding(ctx, cmd.FundingID)
	if err != nil {
		return Result{}, err
	}
	if err := authorise(actor, domain.KindFunding, fmt.Sprintf("funding application %s", cmd.FundingID), f.Exists(), f.Scope(), toReview); err != nil {
		return Result{}, err
	}
	inst := f.Place().Institute
	res, err := decideOn(ctx, a, actor, meta, "ClawBackFunding", standings, inst, func(*funding.Standing, loaded) error { return nil },
		func(s *funding.Standing, p policy.Policy) error {
			return s.ClawBack(actor, f, cmd.AmountFen, cmd.Reason, cmd.Period, p.Text, a.clock.Now())
		})
	res.ID = inst
	return res, err
}

// SuspendInstitute is the bureau's suspension of an institute's
// applications for a period, with its reason (R-FUND-08).
type SuspendInstitute struct {
	Institute uuid.UUID      `json:"-"`
	Reason    string         `json:"reason" text:"multiline"`
	Period    funding.Period `json:"period"`
}

// SuspendInstitute records it on the institute's standing.
func (a *App) SuspendInstitute(ctx context.Context, actor domain.Actor, meta Meta, cmd SuspendInstitute) (Result, error) {
	place, err := a.institute(ctx, cmd.Institute)
	if err != nil {
		return Result{}, err
	}
	sc := domain.Scope{Unit: place.Institute, University: place.Academy, Authority: place.Bureau, AtAuthority: true}
	if err := authorise(actor, domain.KindFunding, fmt.Sprintf("institute %s", cmd.Institute), true, sc, toReview); err != nil {
		return Result{}, err
	}
	return decideOn(ctx, a, actor, meta, "SuspendInstitute", standings, cmd.Institute, func(*funding.Standing, loaded) error { return nil },
		func(s *funding.Standing, p policy.Policy) error {
			return s.Suspend(actor, place, cmd.Reason, cmd.Period, p.Text, a.clock.Now())
		})
}

// ReferInstitute is the bureau's referral of an institute's case to the
// department To for further handling, with its reason (第十二条: 移交相关
// 部门进一步处理, R-FUND-08).
type ReferInstitute struct {
	Institute uuid.UUID `json:"-"`
	To        string    `json:"to"`
	Reason    string    `json:"reason" text:"multiline"`
}

// ReferInstitute records it on the institute's standing.
func (a *App) ReferInstitute(ctx context.Context, actor domain.Actor, meta Meta, cmd ReferInstitute) (Result, error) {
	place, err := a.institute(ctx, cmd.Institute)
	if err != nil {
		return Result{}, err
	}
	sc := domain.Scope{Unit: place.Institute, University: place.Academy, Authority: place.Bureau, AtAuthority: true}
	if err := authorise(actor, domain.KindFunding, fmt.Sprintf("institute %s", cmd.Institute), true, sc, toReview); err != nil {
		return Result{}, err
	}
	return decideOn(ctx, a, actor, meta, "ReferInstitute", standings, cmd.Institute, func(*funding.Standing, loaded) error { return nil },
		func(s *funding.Standing, p policy.Policy) error {
			return s.Refer(actor, place, cmd.To, cmd.Reason, p.Text, a.clock.Now())
		})
}
