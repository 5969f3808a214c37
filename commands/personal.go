package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/personal"
)

// PersonStream holds the erasures of one person (PIPL).
func PersonStream(subject uuid.UUID) string { return "person-" + subject.String() }

// PersonErased is a platform admin's erasure of a person's personal data:
// who (the metadata), why (Reason) and what it took (counts only: the
// event holds nothing of the person but their id).
type PersonErased struct {
	Subject   uuid.UUID `json:"subject"`
	Reason    string    `json:"reason"`
	Fields    int       `json:"fields"`    // values of theirs in the events
	ClearText int       `json:"clearText"` // of which written in clear text before encryption
}

// EventType implements event.
func (PersonErased) EventType() string { return "person.erased" }

// The events this package defines itself, declared to the personal
// catalog beside the domain's (none holds a person's data; the sweep in
// internal/personal reads their fields).
func init() {
	personal.Register(ClockAdvanced{}, IncidentRecorded{}, PersonErased{}, PolicyPublished{})
}

// ErasePerson names the person by their id (an account's id) or by an
// email address (the person account.ID(email) names), and says why.
type ErasePerson struct {
	Subject uuid.UUID `json:"subject,omitzero"`
	Email   string    `json:"email,omitempty"`
	Reason  string    `json:"reason"`
}

// Erasure is what ErasePerson did.
type Erasure struct {
	Result
	Subject   uuid.UUID `json:"subject"`
	Fields    int       `json:"fields"`
	ClearText int       `json:"clearText"`
	Keys      int       `json:"keys"`  // data keys deleted
	Files     int       `json:"files"` // uploads of theirs deleted (content and description)
}

// personalData is a store that keeps personal fields encrypted
// (internal/personal.Store).
type personalData interface {
	Find(ctx context.Context, subject uuid.UUID) (personal.Findings, error)
	Erase(ctx context.Context, subject uuid.UUID, reason string, f personal.Findings) (int, error)
	Collect(ctx context.Context, subject uuid.UUID) ([]personal.Item, error)
}

// ErrNoPersonalData: the event store does not encrypt personal fields
// (no master key wired), so nothing can be erased or collected.
var ErrNoPersonalData = errors.New("personal data is not kept encrypted on this event store")

func (a *App) personalData() (personalData, error) {
	p, ok := a.store.(personalData)
	if !ok {
		return nil, ErrNoPersonalData
	}
	return p, nil
}

// maxReason bounds an erasure's reason.
const maxReason = 1000

// ErasePerson erases a person's personal data (PIPL): a platform admin's
// command, recorded as an event with the reason, after which their data
// keys and their uploaded files are deleted, so every encrypted value of theirs in the events reads
// as 已删除个人信息 (clear text written before encryption too, on
// reading), and their values leave the mails still queued. A person of
// whom nothing is known is ErrNotFound (personal.ErrUnknownPerson) and
// nothing is written. Read models keep what they hold until rebuilt: the
// caller rebuilds them. An account's person can no longer sign in.
func (a *App) ErasePerson(ctx context.Context, actor domain.Actor, meta Meta, cmd ErasePerson) (Erasure, error) {
	if actor.Role != domain.RolePlatformAdmin {
		return Erasure{}, fmt.Errorf("erase a person: %w", domain.ErrForbidden)
	}
	var p domain.Problems
	cmd.Reason = strings.TrimSpace(cmd.Reason)
	switch {
	case cmd.Reason == "":
		p.Add("reason", "SCHEMA", "say why the person's data is erased", "请填写删除个人信息的理由")
	case utf8.RuneCountInString(cmd.Reason) > maxReason:
		p.Add("reason", "SCHEMA", fmt.Sprintf("at most %d characters", maxReason), fmt.Sprintf("不超过%d个字符", maxReason))
	}
	email := strings.TrimSpace(cmd.Email)
	switch {
	case cmd.Subject == uuid.Nil && email == "":
		p.Add("subject", "SCHEMA", "name the person: subject (their id) or email", "请指明要删除的个人：subject（个人ID）或 email")
	case cmd.Subject != uuid.Nil && email != "":
		p.Add("email", "SCHEMA", "name the person by subject or by email, not both", "subject 与 email 只能填写一项")
	case email != "" && !strings.Contains(email, "@"):
		p.Add("email", "SCHEMA", "want an email address", "邮箱格式错误")
	}
	if err := p.Err(); err != nil {
		return Erasure{}, err
	}
	subject := cmd.Subject
	if email != "" {
		subject = account.ID(email)
	}
	return a.erase(ctx, actor, meta, "ErasePerson", subject, cmd.Reason)
}

// erase records a person's erasure (PersonErased on their person stream,
// as command) and deletes their data keys, their uploads that a record
// of theirs refers to (a nominee's photo and attachments), their
// sign-in and sessions. The caller checks who may.
func (a *App) erase(ctx context.Context, actor domain.Actor, meta Meta, command string, subject uuid.UUID, reason string) (Erasure, error) {
	pd, err := a.personalData()
	if err != nil {
		return Erasure{}, err
	}
	var found personal.Findings
	res, err := a.execute(ctx, actor, meta, command, PersonStream(subject), subject, func(l loaded) (decision, error) {
		var err error
		if found, err = pd.Find(ctx, subject); err != nil {
			switch {
			case errors.Is(err, personal.ErrUnknownPerson):
				return decision{}, fmt.Errorf("%w: %w", domain.ErrNotFound, err)
			case errors.Is(err, personal.ErrAlreadyErased):
				return decision{}, fmt.Errorf("%w: %w", domain.ErrConflict, err)
			}
			return decision{}, err
		}
		return decision{events: []event{PersonErased{Subject: subject, Reason: reason, Fields: len(found.Items), ClearText: found.ClearText()}}}, nil
	})
	if err != nil {
		return Erasure{}, err
	}
	out := Erasure{Result: res, Subject: subject, Fields: len(found.Items), ClearText: found.ClearText()}
	// Their uploads (photos, scans) go for good, first, so that a retry
	// finds them whatever the first run left; events keep only ids and
	// hashes, so the chains and the Merkle tree still verify.
	if out.Files, err = a.files.EraseOwner(ctx, subject); err != nil {
		return out, err
	}
	if res.Replayed {
		// The first run recorded it; delete whatever key it may have left.
		if found, err = pd.Find(ctx, subject); err != nil {
			return out, nil // nothing left of them
		}
	}
	files := uploadsIn(found.Items)
	if out.Keys, err = pd.Erase(ctx, subject, reason, found); err != nil {
		return out, err
	}
	if err := a.deleteUploads(ctx, files); err != nil {
		return out, err
	}
	if f, ok := a.creds.(interface {
		ForgetCredential(ctx context.Context, userID uuid.UUID) error
	}); ok {
		if err := f.ForgetCredential(ctx, subject); err != nil {
			return out, err
		}
	}
	if err := a.sessions.EndSessionsOf(ctx, subject); err != nil {
		return out, err
	}
	return out, nil
}

// uploadsIn are the uploads a person's values refer to: a nominee's
// photo (profile.photo.id) and attachments (files[].id), in every version
// written.
func uploadsIn(items []personal.Item) []uuid.UUID {
	var ids []uuid.UUID
	add := func(v any) {
		if m, ok := v.(map[string]any); ok {
			if s, ok := m["id"].(string); ok {
				if id, err := uuid.Parse(s); err == nil && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	for _, it := range items {
		if !strings.HasPrefix(it.Type, "delegation.") {
			continue
		}
		switch it.Field {
		case "profile":
			if m, ok := it.Value.(map[string]any); ok {
				add(m["photo"])
			}
		case "files":
			if l, ok := it.Value.([]any); ok {
				for _, f := range l {
					add(f)
				}
			}
		}
	}
	return ids
}

// deleteUploads removes uploads for good (one already gone is fine).
func (a *App) deleteUploads(ctx context.Context, ids []uuid.UUID) error {
	d, ok := a.files.(fileDeleter)
	if !ok {
		return nil
	}
	for _, id := range ids {
		if err := d.Delete(ctx, id); err != nil && !errors.Is(err, filestore.ErrNotFound) {
			return fmt.Errorf("delete upload %s: %w", id, err)
		}
	}
	return nil
}

// PersonalData is every personal value of subject stored in the events,
// in the order written: a person's download of their own data (the
// caller checks who may ask).
func (a *App) PersonalData(ctx context.Context, subject uuid.UUID) ([]personal.Item, error) {
	pd, err := a.personalData()
	if err != nil {
		return nil, err
	}
	return pd.Collect(ctx, subject)
}
