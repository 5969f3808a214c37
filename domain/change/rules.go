package change

import "github.com/econf/econf/domain/policy"

// Rules are the change request's parameters, part of the versioned policy
// (policy.Policy.Change, R-POL-01).
type Rules = policy.ChangeRules

// DefaultRules are the seed's values (000 §四): 2 months, once per
// conference.
func DefaultRules() Rules { return policy.DefaultChangeRules() }
