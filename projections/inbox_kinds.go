package projections

import (
	"fmt"
	"slices"

	"github.com/econf/econf/internal/mail"
)

// inboxKinds are the kinds of notice the inbox holds, in the order the
// OpenAPI document lists them (Notification.kind); deliverNotice refuses
// any other, so a new kind cannot reach the inbox unannounced.
var inboxKinds = []mail.Template{
	mail.ForecastApprovedUnit, mail.ForecastApprovedSchool, mail.ForecastApprovedAuthority, mail.ForecastRejected,
	mail.DeclarationApprovedUnit, mail.DeclarationApprovedSchool, mail.DeclarationApprovedAuthority, mail.DeclarationRejected,
	changeRequestedKind, mail.ChangeApproved, mail.ChangeRejected,
	summarySubmittedKind, mail.SummaryAccepted, mail.SummaryReturned,
	mail.DeadlineReminder, mail.SummaryOverdue, mail.FilingOverdue, mail.NGOFilingOverdue,
	accountPendingKind,
	mail.FundingSummaryOverdue,
}

// InboxKinds lists the kinds of notice GET /api/v1/me/notifications may
// answer.
func InboxKinds() []string {
	out := make([]string, len(inboxKinds))
	for i, k := range inboxKinds {
		out[i] = string(k)
	}
	return out
}

// checkInboxKind refuses a notice of a kind the inbox does not list.
func checkInboxKind(k mail.Template) error {
	if !slices.Contains(inboxKinds, k) {
		return fmt.Errorf("notice kind %q is not an inbox kind (add it to inboxKinds and the OpenAPI document)", k)
	}
	return nil
}
