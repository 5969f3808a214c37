package commands

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/internal/filestore"
)

// checkUpload refuses a reference to an upload that does not exist or is
// someone else's, unless the record refers to it already (known).
func (a *App) checkUpload(ctx context.Context, actor domain.Actor, path, rule string, id, known uuid.UUID) error {
	if id == uuid.Nil || id == known {
		return nil
	}
	var pr domain.Problems
	if a.files == nil {
		pr.Add(path, rule, "uploads are not available on this server", "本服务器未启用文件上传")
		return pr.Err()
	}
	f, err := a.files.Stat(ctx, id)
	switch {
	case errors.Is(err, filestore.ErrNotFound), err == nil && f.OwnerID != actor.UserID:
		pr.Add(path, rule, "no such upload of yours; upload the file first", "未找到您上传的该文件，请先上传")
		return pr.Err()
	case err != nil:
		return err
	}
	return nil
}

// SignNominationList is the scan of the signed and sealed list (part 9).
type SignNominationList struct {
	NominationID uuid.UUID `json:"-"`
	ScanFileID   uuid.UUID `json:"scanFileId"`
}

// SignNominationList records the scan: the actor's upload.
func (a *App) SignNominationList(ctx context.Context, actor domain.Actor, meta Meta, cmd SignNominationList) (Result, error) {
	return onNomination(ctx, a, actor, meta, "SignNominationList", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, _ policy.Policy) error {
		if err := a.checkUpload(ctx, actor, "scanFileId", "R-NOM-04", cmd.ScanFileID, f.SignedList()); err != nil {
			return err
		}
		return f.SignList(actor, cmd.ScanFileID, a.clock.Now())
	})
}

// SubmitNomination hands a unit's list in to the organiser.
type SubmitNomination struct {
	NominationID uuid.UUID `json:"-"`
}

// SubmitNomination records the submission (part 9): before the cycle's
// deadline, with its scheme, committee, opinion and signed scan, within
// every quota (R-NOM-03, R-NOM-04).
func (a *App) SubmitNomination(ctx context.Context, actor domain.Actor, meta Meta, cmd SubmitNomination) (Result, error) {
	return onNomination(ctx, a, actor, meta, "SubmitNomination", cmd.NominationID, func(f *nomination.File, c *nomination.Cycle, p policy.Policy) error {
		return f.Submit(actor, c, p, a.clock.Now())
	})
}

// ReturnNomination is the organiser sending a list back with a reason.
type ReturnNomination struct {
	NominationID uuid.UUID `json:"-"`
	Reason       string    `json:"reason"`
}

// ReturnNomination records the return (the organiser's staff, a submitted
// file).
func (a *App) ReturnNomination(ctx context.Context, actor domain.Actor, meta Meta, cmd ReturnNomination) (Result, error) {
	return review(ctx, a, actor, meta, "ReturnNomination", nominationFiles, cmd.NominationID, procedure.Return, "", cmd.Reason)
}
