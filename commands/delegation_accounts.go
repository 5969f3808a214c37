package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/internal/filestore"
)

// DisableNominee disables a nominee's account (禁用, R-DEL-08).
func (a *App) DisableNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd NomineeDecision) (Result, error) {
	return a.onDelegation(ctx, actor, meta, "DisableNominee", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.Disable(actor, cmd.NomineeID, a.clock.Now())
	})
}

// EnableNominee enables a disabled nominee's account (启用, R-DEL-08).
func (a *App) EnableNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd NomineeDecision) (Result, error) {
	return a.onDelegation(ctx, actor, meta, "EnableNominee", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.Enable(actor, cmd.NomineeID, a.clock.Now())
	})
}

// SetNomineeAttachments replaces a nominee's attachments (上传文件).
type SetNomineeAttachments struct {
	CongressID uuid.UUID               `json:"-"`
	NomineeID  uuid.UUID               `json:"-"`
	Files      []delegation.Attachment `json:"files"`
}

// SetNomineeAttachments records the files attached to a nominee: each an
// upload of the actor's of kind nominee_attachment as stored, or one the
// nominee has already (R-DEL-03).
func (a *App) SetNomineeAttachments(ctx context.Context, actor domain.Actor, meta Meta, cmd SetNomineeAttachments) (Result, error) {
	return a.onDelegation(ctx, actor, meta, "SetNomineeAttachments", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		held, _ := d.Nominee(cmd.NomineeID)
		if err := d.SetAttachments(actor, cmd.NomineeID, cmd.Files, a.clock.Now()); err != nil {
			return err
		}
		return a.checkAttachmentUploads(ctx, actor, held.Attachments, cmd.Files)
	})
}

func (a *App) checkAttachmentUploads(ctx context.Context, actor domain.Actor, held, files []delegation.Attachment) error {
	var pr domain.Problems
	for i, f := range files {
		if slices.Contains(held, f) {
			continue
		}
		path := fmt.Sprintf("files[%d]", i)
		if a.files == nil {
			pr.Add(path+".id", "R-DEL-03", "uploads are not available", "文件上传暂不可用")
			continue
		}
		st, err := a.files.Stat(ctx, f.ID)
		switch {
		case errors.Is(err, filestore.ErrNotFound), err == nil && st.OwnerID != actor.UserID:
			pr.Add(path+".id", "R-DEL-03", "no such upload of yours; upload the file first (kind nominee_attachment)", "未找到您上传的该文件，请先上传")
		case err != nil:
			return err
		case st.Kind != filestore.NomineeAttachment.Name:
			pr.Add(path+".id", "R-DEL-03", fmt.Sprintf("the upload is a %s, not a nominee_attachment", st.Kind), "该文件不是人选附件")
		case st.SHA256 != f.SHA256 || st.Size != f.Size || st.ContentType != f.ContentType:
			pr.Add(path+".sha256", "R-DEL-03", "does not match the stored upload (hash, size or type)", "与已上传文件的哈希、大小或类型不符")
		}
	}
	return pr.Err()
}

// ReviewNominees is the unit's batch review: one decision on a selection.
type ReviewNominees struct {
	CongressID uuid.UUID   `json:"-"`
	Decision   string      `json:"decision"` // approve or reject
	Nominees   []uuid.UUID `json:"nominees"`
	Reason     string      `json:"reason,omitempty" text:"multiline"`
}

// BatchItem is one nominee's result in a batch review.
type BatchItem struct {
	Nominee uuid.UUID         `json:"nominee"`
	Status  delegation.Status `json:"status"`
}

// BatchResult is what a batch review did: every nominee's new status.
type BatchResult struct {
	Result
	Results []BatchItem `json:"results"`
}

// ReviewNominees approves or rejects a selection of nominees in one
// request (批量审核, R-DEL-03), all or nothing: the delegation is one
// stream, so the decisions are one append at one version, retried and
// replayed as one command; a batch with any nominee that cannot be
// decided is refused whole, naming each such nominee, and writes nothing.
func (a *App) ReviewNominees(ctx context.Context, actor domain.Actor, meta Meta, cmd ReviewNominees) (BatchResult, error) {
	var dec procedure.Decision
	switch cmd.Decision {
	case "approve":
		dec = procedure.Approve
	case "reject":
		dec = procedure.Reject
	default:
		var pr domain.Problems
		pr.Add("decision", "R-DEL-03", "approve or reject", "须为approve（通过）或reject（驳回）")
		return BatchResult{}, pr.Err()
	}
	var out []BatchItem
	res, err := a.onDelegation(ctx, actor, meta, "ReviewNominees", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		if err := d.ReviewBatch(actor, cmd.Nominees, dec, cmd.Reason, a.clock.Now()); err != nil {
			return err
		}
		for _, id := range cmd.Nominees {
			n, _ := d.Nominee(id)
			out = append(out, BatchItem{Nominee: id, Status: n.Status})
		}
		return nil
	})
	if err != nil {
		return BatchResult{Result: res}, err
	}
	if out == nil { // a replay: the statuses as they are now
		v, err := a.Delegation(ctx, actor, cmd.CongressID, actor.OrgID)
		if err != nil {
			return BatchResult{Result: res}, err
		}
		for _, id := range cmd.Nominees {
			for _, n := range v.Nominees {
				if n.ID == id {
					out = append(out, BatchItem{Nominee: id, Status: n.Status})
				}
			}
		}
	}
	return BatchResult{Result: res, Results: out}, nil
}
