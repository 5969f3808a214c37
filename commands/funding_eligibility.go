package commands

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// InstituteEligibility is one institute's eligibility in the bureau's
// list: whether it may apply to the call today, why not and until when
// (R-FUND-06, R-FUND-08), with its names.
type InstituteEligibility struct {
	Eligibility
	InstituteName string `json:"instituteName"`
	AcademyName   string `json:"academyName"`
}

// FundingEligibilities is the eligibility of every institute the actor
// may see for the call for year, by the institutes' names: a bureau's
// reviewers every institute of its academies, an institute's
// administrators their own, auditors and analysts every one. The read
// model lists the institutes; each one's eligibility comes from its
// streams, as InstituteEligibility's does.
func (a *App) FundingEligibilities(ctx context.Context, actor domain.Actor, year int) ([]InstituteEligibility, error) {
	ix, err := a.fundingIndex()
	if err != nil {
		return nil, err
	}
	p, err := a.policies.Current(ctx)
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	switch actor.Role {
	case domain.RoleAuthorityReviewer:
		ids, err = ix.Institutes(ctx, actor.OrgID)
	case domain.RoleUnitAdmin:
		ids = []uuid.UUID{actor.OrgID}
	case domain.RoleAuditor, domain.RoleAnalyst:
		ids, err = ix.Institutes(ctx, uuid.Nil)
	}
	if err != nil {
		return nil, err
	}
	out := []InstituteEligibility{}
	names := map[uuid.UUID]string{}
	for _, id := range ids {
		o, err := a.organisation(ctx, id)
		if err != nil {
			return nil, err
		}
		place, err := a.institute(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue // not an institute (a unit admin of a university's unit): none
		}
		if err != nil {
			return nil, err
		}
		sc := domain.Scope{Unit: place.Institute, University: place.Academy, Authority: place.Bureau, AtAuthority: true}
		if !domain.Allows(actor, domain.KindFunding, domain.Read, sc) {
			continue
		}
		e, err := a.eligibility(ctx, id, year, p)
		if err != nil {
			return nil, err
		}
		if _, ok := names[place.Academy]; !ok {
			ac, err := a.organisation(ctx, place.Academy)
			if err != nil {
				return nil, err
			}
			names[place.Academy] = ac.NameZh()
		}
		out = append(out, InstituteEligibility{Eligibility: e, InstituteName: o.NameZh(), AcademyName: names[place.Academy]})
	}
	return out, nil
}
