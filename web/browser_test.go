package web_test

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axe-core 4.14.1 from npm (npm pack axe-core@4.14.1; MPL-2.0, licence
// beside it), run inside the pages by the tests only.
//
//go:embed testdata/axe-core-4.14.1.min.js
var axeSource string

// browser is one headless Chromium (Debian's package, which scripts/test
// installs when missing) for a test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	site *site
	dir  string
}

func newBrowser(t *testing.T, s *site) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the browser tests need Chromium: apt-get install chromium (./scripts/test installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return &browser{t: t, ctx: ctx, site: s, dir: screenshotDir(t)}
}

// user is a fresh browser profile: its own cookies, one tab.
func (b *browser) user(name string) *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return b.start(ctx, name)
}

// another opens a second tab of tb's user (same cookies).
func (tb *tab) another(name string) *tab {
	tb.t.Helper()
	ctx, cancel := chromedp.NewContext(tb.ctx)
	tb.t.Cleanup(cancel)
	return tb.b.start(ctx, name)
}

func (b *browser) start(ctx context.Context, name string) *tab {
	b.t.Helper()
	// Every document records the CSP violations it meets; DevTools adds the
	// recorder, so the page's own policy does not apply to it.
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	return &tab{t: b.t, ctx: ctx, b: b, name: name}
}

// tab is one browser tab acting as one user.
type tab struct {
	t    *testing.T
	ctx  context.Context
	b    *browser
	name string
}

// do runs steps, failing the test on an error or after 30 s.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v (at %s)", tb.name, err, tb.location())
	}
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	l, _ := chromedp.Run(ctx, chromedp.Location())
	return l
}

// eval evaluates a JavaScript expression of the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, expr, err)
	}
	return v
}

// waitFor waits until the expression is true on the page, across the
// navigation it may wait for.
func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond) // the page is still loading: look again
	}
	body, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText`))
	tb.t.Fatalf("%s: waiting for %s at %s: %v\n%s", tb.name, expr, tb.location(), last, body)
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.b.site.url + path))
	tb.checkCSP()
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel))
}

// fill sets inputs by id.
func (tb *tab) fill(values map[string]string) {
	tb.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for id, v := range values {
		steps = append(steps, chromedp.SetValue(chromedp.ID(id), v))
	}
	tb.do(steps...)
}

// click clicks what sel selects and waits for the next page.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](`window.__left = true`), chromedp.Click(chromedp.CSS(sel)))
	tb.waitFor(`!window.__left && document.readyState === 'complete'`)
	tb.checkCSP()
}

// checkCSP fails the test if the page broke its Content-Security-Policy.
func (tb *tab) checkCSP() {
	tb.t.Helper()
	if v := eval[[]string](tb, `window.__csp || []`); len(v) > 0 {
		tb.t.Errorf("%s: CSP violations at %s: %q", tb.name, tb.location(), v)
	}
}

// shot writes a full-page screenshot.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("%s: screenshot %s: %v", tb.name, name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.b.dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// axe runs axe-core in the page: no serious or critical violation.
func (tb *tab) axe(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		tb.t.Fatalf("%s: load axe: %v", name, err)
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: axe: %v", name, err)
	}
	for _, f := range found {
		tb.t.Errorf("axe on %s: %s", name, f)
	}
	// No page transfers more than 300 KB, its files included.
	if kb := eval[float64](tb, `(performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
		.reduce((n, e) => n + (e.encodedBodySize || 0), 0)) / 1024`); kb > 300 {
		tb.t.Errorf("%s weighs %.0f KB; want at most 300", name, kb)
	}
}

// signIn signs in with the keyboard only: Tab to the email field, type,
// Tab, type, Enter.
func (tb *tab) signIn(email, pw string) {
	tb.t.Helper()
	tb.open("/login")
	for i := 0; ; i++ {
		if eval[string](tb, `document.activeElement ? document.activeElement.id : ''`) == "f-email" {
			break
		}
		if i == 15 {
			tb.t.Fatalf("%s: Tab never reached the email field", tb.name)
		}
		tb.do(chromedp.KeyEvent(kb.Tab))
	}
	tb.do(chromedp.KeyEvent(email), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(pw),
		chromedp.Evaluate[chromedp.Void](`window.__left = true`), chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`!window.__left && document.readyState === 'complete' && location.pathname === '/'`)
	tb.checkCSP()
}

var screenshotOnce sync.Once

// screenshotDir is where the browser tests write their screenshots:
// $ECONF_SCREENSHOTS, or web/testdata/screenshots (not committed).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ECONF_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	var err error
	screenshotOnce.Do(func() { err = os.MkdirAll(dir, 0o755) })
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// countIn reads an inbox section's count.
func (tb *tab) countIn(section string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector('#sec-%s .count') || {dataset: {count: 'none'}}).dataset.count`, section))
}

func contains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: %q does not contain %q", what, got, want)
	}
}
