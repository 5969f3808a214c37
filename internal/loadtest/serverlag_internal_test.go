package loadtest

import (
	"math"
	"testing"
)

// TestLagQuantile interpolates within the bucket, as histogram_quantile
// does, over what a run added to the server's histogram.
func TestLagQuantile(t *testing.T) {
	inf := math.Inf(1)
	before := lagHistogram{bounds: []float64{.01, .05, inf}, counts: []float64{10, 10, 10}, sum: .05, total: 10}
	after := lagHistogram{bounds: []float64{.01, .05, inf}, counts: []float64{60, 110, 110}, sum: 2.05, total: 110}
	d := after.since(before)
	if d.total != 100 || d.counts[0] != 50 || d.counts[1] != 100 {
		t.Fatalf("since: %+v", d)
	}
	for _, c := range []struct{ q, want float64 }{{.5, .01}, {.99, .01 + .04*49/50}, {.25, .005}} {
		if got := d.quantile(c.q); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("q%.2f = %v, want %v", c.q, got, c.want)
		}
	}
	if s := d.stats(); s.Count != 100 || s.Mean != 20 || s.P99 != 49.2 {
		t.Errorf("stats %+v", s)
	}
	if (lagHistogram{}).stats() != (Stats{}) {
		t.Error("an empty histogram has figures")
	}
}
