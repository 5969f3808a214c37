package httpapi_test

import (
	"context"
	"net/http"
	"path"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/personal"
)

// congressWith is a congress of the harness's authority with the
// harness's unit invited and allotted seats committee candidates and
// representatives each (no minimums) and staff staff; it answers the
// congress's path.
func congressWith(t *testing.T, h *harness, seats, staff int) string {
	t.Helper()
	organiser := h.email(domain.RoleAuthorityReviewer)
	res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "congress-with")
	if res.status != http.StatusCreated {
		t.Fatalf("create congress: %d %s", res.status, res.body)
	}
	cong := res.header.Get("Location")
	q := map[string]int{"seats": seats, "grassroots": 0, "under45": 0, "minority": 0, "democraticParty": 0, "women": 0}
	allot := map[string]any{"allotment": map[string]any{"committee": q, "representatives": q, "specialInvited": 0, "observers": 0, "guests": 0, "staff": staff}}
	if res := h.do("PUT", cong+"/units/"+h.tree.Unit.String(), organiser, allot, "Idempotency-Key", "congress-with-allot"); res.status != http.StatusOK {
		t.Fatalf("allot: %d %s", res.status, res.body)
	}
	return cong
}

// delegationStream is the stream of the harness's unit's delegation to
// the congress at path cong.
func delegationStream(t *testing.T, h *harness, cong string) string {
	t.Helper()
	id, err := uuid.Parse(path.Base(cong))
	if err != nil {
		t.Fatal(err)
	}
	return commands.DelegationStream(delegation.ID(id, h.tree.Unit))
}

// storedStream is a stream's payloads as the events table holds them.
func storedStream(t *testing.T, h *harness, stream string) string {
	t.Helper()
	var s string
	if err := h.pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(data::text, ' ' ORDER BY number), '') FROM events WHERE stream_id = $1`, stream).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNomineePersonalFieldsEncryptedR_DEL_08: a nominee's name, birth date
// and details (gender, ethnicity, party) are never in clear in the events
// table; erasing the nominee (their id is the person's) blanks them
// everywhere they are read while the stream's hash chain, over the
// unchanged stored events, still verifies. The quota counts stay.
func TestNomineePersonalFieldsEncryptedR_DEL_08(t *testing.T) {
	h := newHarness(t)
	unitAdmin, admin := h.email(domain.RoleUnitAdmin), h.email(domain.RolePlatformAdmin)
	cong := congressWith(t, h, 1, 1)
	res := h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": "龚翊鸣", "identity": "committee", "birthDate": "1983-07-19",
		"profile": map[string]any{"gender": "female", "ethnicity": "鄂温克族", "affiliations": []string{"九三学社"}, "grassroots": true}},
		"Idempotency-Key", "add-personal")
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	nominee := res.json(t)["id"].(string)
	if res := h.do("PUT", cong+"/nominees/"+nominee, unitAdmin, map[string]any{"name": "龚翊鸣", "birthDate": "1983-07-19",
		"profile": map[string]any{"gender": "female", "ethnicity": "鄂温克族", "affiliations": []string{"九三学社", "中国民主同盟"}, "grassroots": true}},
		"Idempotency-Key", "edit-personal"); res.status != http.StatusOK {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	stream := delegationStream(t, h, cong)
	before := storedStream(t, h, stream)
	for _, clear := range []string{"龚翊鸣", "1983-07-19", "鄂温克族", "九三学社", "中国民主同盟", "female"} {
		if strings.Contains(before, clear) {
			t.Errorf("the events table holds %q in clear: %s", clear, before)
		}
	}
	if !strings.Contains(before, "econf:pii:1:") {
		t.Fatalf("no encrypted value stored: %s", before)
	}
	view := func() string {
		return string(h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", unitAdmin, nil).body)
	}
	if v := view(); !strings.Contains(v, "龚翊鸣") || !strings.Contains(v, "鄂温克族") || !strings.Contains(v, "1983-07-19") {
		t.Fatalf("the unit does not read its nominee: %s", v)
	}

	res = h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": nominee, "reason": "被推荐人依《个人信息保护法》申请删除"})
	if res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	if got := res.json(t); got["keys"].(float64) != 1 || got["fields"].(float64) < 6 {
		t.Errorf("erasure answer %v", got)
	}
	if after := storedStream(t, h, stream); after != before {
		t.Error("erasure changed the stored events")
	}
	v := view()
	for _, clear := range []string{"龚翊鸣", "1983-07-19", "鄂温克族", "九三学社"} {
		if strings.Contains(v, clear) {
			t.Errorf("after erasure the delegation still shows %q: %s", clear, v)
		}
	}
	if !strings.Contains(v, personal.Erased) || !strings.Contains(v, `"minority":true`) {
		t.Errorf("after erasure: %s", v)
	}
	events, err := h.stored.ReadStream(context.Background(), stream, eventstore.Forwards, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := eventstore.VerifyChain(events); n != 0 || len(events) != 2 {
		t.Errorf("chain of %d events breaks at %d after erasure", len(events), n)
	}
}
