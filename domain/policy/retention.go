package policy

import "github.com/econf/econf/domain"

// RetentionRules say how long personal data is kept (PIPL) where no one
// needs it any more; econf personal retention applies them (docs/operations.md).
type RetentionRules struct {
	// ClosedRecordMonths: the people a forecast or declaration names
	// (applicant block, contacts, key persons) who hold no account and
	// appear in no other record are erased this many calendar months after
	// the record was rejected or withdrawn. 0 keeps them.
	ClosedRecordMonths int `json:"closedRecordMonths"`
}

// maxRetentionMonths bounds a retention period (a century).
const maxRetentionMonths = 1200

func (r RetentionRules) validate(pr *domain.Problems) {
	if r.ClosedRecordMonths < 0 || r.ClosedRecordMonths > maxRetentionMonths {
		pr.Add("retention.closedRecordMonths", "R-POL-01", "must be between 0 (keep) and 1200 months", "须在0（不删除）至1200个月之间")
	}
}
