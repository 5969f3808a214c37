// Package idpdouble has test doubles of a university's identity services,
// run in process on loopback ports: an OpenID Connect provider double
// (discovery, JWKS, authorization and token endpoints, ID tokens signed
// with an RSA key generated at start) and a CAS server double (login,
// serviceValidate and p3/serviceValidate). They sign in whoever the test
// names, without a login page, and can be told to forge.
package idpdouble

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func random() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand does not fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// OIDC is the OpenID Connect provider double. Its URL is the issuer.
type OIDC struct {
	URL          string
	ClientID     string
	ClientSecret string
	// Now tells the time tokens are issued at (default time.Now).
	Now func() time.Time

	mu   sync.Mutex
	key  *rsa.PrivateKey
	user map[string]any
	// tamper changes the claims of the next ID tokens before signing;
	// forge signs them with a key the JWKS does not list.
	tamper func(map[string]any)
	forge  bool
	codes  map[string]grant
}

type grant struct {
	redirect, challenge, nonce string
	claims                     map[string]any
}

// NewOIDC starts the double for one client; it stops with the test.
func NewOIDC(t testing.TB, clientID, clientSecret string) *OIDC {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	d := &OIDC{ClientID: clientID, ClientSecret: clientSecret, Now: time.Now, key: key, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", d.discovery)
	mux.HandleFunc("GET /jwks", d.jwks)
	mux.HandleFunc("GET /authorize", d.authorize)
	mux.HandleFunc("POST /token", d.token)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

// SignIn makes the next authorizations sign in the person with these
// claims (sub at least; email, name, staff number and the like).
func (d *OIDC) SignIn(claims map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.user = claims
}

// Tamper has the next ID tokens' claims changed by f before signing (nil:
// honest tokens again).
func (d *OIDC) Tamper(f func(claims map[string]any)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tamper = f
}

// Forge has the next ID tokens signed with a key of the forger's, not the
// one the JWKS publishes.
func (d *OIDC) Forge(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.forge = on
}

func (d *OIDC) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": d.URL, "authorization_endpoint": d.URL + "/authorize", "token_endpoint": d.URL + "/token",
		"jwks_uri": d.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (d *OIDC) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &d.key.PublicKey, KeyID: "double-1", Algorithm: "RS256", Use: "sig"}}})
}

// authorize signs the configured person in at once and sends the browser
// back with a code, as a provider does after its login page.
func (d *OIDC) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	switch {
	case q.Get("client_id") != d.ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || redirect == "":
		http.Error(w, "response_type=code and redirect_uri required", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE (S256) required", http.StatusBadRequest)
		return
	case !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		http.Error(w, "scope openid required", http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	user := d.user
	code := random()
	d.codes[code] = grant{redirect: redirect, challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), claims: user}
	d.mu.Unlock()
	u, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	rq := u.Query()
	if user == nil {
		rq.Set("error", "access_denied")
	} else {
		rq.Set("code", code)
	}
	rq.Set("state", q.Get("state"))
	u.RawQuery = rq.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (d *OIDC) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", err.Error())
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	if id != d.ClientID || secret != d.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, 0, map[string]string{"error": "invalid_client"})
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, "unsupported_grant_type", "")
		return
	}
	d.mu.Lock()
	g, ok := d.codes[r.PostForm.Get("code")]
	delete(d.codes, r.PostForm.Get("code")) // a code is good once
	tamper, forge, now := d.tamper, d.forge, d.Now()
	d.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok:
		tokenError(w, "invalid_grant", "unknown or used code")
		return
	case g.redirect != r.PostForm.Get("redirect_uri"):
		tokenError(w, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		tokenError(w, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	claims := map[string]any{"iss": d.URL, "aud": d.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	for k, v := range g.claims {
		claims[k] = v
	}
	if tamper != nil {
		tamper(claims)
	}
	key := d.key
	if forge {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	idt, err := sign(key, claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": random(), "token_type": "Bearer", "expires_in": 300, "id_token": idt})
}

func sign(key *rsa.PrivateKey, claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "double-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
	}
	_ = json.NewEncoder(w).Encode(v)
}

// CAS is the CAS server double. Its URL is the CAS base URL.
type CAS struct {
	URL string

	mu      sync.Mutex
	user    string
	attrs   map[string]string
	tickets map[string]string // ticket → service
}

// NewCAS starts the double; it stops with the test.
func NewCAS(t testing.TB) *CAS {
	t.Helper()
	d := &CAS{tickets: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", d.login)
	mux.HandleFunc("GET /serviceValidate", func(w http.ResponseWriter, r *http.Request) { d.validate(w, r, false) })
	mux.HandleFunc("GET /p3/serviceValidate", func(w http.ResponseWriter, r *http.Request) { d.validate(w, r, true) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

// SignIn makes the next logins sign in user with these attributes.
func (d *CAS) SignIn(user string, attrs map[string]string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.user, d.attrs = user, attrs
}

func (d *CAS) login(w http.ResponseWriter, r *http.Request) {
	service := r.URL.Query().Get("service")
	u, err := url.Parse(service)
	if err != nil || !u.IsAbs() {
		http.Error(w, "service required", http.StatusBadRequest)
		return
	}
	t := "ST-" + random()
	d.mu.Lock()
	d.tickets[t] = service
	d.mu.Unlock()
	q := u.Query()
	q.Set("ticket", t)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (d *CAS) validate(w http.ResponseWriter, r *http.Request, p3 bool) {
	q := r.URL.Query()
	t, service := q.Get("ticket"), q.Get("service")
	d.mu.Lock()
	want, ok := d.tickets[t]
	delete(d.tickets, t) // a ticket is validated once
	user, attrs := d.user, d.attrs
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">`)
	switch {
	case service == "" || t == "":
		b.WriteString(`<cas:authenticationFailure code="INVALID_REQUEST">service and ticket required</cas:authenticationFailure>`)
	case !ok:
		fmt.Fprintf(&b, `<cas:authenticationFailure code="INVALID_TICKET">Ticket %s not recognized</cas:authenticationFailure>`, html.EscapeString(t))
	case want != service:
		b.WriteString(`<cas:authenticationFailure code="INVALID_SERVICE">the ticket was issued for another service</cas:authenticationFailure>`)
	default:
		fmt.Fprintf(&b, `<cas:authenticationSuccess><cas:user>%s</cas:user>`, html.EscapeString(user))
		if p3 && len(attrs) > 0 {
			b.WriteString(`<cas:attributes>`)
			names := make([]string, 0, len(attrs))
			for k := range attrs {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				var v strings.Builder
				_ = xml.EscapeText(&v, []byte(attrs[k]))
				fmt.Fprintf(&b, `<cas:%s>%s</cas:%s>`, k, v.String(), k)
			}
			b.WriteString(`</cas:attributes>`)
		}
		b.WriteString(`</cas:authenticationSuccess>`)
	}
	b.WriteString(`</cas:serviceResponse>`)
	_, _ = w.Write([]byte(b.String()))
}
