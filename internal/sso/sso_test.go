package sso_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/internal/sso"
)

func TestParseServiceResponse(t *testing.T) {
	ok := `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user> T1001 </cas:user>
<cas:attributes><cas:mail>a@demo-univ.edu.cn</cas:mail><cas:cn>张明远</cas:cn><cas:memberOf>x</cas:memberOf><cas:memberOf>y</cas:memberOf></cas:attributes>
</cas:authenticationSuccess></cas:serviceResponse>`
	v, err := sso.ParseServiceResponse(strings.NewReader(ok))
	if err != nil || v.User != "T1001" || v.Attributes["mail"] != "a@demo-univ.edu.cn" || v.Attributes["cn"] != "张明远" || v.Attributes["memberOf"] != "x" || v.Failure != nil {
		t.Errorf("success: %+v %v", v, err)
	}
	fail := `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure></cas:serviceResponse>`
	v, err = sso.ParseServiceResponse(strings.NewReader(fail))
	if err != nil || v.Failure == nil || v.Failure.Code != "INVALID_TICKET" || v.Failure.Message != "Ticket ST-1 not recognized" {
		t.Errorf("failure: %+v %v", v, err)
	}
	for name, bad := range map[string]string{
		"not XML":      "<html>login page</html",
		"no namespace": `<serviceResponse><authenticationSuccess><user>u</user></authenticationSuccess></serviceResponse>`,
		"neither":      `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"></cas:serviceResponse>`,
		"no user":      `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess></cas:authenticationSuccess></cas:serviceResponse>`,
	} {
		if v, err := sso.ParseServiceResponse(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: parsed as %+v", name, v)
		}
	}
}

func TestConfigCheckNamesEveryMistake(t *testing.T) {
	c := sso.Config{Providers: []sso.Provider{
		{ID: "Bad ID", Kind: "saml", RedirectURL: "/relative"},
		{ID: "ok", Kind: sso.KindOIDC, UniversityID: uuid.New(), RedirectURL: "https://e/cb"},
		{ID: "ok", Kind: sso.KindCAS, UniversityID: uuid.New(), RedirectURL: "https://e/cb", CASBaseURL: "cas", CASVersion: "1.0"},
	}}
	err := c.Check()
	for _, want := range []string{`providers[0].id "Bad ID"`, "providers[0].universityId: required", "providers[0].redirectUrl", `providers[0].kind "saml"`,
		"providers[1]: an oidc provider needs issuer and clientId", `providers[2].id "ok": used twice`, "providers[2].casBaseUrl", `providers[2].casVersion "1.0"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v; want it to say %s", err, want)
		}
	}
}
