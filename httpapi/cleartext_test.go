package httpapi_test

import (
	"context"
	"strings"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/personal"
)

// checkNoClearText reads every event as stored (the events table, or
// EventStoreDB: the store under the encryption, no decryption) and fails
// on any personal field in clear text: whatever a test wrote through the
// application, the demo seed included, carries its people's data
// encrypted. Events a test stored in an older schema version on purpose
// (clear text written before encryption, to read it by upcasting) are
// that test's to check.
func (h *harness) checkNoClearText() {
	h.t.Helper()
	ctx := context.Background()
	personalTypes := map[string]bool{}
	for _, t := range personal.Types() {
		personalTypes[t] = true
	}
	n := 0
	for from := eventstore.Start; ; {
		page, err := h.stored.ReadAll(ctx, from, 1000)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		from = page[len(page)-1].Position
		for _, e := range page {
			if !personalTypes[e.Type] || e.Metadata.SchemaVersion < personal.SchemaEncrypted {
				continue
			}
			n++
			clear, err := personal.ClearText(e.Type, e.Data)
			if err != nil {
				h.t.Fatal(err)
			}
			if len(clear) > 0 {
				h.t.Errorf("stored events: %s #%d (%s) holds %s in clear text", e.StreamID, e.Number, e.Type, strings.Join(clear, ", "))
			}
		}
	}
	if n == 0 {
		h.t.Error("stored events: none with personal fields (the demo seed writes accounts): the check reads nothing")
	}
}
