package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/pdfdoc"
)

// DelegationStream holds one electing unit's nominees to one congress.
func DelegationStream(id uuid.UUID) string { return "delegation-" + id.String() }

var delegations = kind[*delegation.Delegation, delegation.Event]{"delegation", domain.KindDelegation, DelegationStream, delegation.New, delegation.Decode}

// electing is the congress as the unit's delegation sees it.
func (a *App) electing(ctx context.Context, congressID, unit uuid.UUID) (delegation.Electing, *congress.Congress, eventstore.Version, error) {
	l, err := a.load(ctx, CongressStream(congressID))
	if err != nil {
		return delegation.Electing{}, nil, 0, err
	}
	c, err := congresses.fold(congressID, l)
	if err != nil {
		return delegation.Electing{}, nil, 0, err
	}
	if len(l.events) == 0 || !c.Exists() {
		return delegation.Electing{}, nil, 0, fmt.Errorf("congress %s: %w", congressID, domain.ErrNotFound)
	}
	u, invited := c.Unit(unit)
	return delegation.Electing{Congress: congressID, Organiser: c.Organiser(), Unit: unit, ReferenceDate: c.ReferenceDate(),
		Allotment: u.Allotment, Invited: invited, UnitReported: u.Reported}, c, l.version, nil
}

// AddNominee is the unit putting a nominee forward (新增推荐代表).
type AddNominee struct {
	CongressID uuid.UUID `json:"-"`
	delegation.NewNominee
}

// AddNominee adds a nominee to the actor's unit's delegation, the quota
// checked at once (R-DEL-02). The nominee's id derives from the command id.
func (a *App) AddNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd AddNominee) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	var el delegation.Electing
	nominee := uuid.NewSHA1(meta.CommandID, []byte("nominee"))
	res, err := decideOn(ctx, a, actor, meta, "AddNominee", delegations, delegation.ID(cmd.CongressID, actor.OrgID),
		func(*delegation.Delegation, loaded) error {
			var err error
			el, _, _, err = a.electing(ctx, cmd.CongressID, actor.OrgID)
			if err == nil && !el.Invited {
				err = fmt.Errorf("congress %s: %w", cmd.CongressID, domain.ErrNotFound)
			}
			return err
		}, func(d *delegation.Delegation, p policy.Policy) error {
			if err := d.Add(actor, el, nominee, cmd.NewNominee, p, a.clock.Now()); err != nil {
				return err
			}
			return a.checkPhoto(ctx, actor, delegation.Photo{}, cmd.Profile.Photo)
		})
	res.ID = nominee
	return res, err
}

// NomineeDecision is the unit's initial review, revocation or
// deregistration of one nominee.
type NomineeDecision struct {
	CongressID uuid.UUID
	NomineeID  uuid.UUID
	Opinion    string
}

func (a *App) onDelegation(ctx context.Context, actor domain.Actor, meta Meta, command string, congressID uuid.UUID,
	decide func(d *delegation.Delegation, p policy.Policy) error) (Result, error) {
	id := delegation.ID(congressID, actor.OrgID)
	return onRecord(ctx, a, actor, meta, command, delegations, id, toReview, decide)
}

// ApproveNominee passes a nominee at the initial review (初审通过, R-DEL-03).
func (a *App) ApproveNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd NomineeDecision) (Result, error) {
	return a.onDelegation(ctx, actor, meta, "ApproveNominee", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.Review(actor, cmd.NomineeID, procedure.Approve, cmd.Opinion, a.clock.Now())
	})
}

// RejectNominee refuses a nominee at the initial review, with an opinion
// (R-DEL-03): the nominee goes back to the unit.
func (a *App) RejectNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd NomineeDecision) (Result, error) {
	return a.onDelegation(ctx, actor, meta, "RejectNominee", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.Review(actor, cmd.NomineeID, procedure.Reject, cmd.Opinion, a.clock.Now())
	})
}

// RevokeNominee takes back the initial review's decision (撤销, R-DEL-03).
func (a *App) RevokeNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd NomineeDecision) (Result, error) {
	return a.onDelegation(ctx, actor, meta, "RevokeNominee", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.Revoke(actor, cmd.NomineeID, a.clock.Now())
	})
}

// DeregisterNominee removes a nominee not yet reported (注销, R-DEL-08),
// and their personal data with them: the nominee's data keys are deleted
// (the person's erasure recorded on their person stream, as a platform
// admin's erasure is) and their photo and attachments with them; the
// history still verifies. A replay finishes an erasure left halfway.
func (a *App) DeregisterNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd NomineeDecision) (Result, error) {
	res, err := a.onDelegation(ctx, actor, meta, "DeregisterNominee", cmd.CongressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.Deregister(actor, cmd.NomineeID, a.clock.Now())
	})
	if err != nil {
		return res, err
	}
	emeta := Meta{CommandID: uuid.NewSHA1(meta.CommandID, []byte("erase")), CorrelationID: meta.CorrelationID}
	if meta.CommandID == uuid.Nil {
		emeta.CommandID = uuid.New()
	}
	_, err = a.erase(ctx, actor, emeta, "DeregisterNominee", cmd.NomineeID, "注销被推荐人 (R-DEL-08)")
	switch {
	case errors.Is(err, ErrNoPersonalData), errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrConflict):
		return res, nil // nothing encrypted of theirs to erase, or gone already
	case err != nil:
		return res, fmt.Errorf("deregister %s: erase their personal data: %w", cmd.NomineeID, err)
	}
	return res, nil
}

// ReportAll reports the unit's approved nominees to the organiser
// (全部上报, R-DEL-04), then fixes the unit's allotment in the congress.
func (a *App) ReportAll(ctx context.Context, actor domain.Actor, meta Meta, congressID uuid.UUID) (Result, error) {
	el, _, _, err := a.electing(ctx, congressID, actor.OrgID)
	if err != nil {
		return Result{}, err
	}
	res, err := a.onDelegation(ctx, actor, meta, "ReportAll", congressID, func(d *delegation.Delegation, _ policy.Policy) error {
		return d.ReportAll(actor, el.Allotment, a.clock.Now())
	})
	if err != nil {
		return res, err
	}
	// The congress follows: the unit's quotas are fixed from now on.
	cmeta := Meta{CommandID: uuid.NewSHA1(meta.CommandID, []byte("congress")), CorrelationID: meta.CorrelationID}
	_, err = decideOn(ctx, a, actor, cmeta, "ReportAll", congresses, congressID, func(*congress.Congress, loaded) error { return nil },
		func(c *congress.Congress, _ policy.Policy) error {
			if u, ok := c.Unit(actor.OrgID); ok && u.Reported {
				return nil
			}
			return c.MarkReported(actor.OrgID, a.clock.Now())
		})
	return res, err
}

// DelegationView is a unit's nominees with the quota view (fig. 2.8).
type DelegationView struct {
	Congress  uuid.UUID          `json:"congress"`
	Unit      uuid.UUID          `json:"unit"`
	Version   eventstore.Version `json:"version"`
	Reported  bool               `json:"reported"`
	Nominees  []NomineeView      `json:"nominees"`
	Quota     []delegation.Line  `json:"quota"`
	Allotment congress.Allotment `json:"allotment"`
}

// readDelegation folds a unit's delegation for an actor who may read it
// (404 otherwise), with the congress as it sees it and its scope.
func (a *App) readDelegation(ctx context.Context, actor domain.Actor, congressID, unit uuid.UUID) (*delegation.Delegation, delegation.Electing, eventstore.Version, domain.Scope, error) {
	el, _, _, err := a.electing(ctx, congressID, unit)
	if err != nil {
		return nil, el, 0, domain.Scope{}, err
	}
	id := delegation.ID(congressID, unit)
	l, err := a.load(ctx, DelegationStream(id))
	if err != nil {
		return nil, el, 0, domain.Scope{}, err
	}
	d, err := delegations.fold(id, l)
	if err != nil {
		return nil, el, 0, domain.Scope{}, err
	}
	scope := domain.Scope{Unit: unit, Authority: el.Organiser, AtAuthority: d.IsReported()}
	if !el.Invited || !domain.Allows(actor, domain.KindDelegation, domain.Read, scope) {
		return nil, el, 0, scope, fmt.Errorf("delegation of %s to congress %s: %w", unit, congressID, domain.ErrNotFound)
	}
	return d, el, l.version, scope, nil
}

// Delegation reads a unit's delegation: its administrators, the organiser
// once reported, auditors and analysts (R-ACT-02); the nominees' personal
// fields only for the unit and the organiser, the ID numbers masked.
func (a *App) Delegation(ctx context.Context, actor domain.Actor, congressID, unit uuid.UUID) (DelegationView, error) {
	return a.DelegationAt(ctx, actor, congressID, unit, Point{})
}

// DelegationAt is a unit's delegation as it stood at the Point at (a
// revision of its stream or a time), for whoever may read it as it is
// now; the congress (its reference date, the allotment) as it is now.
func (a *App) DelegationAt(ctx context.Context, actor domain.Actor, congressID, unit uuid.UUID, at Point) (DelegationView, error) {
	if err := at.Check(); err != nil {
		return DelegationView{}, err
	}
	d, el, version, scope, err := a.readDelegation(ctx, actor, congressID, unit)
	if err != nil {
		return DelegationView{}, err
	}
	if at.Revision != nil || at.AsOf != nil {
		id := delegation.ID(congressID, unit)
		l, err := a.load(ctx, DelegationStream(id))
		if err != nil {
			return DelegationView{}, err
		}
		cut, err := l.upTo(at, "delegation")
		if err != nil {
			return DelegationView{}, err
		}
		if d, err = delegations.fold(id, cut); err != nil {
			return DelegationView{}, err
		}
		version = cut.version
	}
	ns := []NomineeView{}
	for _, n := range d.Nominees() {
		ns = append(ns, viewNominee(actor, scope, n, el.ReferenceDate))
	}
	return DelegationView{Congress: congressID, Unit: unit, Version: version, Reported: d.IsReported(), Nominees: ns,
		Quota: d.Tally(el.Allotment), Allotment: el.Allotment}, nil
}

// EditNomineeCmd is the unit changing a nominee it holds.
type EditNomineeCmd struct {
	CongressID uuid.UUID `json:"-"`
	NomineeID  uuid.UUID `json:"-"`
	delegation.EditNominee
}

// EditNominee changes a nominee pending or refused; one the organiser
// refused is resubmitted to the final review (R-DEL-05).
func (a *App) EditNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd EditNomineeCmd) (Result, error) {
	el, _, _, err := a.electing(ctx, cmd.CongressID, actor.OrgID)
	if err != nil {
		return Result{}, err
	}
	return a.onDelegation(ctx, actor, meta, "EditNominee", cmd.CongressID, func(d *delegation.Delegation, p policy.Policy) error {
		held, _ := d.Nominee(cmd.NomineeID)
		if err := d.Edit(actor, el, cmd.NomineeID, cmd.EditNominee, p, a.clock.Now()); err != nil {
			return err
		}
		return a.checkPhoto(ctx, actor, held.Profile.Photo, cmd.Profile.Photo)
	})
}

// FinalDecision is the organiser's final review of one unit's nominee.
type FinalDecision struct {
	CongressID, UnitID, NomineeID uuid.UUID
	Opinion                       string
}

func (a *App) finalReview(ctx context.Context, actor domain.Actor, meta Meta, command string, cmd FinalDecision, approve bool) (Result, error) {
	return onRecord(ctx, a, actor, meta, command, delegations, delegation.ID(cmd.CongressID, cmd.UnitID), toReview,
		func(d *delegation.Delegation, _ policy.Policy) error {
			return d.FinalReview(actor, cmd.NomineeID, approve, cmd.Opinion, a.clock.Now())
		})
}

// FinalApproveNominee passes a reported nominee (终审审核通过, R-DEL-05).
func (a *App) FinalApproveNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd FinalDecision) (Result, error) {
	return a.finalReview(ctx, actor, meta, "FinalApproveNominee", cmd, true)
}

// FinalRejectNominee refuses a reported nominee with an opinion
// (终审审核不通过, R-DEL-05); the unit may edit and resubmit it.
func (a *App) FinalRejectNominee(ctx context.Context, actor domain.Actor, meta Meta, cmd FinalDecision) (Result, error) {
	return a.finalReview(ctx, actor, meta, "FinalRejectNominee", cmd, false)
}

// RegistrationForms are the registration forms (登记表, R-DEL-06) of a
// unit's nominees the actor may read: those named, or all of them. The
// personal fields are filled for the unit and the organiser (the ID number
// whole: the form is the one place it is not masked), left empty for
// anyone else.
func (a *App) RegistrationForms(ctx context.Context, actor domain.Actor, congressID, unit uuid.UUID, only []uuid.UUID) ([]pdfdoc.RegistrationFormData, error) {
	d, _, _, scope, err := a.readDelegation(ctx, actor, congressID, unit)
	if err != nil {
		return nil, err
	}
	l, err := a.load(ctx, CongressStream(congressID))
	if err != nil {
		return nil, err
	}
	c, err := congresses.fold(congressID, l)
	if err != nil {
		return nil, err
	}
	o, err := a.organisation(ctx, unit)
	if err != nil {
		return nil, err
	}
	personal := domain.Allows(actor, domain.KindNomineePersonal, domain.Read, scope)
	var out []pdfdoc.RegistrationFormData
	for _, n := range d.Nominees() {
		if len(only) > 0 && !slices.Contains(only, n.ID) {
			continue
		}
		f := pdfdoc.RegistrationFormData{Congress: c.Name(), Unit: o.NameZh(), Identity: n.Identity.Zh(), Status: n.Status.Zh(), Grassroots: n.Indicators.Grassroots}
		if personal {
			a.fillPersonal(ctx, &f, n)
		}
		out = append(out, f)
	}
	if len(only) > 0 && len(out) != len(only) {
		return nil, fmt.Errorf("registration forms: a nominee named is not the unit's: %w", domain.ErrNotFound)
	}
	return out, nil
}

// fillPersonal puts a nominee's personal fields on their form, the photo
// read from its upload.
func (a *App) fillPersonal(ctx context.Context, f *pdfdoc.RegistrationFormData, n delegation.Nominee) {
	p := n.Profile
	gender := map[string]string{"male": "男", "female": "女"}[p.Gender]
	edu := func(e delegation.Education) (string, string) {
		level := strings.TrimSpace(strings.Join([]string{e.Level, e.Degree}, " "))
		of := strings.TrimSpace(strings.Join([]string{e.School, e.Major}, " "))
		return level, of
	}
	posts := func(ps []delegation.Post) []string {
		var out []string
		for _, x := range ps {
			out = append(out, strings.TrimSpace(strings.Join([]string{x.Kind, x.Organisation, x.Role}, " ")))
		}
		return out
	}
	level := func(l string) string {
		if l == "" {
			return "否"
		}
		return l
	}
	staff := "否"
	if p.AssociationStaff {
		staff = "是"
	}
	f.Name, f.Gender, f.Ethnicity, f.Nationality, f.Affiliations = n.Name, gender, p.Ethnicity, p.Nationality, p.Affiliations
	if !n.BirthDate.IsZero() {
		f.BirthDate = n.BirthDate.String()
	}
	f.NativePlace, f.Birthplace = p.NativePlace.String(), p.Birthplace.String()
	if p.IDType != "" {
		f.IDType = delegation.IDTypeZh(p.IDType)
	}
	f.IDNumber = p.IDNumber
	f.FullTime, f.FullTimeOf = edu(p.FullTime)
	f.InService, f.InServiceOf = edu(p.InService)
	f.Mobile, f.Email = p.Mobile, p.Email
	f.Occupation = strings.TrimSpace(p.Occupation + " " + p.OccupationDetail)
	f.Discipline, f.Title, f.TitleLevel = p.Discipline, p.Title, p.TitleLevel
	if p.Gender != "" { // an erased nominee's details are all gone
		f.Academician, f.Staff, f.NPC, f.CPPCC = delegation.AcademicianZh(p.Academician), staff, level(p.NPC), level(p.CPPCC)
	}
	f.Employer = strings.TrimSpace(p.Employer + " " + p.Position)
	f.AcademicPost, f.PartyPost = posts(p.AcademicPosts), posts(p.PartyPosts)
	f.StaffKind, f.PreviousTerm, f.Resume = p.StaffCategory, p.PreviousTerm, p.Resume
	if o, ok := a.files.(fileOpener); ok && p.Photo.ID != uuid.Nil {
		if rc, st, err := o.Open(ctx, p.Photo.ID); err == nil {
			b, err := io.ReadAll(io.LimitReader(rc, filestore.NomineePhoto.MaxBytes))
			rc.Close()
			if err == nil {
				f.Photo, f.PhotoType = b, map[string]string{filestore.JPEG: "JPG", filestore.PNG: "PNG"}[st.ContentType]
			}
		}
	}
}

// A unit's delegation at a revision, for the approval log's "approved
// what?" (commands/revision.go): each nominee's identity, computed
// indicators, status, opinion and account state, and whether the unit has
// reported. The personal fields (name, birth date, the three pages'
// details, attachments) stay out, as they do for every reader not allowed
// them (viewNominee): the log's readers include auditors, and the record's
// own URL at that revision shows them to whoever may see them.
func init() {
	recordKinds["delegation"] = revisionKind{noun: "delegation", access: domain.KindDelegation, stream: DelegationStream,
		pathOf: func(id uuid.UUID, l loaded) (string, error) {
			d, err := delegations.fold(id, l)
			if err != nil {
				return "", err
			}
			return "/api/v1/congresses/" + d.Congress().String() + "/units/" + d.Unit().String() + "/delegation", nil
		},
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			d, err := delegations.fold(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			ns := []delegation.Nominee{}
			for _, n := range d.Nominees() {
				ns = append(ns, withoutPersonal(n))
			}
			return struct {
				Reported bool                 `json:"reported"`
				Nominees []delegation.Nominee `json:"nominees"`
			}{d.IsReported(), ns}, d.Scope(), nil
		}}
}
