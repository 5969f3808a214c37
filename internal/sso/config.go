// Package sso signs staff in through their university's identity service
// (统一身份认证): OpenID Connect (authorization code flow with PKCE, state
// and nonce checked, the ID token verified by go-oidc) and CAS 2.0/3.0
// (service ticket validation, serviceValidate or p3/serviceValidate). It
// ends at an Identity, what the provider vouches for; mapping it onto an
// account is the command layer's (commands.SSO).
package sso

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// Kinds of identity provider.
const (
	KindOIDC = "oidc"
	KindCAS  = "cas"
)

// Provider is one university's identity service, as configured.
type Provider struct {
	// ID names the provider in URLs (/login/sso/{id}): lower-case letters,
	// digits and hyphens.
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	NameZh string `json:"nameZh"`
	// UniversityID is the university whose staff the provider signs in:
	// only its accounts are matched, only its email domains trusted, and
	// new accounts are opened in its units.
	UniversityID uuid.UUID `json:"universityId"`
	// RedirectURL is where the provider sends the browser back, as
	// registered with it: the web's /login/sso/{id}/callback.
	RedirectURL string `json:"redirectUrl"`

	// OIDC: the issuer (discovery at /.well-known/openid-configuration),
	// the client, and scopes beyond openid (default: profile, email).
	Issuer       string   `json:"issuer,omitempty"`
	ClientID     string   `json:"clientId,omitempty"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`

	// CAS: the server's base URL (…/cas) and protocol version, "3.0"
	// (p3/serviceValidate, with attributes; the default) or "2.0"
	// (serviceValidate).
	CASBaseURL string `json:"casBaseUrl,omitempty"`
	CASVersion string `json:"casVersion,omitempty"`

	// Attributes names the claims (OIDC) or attributes (CAS) that carry
	// each field; "sub" (OIDC) or "user" (CAS) is the subject itself.
	Attributes Attributes `json:"attributes"`
	// Units maps the unit attribute's values to unit ids; DefaultUnitID
	// takes a new account whose value is missing or not listed (none: the
	// sign-in is refused).
	Units         map[string]uuid.UUID `json:"units,omitempty"`
	DefaultUnitID uuid.UUID            `json:"defaultUnitId,omitempty"`
}

// Attributes names where each field of an Identity comes from.
type Attributes struct {
	Email   string `json:"email,omitempty"`
	StaffNo string `json:"staffNo,omitempty"`
	Name    string `json:"name,omitempty"`
	Unit    string `json:"unit,omitempty"`
}

// Config is every provider of an installation (ECONF_SSO_CONFIG).
type Config struct {
	Providers []Provider `json:"providers"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// withDefaults fills the defaults in.
func (p Provider) withDefaults() Provider {
	a := &p.Attributes
	switch p.Kind {
	case KindOIDC:
		a.Email, a.StaffNo, a.Name = or(a.Email, "email"), or(a.StaffNo, ""), or(a.Name, "name")
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"profile", "email"}
		}
	case KindCAS:
		a.Email, a.StaffNo, a.Name = or(a.Email, "mail"), or(a.StaffNo, "user"), or(a.Name, "cn")
		p.CASVersion = or(p.CASVersion, "3.0")
		p.CASBaseURL = strings.TrimRight(p.CASBaseURL, "/")
	}
	return p
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Check reports every mistake in the configuration at once.
func (c Config) Check() error {
	var errs []error
	seen := map[string]bool{}
	for i, p := range c.Providers {
		at := fmt.Sprintf("providers[%d]", i)
		if !idPattern.MatchString(p.ID) {
			errs = append(errs, fmt.Errorf("%s.id %q: lower-case letters, digits and hyphens, at most 40", at, p.ID))
		} else if seen[p.ID] {
			errs = append(errs, fmt.Errorf("%s.id %q: used twice", at, p.ID))
		}
		seen[p.ID] = true
		if p.UniversityID == uuid.Nil {
			errs = append(errs, fmt.Errorf("%s.universityId: required", at))
		}
		if u, err := url.Parse(p.RedirectURL); err != nil || !u.IsAbs() {
			errs = append(errs, fmt.Errorf("%s.redirectUrl %q: an absolute URL (the web's /login/sso/%s/callback)", at, p.RedirectURL, p.ID))
		}
		switch p.Kind {
		case KindOIDC:
			if p.Issuer == "" || p.ClientID == "" {
				errs = append(errs, fmt.Errorf("%s: an oidc provider needs issuer and clientId", at))
			}
		case KindCAS:
			if u, err := url.Parse(p.CASBaseURL); err != nil || !u.IsAbs() {
				errs = append(errs, fmt.Errorf("%s.casBaseUrl %q: an absolute URL", at, p.CASBaseURL))
			}
			if v := p.CASVersion; v != "" && v != "2.0" && v != "3.0" {
				errs = append(errs, fmt.Errorf("%s.casVersion %q: 2.0 or 3.0", at, v))
			}
		default:
			errs = append(errs, fmt.Errorf("%s.kind %q: oidc or cas", at, p.Kind))
		}
	}
	return errors.Join(errs...)
}

// LoadConfig reads a configuration file (JSON) and checks it. The client
// secrets may come from the environment instead: ECONF_SSO_SECRET_<ID>,
// the id upper-cased with hyphens as underscores.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("sso config: %w", err)
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("sso config %s: %w", path, err)
	}
	for i, p := range c.Providers {
		if s := os.Getenv(SecretVar(p.ID)); s != "" {
			c.Providers[i].ClientSecret = s
		}
	}
	if err := c.Check(); err != nil {
		return Config{}, fmt.Errorf("sso config %s: %w", path, err)
	}
	return c, nil
}

// SecretVar is the environment variable that may hold a provider's client
// secret.
func SecretVar(id string) string {
	return "ECONF_SSO_SECRET_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_"))
}

// UnitFor is the unit a new account of unit attribute value v opens in:
// Units[v], else DefaultUnitID (uuid.Nil: none).
func (p Provider) UnitFor(v string) uuid.UUID {
	if id, ok := p.Units[strings.TrimSpace(v)]; ok {
		return id
	}
	return p.DefaultUnitID
}
