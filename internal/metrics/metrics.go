// Package metrics is econf's Prometheus instrumentation: counters and
// histograms the HTTP layer, the command layer and the deadline engine feed
// as they work, and gauges read from the database at scrape time (read
// model lag, the mail outbox), so that every process reports the same
// shared state. Serve exposes it at GET /metrics; docs/operations.md lists
// the series and deploy/grafana/econf.json charts them.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/outage"
)

// Metrics holds one process's registry and the series it feeds.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	commands     *prometheus.CounterVec
	cmdDuration  *prometheus.HistogramVec
	appended     *prometheus.CounterVec
	deadlineRuns *prometheus.CounterVec
	deadlineRecs *prometheus.CounterVec
	deadlineLast prometheus.Gauge
	projLag      *prometheus.HistogramVec
}

// LagMetric is the histogram of the time from an event's append to its
// read model's commit (ProjectionLag): the projection lag inside the server.
const LagMetric = "econf_projection_delay_seconds"

// lagBuckets resolve the projection lag around its target (50 ms).
var lagBuckets = []float64{.001, .0025, .005, .0075, .01, .015, .02, .03, .04, .05, .075, .1, .15, .25, .5, 1, 2.5, 5, 10, 30}

// durationBuckets suit API requests: most take milliseconds, exports and
// PDFs seconds.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New makes a registry with the process and Go runtime collectors and
// econf's own series.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "econf_http_requests_total",
		Help: "HTTP requests answered, by method, chi route pattern (\"unmatched\" for no route) and status code.",
	}, []string{"method", "route", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "econf_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and chi route pattern.",
		Buckets: durationBuckets,
	}, []string{"method", "route"})
	m.commands = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "econf_commands_total",
		Help: "Commands run, by name and outcome: ok, replayed (an idempotent retry), unchanged (nothing to record), invalid (a rule refused it), wrong_state, conflict (stale version or lost races), not_found, forbidden, unavailable, error.",
	}, []string{"command", "outcome"})
	m.cmdDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "econf_command_duration_seconds",
		Help:    "Time a command took from loading its record to its append, by name.",
		Buckets: durationBuckets,
	}, []string{"command"})
	m.appended = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "econf_events_appended_total",
		Help: "Events appended to the event store, by the command that decided them.",
	}, []string{"command"})
	m.deadlineRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "econf_deadline_runs_total",
		Help: "Deadline engine ticks, by outcome: ok, or error (the tick stopped early).",
	}, []string{"outcome"})
	m.deadlineRecs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "econf_deadline_conferences_total",
		Help: "Conferences the deadline engine checked, by result: recorded (a deadline fact appended), nothing, failed.",
	}, []string{"result"})
	m.deadlineLast = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "econf_deadline_last_run_timestamp_seconds",
		Help: "When the deadline engine last finished a tick (Unix time).",
	})
	m.projLag = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    LagMetric,
		Help:    "Time from an event's append (its created time in the store) until the read model's transaction that applied it committed, by read model: the projection lag inside the server.",
		Buckets: lagBuckets,
	}, []string{"read_model"})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.commands, m.cmdDuration, m.appended, m.deadlineRuns, m.deadlineRecs, m.deadlineLast, m.projLag)
	for _, o := range []string{"ok", "error"} {
		m.deadlineRuns.WithLabelValues(o)
	}
	return m
}

// Handler serves the registry in the Prometheus text (or OpenMetrics)
// format. A collector that fails is logged and its series left out; the
// others are still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPrinter{log},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // promhttp_metric_handler_errors_total
	})
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	if p.log != nil {
		p.log.Warn("metrics", "err", v)
	}
}

// HTTP records one answered request. route is the chi route pattern, empty
// when no route matched.
func (m *Metrics) HTTP(method, route string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // the method is the client's choice: keep the label set small
	}
	if status == 0 {
		status = http.StatusOK
	}
	m.httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(method, route).Observe(took.Seconds())
}

// ProjectionLag records that readModel made an event visible lag after it
// was appended (projections.Runner.ObserveLag).
func (m *Metrics) ProjectionLag(readModel string, lag time.Duration) {
	m.projLag.WithLabelValues(readModel).Observe(max(lag, 0).Seconds())
}

// Command records one command's end: appended is how many events it wrote.
func (m *Metrics) Command(name string, appended int, replayed bool, took time.Duration, err error) {
	m.commands.WithLabelValues(name, Outcome(appended, replayed, err)).Inc()
	m.cmdDuration.WithLabelValues(name).Observe(took.Seconds())
	if appended > 0 {
		m.appended.WithLabelValues(name).Add(float64(appended))
	}
}

// Outcome names how a command ended, for econf_commands_total.
func Outcome(appended int, replayed bool, err error) string {
	var ve *domain.ValidationError
	var se *domain.StateError
	switch {
	case err == nil && replayed:
		return "replayed"
	case err == nil && appended == 0:
		return "unchanged"
	case err == nil:
		return "ok"
	case errors.As(err, &ve):
		return "invalid"
	case errors.As(err, &se):
		return "wrong_state"
	case errors.Is(err, eventstore.ErrWrongVersion), errors.Is(err, domain.ErrConflict), errors.Is(err, eventstore.ErrDuplicateEvent):
		return "conflict"
	case errors.Is(err, domain.ErrNotFound):
		return "not_found"
	case errors.Is(err, domain.ErrForbidden):
		return "forbidden"
	case outage.Is(err), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "unavailable"
	}
	return "error"
}

// DeadlineRun records one deadline engine tick.
func (m *Metrics) DeadlineRun(checked, recorded, failed int, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.deadlineRuns.WithLabelValues(outcome).Inc()
	m.deadlineRecs.WithLabelValues("recorded").Add(float64(recorded))
	m.deadlineRecs.WithLabelValues("failed").Add(float64(failed))
	m.deadlineRecs.WithLabelValues("nothing").Add(float64(max(checked-recorded-failed, 0)))
	m.deadlineLast.SetToCurrentTime()
}

// Register adds a collector (the database gauges of scrape.go).
func (m *Metrics) Register(c prometheus.Collector) error { return m.reg.Register(c) }
