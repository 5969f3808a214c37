package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/internal/sso"
	"github.com/econf/econf/internal/sso/idpdouble"
)

// demoOrg is the id demo.Seed gives the organisation it names (ids derive
// from the seed's command ids); the test checks it against the tree.
func demoOrg(name string) uuid.UUID {
	return uuid.NewSHA1(uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:demo:org:"+name)), []byte("organisation"))
}

// ssoHarness is the service with two identity providers of the demo
// university configured: an OIDC provider double and a CAS server double
// (3.0), plus a CAS 2.0 provider on the same double.
type ssoHarness struct {
	*harness
	oidc  *idpdouble.OIDC
	cas   *idpdouble.CAS
	clock *policy.FixedClock // the sign-ins' clock (flows, ID tokens)
}

const ssoRedirect = "https://econf.demo-univ.edu.cn/login/sso/"

func newSSOHarness(t *testing.T) *ssoHarness {
	t.Helper()
	clock := policy.NewFixedClock(time.Now().UTC())
	op := idpdouble.NewOIDC(t, "econf", "client secret of the double")
	op.Now = clock.Now
	cas := idpdouble.NewCAS(t)
	uni, unit := demoOrg("university"), demoOrg("unit")
	cfg := sso.Config{Providers: []sso.Provider{
		{ID: "demo-oidc", Kind: sso.KindOIDC, Name: "Demo University sign-on", NameZh: "示范大学统一身份认证", UniversityID: uni,
			RedirectURL: ssoRedirect + "demo-oidc/callback", Issuer: op.URL, ClientID: "econf", ClientSecret: "client secret of the double",
			Attributes: sso.Attributes{StaffNo: "employee_number", Unit: "department"}, Units: map[string]uuid.UUID{"cs": unit}},
		{ID: "demo-cas", Kind: sso.KindCAS, Name: "Demo University CAS", NameZh: "示范大学CAS", UniversityID: uni,
			RedirectURL: ssoRedirect + "demo-cas/callback", CASBaseURL: cas.URL, Attributes: sso.Attributes{Unit: "ou"}, DefaultUnitID: unit},
		{ID: "demo-cas2", Kind: sso.KindCAS, CASVersion: "2.0", Name: "Demo University CAS 2.0", NameZh: "示范大学CAS 2.0", UniversityID: uni,
			RedirectURL: ssoRedirect + "demo-cas2/callback", CASBaseURL: cas.URL},
	}}
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		svc, err := sso.New(c.Pool, cfg, clock.Now, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SSO = svc
	})
	if h.tree.University != uni || h.tree.Unit != unit {
		t.Fatalf("demo ids moved: university %s (want %s), unit %s (want %s)", h.tree.University, uni, h.tree.Unit, unit)
	}
	return &ssoHarness{harness: h, oidc: op, cas: cas, clock: clock}
}

// start begins a sign-in and follows the provider's redirect back, as a
// browser would: it answers the callback's query.
func (h *ssoHarness) start(provider string) url.Values {
	h.t.Helper()
	res := h.do("POST", "/api/v1/auth/sso/"+provider+"/start", "", map[string]string{"next": "/forecasts"})
	if res.status != http.StatusOK {
		h.t.Fatalf("start %s: %d %s", provider, res.status, res.body)
	}
	authURL := res.json(h.t)["authorizationUrl"].(string)
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	back, err := browser.Get(authURL)
	if err != nil {
		h.t.Fatal(err)
	}
	back.Body.Close()
	loc, err := url.Parse(back.Header.Get("Location"))
	if back.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), ssoRedirect+provider+"/callback") {
		h.t.Fatalf("the provider answered %d to %s, Location %q", back.StatusCode, authURL, back.Header.Get("Location"))
	}
	return loc.Query()
}

func (h *ssoHarness) finish(provider string, q url.Values) response {
	h.t.Helper()
	body := map[string]string{"state": q.Get("state")}
	for k, v := range map[string]string{"code": q.Get("code"), "ticket": q.Get("ticket"), "error": q.Get("error")} {
		if v != "" {
			body[k] = v
		}
	}
	return h.do("POST", "/api/v1/auth/sso/"+provider+"/finish", "", body)
}

// problemType is the last segment of a problem's type.
func ssoProblemType(t *testing.T, r response) string {
	t.Helper()
	typ, _ := r.json(t)["type"].(string)
	return typ[strings.LastIndex(typ, "/")+1:]
}

func (h *ssoHarness) wantProblem(r response, status int, typ, detail string) {
	h.t.Helper()
	if r.status != status || ssoProblemType(h.t, r) != typ || !strings.Contains(r.json(h.t)["detail"].(string), detail) {
		h.t.Errorf("want %d %s with %q; got %d %s", status, typ, detail, r.status, r.body)
	}
}

// signedIn checks a finish answer is a session of the account with this
// email, one the API accepts like a password sign-in's.
func (h *ssoHarness) signedIn(r response, email string) string {
	h.t.Helper()
	if r.status != http.StatusOK {
		h.t.Fatalf("finish: %d %s", r.status, r.body)
	}
	m := r.json(h.t)
	tok := m["token"].(string)
	if m["next"] != "/forecasts" {
		h.t.Errorf("next = %v, want /forecasts", m["next"])
	}
	h.tokens["sso:"+email] = tok
	me := h.do("GET", "/api/v1/me", "sso:"+email, nil)
	if me.status != http.StatusOK || me.json(h.t)["id"] != accountID(email) {
		h.t.Errorf("GET /me with the single sign-on's token: %d %s; want account %s", me.status, me.body, accountID(email))
	}
	return tok
}

func accountID(email string) string {
	return uuid.NewSHA1(uuid.MustParse("6f1c2b1e-4d0a-5c7e-9a41-3b8e2f5d7c90"), []byte(email)).String()
}

func TestSSOOIDCSignsInByEmailAndRefusesBadTokens(t *testing.T) {
	h := newSSOHarness(t)
	applicant := h.email(domain.RoleApplicant)
	h.oidc.SignIn(map[string]any{"sub": "oidc-applicant", "email": applicant, "name": "张明远"})

	list := h.do("GET", "/api/v1/auth/sso", "", nil)
	if list.status != http.StatusOK || !strings.Contains(string(list.body), `"id":"demo-oidc","kind":"oidc"`) {
		t.Fatalf("providers: %d %s", list.status, list.body)
	}

	q := h.start("demo-oidc")
	h.signedIn(h.finish("demo-oidc", q), applicant)
	// The state is used up: the same callback again is refused.
	h.wantProblem(h.finish("demo-oidc", q), http.StatusBadRequest, "sso-state-invalid", "unknown or was already used")
	// A state that never was.
	h.wantProblem(h.finish("demo-oidc", url.Values{"state": {"made-up"}, "code": {"x"}}), http.StatusBadRequest, "sso-state-invalid", "unknown")
	// A state of another provider.
	h.wantProblem(h.finish("demo-cas", h.start("demo-oidc")), http.StatusBadRequest, "sso-state-invalid", `issued for provider "demo-oidc"`)
	// A flow that took too long.
	q = h.start("demo-oidc")
	h.clock.Advance(sso.FlowTTL + time.Second)
	h.wantProblem(h.finish("demo-oidc", q), http.StatusBadRequest, "sso-state-invalid", "took longer than")

	for _, c := range []struct {
		name          string
		tamper        func(map[string]any)
		forge         bool
		typ, contains string
	}{
		{"forged signature", nil, true, "sso-token-invalid", "signature"},
		{"expired", func(c map[string]any) { c["exp"] = h.clock.Now().Add(-time.Hour).Unix() }, false, "sso-token-expired", "expired at"},
		{"wrong audience", func(c map[string]any) { c["aud"] = "another-client" }, false, "sso-token-invalid", "audience"},
		{"wrong issuer", func(c map[string]any) { c["iss"] = "https://idp.invalid" }, false, "sso-token-invalid", "issued by a different provider"},
		{"wrong nonce", func(c map[string]any) { c["nonce"] = "replayed" }, false, "sso-token-invalid", "nonce"},
	} {
		h.oidc.Tamper(c.tamper)
		h.oidc.Forge(c.forge)
		r := h.finish("demo-oidc", h.start("demo-oidc"))
		if r.status != http.StatusUnauthorized || ssoProblemType(t, r) != c.typ || !strings.Contains(r.json(t)["detail"].(string), c.contains) {
			t.Errorf("%s: want 401 %s (%q); got %d %s", c.name, c.typ, c.contains, r.status, r.body)
		}
	}
	h.oidc.Tamper(nil)
	h.oidc.Forge(false)

	// A code used twice is refused by the provider.
	q = h.start("demo-oidc")
	code := q.Get("code")
	h.signedIn(h.finish("demo-oidc", q), applicant)
	q2 := h.start("demo-oidc")
	q2.Set("code", code)
	h.wantProblem(h.finish("demo-oidc", q2), http.StatusUnauthorized, "sso-code-invalid", "invalid_grant")

	// The provider refusing the sign-in.
	h.oidc.SignIn(nil)
	h.wantProblem(h.finish("demo-oidc", h.start("demo-oidc")), http.StatusUnauthorized, "sso-denied", "access_denied")

	// An address outside the university's domains is not trusted, so it
	// matches no account (not even one holding that address elsewhere).
	h.oidc.SignIn(map[string]any{"sub": "outsider", "email": "reviewer@authority.demo.gov.cn", "name": "某人", "department": "cs"})
	h.wantProblem(h.finish("demo-oidc", h.start("demo-oidc")), http.StatusForbidden, "sso-no-account", "institutional email")

	h.wantProblem(h.do("POST", "/api/v1/auth/sso/nowhere/start", "", map[string]string{}), http.StatusNotFound, "sso-provider-not-found", `"nowhere"`)
	bad := h.do("POST", "/api/v1/auth/sso/demo-oidc/start", "", map[string]string{"next": "https://evil.example/"})
	if bad.status != http.StatusUnprocessableEntity || !bad.hasRule("SCHEMA") {
		t.Errorf("start with a foreign next: %d %s", bad.status, bad.body)
	}
}

func TestSSOOpensAPendingAccountTheUnitAdminConfirms(t *testing.T) {
	h := newSSOHarness(t)
	newcomer := "newcomer@" + "demo-univ.edu.cn"
	h.oidc.SignIn(map[string]any{"sub": "oidc-newcomer", "email": newcomer, "name": "赵新来", "employee_number": "N3001", "department": "cs"})
	h.wantProblem(h.finish("demo-oidc", h.start("demo-oidc")), http.StatusForbidden, "sso-account-pending", "was opened for you")
	// Signing in again opens nothing more and still waits.
	h.wantProblem(h.finish("demo-oidc", h.start("demo-oidc")), http.StatusForbidden, "sso-account-pending", "awaits your unit admin")
	id := accountID(newcomer)

	// The unit admin finds it in their unit's list, not active yet.
	h.settle()
	unitAdmin := h.email(domain.RoleUnitAdmin)
	list := h.do("GET", "/api/v1/users", unitAdmin, nil)
	if list.status != http.StatusOK || !strings.Contains(string(list.body), `"id":"`+id+`"`) || !strings.Contains(string(list.body), `"staffNo":"N3001","active":false`) {
		t.Fatalf("unit admin's list: %d %s", list.status, list.body)
	}
	if r := h.do("GET", "/api/v1/users?orgId="+h.tree.OtherUnit.String(), unitAdmin, nil); r.status != http.StatusForbidden {
		t.Errorf("unit admin listing another unit: %d %s", r.status, r.body)
	}
	// Another unit's admin may not confirm it; its own may.
	if r := h.do("POST", "/api/v1/users/"+id+"/confirm", h.tree.OtherUnitAd.Email, nil); r.status != http.StatusForbidden {
		t.Errorf("other unit's admin confirming: %d %s", r.status, r.body)
	}
	// The unit admin's inbox says it waits for them (not another unit's),
	// until it is confirmed.
	pendingNotice := func(who string) bool {
		t.Helper()
		r := h.do("GET", "/api/v1/me/notifications", who, nil)
		if r.status != http.StatusOK {
			t.Fatalf("notifications: %d %s", r.status, r.body)
		}
		return strings.Contains(string(r.body), `"kind":"account_pending","recordId":"`+id+`"`) && strings.Contains(string(r.body), "赵新来")
	}
	if !pendingNotice(unitAdmin) {
		t.Error("the unit admin's inbox lacks the pending account")
	}
	if pendingNotice(h.tree.OtherUnitAd.Email) {
		t.Error("another unit's admin was told of the pending account")
	}
	if r := h.do("POST", "/api/v1/users/"+id+"/confirm", unitAdmin, nil); r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	h.settle()
	if pendingNotice(unitAdmin) {
		t.Error("the pending account's notice stays after it was confirmed")
	}
	tok := h.signedIn(h.finish("demo-oidc", h.start("demo-oidc")), newcomer)
	if tok == "" {
		t.Fatal("no token")
	}
	me := h.do("GET", "/api/v1/me", "sso:"+newcomer, nil).json(t)
	if me["role"] != "applicant" || me["orgId"] != h.tree.Unit.String() {
		t.Errorf("the confirmed account: %v", me)
	}
	// A newcomer whose unit maps to nothing gets no account.
	h.oidc.SignIn(map[string]any{"sub": "oidc-unmapped", "email": "unmapped@demo-univ.edu.cn", "name": "钱无单位", "department": "physics"})
	h.wantProblem(h.finish("demo-oidc", h.start("demo-oidc")), http.StatusForbidden, "sso-no-account", "names no unit")
	h.settle()
	if r := h.do("GET", "/api/v1/users?q=unmapped", h.email(domain.RolePlatformAdmin), nil); r.status != http.StatusOK || strings.Contains(string(r.body), "unmapped@") {
		t.Errorf("an account was opened for an unmapped unit: %d %s", r.status, r.body)
	}
}

func TestSSOCASValidatesTicketsAndMapsByStaffNumber(t *testing.T) {
	h := newSSOHarness(t)
	admin := h.email(domain.RolePlatformAdmin)
	staffer := "li.staffer@demo-univ.edu.cn"
	if r := h.do("POST", "/api/v1/users", admin, map[string]any{"email": staffer, "name": "李工号", "role": "applicant", "orgId": h.tree.Unit,
		"mobile": "13800000077", "staffNo": "T2002", "password": "violet kettle ninety 42"}); r.status != http.StatusCreated {
		t.Fatalf("create account: %d %s", r.status, r.body)
	}
	h.settle()

	// CAS 3.0 with attributes: by email.
	applicant := h.email(domain.RoleApplicant)
	h.cas.SignIn("someone", map[string]string{"mail": applicant, "cn": "张明远"})
	q := h.start("demo-cas")
	h.signedIn(h.finish("demo-cas", q), applicant)
	// The ticket was validated once; the state is gone too.
	h.wantProblem(h.finish("demo-cas", q), http.StatusBadRequest, "sso-state-invalid", "already used")
	// A ticket the CAS server never issued.
	q = h.start("demo-cas")
	q.Set("ticket", "ST-forged")
	h.wantProblem(h.finish("demo-cas", q), http.StatusUnauthorized, "sso-ticket-invalid", "INVALID_TICKET")
	q = h.start("demo-cas")
	q.Del("ticket")
	h.wantProblem(h.finish("demo-cas", q), http.StatusUnauthorized, "sso-ticket-invalid", "no service ticket")

	// CAS 2.0, no attributes: the user is the staff number.
	h.cas.SignIn("T2002", nil)
	h.signedIn(h.finish("demo-cas2", h.start("demo-cas2")), staffer)
	// A staff number nobody holds and no email: nothing to map or open.
	h.cas.SignIn("T9999", nil)
	h.wantProblem(h.finish("demo-cas2", h.start("demo-cas2")), http.StatusForbidden, "sso-no-account", "T9999")
}
