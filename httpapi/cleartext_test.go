package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/econf/econf/internal/personal"
)

// checkNoClearText reads the events table as stored (SQL, no decryption)
// and fails on any personal field in clear text: whatever a test wrote
// through the application, the demo seed included, carries its people's
// data encrypted. Events a test stored in an older schema version on
// purpose (clear text written before encryption, to read it by upcasting)
// are that test's to check.
func (h *harness) checkNoClearText() {
	h.t.Helper()
	ctx := context.Background()
	rows, err := h.pool.Query(ctx, `SELECT stream_id, number, type, data::text FROM events
		WHERE coalesce((metadata->>'schemaVersion')::int, 0) >= $1 AND type = ANY($2) ORDER BY position`,
		personal.SchemaEncrypted, personal.Types())
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var stream, typ, data string
		var number int64
		if err := rows.Scan(&stream, &number, &typ, &data); err != nil {
			h.t.Fatal(err)
		}
		n++
		clear, err := personal.ClearText(typ, json.RawMessage(data))
		if err != nil {
			h.t.Fatal(err)
		}
		if len(clear) > 0 {
			h.t.Errorf("events table: %s #%d (%s) holds %s in clear text", stream, number, typ, strings.Join(clear, ", "))
		}
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	if n == 0 {
		h.t.Error("events table: no event with personal fields (the demo seed writes accounts): the check reads nothing")
	}
}
