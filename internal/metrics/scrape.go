package metrics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/econf/econf/projections"
)

// ReadModelStatus reports every read model's lag and stall (projections.Status).
type ReadModelStatus func(ctx context.Context) ([]projections.State, error)

// database reads the shared state every process sees alike at scrape
// time: each read model's lag and stall, and the mail outbox.
type database struct {
	pool       *pgxpool.Pool
	readModels ReadModelStatus
	timeout    time.Duration

	lagEvents, lagSeconds, stalled, rebuildFailed, applied *prometheus.Desc
	pending, failing, parked, oldest, failedAttempts, sent *prometheus.Desc
	up                                                     *prometheus.Desc
}

// WatchDatabase adds the gauges read from the database at scrape time: the
// read models' lag (from status) and the mail outbox in pool.
func (m *Metrics) WatchDatabase(pool *pgxpool.Pool, status ReadModelStatus) error {
	rm := []string{"read_model"}
	d := &database{pool: pool, readModels: status, timeout: 5 * time.Second,
		lagEvents: prometheus.NewDesc("econf_projection_lag_events",
			"Events stored after the read model's checkpoint, not yet applied (counted up to 10000).", rm, nil),
		lagSeconds: prometheus.NewDesc("econf_projection_lag_seconds",
			"Age of the oldest event the read model has not applied yet; 0 when caught up.", rm, nil),
		stalled: prometheus.NewDesc("econf_projection_stalled",
			"1 while the read model is stopped at an event it cannot apply (econf projections retry NAME), else 0.", rm, nil),
		rebuildFailed: prometheus.NewDesc("econf_projection_rebuild_failed",
			"1 while the read model's last rebuild failed and none runs (it is not updated), else 0.", rm, nil),
		applied: prometheus.NewDesc("econf_projection_events_applied_total",
			"Events the read model's active generation has applied.", rm, nil),
		pending: prometheus.NewDesc("econf_outbox_pending",
			"Mails queued in the outbox and not sent yet.", nil, nil),
		failing: prometheus.NewDesc("econf_outbox_failing",
			"Queued mails whose last attempt failed (retried with a backoff, or parked).", nil, nil),
		parked: prometheus.NewDesc("econf_outbox_parked",
			"Mails given up on after a permanent failure or too many attempts (an operator may reset next_attempt_at).", nil, nil),
		oldest: prometheus.NewDesc("econf_outbox_oldest_pending_seconds",
			"Age of the oldest mail not sent yet; 0 when none waits.", nil, nil),
		failedAttempts: prometheus.NewDesc("econf_outbox_failed_attempts_total",
			"Sending attempts that failed, over every mail the outbox holds.", nil, nil),
		sent: prometheus.NewDesc("econf_outbox_sent_total",
			"Mails sent, over every mail the outbox holds.", nil, nil),
		up: prometheus.NewDesc("econf_database_scrape_ok",
			"1 when the read-model and outbox gauges could be read from the database at this scrape, else 0.", nil, nil),
	}
	return m.Register(d)
}

func (d *database) Describe(ch chan<- *prometheus.Desc) {
	for _, x := range []*prometheus.Desc{d.lagEvents, d.lagSeconds, d.stalled, d.rebuildFailed, d.applied,
		d.pending, d.failing, d.parked, d.oldest, d.failedAttempts, d.sent, d.up} {
		ch <- x
	}
}

// parkedAfter is how far in the future a parked mail's next attempt lies
// (the drainer parks it a century ahead).
const parkedAfter = "50 years"

func (d *database) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	ok := 1.0
	states, err := d.readModels(ctx)
	if err != nil {
		ok = 0
		ch <- prometheus.NewInvalidMetric(d.lagEvents, err)
	}
	for _, s := range states {
		ch <- prometheus.MustNewConstMetric(d.lagEvents, prometheus.GaugeValue, float64(s.LagEvents), s.Name)
		ch <- prometheus.MustNewConstMetric(d.lagSeconds, prometheus.GaugeValue, s.LagSeconds, s.Name)
		ch <- prometheus.MustNewConstMetric(d.stalled, prometheus.GaugeValue, boolean(s.Stalled != nil), s.Name)
		ch <- prometheus.MustNewConstMetric(d.rebuildFailed, prometheus.GaugeValue, boolean(s.RebuildError != "" && !s.Rebuilding), s.Name)
		ch <- prometheus.MustNewConstMetric(d.applied, prometheus.CounterValue, float64(s.EventsApplied), s.Name)
	}
	var pending, failing, parked, failed, sent int64
	var oldest float64
	err = d.pool.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE sent_at IS NULL),
			count(*) FILTER (WHERE sent_at IS NULL AND last_error IS NOT NULL),
			count(*) FILTER (WHERE sent_at IS NULL AND next_attempt_at > now() + $1::interval),
			COALESCE(sum(CASE WHEN sent_at IS NOT NULL OR leased_until > now() THEN greatest(attempts - 1, 0) ELSE attempts END), 0),
			count(*) FILTER (WHERE sent_at IS NOT NULL),
			COALESCE(extract(epoch FROM now() - min(created_at) FILTER (WHERE sent_at IS NULL)), 0)::float8
		FROM mail_outbox`, parkedAfter).Scan(&pending, &failing, &parked, &failed, &sent, &oldest)
	if err != nil {
		ok = 0
		ch <- prometheus.NewInvalidMetric(d.pending, err)
	} else {
		ch <- prometheus.MustNewConstMetric(d.pending, prometheus.GaugeValue, float64(pending))
		ch <- prometheus.MustNewConstMetric(d.failing, prometheus.GaugeValue, float64(failing))
		ch <- prometheus.MustNewConstMetric(d.parked, prometheus.GaugeValue, float64(parked))
		ch <- prometheus.MustNewConstMetric(d.oldest, prometheus.GaugeValue, oldest)
		ch <- prometheus.MustNewConstMetric(d.failedAttempts, prometheus.CounterValue, float64(failed))
		ch <- prometheus.MustNewConstMetric(d.sent, prometheus.CounterValue, float64(sent))
	}
	ch <- prometheus.MustNewConstMetric(d.up, prometheus.GaugeValue, ok)
}

func boolean(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
