package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/econf/econf/internal/metrics"
)

// lagHistogram is the server's projection-lag histogram (metrics.LagMetric)
// as GET /metrics shows it at one moment, summed over the read models:
// cumulative counts by upper bound, and the sum of the observations.
type lagHistogram struct {
	bounds []float64 // seconds, ascending, +Inf last
	counts []float64 // cumulative
	sum    float64
	total  float64
}

// scrapeLag reads the projection-lag histogram from the server's /metrics.
// A server without it (an older econf) gives an empty histogram.
func (c *client) scrapeLag(ctx context.Context) (lagHistogram, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return lagHistogram{}, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return lagHistogram{}, fmt.Errorf("GET /metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return lagHistogram{}, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	byBound := map[float64]float64{}
	var h lagHistogram
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metrics.LagMetric) {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil {
			continue
		}
		switch name {
		case metrics.LagMetric + "_bucket":
			i := strings.Index(labels, `le="`)
			if i < 0 {
				continue
			}
			le := labels[i+4:]
			le = le[:strings.IndexByte(le, '"')]
			b, err := strconv.ParseFloat(le, 64) // "+Inf" parses as infinity
			if err != nil {
				continue
			}
			byBound[b] += v
		case metrics.LagMetric + "_sum":
			h.sum += v
		case metrics.LagMetric + "_count":
			h.total += v
		}
	}
	if err := sc.Err(); err != nil {
		return lagHistogram{}, fmt.Errorf("GET /metrics: %w", err)
	}
	for b := range byBound {
		h.bounds = append(h.bounds, b)
	}
	slices.Sort(h.bounds)
	for _, b := range h.bounds {
		h.counts = append(h.counts, byBound[b])
	}
	return h, nil
}

// since is what was observed after before.
func (h lagHistogram) since(before lagHistogram) lagHistogram {
	d := lagHistogram{bounds: h.bounds, sum: h.sum - before.sum, total: h.total - before.total}
	prev := map[float64]float64{}
	for i, b := range before.bounds {
		prev[b] = before.counts[i]
	}
	for i, b := range h.bounds {
		d.counts = append(d.counts, h.counts[i]-prev[b])
	}
	return d
}

// quantile interpolates within the bucket holding the q-th observation, as
// Prometheus's histogram_quantile does; the result is in seconds.
func (h lagHistogram) quantile(q float64) float64 {
	if h.total <= 0 || len(h.bounds) == 0 {
		return 0
	}
	rank := q * h.total
	lower, below := 0.0, 0.0
	for i, b := range h.bounds {
		if h.counts[i] >= rank {
			if math.IsInf(b, 1) {
				return lower // beyond the last finite bound: the bound is all we know
			}
			in := h.counts[i] - below
			if in <= 0 {
				return b
			}
			return lower + (b-lower)*(rank-below)/in
		}
		lower, below = b, h.counts[i]
	}
	return lower
}

// stats summarises the histogram in milliseconds (no maximum: a histogram
// keeps none).
func (h lagHistogram) stats() Stats {
	if h.total <= 0 {
		return Stats{}
	}
	ms := func(s float64) float64 { return math.Round(s*1e5) / 100 }
	return Stats{Count: int64(h.total), P50: ms(h.quantile(.5)), P95: ms(h.quantile(.95)), P99: ms(h.quantile(.99)), Mean: ms(h.sum / h.total)}
}
