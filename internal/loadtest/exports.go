package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/econf/econf/domain"
)

// Exports beside the closed loop. Each of Config.Exports exporters sends
// GET /api/v1/forecasts/export (xlsx, every forecast its account may read)
// and reads the workbook to the end, then the next, for as long as the
// users run; the export in flight when they end is finished and counted.
// The server runs ExportSlots exports at once and makes the others wait (up
// to its ExportWait), then answers 503 exports-busy: those are counted
// apart from the errors.

// exportRoles are the accounts the exporters act as, in turn: the school
// admin (every forecast of the university) and the analyst (every
// forecast, no scope).
var exportRoles = []domain.Role{domain.RoleSchoolAdmin, domain.RoleAnalyst}

// exportPath is the list export the exporters run.
const exportPath = "/api/v1/forecasts/export?format=xlsx"

// ExportReport is what the exporters measured.
type ExportReport struct {
	// Exporters is how many exports ran at once (Config.Exports).
	Exporters int `json:"exporters"`
	// Completed exports, and their latency from the request to the
	// workbook's last byte.
	Completed int64 `json:"completed"`
	Latency   Stats `json:"latency"`
	// PerSec is the completed exports per second of the run.
	PerSec float64 `json:"perSecond"`
	// Busy counts the 503 exports-busy answers (no slot came free in the
	// server's wait).
	Busy int64 `json:"busy503"`
	// Errors counts every other failure; ErrorSamples holds the first of
	// each kind.
	Errors       map[string]int64  `json:"errors"`
	ErrorSamples map[string]string `json:"errorSamples,omitempty"`
	// MaxBytes is the largest workbook received.
	MaxBytes int64 `json:"maxBytes"`
}

type exporters struct {
	n    int
	wg   sync.WaitGroup
	mu   sync.Mutex
	lat  []time.Duration
	busy int64
	errs map[string]int64
	samp map[string]string
	max  int64
}

// startExporters starts n exporters on c's connections and tokens; they
// stop starting exports when stop closes, and end when ctx does.
func startExporters(ctx context.Context, c *client, n int, stop <-chan struct{}) *exporters {
	x := &exporters{n: n, errs: map[string]int64{}, samp: map[string]string{}}
	for i := range n {
		role := exportRoles[i%len(exportRoles)]
		x.wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				if !x.export(ctx, c, role) {
					return
				}
			}
		})
	}
	return x
}

// export runs one export; false when ctx ended.
func (x *exporters) export(ctx context.Context, c *client, role domain.Role) bool {
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, requestTimeout+time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, c.base+exportPath, nil)
	if err != nil {
		x.fail("request", err.Error())
		return false
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[role])
	res, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		kind := "transport"
		if errors.Is(err, context.DeadlineExceeded) {
			kind = "timeout"
		}
		x.fail(kind, err.Error())
		return true
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	took := time.Since(start)
	c.rec.readFrom(res.Header)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return false
		}
		x.fail("transport", fmt.Sprintf("%s as %s: reading the workbook: %v", exportPath, role, err))
	case res.StatusCode == http.StatusServiceUnavailable:
		x.mu.Lock()
		x.busy++
		x.mu.Unlock()
	case res.StatusCode != http.StatusOK:
		x.fail("http-"+strconv.Itoa(res.StatusCode), fmt.Sprintf("%s as %s", exportPath, role))
	default:
		x.mu.Lock()
		x.lat = append(x.lat, took)
		x.max = max(x.max, n)
		x.mu.Unlock()
	}
	return true
}

func (x *exporters) fail(kind, detail string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.errs[kind]++
	if _, ok := x.samp[kind]; !ok {
		x.samp[kind] = detail
	}
}

// wait waits for the exporters (after the users have ended) and reports;
// nil when there were none.
func (x *exporters) wait(elapsed time.Duration) *ExportReport {
	if x.n == 0 {
		return nil
	}
	x.wg.Wait()
	x.mu.Lock()
	defer x.mu.Unlock()
	return &ExportReport{Exporters: x.n, Completed: int64(len(x.lat)), Latency: summarise(x.lat),
		PerSec: float64(len(x.lat)) / elapsed.Seconds(), Busy: x.busy, Errors: x.errs, ErrorSamples: x.samp, MaxBytes: x.max}
}
