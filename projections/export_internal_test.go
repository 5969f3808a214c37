package projections

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/internal/benchdata"
)

// peakSink counts rows and samples the live heap every 1,000 rows.
type peakSink struct {
	rows int
	peak uint64
}

func (s *peakSink) Columns([]ExportColumn) error { return nil }

func (s *peakSink) Row([]any) error {
	if s.rows++; s.rows%1000 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.peak = max(s.peak, ms.HeapAlloc)
	}
	return nil
}

// TestExport100k exports 100,000 forecasts and checks the heap stays far
// below what holding the rows would take. It needs a minute and runs only
// with ECONF_EXPORT_100K=1 (ECONF_BENCH_FSYNC=off uses the test cluster):
//
//	ECONF_EXPORT_100K=1 ECONF_BENCH_FSYNC=off go test ./projections -run TestExport100k -v
func TestExport100k(t *testing.T) {
	if os.Getenv("ECONF_EXPORT_100K") != "1" {
		t.Skip("set ECONF_EXPORT_100K=1 to export 100,000 rows")
	}
	const n = 100_000
	db := benchdata.New(t, migrateBench)
	o := benchdata.NewOrg()
	listRows(t, db, o, n)
	school := domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: o.University}
	var all []string
	for _, s := range forecast.Statuses {
		all = append(all, string(s))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sink := &peakSink{peak: before.HeapAlloc}
	start := time.Now()
	if err := NewQueries(db.Pool).ExportForecasts(context.Background(), school, ForecastFilter{Statuses: all, Sort: "nameZh"}, sink); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	grew := sink.peak - before.HeapAlloc
	t.Logf("%d rows in %v: heap %.1f MiB before, peak %.1f MiB (+%.1f MiB); %.0f MiB allocated in all",
		sink.rows, took.Round(time.Millisecond), mib(before.HeapAlloc), mib(sink.peak), mib(grew), mib(after.TotalAlloc-before.TotalAlloc))
	if sink.rows != n {
		t.Errorf("exported %d rows; want %d", sink.rows, n)
	}
	if grew > 32<<20 {
		t.Errorf("the heap grew by %.1f MiB during the export; the rows are not streamed", mib(grew))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
