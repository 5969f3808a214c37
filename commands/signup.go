package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/signup"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/pending"
)

// RegistrationStream is the stream of one self-registration.
func RegistrationStream(id uuid.UUID) string { return "registration-" + id.String() }

// PasswordResetStream is the stream of one password reset request.
func PasswordResetStream(id uuid.UUID) string { return "password-reset-" + id.String() }

// PendingStore keeps registrations and resets that wait for their mailed
// code, and queues the code's mail in the same transaction.
type PendingStore interface {
	SaveRegistration(ctx context.Context, r pending.Registration, code string, m mail.Message) error
	TryRegistration(ctx context.Context, email, code string) (pending.Registration, signup.Attempt, error)
	DeleteRegistration(ctx context.Context, id uuid.UUID) error
	SaveReset(ctx context.Context, r pending.Reset, code string, m mail.Message) error
	TryReset(ctx context.Context, userID uuid.UUID, code string) (pending.Reset, signup.Attempt, error)
	DeleteReset(ctx context.Context, id uuid.UUID) error
	QueueMail(ctx context.Context, m mail.Message) error
}

// Signup runs self-registration and password reset (R-ACT-03).
type Signup struct {
	app     *App
	store   PendingStore
	codeTTL time.Duration
}

// DefaultCodeTTL is how long a mailed code is valid unless configured.
const DefaultCodeTTL = 30 * time.Minute

// Signup returns the registration and reset commands; codes are valid for
// codeTTL (DefaultCodeTTL when zero).
func (a *App) Signup(store PendingStore, codeTTL time.Duration) *Signup {
	if codeTTL <= 0 {
		codeTTL = DefaultCodeTTL
	}
	return &Signup{app: a, store: store, codeTTL: codeTTL}
}

// Register is a self-registration (R-ACT-03).
type Register struct {
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Mobile       string    `json:"mobile"`
	StaffNo      string    `json:"staffNo,omitempty"`
	UniversityID uuid.UUID `json:"universityId"`
	UnitID       uuid.UUID `json:"unitId"`
	Password     string    `json:"password"`
}

// Registered says where the code went.
type Registered struct {
	RegistrationID uuid.UUID           `json:"registrationId"`
	ExpiresAt      time.Time           `json:"expiresAt"`
	Position       eventstore.Position `json:"-"`
}

// Register checks everything the account will need (the unit under the
// chosen university, the address under its email domains, the address
// unused, the password strong enough), records the request and mails a
// code. Nothing personal goes into the event: the details and the password
// hash wait in the pending store until the code comes back.
func (s *Signup) Register(ctx context.Context, meta Meta, cmd Register) (Registered, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	pol, err := s.app.policies.Current(ctx)
	if err != nil {
		return Registered{}, err
	}
	var pr domain.Problems
	pr.Merge("", auth.CheckPassword("password", cmd.Password, cmd.Email, cmd.Name))
	uni, err := s.app.organisation(ctx, cmd.UniversityID)
	if err != nil {
		return Registered{}, err
	}
	unit, err := s.app.organisation(ctx, cmd.UnitID)
	if err != nil {
		return Registered{}, err
	}
	uniOK := uni.Kind() == org.University
	switch {
	case cmd.UniversityID == uuid.Nil:
		pr.Add("universityId", "R-ACT-03", "required", "必填")
	case !uniOK:
		pr.Add("universityId", "R-ACT-03", "no such university", "高校不存在")
	}
	if uniOK && unit.Kind() == org.Unit && unit.ParentID() != uni.ID() {
		pr.Add("unitId", "R-ACT-03", "the unit is not part of the chosen university", "所选院系不属于所选高校")
	}
	email := account.NormalizeEmail(cmd.Email)
	userID := account.ID(email)
	nu := account.NewUser{Email: email, Name: cmd.Name, Role: domain.RoleApplicant, OrgID: cmd.UnitID, Mobile: cmd.Mobile, StaffNo: cmd.StaffNo}
	if err := registrationProblems(&pr, account.New(userID).Register(nu, unit.Kind(), uni.EmailDomains(), pol), uniOK); err != nil {
		return Registered{}, err
	}
	l, err := s.app.load(ctx, UserStream(userID))
	if err != nil {
		return Registered{}, err
	}
	if err := pr.Err(); err != nil {
		return Registered{}, err
	}

	id := uuid.NewSHA1(meta.CommandID, []byte("registration"))
	expires := s.app.clock.Now().Add(s.codeTTL).UTC().Truncate(time.Second)
	if len(l.events) > 0 {
		return s.accountExists(ctx, meta, userID, l, Registered{RegistrationID: id, ExpiresAt: expires}, cmd.Password)
	}
	actor := domain.Actor{UserID: userID, Name: strings.TrimSpace(cmd.Name), Role: domain.RoleApplicant, OrgID: cmd.UnitID}
	res, err := s.app.execute(ctx, actor, meta, "RequestRegistration", RegistrationStream(id), id, func(l loaded) (decision, error) {
		if len(l.events) > 0 {
			return decision{}, fmt.Errorf("registration %s: %w", id, domain.ErrConflict)
		}
		return decision{events: []event{signup.RegistrationRequested{
			RegistrationID: id, UserID: userID, UnitID: cmd.UnitID, UniversityID: uni.ID(), ExpiresAt: expires, At: s.app.clock.Now(),
		}}, policy: pol.Version}, nil
	})
	if err != nil {
		return Registered{}, err
	}
	out := Registered{RegistrationID: id, ExpiresAt: expires, Position: res.Position}
	if res.Replayed {
		return out, nil // the first run saved the registration and queued its code
	}
	code, err := pending.NewCode()
	if err != nil {
		return Registered{}, err
	}
	hash, err := auth.HashPassword(cmd.Password)
	if err != nil {
		return Registered{}, err
	}
	m := mail.Message{DedupeKey: mail.DedupeKey(eventstore.EventID(meta.CommandID, 0), mail.ActivationCode), Template: mail.ActivationCode,
		To: email, Data: map[string]string{"name": actor.Name, "code": code, "minutes": s.minutes()}}
	r := pending.Registration{ID: id, Email: email, Name: actor.Name, Mobile: strings.TrimSpace(cmd.Mobile), StaffNo: strings.TrimSpace(cmd.StaffNo),
		UnitID: cmd.UnitID, PasswordHash: hash, ExpiresAt: expires}
	if err := s.store.SaveRegistration(ctx, r, code, m); err != nil {
		return Registered{}, err
	}
	return out, nil
}

// accountExists answers a registration for an address that already has
// an account (R-ACT-03: one account per address) exactly as a new one is
// answered, so the answer tells nobody which addresses have accounts (OWASP
// ASVS V2/V3, issue 12 part 11): the holder is mailed instead, and the
// password is hashed all the same so the time taken tells nothing either.
func (s *Signup) accountExists(ctx context.Context, meta Meta, userID uuid.UUID, l loaded, out Registered, password string) (Registered, error) {
	u, err := foldUser(userID, l)
	if err != nil {
		return Registered{}, err
	}
	if _, err := auth.HashPassword(password); err != nil {
		return Registered{}, err
	}
	m := mail.Message{DedupeKey: mail.DedupeKey(eventstore.EventID(meta.CommandID, 0), mail.AccountExists), Template: mail.AccountExists,
		To: u.Email(), Data: map[string]string{"name": u.Name()}}
	if err := s.store.QueueMail(ctx, m); err != nil {
		return Registered{}, err
	}
	return out, nil
}

func (s *Signup) minutes() string {
	return strconv.Itoa(int(s.codeTTL.Round(time.Minute) / time.Minute))
}

// registrationProblems merges account.Register's verdict into pr, naming
// the unit as the request does (unitId, not orgId). Without a valid
// university there are no domains to check the address against, so that
// complaint is left out. A non-validation error is returned.
func registrationProblems(pr *domain.Problems, err error, uniOK bool) error {
	if err == nil {
		return nil
	}
	var rest domain.Problems
	rest.Merge("", err)
	verr := rest.Err()
	if verr == nil {
		return err
	}
	for _, f := range verr.(*domain.ValidationError).Fields {
		if f.Path == "email" && !uniOK && strings.HasPrefix(f.Message, "must be an institutional") {
			continue
		}
		if f.Path == "orgId" {
			f.Path = "unitId"
		}
		pr.Add(f.Path, f.Rule, f.Message, f.Zh)
	}
	return nil
}

// Activate is the code from the activation mail.
type Activate struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

// Activate checks the code (R-ACT-03: expiry, at most MaxWrongCodes wrong
// tries) and creates the applicant account through account.Register, with
// the password given at registration. Every step is idempotent, so a retry
// after a failure part-way finishes the job.
func (s *Signup) Activate(ctx context.Context, cmd Activate) (Result, error) {
	var pr domain.Problems
	pr.Required("email", "SCHEMA", cmd.Email)
	pr.Required("code", "SCHEMA", cmd.Code)
	if err := pr.Err(); err != nil {
		return Result{}, err
	}
	r, try, err := s.store.TryRegistration(ctx, account.NormalizeEmail(cmd.Email), strings.TrimSpace(cmd.Code))
	if err != nil {
		return Result{}, err
	}
	if err := signup.Check("code", try, s.app.clock.Now()); err != nil {
		return Result{}, err
	}
	pol, err := s.app.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	unit, err := s.app.organisation(ctx, r.UnitID)
	if err != nil {
		return Result{}, err
	}
	uni, err := s.app.organisation(ctx, unit.ParentID())
	if err != nil {
		return Result{}, err
	}
	userID := account.ID(r.Email)
	actor := domain.Actor{UserID: userID, Name: r.Name, Role: domain.RoleApplicant, OrgID: r.UnitID}
	meta := Meta{CommandID: uuid.NewSHA1(r.ID, []byte("activate")), CorrelationID: r.ID.String()}
	res, err := s.app.execute(ctx, actor, meta, "ActivateRegistration", UserStream(userID), userID, func(l loaded) (decision, error) {
		u, err := foldUser(userID, l)
		if err != nil {
			return decision{}, err
		}
		if u.Exists() {
			var pr domain.Problems
			pr.Add("email", "R-ACT-03", "an account with this email already exists", "该邮箱已注册")
			return decision{}, pr.Err()
		}
		nu := account.NewUser{Email: r.Email, Name: r.Name, Role: domain.RoleApplicant, OrgID: r.UnitID, Mobile: r.Mobile, StaffNo: r.StaffNo}
		if err := u.Register(nu, unit.Kind(), uni.EmailDomains(), pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return Result{}, err
	}
	if err := s.app.creds.SetCredential(ctx, userID, r.Email, r.PasswordHash); err != nil {
		return Result{}, fmt.Errorf("store password of %s: %w", r.Email, err)
	}
	meta = Meta{CommandID: uuid.NewSHA1(r.ID, []byte("activated")), CorrelationID: r.ID.String()}
	done, err := s.app.execute(ctx, actor, meta, "ActivateRegistration", RegistrationStream(r.ID), r.ID, func(loaded) (decision, error) {
		return decision{events: []event{signup.RegistrationActivated{RegistrationID: r.ID, UserID: userID, At: s.app.clock.Now()}}, policy: pol.Version}, nil
	})
	if err != nil {
		return Result{}, err
	}
	if err := s.store.DeleteRegistration(ctx, r.ID); err != nil {
		return Result{}, err
	}
	return Result{ID: userID, Version: res.Version, Position: done.Position}, nil
}

// RequestPasswordReset is someone asking for a reset code.
type RequestPasswordReset struct {
	Email string `json:"email"`
}

// RequestPasswordReset mails a reset code when the address belongs to an
// active account, and does nothing otherwise: the answer is the same, so it
// tells nobody which addresses have accounts.
func (s *Signup) RequestPasswordReset(ctx context.Context, meta Meta, cmd RequestPasswordReset) error {
	email := account.NormalizeEmail(cmd.Email)
	var pr domain.Problems
	if pr.Required("email", "SCHEMA", email) && !domain.ValidEmail(email) {
		pr.Add("email", "SCHEMA", "must be an email address such as name@example.org", "须为有效的电子邮件地址")
	}
	if err := pr.Err(); err != nil {
		return err
	}
	userID := account.ID(email)
	l, err := s.app.load(ctx, UserStream(userID))
	if err != nil {
		return err
	}
	u, err := foldUser(userID, l)
	if err != nil {
		return err
	}
	if !u.Active() {
		return nil
	}
	pol, err := s.app.policies.Current(ctx)
	if err != nil {
		return err
	}
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("password-reset"))
	expires := s.app.clock.Now().Add(s.codeTTL).UTC().Truncate(time.Second)
	actor := domain.Actor{UserID: userID, Name: u.Name(), Role: u.Role(), OrgID: u.OrgID()}
	res, err := s.app.execute(ctx, actor, meta, "RequestPasswordReset", PasswordResetStream(id), id, func(l loaded) (decision, error) {
		if len(l.events) > 0 {
			return decision{}, fmt.Errorf("password reset %s: %w", id, domain.ErrConflict)
		}
		return decision{events: []event{signup.ResetRequested{RequestID: id, UserID: userID, ExpiresAt: expires, At: s.app.clock.Now()}}, policy: pol.Version}, nil
	})
	if err != nil || res.Replayed {
		return err
	}
	code, err := pending.NewCode()
	if err != nil {
		return err
	}
	m := mail.Message{DedupeKey: mail.DedupeKey(eventstore.EventID(meta.CommandID, 0), mail.PasswordResetCode), Template: mail.PasswordResetCode,
		To: u.Email(), Data: map[string]string{"code": code, "minutes": s.minutes()}}
	return s.store.SaveReset(ctx, pending.Reset{ID: id, UserID: userID, ExpiresAt: expires}, code, m)
}

// ResetPassword is the code from the reset mail and the new password.
type ResetPassword struct {
	Email    string `json:"email"`
	Code     string `json:"code"`
	Password string `json:"password"`
}

// ResetPassword checks the new password first (a weak one costs no try of
// the code), then the code, then replaces the password and ends every
// session of the account.
func (s *Signup) ResetPassword(ctx context.Context, cmd ResetPassword) error {
	var pr domain.Problems
	pr.Required("email", "SCHEMA", cmd.Email)
	pr.Required("code", "SCHEMA", cmd.Code)
	pr.Merge("", auth.CheckPassword("password", cmd.Password, cmd.Email))
	if err := pr.Err(); err != nil {
		return err
	}
	userID := account.ID(cmd.Email)
	r, try, err := s.store.TryReset(ctx, userID, strings.TrimSpace(cmd.Code))
	if err != nil {
		return err
	}
	if err := signup.Check("code", try, s.app.clock.Now()); err != nil {
		return err
	}
	l, err := s.app.load(ctx, UserStream(userID))
	if err != nil {
		return err
	}
	u, err := foldUser(userID, l)
	if err != nil {
		return err
	}
	if !u.Active() {
		return signup.Check("code", signup.Attempt{}, s.app.clock.Now()) // as for an unknown address
	}
	// The name only now: before the code it would tell a stranger whose
	// name goes with the address. The right code stays usable.
	if err := auth.CheckPassword("password", cmd.Password, u.Email(), u.Name()); err != nil {
		return err
	}
	if err := s.app.setPassword(ctx, userID, u.Email(), cmd.Password); err != nil {
		return err
	}
	if err := s.app.sessions.EndSessionsOf(ctx, userID); err != nil {
		return err
	}
	pol, err := s.app.policies.Current(ctx)
	if err != nil {
		return err
	}
	actor := domain.Actor{UserID: userID, Name: u.Name(), Role: u.Role(), OrgID: u.OrgID()}
	meta := Meta{CommandID: uuid.NewSHA1(r.ID, []byte("reset")), CorrelationID: r.ID.String()}
	if _, err := s.app.execute(ctx, actor, meta, "ResetPassword", PasswordResetStream(r.ID), r.ID, func(loaded) (decision, error) {
		return decision{events: []event{signup.ResetCompleted{RequestID: r.ID, UserID: userID, At: s.app.clock.Now()}}, policy: pol.Version}, nil
	}); err != nil {
		return err
	}
	return s.store.DeleteReset(ctx, r.ID)
}
