package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/internal/filestore"
)

// FundingStream holds one conference funding application (seed 002).
func FundingStream(id uuid.UUID) string { return "funding-" + id.String() }

var fundings = kind[*funding.Funding, funding.Event]{"funding application", domain.KindFunding, FundingStream, funding.New, funding.Decode}

// institutePlace is the actor's institute, academy and bureau; zero when
// the actor's organisation is not an academy's institute.
func (a *App) institutePlace(ctx context.Context, actor domain.Actor) (funding.Place, error) {
	k, err := a.kindOf(ctx, actor.OrgID)
	if err != nil || k != org.Institute {
		return funding.Place{}, err
	}
	return funding.Place{Institute: actor.OrgID, Academy: actor.University, Bureau: actor.Authority}, nil
}

// checkFundingFiles refuses a reference to an upload that does not exist
// or is someone else's, unless the stored application refers to it
// already (a colleague of the institute uploaded it).
func (a *App) checkFundingFiles(ctx context.Context, actor domain.Actor, app funding.Application, stored funding.Application) error {
	known := map[uuid.UUID]bool{stored.Approval.ScanFileID: true}
	for _, id := range stored.Statements.Proof {
		known[id] = true
	}
	type ref struct {
		path, rule string
		id         uuid.UUID
	}
	refs := []ref{{"approval.scanFileId", "R-FUND-02", app.Approval.ScanFileID}}
	for i, id := range app.Statements.Proof {
		refs = append(refs, ref{fmt.Sprintf("statements.proof[%d]", i), "R-FUND-07", id})
	}
	var pr domain.Problems
	for _, r := range refs {
		if r.id == uuid.Nil || known[r.id] {
			continue
		}
		if a.files == nil {
			pr.Add(r.path, r.rule, "uploads are not available on this server", "本服务器未启用文件上传")
			continue
		}
		f, err := a.files.Stat(ctx, r.id)
		switch {
		case errors.Is(err, filestore.ErrNotFound), err == nil && f.OwnerID != actor.UserID:
			pr.Add(r.path, r.rule, "no such upload of yours; upload the file first", "未找到您上传的该文件，请先上传")
		case err != nil:
			return err
		}
	}
	return pr.Err()
}

// conferenceApproval says why the application's conference is not
// approved (R-FUND-02), in English and Chinese, "" when it is: an approval
// document was checked with the application; a declaration in econf must
// be one the authority approved.
func (a *App) conferenceApproval(ctx context.Context, app funding.Application) (en, zh string, err error) {
	if !app.Approval.InEconf() {
		return "", "", nil
	}
	id := app.Approval.DeclarationID
	l, err := a.load(ctx, DeclarationStream(id))
	if err != nil {
		return "", "", err
	}
	d, err := foldDeclaration(id, l)
	if err != nil {
		return "", "", err
	}
	if len(l.events) == 0 || !d.Exists() {
		return fmt.Sprintf("no declaration %s", id), fmt.Sprintf("不存在申报 %s", id), nil
	}
	if s := d.Status(); s != declaration.StatusAuthorityApproved {
		return fmt.Sprintf("declaration %s is %s, not approved by the authority", id, s),
			fmt.Sprintf("申报 %s 当前状态为“%s”，未经上级主管部门批准", id, s.Zh()), nil
	}
	return "", "", nil
}
