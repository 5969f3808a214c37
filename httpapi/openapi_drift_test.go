package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/projections"
)

// TestEmptyDraftViewsMatchTheDocument reads every view of a declaration
// the document lists (each GET under /api/v1/declarations/{id}) while the
// declaration is a draft: one started empty but for the type it must
// have (R-DECL-01), and one started from a
// forecast, which fills some fields and leaves the others unset. Unset
// fields are left out, never sent as "" outside an enum or a date format,
// and nothing is computed from an unset date. The harness's client checks
// each answer against the document.
func TestEmptyDraftViewsMatchTheDocument(t *testing.T) {
	h := newHarness(t)
	applicant := h.email(domain.RoleApplicant)
	forecastID := h.approvedForecast()

	var views []string
	for _, o := range documentOperations(t, openAPIDoc(t)) {
		if o.method == "get" && strings.HasPrefix(o.path, "/api/v1/declarations/{id}") {
			views = append(views, o.path)
		}
	}
	if len(views) < 10 {
		t.Fatalf("only %d declaration views in the document: %v", len(views), views)
	}
	for _, start := range []struct {
		name string
		body map[string]any
	}{
		{"empty", map[string]any{"noticeAcknowledged": true, "form": map[string]any{"basic": map[string]any{"type": "natural_science"}}}},
		{"from a forecast", map[string]any{"noticeAcknowledged": true, "forecastId": forecastID}},
	} {
		res := h.do("POST", "/api/v1/declarations", applicant, start.body)
		if res.status != http.StatusCreated {
			t.Fatalf("start %s: %d %s", start.name, res.status, res.body)
		}
		id := res.json(t)["id"].(string)
		for _, v := range views {
			path := strings.ReplaceAll(v, "{id}", id)
			res := h.do("GET", path, applicant, nil)
			if !slices.Contains([]int{http.StatusOK, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}, res.status) {
				t.Errorf("%s draft: GET %s: %d %s", start.name, v, res.status, res.body)
			}
			if strings.Contains(string(res.body), `"-00`) || strings.Contains(string(res.body), `"0000-`) {
				t.Errorf("%s draft: GET %s computes from an unset date: %s", start.name, v, res.body)
			}
		}
	}
}

// TestOpenAPIInboxKindsMatchTheProjection: the document lists exactly the
// kinds of notice the inbox read model delivers, so an inbox answer never
// holds a kind a client generated from the document does not know.
func TestOpenAPIInboxKindsMatchTheProjection(t *testing.T) {
	doc := openAPIDoc(t)
	n, err := resolvePointer(doc, "#/components/schemas/Notification/properties/kind/enum")
	if err != nil {
		t.Fatalf("Notification.kind has no enum: %v", err)
	}
	var documented []string
	for _, k := range n.([]any) {
		documented = append(documented, k.(string))
	}
	if want := projections.InboxKinds(); !slices.Equal(documented, want) {
		t.Errorf("Notification.kind enum = %v\nthe inbox delivers     %v", documented, want)
	}
}

// TestOpenAPIEveryOperationHasADefaultProblem: every operation says that
// an error it does not list is still a problem+json, so clients can read
// any error, and the checked client holds such answers to the Problem
// schema.
func TestOpenAPIEveryOperationHasADefaultProblem(t *testing.T) {
	doc := openAPIDoc(t)
	for _, o := range documentOperations(t, doc) {
		responses, _ := o.op["responses"].(map[string]any)
		def, ok := responses["default"]
		if !ok {
			t.Errorf("%s has no default response", o.key())
			continue
		}
		res, err := deref(doc, def)
		if err != nil {
			t.Errorf("%s: default: %v", o.key(), err)
			continue
		}
		content, _ := res["content"].(map[string]any)
		media, _ := content["application/problem+json"].(map[string]any)
		schema, _ := media["schema"].(map[string]any)
		if len(content) != 1 || schema["$ref"] != "#/components/schemas/Problem" {
			t.Errorf("%s: default is not an application/problem+json Problem: %v", o.key(), res)
		}
	}
}
