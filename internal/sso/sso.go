package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the table of sign-ins under way.
var Migrations = migrate.Embedded("sso", migrationFiles, "migrations")

// FlowTTL is how long a started sign-in may take to come back.
const FlowTTL = 10 * time.Minute

// Identity is what a provider vouches for after a sign-in.
type Identity struct {
	Provider string
	Subject  string
	Email    string
	StaffNo  string
	Name     string
	Unit     string
}

// Error is a sign-in the provider's answer or the callback does not carry:
// Code names it (the problem type), Detail and Zh say why.
type Error struct {
	Code   string
	Detail string
	Zh     string
	Err    error
}

func (e *Error) Error() string { return "sso: " + e.Code + ": " + e.Detail }
func (e *Error) Unwrap() error { return e.Err }

// Codes of Error.
const (
	CodeUnknownProvider = "sso-provider-not-found"
	CodeState           = "sso-state-invalid"
	CodeDenied          = "sso-denied"
	CodeCode            = "sso-code-invalid"
	CodeToken           = "sso-token-invalid"
	CodeTokenExpired    = "sso-token-expired"
	CodeTicket          = "sso-ticket-invalid"
	CodeUnavailable     = "sso-provider-unavailable"
)

func fail(code, detail, zh string, err error) *Error {
	return &Error{Code: code, Detail: detail, Zh: zh, Err: err}
}

// Service runs the sign-ins of every configured provider.
type Service struct {
	pool      *pgxpool.Pool
	now       func() time.Time
	client    *http.Client
	providers map[string]Provider
	order     []string

	mu   sync.Mutex
	oidc map[string]*oidc.Provider // discovered once per provider
}

// New serves the providers of c (checked) with flows kept in pool; now
// tells the time for flows and ID token expiry; client talks to the
// providers (nil: one with a 10 s timeout).
func New(pool *pgxpool.Pool, c Config, now func() time.Time, client *http.Client) (*Service, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Service{pool: pool, now: now, client: client, providers: map[string]Provider{}, oidc: map[string]*oidc.Provider{}}
	for _, p := range c.Providers {
		s.providers[p.ID] = p.withDefaults()
		s.order = append(s.order, p.ID)
	}
	return s, nil
}

// Providers lists the providers in configured order.
func (s *Service) Providers() []Provider {
	out := make([]Provider, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.providers[id])
	}
	return out
}

// Provider is one provider by id.
func (s *Service) Provider(id string) (Provider, error) {
	p, ok := s.providers[id]
	if !ok {
		return Provider{}, fail(CodeUnknownProvider, fmt.Sprintf("no identity provider %q is configured", id), fmt.Sprintf("未配置统一身份认证“%s”", id), nil)
	}
	return p, nil
}

func random() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func stateHash(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}

// Start begins a sign-in with provider id: it keeps a fresh state, PKCE
// verifier and nonce, and answers the provider's URL to send the browser
// to. next is where the caller goes afterwards (kept, not checked here).
func (s *Service) Start(ctx context.Context, id, next string) (authURL string, expires time.Time, err error) {
	p, err := s.Provider(id)
	if err != nil {
		return "", time.Time{}, err
	}
	state, err := random()
	if err != nil {
		return "", time.Time{}, err
	}
	nonce, err := random()
	if err != nil {
		return "", time.Time{}, err
	}
	verifier := oauth2.GenerateVerifier()
	switch p.Kind {
	case KindOIDC:
		op, err := s.discover(ctx, p)
		if err != nil {
			return "", time.Time{}, err
		}
		authURL = s.oauth(p, op).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	case KindCAS:
		authURL = p.CASBaseURL + "/login?service=" + url.QueryEscape(casService(p, state))
	}
	now := s.now()
	expires = now.Add(FlowTTL).UTC().Truncate(time.Second)
	if _, err := s.pool.Exec(ctx, `DELETE FROM sso_flows WHERE expires_at < $1`, now); err != nil {
		return "", time.Time{}, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO sso_flows (state_hash, provider, verifier, nonce, next, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		stateHash(state), p.ID, verifier, nonce, next, expires); err != nil {
		return "", time.Time{}, fmt.Errorf("keep sign-in flow: %w", err)
	}
	return authURL, expires, nil
}

// Callback is what the provider sent the browser back with.
type Callback struct {
	State string
	// Code is OIDC's authorization code; Error and ErrorDescription its
	// refusal (error=access_denied and the like).
	Code             string
	Error            string
	ErrorDescription string
	// Ticket is CAS's service ticket.
	Ticket string
}

// Finish ends a sign-in: the state must be one Start kept for this
// provider, unused and unexpired (it is used up here, whatever follows);
// then the code is exchanged with the PKCE verifier and the ID token
// verified (signature, issuer, audience, expiry, nonce), or the ticket
// validated. It answers the identity and the next Start kept.
func (s *Service) Finish(ctx context.Context, id string, cb Callback) (Identity, string, error) {
	p, err := s.Provider(id)
	if err != nil {
		return Identity{}, "", err
	}
	if cb.State == "" {
		return Identity{}, "", fail(CodeState, "the callback carries no state", "回调缺少 state 参数", nil)
	}
	var provider, verifier, nonce, next string
	var expires time.Time
	err = s.pool.QueryRow(ctx, `DELETE FROM sso_flows WHERE state_hash = $1 RETURNING provider, verifier, nonce, next, expires_at`,
		stateHash(cb.State)).Scan(&provider, &verifier, &nonce, &next, &expires)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Identity{}, "", fail(CodeState, "the state is unknown or was already used: start the sign-in again",
			"state 无效或已使用，请重新发起登录", nil)
	case err != nil:
		return Identity{}, "", err
	case provider != p.ID:
		return Identity{}, "", fail(CodeState, fmt.Sprintf("the state was issued for provider %q, not %q", provider, p.ID),
			fmt.Sprintf("该 state 属于统一身份认证“%s”，而非“%s”", provider, p.ID), nil)
	case !s.now().Before(expires):
		return Identity{}, "", fail(CodeState, "the sign-in took longer than "+FlowTTL.String()+": start it again",
			"登录超时（超过"+strconv.Itoa(int(FlowTTL/time.Minute))+"分钟），请重新发起", nil)
	}
	var idn Identity
	switch p.Kind {
	case KindOIDC:
		idn, err = s.finishOIDC(ctx, p, cb, verifier, nonce)
	case KindCAS:
		idn, err = s.finishCAS(ctx, p, cb, cb.State)
	}
	if err != nil {
		return Identity{}, "", err
	}
	idn.Provider = p.ID
	return idn, next, nil
}

// clientContext has go-oidc and oauth2 talk through s.client. The
// discovery's context outlives the request that asked for it (go-oidc keeps
// it for fetching keys later).
func (s *Service) clientContext(ctx context.Context) context.Context {
	return context.WithValue(oidc.ClientContext(ctx, s.client), oauth2.HTTPClient, s.client)
}

func (s *Service) discover(ctx context.Context, p Provider) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op, ok := s.oidc[p.ID]; ok {
		return op, nil
	}
	op, err := oidc.NewProvider(s.clientContext(context.WithoutCancel(ctx)), p.Issuer)
	if err != nil {
		return nil, fail(CodeUnavailable, fmt.Sprintf("the identity provider %s does not answer its discovery document: %v", p.Issuer, err),
			"统一身份认证服务暂不可用（无法获取其配置），请稍后重试", err)
	}
	s.oidc[p.ID] = op
	return op, nil
}

func (s *Service) oauth(p Provider, op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: op.Endpoint(), RedirectURL: p.RedirectURL,
		Scopes: append([]string{oidc.ScopeOpenID}, p.Scopes...)}
}

func (s *Service) finishOIDC(ctx context.Context, p Provider, cb Callback, verifier, nonce string) (Identity, error) {
	if cb.Error != "" {
		return Identity{}, fail(CodeDenied, fmt.Sprintf("the identity provider refused the sign-in: %s %s", cb.Error, cb.ErrorDescription),
			"统一身份认证拒绝了登录："+cb.Error, nil)
	}
	if cb.Code == "" {
		return Identity{}, fail(CodeCode, "the callback carries no authorization code", "回调缺少授权码（code）", nil)
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		return Identity{}, err
	}
	tok, err := s.oauth(p, op).Exchange(s.clientContext(ctx), cb.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return Identity{}, fail(CodeCode, fmt.Sprintf("the identity provider refused the authorization code: %s %s", re.ErrorCode, re.ErrorDescription),
				"统一身份认证不接受该授权码（可能已使用或已过期），请重新登录", err)
		}
		return Identity{}, fail(CodeUnavailable, fmt.Sprintf("the identity provider's token endpoint failed: %v", err),
			"统一身份认证服务暂不可用，请稍后重试", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fail(CodeToken, "the token response carries no id_token", "令牌应答中缺少 ID 令牌（id_token）", nil)
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.now}).Verify(ctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return Identity{}, fail(CodeTokenExpired, fmt.Sprintf("the ID token expired at %s", exp.Expiry.UTC().Format(time.RFC3339)),
				"ID 令牌已过期（"+exp.Expiry.UTC().Format(time.RFC3339)+"），请重新登录", err)
		}
		return Identity{}, fail(CodeToken, "the ID token does not verify: "+err.Error(), "ID 令牌校验失败："+err.Error(), err)
	}
	if idt.Nonce != nonce {
		return Identity{}, fail(CodeToken, "the ID token's nonce is not the one this sign-in sent", "ID 令牌的 nonce 与本次登录不符", nil)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fail(CodeToken, "the ID token's claims do not decode: "+err.Error(), "ID 令牌的声明无法解析", err)
	}
	attr := func(name string) string {
		if name == "" {
			return ""
		}
		if name == "sub" {
			return idt.Subject
		}
		return claimString(claims[name])
	}
	a := p.Attributes
	return Identity{Subject: idt.Subject, Email: attr(a.Email), StaffNo: attr(a.StaffNo), Name: attr(a.Name), Unit: attr(a.Unit)}, nil
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case []any:
		if len(v) > 0 {
			return claimString(v[0])
		}
	}
	return ""
}

// casService is the service URL a CAS ticket is issued for: the redirect
// URL with the flow's state, so the callback finds its flow.
func casService(p Provider, state string) string {
	u, _ := url.Parse(p.RedirectURL) // checked by Config.Check
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *Service) finishCAS(ctx context.Context, p Provider, cb Callback, state string) (Identity, error) {
	if cb.Ticket == "" {
		return Identity{}, fail(CodeTicket, "the callback carries no service ticket", "回调缺少服务票据（ticket）", nil)
	}
	path := "/p3/serviceValidate"
	if p.CASVersion == "2.0" {
		path = "/serviceValidate"
	}
	q := url.Values{"service": {casService(p, state)}, "ticket": {cb.Ticket}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.CASBaseURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return Identity{}, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return Identity{}, fail(CodeUnavailable, "the CAS server does not answer: "+err.Error(), "统一身份认证（CAS）服务暂不可用，请稍后重试", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return Identity{}, fail(CodeUnavailable, fmt.Sprintf("the CAS server answered %d to ticket validation", res.StatusCode),
			"统一身份认证（CAS）服务暂不可用，请稍后重试", nil)
	}
	v, err := ParseServiceResponse(res.Body)
	if err != nil {
		return Identity{}, fail(CodeUnavailable, "the CAS server's answer does not parse: "+err.Error(), "统一身份认证（CAS）的应答无法解析", err)
	}
	if v.Failure != nil {
		return Identity{}, fail(CodeTicket, fmt.Sprintf("the CAS server refused the ticket: %s %s", v.Failure.Code, strings.TrimSpace(v.Failure.Message)),
			"统一身份认证（CAS）不接受该票据（"+v.Failure.Code+"），请重新登录", nil)
	}
	attr := func(name string) string {
		if name == "user" {
			return v.User
		}
		return v.Attributes[name]
	}
	a := p.Attributes
	return Identity{Subject: v.User, Email: attr(a.Email), StaffNo: attr(a.StaffNo), Name: attr(a.Name), Unit: attr(a.Unit)}, nil
}
