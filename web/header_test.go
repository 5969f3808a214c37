package web_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
)

// procedureLinks are the header's links to the procedures' lists.
var procedureLinks = []string{"/forecasts", "/declarations", "/funding", "/nominations", "/congresses"}

var navBlock = regexp.MustCompile(`(?s)<nav aria-label="[^"]*">(.*?)</nav>`)

// headerLinks signs in with the API's token as the page session and
// reads which procedures' lists the inbox page's header links to.
func (s *site) headerLinks(t *testing.T, token string) []string {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "econf_session", Value: token})
	p := send(t, s.client(t), req)
	m := navBlock.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("GET /: %d, no header navigation: %.500s", p.status, p.body)
	}
	var got []string
	for _, l := range procedureLinks {
		if strings.Contains(m[1], `href="`+l+`"`) {
			got = append(got, l)
		}
	}
	return got
}

// orgTrees adds, through the API as the platform admin, an academy's tree
// (a bureau reviewer, an institute administrator) and a science
// association's (its reviewer, a national society's administrator), and
// answers their tokens by name.
func (s *site) orgTrees(t *testing.T) map[string]string {
	t.Helper()
	pa := s.token(t, domain.RolePlatformAdmin)
	org := func(kind, name, parent string) string {
		body := map[string]any{"kind": kind, "nameZh": name}
		if parent != "" {
			body["parentId"] = parent
		}
		return s.apiAs(t, pa, "POST", "/organisations", body, 201)["id"].(string)
	}
	bureau := org("bureau", "示范科学院国际合作局", "")
	institute := org("institute", "示范物理研究所", org("academy", "示范科学院", bureau))
	assoc := org("association", "示范科学技术协会", "")
	society := org("national_society", "示范学会", assoc)
	tokens := map[string]string{}
	for name, u := range map[string][2]string{
		"bureau reviewer":        {"authority_reviewer", bureau},
		"institute admin":        {"unit_admin", institute},
		"association reviewer":   {"authority_reviewer", assoc},
		"national society admin": {"unit_admin", society},
	} {
		email := strings.ReplaceAll(name, " ", ".") + "@orgs.demo.cn"
		s.apiAs(t, pa, "POST", "/users", map[string]any{"email": email, "name": name, "role": u[0], "orgId": u[1], "password": "copper lantern drifts 73"}, 201)
		tokens[name] = s.apiAs(t, "", "POST", "/auth/login", map[string]string{"email": email, "password": "copper lantern drifts 73"}, 200)["token"].(string)
	}
	return tokens
}

// TestHeaderLinksByOrganisation: the header links to the procedures the
// account's organisation takes part in (GET /me's orgKind): a
// university's accounts to forecasts and declarations, an academy's to
// funding, an association's and its recommending units' to nominations,
// congress organisers and electing units' administrators to the
// delegates; auditors and analysts, who read every procedure, to all;
// platform admins to none. The inbox lists only those procedures' work.
func TestHeaderLinksByOrganisation(t *testing.T) {
	s := newSite(t)
	tokens := s.orgTrees(t)
	for _, r := range []domain.Role{domain.RoleApplicant, domain.RoleUnitAdmin, domain.RoleSchoolAdmin, domain.RoleAuthorityReviewer,
		domain.RoleAuditor, domain.RoleAnalyst, domain.RolePlatformAdmin} {
		tokens[string(r)] = s.token(t, r)
	}
	all := procedureLinks
	want := map[string][]string{
		"applicant":              {"/forecasts", "/declarations"},
		"unit_admin":             {"/forecasts", "/declarations", "/congresses"},
		"school_admin":           {"/forecasts", "/declarations", "/congresses"},
		"authority_reviewer":     {"/forecasts", "/declarations", "/congresses"},
		"auditor":                all,
		"analyst":                all,
		"platform_admin":         nil,
		"bureau reviewer":        {"/funding", "/congresses"},
		"institute admin":        {"/funding", "/congresses"},
		"association reviewer":   {"/nominations", "/congresses"},
		"national society admin": {"/nominations"},
	}
	for who, links := range want {
		if got := s.headerLinks(t, tokens[who]); !slices.Equal(got, links) {
			t.Errorf("%s: the header links to %v; want %v", who, got, links)
		}
	}
	// The institute's inbox has no forecast or declaration sections.
	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.AddCookie(&http.Cookie{Name: "econf_session", Value: tokens["institute admin"]})
	if p := send(t, s.client(t), req); strings.Contains(p.body, `href="/forecasts?`) || strings.Contains(p.body, `href="/declarations?`) {
		t.Errorf("the institute administrator's inbox lists forecasts or declarations:\n%s", p.body)
	}
}

// TestBrowserHeaderByOrganisation: in Chromium, a university's applicant
// and an academy institute's administrator each see their own
// procedures in the header and no other (screenshots header-applicant,
// header-institute).
func TestBrowserHeaderByOrganisation(t *testing.T) {
	s := newSite(t)
	s.orgTrees(t)
	b := newBrowser(t, s)
	for _, u := range []struct{ name, email, password, shot string }{
		{"applicant", s.email(domain.RoleApplicant), password(domain.RoleApplicant), "header-applicant"},
		{"institute admin", "institute.admin@orgs.demo.cn", "copper lantern drifts 73", "header-institute"},
	} {
		tb := b.user(u.name)
		tb.signIn(u.email, u.password)
		got := eval[[]string](tb, `[...document.querySelectorAll('header nav a')].map(a => a.getAttribute('href'))`)
		var procs []string
		for _, h := range got {
			if slices.Contains(procedureLinks, h) {
				procs = append(procs, h)
			}
		}
		want := map[string][]string{"applicant": {"/forecasts", "/declarations"}, "institute admin": {"/funding", "/congresses"}}[u.name]
		if !slices.Equal(procs, want) {
			t.Errorf("%s: the header links to %v; want %v (all: %v)", u.name, procs, want, got)
		}
		tb.shot(u.shot)
		tb.axe(u.shot)
	}
}
