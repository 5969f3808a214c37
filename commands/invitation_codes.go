package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
)

// IssueInvitationCodes is the organiser's list of recommending units and
// their codes, shaped like seed 003's attachment 3 (category, number,
// name, code); from JSON or an imported spreadsheet.
type IssueInvitationCodes struct {
	Codes []nomination.CodeRow `json:"codes"`
}

// IssuedCodes are the units issued a code by one command.
type IssuedCodes struct {
	Result
	Issued []nomination.Entry `json:"issued"`
}

// IssueInvitationCodes records the codes all at once or none (R-NOM-01)
// and registers every unit listed as a recommending unit under the
// actor's association (its kind from its category).
func (a *App) IssueInvitationCodes(ctx context.Context, actor domain.Actor, meta Meta, cmd IssueInvitationCodes) (IssuedCodes, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return IssuedCodes{}, err
	}
	assoc, err := a.isAssociation(ctx, actor)
	if err != nil {
		return IssuedCodes{}, err
	}
	var issued []nomination.Entry
	res, err := a.execute(ctx, actor, meta, "IssueInvitationCodes", InvitationCodeStream, nomination.RegistryID, func(l loaded) (decision, error) {
		r, err := foldRegistry(l)
		if err != nil {
			return decision{}, err
		}
		if issued, err = r.Issue(actor, assoc, cmd.Codes, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(r.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return IssuedCodes{}, err
	}
	// Also on a replay or a re-import: a crash between the registry and
	// the units must not leave a code without its unit.
	for _, row := range cmd.Codes {
		e := nomination.Entry{Association: actor.OrgID, Unit: nomination.UnitID(actor.OrgID, row.Name), Kind: nomination.KindOf(row.Category), Name: row.Name}
		if err := a.ensureRecommendingUnit(ctx, actor, e, pol); err != nil {
			return IssuedCodes{}, err
		}
	}
	return IssuedCodes{Result: res, Issued: issued}, nil
}

// ensureRecommendingUnit creates the unit's organisation under its
// association unless it exists.
func (a *App) ensureRecommendingUnit(ctx context.Context, actor domain.Actor, e nomination.Entry, pol policy.Policy) error {
	meta := Meta{CommandID: uuid.NewSHA1(e.Unit, []byte("recommending-unit"))}
	_, err := a.execute(ctx, actor, meta, "RegisterRecommendingUnit", OrgStream(e.Unit), e.Unit, func(l loaded) (decision, error) {
		o, err := foldOrg(e.Unit, l)
		if err != nil || o.Exists() {
			return decision{}, err
		}
		if err := o.Create(actor, org.Spec{Kind: e.Kind, NameZh: e.Name, ParentID: e.Association}, org.Association, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(o.Pending()), policy: pol.Version}, nil
	})
	return err
}

// RevokeInvitationCode voids a unit's code.
type RevokeInvitationCode struct {
	Unit   uuid.UUID `json:"-"`
	Reason string    `json:"reason,omitempty"`
}

// RevokeInvitationCode records the revocation: the code is never valid
// again (R-NOM-01).
func (a *App) RevokeInvitationCode(ctx context.Context, actor domain.Actor, meta Meta, cmd RevokeInvitationCode) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	assoc, err := a.isAssociation(ctx, actor)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, "RevokeInvitationCode", InvitationCodeStream, nomination.RegistryID, func(l loaded) (decision, error) {
		r, err := foldRegistry(l)
		if err != nil {
			return decision{}, err
		}
		if err := r.Revoke(actor, assoc, cmd.Unit, cmd.Reason, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(r.Pending()), policy: pol.Version}, nil
	})
}

// ReissueInvitationCode gives a unit a new code; without one, a six-digit
// code never issued before is drawn.
type ReissueInvitationCode struct {
	Unit uuid.UUID `json:"-"`
	Code string    `json:"code,omitempty"`
}

// ReissuedCode is the unit's new code.
type ReissuedCode struct {
	Result
	Entry nomination.Entry `json:"entry"`
}

// ReissueInvitationCode revokes the unit's code and issues the new one
// (R-NOM-01).
func (a *App) ReissueInvitationCode(ctx context.Context, actor domain.Actor, meta Meta, cmd ReissueInvitationCode) (ReissuedCode, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return ReissuedCode{}, err
	}
	assoc, err := a.isAssociation(ctx, actor)
	if err != nil {
		return ReissuedCode{}, err
	}
	var entry nomination.Entry
	res, err := a.execute(ctx, actor, meta, "ReissueInvitationCode", InvitationCodeStream, nomination.RegistryID, func(l loaded) (decision, error) {
		r, err := foldRegistry(l)
		if err != nil {
			return decision{}, err
		}
		code := cmd.Code
		if code == "" {
			if code, err = newInvitationCode(r); err != nil {
				return decision{}, err
			}
		}
		if entry, err = r.Reissue(actor, assoc, cmd.Unit, code, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(r.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return ReissuedCode{}, err
	}
	if res.Replayed {
		r, err := a.readRegistry(ctx)
		if err != nil {
			return ReissuedCode{}, err
		}
		entry, _ = r.Entry(cmd.Unit)
	}
	return ReissuedCode{Result: res, Entry: entry}, nil
}

// InvitationCodes lists the actor's association's units and codes: its
// staff only.
func (a *App) InvitationCodes(ctx context.Context, actor domain.Actor) ([]nomination.Entry, error) {
	assoc, err := a.isAssociation(ctx, actor)
	if err != nil {
		return nil, err
	}
	if actor.Role != domain.RoleAuthorityReviewer || !assoc {
		return nil, domain.ErrForbidden
	}
	r, err := a.readRegistry(ctx)
	if err != nil {
		return nil, err
	}
	out := r.Entries(actor.OrgID)
	if out == nil {
		out = []nomination.Entry{}
	}
	return out, nil
}
