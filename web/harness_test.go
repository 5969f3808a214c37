package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/mail/mailtest"
	"github.com/econf/econf/internal/pending"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
	"github.com/econf/econf/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// inWindow is inside the default forecast window for plan year 2027.
var inWindow = time.Date(2026, 9, 10, 10, 0, 0, 0, domain.Shanghai)

// password is a demo account's password (R-AUTH-01: 15+ characters, not
// common, nothing of the account's email or name).
func password(r domain.Role) string {
	rs := []rune(string(r))
	slices.Reverse(rs)
	return "amber meadow 9 " + string(rs)
}

// site is the real service on a fresh database: event store, commands,
// projections, mail outbox drained to an in-process SMTP server, the API
// and the pages, on a loopback port, as `econf serve` wires them.
type site struct {
	url   string
	tree  demo.Tree
	smtp  *mailtest.Server
	clock *policy.FixedClock
	app   *commands.App
	pool  *pgxpool.Pool
}

// newSite starts the site; configure may change the API's configuration,
// knowing the site's URL (a single sign-on's redirect URL, say).
func newSite(t testing.TB, configure ...func(cfg *httpapi.Config, siteURL string)) *site {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool := pgtest.NewDatabase(t, dbschema.Up)
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(pool, clock.Now)
	files, err := filestore.NewLocal(t.TempDir(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	reads := projections.NewQueries(pool)
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: reads})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := demo.Seed(ctx, app, password, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	runner, err := projections.NewRunner(pool, store, log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	smtpSrv := mailtest.Start(t)
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: smtpSrv.Host(), Port: smtpSrv.Port(), From: "econf <noreply@demo-univ.edu.cn>", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	drainer := mail.NewDrainer(pool, sender, mail.DrainerConfig{Poll: 20 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, log)
	done := make(chan error, 2)
	go func() { done <- runner.Run(ctx) }()
	go func() { done <- drainer.Run(ctx) }()
	cfg := httpapi.Config{App: app, Auth: as, Reads: reads, Waiter: runner, Pool: pool, Log: log, Files: files,
		Signup: app.Signup(pending.NewStore(pool), 30*time.Minute)}
	srv := httptest.NewUnstartedServer(nil)
	for _, c := range configure {
		c(&cfg, "http://"+srv.Listener.Addr().String())
	}
	srv.Config.Handler = web.New(web.Config{API: httpapi.New(cfg), Log: log, Now: clock.Now})
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("runner or drainer: %v", err)
			}
		}
	})
	return &site{url: srv.URL, tree: tree, smtp: smtpSrv, clock: clock, app: app, pool: pool}
}

func (s *site) email(r domain.Role) string { return s.tree.Account(r).Email }

// client is a cookie-keeping HTTP client that does not follow redirects.
func (s *site) client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
