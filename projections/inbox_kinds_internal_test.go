package projections

import (
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/mail"
)

// TestDeliverNoticeRefusesUnknownKinds: a notice of a kind the inbox does
// not list (and so the OpenAPI document does not either) is refused before
// anything is written; every listed kind passes.
func TestDeliverNoticeRefusesUnknownKinds(t *testing.T) {
	e := eventstore.RecordedEvent{ID: uuid.New(), StreamID: "forecast-" + uuid.NewString(), Type: "Test"}
	// A nil transaction: the refusal comes before any statement.
	if err := deliverNotice(t.Context(), nil, e, uuid.New(), notice{template: mail.ActivationCode}, recipient{id: uuid.New()}); err == nil {
		t.Error("an activation code reached the inbox")
	}
	for _, k := range inboxKinds {
		if err := checkInboxKind(k); err != nil {
			t.Error(err)
		}
	}
}
