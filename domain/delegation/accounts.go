package delegation

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// A nominee's account disabled and enabled (禁用、启用, R-DEL-08), their
// attachments (上传文件), and the unit's batch review (批量审核, R-DEL-03).

// Attachment is a file attached to a nominee: an upload of the unit's of
// kind nominee_attachment, referred to as stored.
type Attachment struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name,omitempty"`
	ContentType string    `json:"contentType,omitempty"`
	Size        int64     `json:"size,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
}

// MaxAttachments bounds a nominee's attachments.
const MaxAttachments = 10

func (d *Delegation) held(by domain.Actor, id uuid.UUID, what string) (Nominee, error) {
	n, ok := d.Nominee(id)
	if !ok {
		return Nominee{}, fmt.Errorf("nominee %s: %w", id, domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, d.unit, what); err != nil {
		return Nominee{}, err
	}
	return n, nil
}

func disabledError(n Nominee, action string) error {
	return &domain.StateError{Rule: "R-DEL-08", Status: string(n.Status), Action: action,
		Message: "the nominee's account is disabled; enable it first", Zh: "该人选账号已禁用，请先启用"}
}

func (d *Delegation) setDisabled(by domain.Actor, id uuid.UUID, disabled bool, now time.Time) error {
	action := map[bool]string{true: "disable", false: "enable"}[disabled]
	n, err := d.held(by, id, action)
	if err != nil {
		return err
	}
	switch {
	case n.Status == Reported || n.Status == FinalApproved || n.Status == FinalRejected:
		return &domain.StateError{Rule: "R-DEL-08", Status: string(n.Status), Action: action,
			Message: "a reported nominee's account is the organiser's to decide on", Zh: "已上报的人选账号不可禁用或启用"}
	case n.Disabled == disabled:
		zh := map[bool]string{true: "该人选账号已禁用", false: "该人选账号已启用"}[disabled]
		return &domain.StateError{Rule: "R-DEL-08", Status: string(n.Status), Action: action,
			Message: fmt.Sprintf("the nominee's account is %sd already", action), Zh: zh}
	}
	if disabled {
		d.record(NomineeDisabled{Nominee: id, By: by.UserID, At: now})
	} else {
		d.record(NomineeEnabled{Nominee: id, By: by.UserID, At: now})
	}
	return nil
}

// Disable disables a nominee's account (禁用, R-DEL-08) before the unit
// reports: while disabled the nominee is not reviewed, edited or given
// attachments, and the unit may not report all; it keeps its seat until
// enabled again or deregistered.
func (d *Delegation) Disable(by domain.Actor, id uuid.UUID, now time.Time) error {
	return d.setDisabled(by, id, true, now)
}

// Enable enables a disabled nominee's account again (启用, R-DEL-08).
func (d *Delegation) Enable(by domain.Actor, id uuid.UUID, now time.Time) error {
	return d.setDisabled(by, id, false, now)
}

// SetAttachments replaces a nominee's attachments (R-DEL-03: the unit's
// material for the review) while the unit holds the nominee; the uploads
// themselves are checked by the caller.
func (d *Delegation) SetAttachments(by domain.Actor, id uuid.UUID, files []Attachment, now time.Time) error {
	n, err := d.held(by, id, "attach files")
	if err != nil {
		return err
	}
	if n.Disabled {
		return disabledError(n, "attach files")
	}
	if n.Status == Reported || n.Status == FinalApproved {
		return &domain.StateError{Rule: "R-DEL-05", Status: string(n.Status), Action: "attach files",
			Message: fmt.Sprintf("a reported nominee's files are not the unit's to change; it is %s", n.Status),
			Zh:      fmt.Sprintf("已上报的人选不可修改附件，当前状态为“%s”", n.Status.Zh())}
	}
	var pr domain.Problems
	if len(files) > MaxAttachments {
		pr.Add("files", "R-DEL-03", fmt.Sprintf("at most %d files", MaxAttachments), fmt.Sprintf("附件至多%d个", MaxAttachments))
	}
	var seen []uuid.UUID
	for i, f := range files {
		switch {
		case f.ID == uuid.Nil:
			pr.Add(fmt.Sprintf("files[%d].id", i), "R-DEL-03", "upload the file first and give its id", "请先上传文件")
		case slices.Contains(seen, f.ID):
			pr.Add(fmt.Sprintf("files[%d].id", i), "R-DEL-03", "listed twice", "文件重复")
		}
		seen = append(seen, f.ID)
	}
	if err := pr.Err(); err != nil {
		return err
	}
	d.record(NomineeAttachmentsSet{Nominee: id, Files: slices.Clone(files), By: by.UserID, At: now})
	return nil
}

// MaxBatch bounds a batch review.
const MaxBatch = 200

// ReviewBatch is the unit's initial review of a selection of nominees in
// one decision (批量审核, R-DEL-03): all of them or none. Every nominee is
// checked as a single review would be; when any one cannot be decided the
// whole batch is refused, each such nominee named at nominees[i] with its
// rule, and nothing is recorded.
func (d *Delegation) ReviewBatch(by domain.Actor, ids []uuid.UUID, dec procedure.Decision, opinion string, now time.Time) (err error) {
	if err := d.unitAdmin(by, d.unit, "review nominees"); err != nil {
		return err
	}
	var pr domain.Problems
	switch {
	case len(ids) == 0:
		pr.Add("nominees", "R-DEL-03", "select at least one nominee", "请至少选择一位人选")
	case len(ids) > MaxBatch:
		pr.Add("nominees", "R-DEL-03", fmt.Sprintf("at most %d nominees at once", MaxBatch), fmt.Sprintf("一次至多审核%d位人选", MaxBatch))
	}
	if dec == procedure.Reject && strings.TrimSpace(opinion) == "" {
		pr.Add("reason", "R-DEL-03", "a rejection needs an opinion", "驳回须填写意见")
	}
	if err := pr.Err(); err != nil {
		return err
	}
	// Each nominee is decided as a single review would be; a refusal puts
	// the roster and the recorded events back as they were, so a refused
	// batch leaves the aggregate untouched, not only the store.
	nominees, recorded := slices.Clone(d.nominees), len(d.pending)
	defer func() {
		if err != nil {
			d.nominees, d.pending = nominees, slices.Clone(d.pending[:recorded])
		}
	}()
	for i, id := range ids {
		path := fmt.Sprintf("nominees[%d]", i)
		if slices.Contains(ids[:i], id) {
			pr.Add(path, "R-DEL-03", "listed twice", "人选重复")
			continue
		}
		err = d.Review(by, id, dec, opinion, now)
		var se *domain.StateError
		var ve *domain.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &se):
			pr.Add(path, se.Rule, se.Message, se.Zh)
		case errors.Is(err, domain.ErrNotFound):
			pr.Add(path, "R-DEL-03", "no such nominee of the unit's", "本单位无此人选")
		case errors.As(err, &ve):
			pr.Merge(path, err)
		default:
			return err
		}
	}
	return pr.Err()
}
