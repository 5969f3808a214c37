package commands

import "github.com/google/uuid"

// ChangeStream holds the change requests of the conference (declaration)
// with the given id (R-CHG-*).
func ChangeStream(declarationID uuid.UUID) string { return "change-" + declarationID.String() }

// SummaryStream holds the summary of the conference (R-SUM-*).
func SummaryStream(declarationID uuid.UUID) string { return "summary-" + declarationID.String() }

// DeadlineStream holds the deadline engine's facts about the conference
// and the applicant's NGO filing confirmation (R-SUM-02, R-DECL-05,
// R-DECL-11, R-CHG-02).
func DeadlineStream(declarationID uuid.UUID) string { return "deadline-" + declarationID.String() }
