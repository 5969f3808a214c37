// Package httpapi owns the HTTP API: the chi router, authentication by
// bearer token, role and scope checks (through the commands and read
// models), strict JSON in and out, problem+json errors, ETag/If-Match
// versions, Idempotency-Key replays and the OpenAPI document.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/metrics"
	"github.com/econf/econf/internal/sso"
	"github.com/econf/econf/projections"
)

// Config wires the server.
type Config struct {
	App      *commands.App
	Auth     *auth.Store
	Reads    *projections.Queries
	Waiter   Waiter
	Pool     *pgxpool.Pool // read models and idempotency records
	Log      *slog.Logger
	TokenTTL time.Duration
	// ConsistencyWait bounds how long a query waits for the read models to
	// reach the position a client asks for (X-Econf-Min-Position).
	ConsistencyWait time.Duration

	// Signup runs self-registration and password reset (R-ACT-03).
	Signup *commands.Signup

	// SMSLogin runs sign-in by mobile and SMS code (R-DEL-07); nil: the
	// SMS routes answer 503.
	SMSLogin *commands.SMSLogin

	// Files keeps uploads (location approvals, co-host material).
	Files filestore.Store

	// ClientAddressHeader names the header a reverse proxy puts the client
	// address in (its first address counts); empty: the TCP peer address.
	// Failed tries are counted per client address (R-AUTH-02).
	ClientAddressHeader string

	// IdempotencySecret keys the HMAC of the requests kept with their
	// Idempotency-Key (at least MinIdempotencySecret bytes); empty: one
	// generated once and kept in the database, shared by every process.
	IdempotencySecret []byte
	// IdempotencyWait bounds how long a request waits for the same request
	// running under its key (then 409 idempotency-in-progress); zero: 10 s.
	IdempotencyWait time.Duration
	// IdempotencyLease is how long a key stays reserved by a request that
	// stopped renewing it (its process died); zero: 30 s.
	IdempotencyLease time.Duration

	// Metrics counts requests by route and serves GET /metrics; nil: a
	// registry of this server's own (requests only, no database gauges).
	Metrics *metrics.Metrics

	// SimulatedClock is a training instance's simulated clock (ECONF_CLOCK),
	// shown by /healthz; nil: the machine's clock.
	SimulatedClock SimulatedClock

	// SSO signs staff in through their university's identity provider
	// (OIDC or CAS); nil: no provider configured.
	SSO *sso.Service

	// Proofs adds to each history the inclusion proof of the record's
	// events against the newest audit checkpoint; nil: none.
	Proofs Prover

	// Replica sends the reads of GET requests to a PostgreSQL hot standby
	// while it keeps up (ECONF_REPLICA_URL); nil: every read on the primary.
	// Reads and App must then read through it (replica.Router's DB and
	// Store).
	Replica ReadReplica

	// ExportSlots is how many xlsx exports run at once (each may hold up to
	// 16 MiB of rows before excelize spills to a temporary file, and
	// zips the workbook at the end); the others wait, up to ExportWait
	// (then 503 exports-busy). Zero: 2 slots, 30 s.
	ExportSlots int
	ExportWait  time.Duration

	// Erased is told of each erasure of a person's personal data (PIPL),
	// after their keys are gone: it rebuilds the read models, which still
	// hold their values (serve: in the background); nil: nothing.
	Erased func(ctx context.Context, subject uuid.UUID)
}

// Waiter waits until the read models have applied an event.
type Waiter interface {
	WaitFor(ctx context.Context, pos eventstore.Position, names ...string) error
}

// Server is the HTTP API.
type Server struct {
	Config
	router  chi.Router
	idem    idempotencySecret
	exports chan struct{} // a token per running xlsx export (ExportSlots)
}

// New builds the router.
func New(cfg Config) *Server {
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 8 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ConsistencyWait == 0 {
		cfg.ConsistencyWait = 5 * time.Second
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if cfg.ExportSlots <= 0 {
		cfg.ExportSlots = 2
	}
	if cfg.ExportWait <= 0 {
		cfg.ExportWait = 30 * time.Second
	}
	s := &Server{Config: cfg, exports: make(chan struct{}, cfg.ExportSlots)}
	s.router = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Router exposes the routes (the OpenAPI test walks them).
func (s *Server) Router() chi.Router { return s.router }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.measure, middleware.RequestID, securityHeaders, s.logRequests, s.recoverer, checkQuery)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no such endpoint", Zh: "接口不存在"})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Type: problemBase + "method-not-allowed", Title: "Method not allowed", Status: http.StatusMethodNotAllowed, Zh: "不支持该请求方法"})
	})
	r.Get("/healthz", s.healthz)
	r.Head("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/openapi.json", s.openAPI)
	r.Method(http.MethodGet, "/metrics", s.Metrics.Handler(s.Log))

	r.Route("/api/v1", func(r chi.Router) {
		r.Post("/auth/login", s.login)
		r.Get("/auth/universities", s.registrationChoices)
		r.Post("/auth/invitations", s.registerWithCode)
		r.With(s.maybeAuthenticated).Get("/guides/{id}", s.getGuide)
		r.Get("/auth/sso", s.ssoProviders)
		r.Post("/auth/sso/{provider}/start", s.ssoStart)
		r.Post("/auth/sso/{provider}/finish", s.ssoFinish)
		r.Group(func(r chi.Router) {
			r.Use(s.signupEnabled)
			r.Post("/auth/registrations", s.register)
			r.Post("/auth/registrations/activate", s.activate)
			r.Post("/auth/password-reset", s.requestPasswordReset)
			r.Post("/auth/password-reset/confirm", s.resetPassword)
		})
		r.Group(func(r chi.Router) {
			r.Use(s.smsEnabled)
			r.Post("/auth/sms-code", s.requestSMSCode)
			r.Post("/auth/sms-login", s.smsSignIn)
		})
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate, s.replicaReads)
			r.Post("/auth/logout", s.logout)
			r.Get("/me", s.me)
			r.Get("/users/{id}/profile", s.getProfile)
			r.Get("/me/notifications", s.myNotifications)
			r.With(s.smsEnabled).Post("/me/mobile/verification", s.startMobileVerification)
			r.With(s.smsEnabled).Post("/me/mobile/verification/confirm", s.confirmMobile)

			r.Group(func(r chi.Router) {
				r.Use(s.idempotent)
				r.Post("/forecasts", s.submitForecast)
				r.Put("/forecasts/{id}", s.reviseForecast)
				r.Post("/forecasts/{id}/withdraw", s.withdrawForecast)
				r.Post("/forecasts/{id}/approve-unit", s.approveAtUnit)
				r.Post("/forecasts/{id}/approve-school", s.approveAtSchool)
				r.Post("/forecasts/{id}/approve-authority", s.approveByAuthority)
				r.Post("/forecasts/{id}/reject", s.rejectForecast)

				r.Post("/organisations", s.createOrganisation)
				r.Post("/users", s.createUser)
				r.Patch("/users/{id}", s.updateUser)
				r.Post("/users/{id}/confirm", s.confirmAccount)
				r.Put("/users/{id}/password", s.setPassword)
				r.Put("/users/{id}/profile", s.updateProfile)
				r.Post("/me/notifications/read", s.markNotificationsRead)
				r.Put("/me/language", s.setMyLanguage)
				r.Put("/policy", s.publishPolicy)
				r.Put("/policy/work-calendar/{year}", s.setWorkCalendarYear)
				r.Post("/audit/incidents", s.recordIncident)
				r.Post("/persons/erase", s.erasePerson)
				r.Post("/admin/clock/advance", s.advanceClock)

				r.Post("/declarations", s.startDeclaration)
				r.Put("/declarations/{id}/sections/{section}", s.saveDeclarationSection)
				r.Post("/declarations/{id}/people.xlsx", s.importPeople)
				r.Post("/declarations/{id}/submit", s.submitDeclaration)
				r.Post("/declarations/{id}/withdraw", s.declarationDecision(s.App.WithdrawDeclaration))
				r.Post("/declarations/{id}/approve-unit", s.declarationDecision(s.App.ApproveDeclarationAtUnit))
				r.Post("/declarations/{id}/approve-school", s.declarationDecision(s.App.ApproveDeclarationAtSchool))
				r.Post("/declarations/{id}/approve-authority", s.declarationDecision(s.App.ApproveDeclarationByAuthority))
				r.Post("/declarations/{id}/reject", s.declarationDecision(s.App.RejectDeclaration))
				r.Post("/declarations/{id}/change-request", s.requestChange)
				r.Post("/declarations/{id}/change-request/approve", s.changeDecision(s.App.ApproveChange))
				r.Post("/declarations/{id}/change-request/reject", s.changeDecision(s.App.RejectChange))
				r.Put("/declarations/{id}/summary", s.saveSummary)
				r.Post("/declarations/{id}/summary/open", s.summaryStep(s.App.OpenSummary))
				r.Post("/declarations/{id}/summary/submit", s.summaryStep(s.App.SubmitSummary))
				r.Post("/declarations/{id}/summary/accept", s.summaryDecision(s.App.AcceptSummary))
				r.Post("/declarations/{id}/summary/return", s.summaryDecision(s.App.ReturnSummary))
				r.Post("/declarations/{id}/ngo-filing", s.confirmNGOFiling)

				r.Post("/funding/calls", s.publishFundingCall)
				r.Post("/funding", s.draftFunding)
				r.Put("/funding/{id}", s.editFunding)
				r.Post("/funding/{id}/submit", s.submitFunding)
				r.Post("/funding/{id}/withdraw", s.withdrawFunding)
				r.Post("/funding/{id}/grant", s.grantFunding)
				r.Post("/funding/{id}/reject", s.rejectFunding)
				r.Post("/funding/{id}/return", s.returnFunding)
				r.Post("/funding/plans", s.decideFundingPlan)
				r.Post("/funding/{id}/acknowledgement", s.acknowledgeFunder)
				r.Post("/funding/{id}/progress", s.reportFundingProgress)
				r.Post("/funding/{id}/summary", s.fileFundingSummary)
				r.Post("/funding/{id}/clawback", s.clawBackFunding)
				r.Post("/funding/institutes/{id}/suspension", s.suspendInstitute)
				r.Post("/funding/institutes/{id}/referral", s.referInstitute)

				r.Post("/congresses", s.createCongress)
				r.Put("/congresses/{id}/units/{unitId}", s.allotQuota)
				r.Post("/congresses/{id}/nominees", s.addNominee)
				r.Post("/congresses/{id}/nominees/{nomineeId}/approve", s.nomineeDecision(func(a *commands.App) nomineeCommand { return a.ApproveNominee }))
				r.Post("/congresses/{id}/nominees/{nomineeId}/reject", s.nomineeDecision(func(a *commands.App) nomineeCommand { return a.RejectNominee }))
				r.Post("/congresses/{id}/nominees/{nomineeId}/revoke", s.nomineeDecision(func(a *commands.App) nomineeCommand { return a.RevokeNominee }))
				r.Post("/congresses/{id}/nominees/{nomineeId}/deregister", s.nomineeDecision(func(a *commands.App) nomineeCommand { return a.DeregisterNominee }))
				r.Post("/congresses/{id}/nominees/{nomineeId}/disable", s.nomineeDecision(func(a *commands.App) nomineeCommand { return a.DisableNominee }))
				r.Post("/congresses/{id}/nominees/{nomineeId}/enable", s.nomineeDecision(func(a *commands.App) nomineeCommand { return a.EnableNominee }))
				r.Put("/congresses/{id}/nominees/{nomineeId}/attachments", s.setNomineeAttachments)
				r.Post("/congresses/{id}/nominees/review", s.reviewNominees)
				r.Post("/congresses/{id}/report", s.reportAll)
				r.Put("/congresses/{id}/nominees/{nomineeId}", s.editNominee)
				r.Post("/congresses/{id}/units/{unitId}/nominees/{nomineeId}/final-approve", s.finalDecision(true))
				r.Post("/congresses/{id}/units/{unitId}/nominees/{nomineeId}/final-reject", s.finalDecision(false))
				r.Post("/nomination-cycles", s.openNominationCycle)
				r.Put("/nomination-cycles/{id}", s.editNominationCycle)
				r.Post("/nomination-codes", s.issueInvitationCodes)
				r.Post("/nomination-codes.xlsx", s.importInvitationCodes)
				r.Post("/nomination-codes/{id}/revoke", s.revokeInvitationCode)
				r.Post("/nomination-codes/{id}/reissue", s.reissueInvitationCode)
				r.Post("/nominations", s.startNomination)
				r.Post("/nominations/{id}/plan", s.addPlanEntries)
				r.Post("/nominations/{id}/plan.xlsx", s.importPlan)
				r.Delete("/nominations/{id}/plan/{entry}", s.removePlanEntry)
				r.Put("/nominations/{id}/scheme", s.saveNominationScheme)
				r.Post("/nominations/{id}/recommendations", s.addRecommendation)
				r.Delete("/nominations/{id}/recommendations/{rec}", s.removeRecommendation)
				r.Post("/nominations/{id}/experts", s.inviteExpert)
				r.Put("/nominations/{id}/experts/{expert}/nominations", s.nominateConferences)
				r.Put("/nominations/{id}/committee", s.setReviewCommittee)
				r.Put("/nominations/{id}/committee/opinion", s.recordCommitteeOpinion)
				r.Put("/nominations/{id}/signed-list", s.signNominationList)
				r.Post("/nominations/{id}/notice", s.publishNominationNotice)
				r.Post("/nominations/{id}/notice/objections", s.recordNominationObjection)
				r.Post("/nominations/{id}/notice/objections/{objection}/handle", s.handleNominationObjection)
				r.Post("/nominations/{id}/submit", s.submitNomination)
				r.Post("/nominations/{id}/return", s.returnNomination)
				r.Put("/nominations/{id}/previous-resources", s.submitPreviousResources)
				r.Post("/nominations/{id}/recommendations/{rec}/recognise", s.recOn(s.App.RecogniseConference))
				r.Post("/nominations/{id}/recommendations/{rec}/decline", s.recOn(s.App.DeclineConference))
				r.Post("/nomination-cycles/{id}/guide/publish", s.publishGuide)
				r.Put("/nomination-cycles/{id}/guide/{rec}", s.updateGuideConference)
				r.Post("/nomination-cycles/{id}/guide/{rec}/resources", s.submitConferenceResources)
				r.Post("/nomination-cycles/{id}/guide/{rec}/quality-tracking", s.trackConferenceQuality)
			})
			detail, status, log, similar := s.declarationRoutes()
			// Uploads are larger than what idempotent requests keep; a
			// repeated upload only stores another description of one blob.
			r.Post("/files", s.uploadFile)
			r.Post("/forecasts/{id}/signed-form", s.uploadSignedForm)
			r.Get("/files/{id}", s.downloadFile)
			r.Get("/declarations", listRead(s, projections.ParseDeclarationFilter, s.Reads.ListDeclarations, projections.DeclarationListName))
			r.Get("/declarations/export", s.exportDeclarations)
			r.Get("/declarations/{id}/detail", detail)
			r.Get("/declarations/{id}/status", status)
			r.Get("/declarations/{id}/log", log)
			r.Get("/declarations/{id}/similar", similar)
			r.Get("/declarations/people-template.xlsx", s.sheetTemplate(PeopleTemplate, `attachment; filename="key-people-template.xlsx"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E4%B8%BB%E8%A6%81%E4%BA%BA%E5%91%98%E6%A8%A1%E6%9D%BF.xlsx`))
			r.Get("/declarations/{id}/approval-form.pdf", s.declarationFormPDF)
			r.Get("/declarations/{id}/log.pdf", s.declarationLogPDF)
			r.Get("/declarations/{id}", s.getDeclaration)
			fundingStatus, fundingLog := s.fundingReads()
			r.Get("/funding/{id}/status", fundingStatus)
			r.Get("/funding/{id}/log", fundingLog)
			r.Get("/funding/{id}/history", s.recordHistory(s.App.FundingHistory, commands.FundingStream))
			r.Get("/funding/{id}", s.getFunding)
			r.Get("/funding", listRead(s, projections.ParseFundingFilter, s.Reads.ListFunding, projections.FundingListName))
			r.Get("/funding/export", s.exportFunding)
			r.Get("/funding/plans/{year}", s.fundingPlan)
			r.Get("/funding/plans/{year}/notice.pdf", s.fundingNoticePDF)
			r.Get("/funding/institutes/{id}/eligibility", s.instituteEligibility)
			r.Get("/funding/eligibility", s.fundingEligibilities)
			r.Get("/funding/eligibility/export", s.exportFundingEligibilities)
			r.Get("/statistics/funding", listRead(s, parseFundingStats, s.fundingStats, projections.FundingListName))
			r.Get("/congresses", s.listCongresses)
			r.Get("/congresses/{id}", s.getCongress)
			r.Get("/congresses/{id}/units/{unitId}/delegation", s.getDelegation)
			delegationStatus, delegationLog := s.delegationReads()
			r.Get("/congresses/{id}/units/{unitId}/delegation/status", delegationStatus)
			r.Get("/congresses/{id}/units/{unitId}/delegation/log", delegationLog)
			r.Get("/congresses/{id}/units/{unitId}/nominees/{nomineeId}/history", s.nomineeHistory)
			r.Get("/congresses/{id}/units/{unitId}/registration-forms.zip", s.registrationFormsZip)
			r.Get("/congresses/{id}/overview", s.congressOverview)
			r.Get("/delegates", listRead(s, projections.ParseDelegateFilter, s.Reads.ListDelegates, projections.DelegateListName))
			r.Get("/delegates/export", s.exportDelegates)
			r.Get("/nomination-cycles", s.listNominationCycles)
			r.Get("/nomination-cycles/{id}", s.getNominationCycle)
			r.Get("/nomination-codes", s.listInvitationCodes)
			r.Get("/nomination-codes/template.xlsx", s.sheetTemplate(CodesTemplate, `attachment; filename="invitation-codes-template.xlsx"`))
			r.Get("/nominations/plan-template.xlsx", s.sheetTemplate(PlanTemplate, `attachment; filename="annual-plan-template.xlsx"`))
			r.Get("/nominations/{id}/quota", s.nominationQuota)
			r.Get("/nominations/{id}/notice", s.nominationNotice)
			nominationStatus, nominationLog := s.nominationReads()
			r.Get("/nominations/{id}/status", nominationStatus)
			r.Get("/nominations/{id}/log", nominationLog)
			r.Get("/nominations/{id}/diff", s.recordDiff("nomination"))
			r.Get("/nominations", s.listNominations)
			r.Get("/nominations/export", s.exportNominations)
			r.Get("/nominations/{id}/history", s.recordHistory(s.App.NominationHistory, commands.NominationStream))
			r.Get("/nominations/{id}", s.getNomination)
			r.Get("/nomination-cycles/{id}/nomination-form.pdf", s.nominationFormPDF)
			r.Get("/nominations/{id}/experts/{expert}/nomination-form.pdf", s.nominationFormPDF)
			r.Get("/nominations/{id}/committee-form.pdf", s.committeeFormPDF)
			r.Get("/nominations/{id}/list.pdf", s.nominationListPDF)
			r.Get("/nomination-cycles/{id}/guide.pdf", s.guidePDF)
			r.Get("/nomination-cycles/{id}/guide.xlsx", s.guideXLSX)
			r.Get("/nomination-cycles/{id}/guide/{rec}/certificate.pdf", s.certificatePDF)
			r.Get("/congresses/{id}/units/{unitId}/registration-forms.pdf", s.registrationForms)
			r.Get("/declarations/{id}/history", s.declarationHistory)
			r.Get("/declarations/{id}/summary", s.getSummary)
			r.Get("/declarations/{id}/change-request", s.changeRequestAt(declarationRead(s, s.Reads.ChangeRequest, func(v projections.ChangeRequestView) any { return v }, projections.ChangeRequestsName)))
			r.Get("/forecasts/{id}/diff", s.recordDiff("forecast"))
			r.Get("/declarations/{id}/diff", s.recordDiff("declaration"))
			r.Get("/declarations/{id}/change-request/diff", s.recordDiff("change"))
			r.Get("/declarations/{id}/summary/diff", s.recordDiff("summary"))
			r.Get("/funding/{id}/diff", s.recordDiff("funding"))
			changeStatus, changeLog, summaryStatus, summaryLog := s.aftercareRoutes()
			r.Get("/declarations/{id}/change-request/status", changeStatus)
			r.Get("/declarations/{id}/change-request/log", changeLog)
			r.Get("/declarations/{id}/summary/status", summaryStatus)
			r.Get("/declarations/{id}/summary/log", summaryLog)
			r.Get("/change-requests", listRead(s, projections.ParseChangeFilter, s.Reads.ChangeRequests, projections.ChangeRequestsName))
			r.Get("/summaries", listRead(s, projections.ParseSummaryFilter, s.listSummaries, projections.SummariesName))
			r.Get("/statistics/summaries", listRead(s, projections.ParseStatsFilter, s.Reads.SummaryStatistics, projections.SummariesName))
			r.Get("/statistics/review-times", listRead(s, projections.ParseReviewTimesFilter, s.Reads.ReviewTimesByUnit, projections.ReviewTimesName, projections.DirectoryName))
			r.Get("/statistics/lead-times", listRead(s, projections.ParseLeadTimesFilter, s.Reads.LeadTimes, projections.DeclarationListName, projections.ForecastListName))
			r.Get("/statistics/counts", listRead(s, projections.ParseCountsFilter, s.Reads.Counts, projections.DeclarationListName, projections.ForecastListName))
			r.Get("/me/standing", s.myStanding)
			r.Get("/me/personal-data", s.myPersonalData)
			r.Get("/persons/{id}/personal-data", s.personalData)
			r.Get("/forecasts", listRead(s, projections.ParseForecastFilter, s.Reads.ListForecasts, projections.ForecastListName))
			r.Get("/forecasts/export", s.exportForecasts)
			r.Get("/forecasts/{id}", s.getForecast)
			r.Get("/forecasts/{id}/status", s.forecastStatus)
			r.Get("/forecasts/{id}/log", s.forecastLog)
			r.Get("/forecasts/{id}/history", s.forecastHistory)
			r.Get("/forecasts/{id}/form.pdf", s.forecastFormPDF)
			r.Get("/forecasts/{id}/log.pdf", s.forecastLogPDF)
			r.Get("/organisations", s.listOrganisations)
			r.Get("/users", s.listUsers)
			r.Get("/policy", s.getPolicy)
			r.Get("/policy/work-calendar/{year}", s.getWorkCalendarYear)
		})
	})
	return r
}

// signupEnabled answers 503 where the server runs without registration
// (no mail set up for codes) instead of failing inside the handler.
func (s *Server) signupEnabled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Signup == nil {
			writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "Registration unavailable", Status: http.StatusServiceUnavailable,
				Detail: "this server does not offer self-registration or password reset", Zh: "本服务器未开放自助注册与密码重置"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SimulatedClock is what /healthz tells of a simulated clock.
type SimulatedClock interface {
	Now() time.Time
	Setting() string
	Offset() time.Duration
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	body := map[string]any{"status": "ok"}
	if c := s.SimulatedClock; c != nil {
		body["clock"] = map[string]any{"simulated": true, "now": c.Now().UTC().Format(time.RFC3339), "setting": c.Setting(),
			"aheadSeconds": int64(c.Offset() / time.Second)}
	}
	writeJSON(w, http.StatusOK, body)
}

// readyz answers 200 only when the event store and the read-model database
// both answer, and no read model is frozen by a failed rebuild. A stalled
// read model (one stopped at an event it cannot apply) leaves it 200, with
// checks.projections "degraded" and the read model, its event and error
// under readModels: the other read models and every command still work,
// and another replica would be stalled alike.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"eventstore": "ok", "database": "ok", "projections": "ok"}
	ready := true
	if err := s.App.Store().Ping(ctx); err != nil {
		checks["eventstore"], ready = err.Error(), false
	}
	body := map[string]any{"checks": checks}
	if err := s.Pool.Ping(ctx); err != nil {
		checks["database"], ready = err.Error(), false
		checks["projections"] = "unknown: the database does not answer"
	} else {
		if failed, err := projections.RebuildFailures(ctx, s.Pool); err != nil {
			checks["rebuilds"], ready = err.Error(), false
		} else if len(failed) > 0 {
			// An outdated read model whose rebuild failed is not updated until
			// a retry succeeds.
			var b strings.Builder
			for i, f := range failed {
				if i > 0 {
					b.WriteString("; ")
				}
				fmt.Fprintf(&b, "%s: rebuild failed at %s (not updated; retried with a backoff): %s", f.Name, f.At.UTC().Format(time.RFC3339), f.Error)
			}
			checks["rebuilds"], ready = b.String(), false
		} else {
			checks["rebuilds"] = "ok"
		}
		if models, err := s.Reads.ReadModelHealth(ctx); err != nil {
			checks["projections"] = "unknown: " + err.Error()
		} else {
			body["readModels"] = models
			for _, m := range models {
				if m.Status != "ok" {
					checks["projections"] = "degraded"
				}
			}
		}
	}
	s.replicaCheck(checks, body)
	body["ready"] = ready
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, body)
}

type ctxKey int

const actorKey ctxKey = 1

func actorOf(ctx context.Context) domain.Actor {
	a, _ := ctx.Value(actorKey).(domain.Actor) // set by authenticate on every route that calls this
	return a
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r)
		if token == "" {
			s.unauthorized(w, r, "sign in first: send Authorization: Bearer <token> from POST /api/v1/auth/login", "请先登录：请求头须带 Authorization: Bearer <token>（令牌由 POST /api/v1/auth/login 取得）")
			return
		}
		a, err := s.Auth.Session(r.Context(), token)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey, a)))
	})
}

// maybeAuthenticated serves a route open to anyone as the signed-in
// user when the request carries a valid session's token (the organiser's
// staff read their unpublished guide), else as anonymous: a token that is
// no session is no sign-in, and no error on an open route.
func (s *Server) maybeAuthenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := bearer(r); token != "" {
			if a, err := s.Auth.Session(r.Context(), token); err == nil {
				r = r.WithContext(context.WithValue(r.Context(), actorKey, a))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// measure counts every request by method, chi route pattern and status,
// and times it (econf_http_requests_total, econf_http_request_duration_seconds).
func (s *Server) measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			route := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				route = rc.RoutePattern()
			}
			s.Metrics.HTTP(r.Method, route, ww.Status(), time.Since(start))
		}()
		next.ServeHTTP(ww, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", ww.Status()), slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("took", time.Since(start)))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "panic", "value", v, "request_id", middleware.GetReqID(r.Context()))
				writeProblem(w, r, problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError, Zh: "服务器内部错误"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
