package change

import (
	"fmt"

	"github.com/econf/econf/domain"
)

// Rules are the change request's parameters that policy.Policy does not
// hold yet; they are meant to be folded into it (R-POL-01), hence the JSON
// names.
type Rules struct {
	// LeadMonths: a change is requested on or before the original start
	// date minus this many calendar months (R-CHG-02).
	LeadMonths int `json:"leadMonths"`
	// MaxRequests is how many change requests a conference may make in
	// all, rejected ones included (R-CHG-03).
	MaxRequests int `json:"maxRequests"`
	// DescriptionMax bounds the description (变更说明), in characters
	// (R-CHG-04).
	DescriptionMax int `json:"descriptionMax"`
}

// DefaultRules are the seed's values (000 §四): 2 months, once per
// conference.
func DefaultRules() Rules {
	return Rules{LeadMonths: 2, MaxRequests: 1, DescriptionMax: 2000}
}

// Validate checks that the rules can be applied; every problem is reported
// at once as a *domain.ValidationError.
func (r Rules) Validate() error {
	var pr domain.Problems
	atLeast := func(path string, v, min int) {
		if v < min {
			pr.Add(path, "R-POL-01", fmt.Sprintf("must be at least %d", min), fmt.Sprintf("不得小于%d", min))
		}
	}
	atLeast("leadMonths", r.LeadMonths, 0)
	atLeast("maxRequests", r.MaxRequests, 1)
	atLeast("descriptionMax", r.DescriptionMax, 1)
	return pr.Err()
}
