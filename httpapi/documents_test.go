package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/econf/econf/domain"
)

func TestForecastPDFs(t *testing.T) {
	h := newHarness(t)
	id, _ := h.submit(nil)
	owner := h.email(domain.RoleApplicant)
	for _, doc := range []string{"form.pdf", "log.pdf"} {
		path := "/api/v1/forecasts/" + id + "/" + doc
		res := h.do("GET", path, owner, nil)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", doc, res.status, res.body)
		}
		if ct := res.header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("%s: Content-Type %q", doc, ct)
		}
		if !bytes.HasPrefix(res.body, []byte("%PDF-")) {
			t.Errorf("%s: not a PDF: %q", doc, res.body[:min(len(res.body), 16)])
		}
		if res := h.do("GET", path, h.tree.OtherApp.Email, nil); res.status != http.StatusNotFound {
			t.Errorf("%s as another unit's applicant: %d, want 404", doc, res.status)
		}
		if res := h.do("GET", path, "", nil); res.status != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", doc, res.status)
		}
	}
}
