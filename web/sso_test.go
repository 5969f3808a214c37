package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/sso"
	"github.com/econf/econf/internal/sso/idpdouble"
)

// TestSSOSignInThroughThePages: the sign-in page links to the university's
// identity provider (an OIDC provider double); the browser goes there and
// back, and leaves with the same session cookie a password sign-in gives.
func TestSSOSignInThroughThePages(t *testing.T) {
	op := idpdouble.NewOIDC(t, "econf-web", "web client secret of the double")
	var tree struct{ uni uuid.UUID }
	s := newSite(t, func(cfg *httpapi.Config, siteURL string) {
		// The demo university's id, as demo.Seed derives it.
		tree.uni = uuid.NewSHA1(uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:demo:org:university")), []byte("organisation"))
		svc, err := sso.New(cfg.Pool, sso.Config{Providers: []sso.Provider{{ID: "demo-oidc", Kind: sso.KindOIDC, Name: "Demo University sign-on",
			NameZh: "示范大学统一身份认证", UniversityID: tree.uni, RedirectURL: siteURL + "/login/sso/demo-oidc/callback",
			Issuer: op.URL, ClientID: "econf-web", ClientSecret: "web client secret of the double"}}}, time.Now, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.SSO = svc
	})
	if s.tree.University != tree.uni {
		t.Fatalf("demo university id moved: %s, not %s", s.tree.University, tree.uni)
	}
	op.SignIn(map[string]any{"sub": "web-applicant", "email": s.email(domain.RoleApplicant), "name": "张明远"})
	c := s.client(t)
	get := func(u string) (*http.Response, string) {
		t.Helper()
		res, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	_, page := get(s.url + "/login?next=/forecasts")
	if !strings.Contains(page, `href="/login/sso/demo-oidc?next=%2fforecasts"`) || !strings.Contains(page, "通过示范大学统一身份认证登录") {
		t.Fatalf("the sign-in page has no link to the identity provider:\n%s", page)
	}
	res, _ := get(s.url + "/login/sso/demo-oidc?next=/forecasts")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), op.URL+"/authorize?") {
		t.Fatalf("start: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = get(res.Header.Get("Location"))
	callback := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(callback, s.url+"/login/sso/demo-oidc/callback?") {
		t.Fatalf("the provider: %d to %q", res.StatusCode, callback)
	}
	res, _ = get(callback)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/forecasts" {
		t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, page = get(s.url + "/forecasts")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "张明远") {
		t.Fatalf("signed in through the provider, /forecasts answers %d:\n%s", res.StatusCode, page)
	}
	// The same callback again: its state is used up.
	res, page = get(callback)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "state") {
		t.Errorf("a replayed callback: %d\n%s", res.StatusCode, page)
	}
}
