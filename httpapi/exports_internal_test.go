package httpapi

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/econf/econf/projections"
)

// heapSampler keeps the largest heap seen: the allocated heap, garbage
// included, and the live heap as the last collection found it.
type heapSampler struct{ peak, live uint64 }

var liveHeap = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

func (h *heapSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapAlloc)
	metrics.Read(liveHeap)
	h.live = max(h.live, liveHeap[0].Value.Uint64())
}

// sampledDiscard drops what is written, sampling the heap now and then.
type sampledDiscard struct {
	h *heapSampler
	n int
}

func (d *sampledDiscard) Write(p []byte) (int, error) {
	if d.n++; d.n%64 == 0 {
		d.h.sample()
	}
	return len(p), nil
}

// TestExportSinks100k writes 100,000 forecast-like rows through the xlsx
// and CSV writers and checks the heap stays small. It runs only with
// ECONF_EXPORT_100K=1:
//
//	ECONF_EXPORT_100K=1 go test ./httpapi -run TestExportSinks100k -v
func TestExportSinks100k(t *testing.T) {
	if os.Getenv("ECONF_EXPORT_100K") != "1" {
		t.Skip("set ECONF_EXPORT_100K=1 to write 100,000 rows")
	}
	const n = 100_000
	cols := []projections.ExportColumn{{Header: "编号 (ID)"}, {Header: "年度 (Year)", Kind: projections.ExportNumber},
		{Header: "中文名称 (Chinese name)"}, {Header: "英文名称 (English name)"}, {Header: "开始日期 (Start date)", Kind: projections.ExportDate},
		{Header: "类型 (Type)"}, {Header: "规模 (Scale)"}, {Header: "认定规模 (Computed)"}, {Header: "中方 (Chinese)", Kind: projections.ExportNumber},
		{Header: "外方 (Foreign)", Kind: projections.ExportNumber}, {Header: "申请人 (Applicant)"}, {Header: "单位 (Unit)"}, {Header: "状态 (Status)"},
		{Header: "提交时间 (Submitted)", Kind: projections.ExportDateTime}, {Header: "更新时间 (Updated)", Kind: projections.ExportDateTime}}
	write := func(h *heapSampler, sink projections.ExportSink) {
		if err := sink.Columns(cols); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 9, 10, 10, 0, 0, 0, time.UTC)
		cells := make([]any, len(cols))
		for i := range n {
			copy(cells, []any{fmt.Sprintf("6f1c2d3e-0000-4000-8000-%012d", i), int64(2027), fmt.Sprintf("2027年第%d届分布式系统国际研讨会", i),
				fmt.Sprintf("The %dth International Workshop on Distributed Systems", i), at.AddDate(0, 0, i%365),
				"自然科学", "一般国际会议", "一般国际会议", int64(100 + i%50), int64(40 + i%30), "张明远", "计算机学院", "单位初审通过", at, at})
			if err := sink.Row(cells); err != nil {
				t.Fatal(err)
			}
			if i%1000 == 0 {
				h.sample()
			}
		}
	}
	measure := func(name string, run func(h *heapSampler)) {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h := &heapSampler{peak: before.HeapAlloc}
		start := time.Now()
		run(h)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		grew := float64(h.peak-before.HeapAlloc) / (1 << 20)
		t.Logf("%s: %d rows in %v: peak heap +%.1f MiB (garbage included), peak live heap %.1f MiB (%.1f MiB before); %.0f MiB allocated in all",
			name, n, took.Round(time.Millisecond), grew, float64(h.live)/(1<<20), float64(before.HeapAlloc)/(1<<20), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
		if grew > 64 {
			t.Errorf("%s: the heap grew by %.1f MiB; the rows are not streamed", name, grew)
		}
	}
	measure("xlsx", func(h *heapSampler) {
		x, err := newXLSXSink("预报列表")
		if err != nil {
			t.Fatal(err)
		}
		defer x.f.Close()
		write(h, x)
		if err := x.sw.Flush(); err != nil {
			t.Fatal(err)
		}
		h.sample()
		if err := x.f.Write(&sampledDiscard{h: h}); err != nil {
			t.Fatal(err)
		}
	})
	measure("csv", func(h *heapSampler) {
		buf := bufio.NewWriterSize(&sampledDiscard{h: h}, 32<<10)
		c := &csvSink{out: buf, w: csv.NewWriter(buf)}
		write(h, c)
		c.w.Flush()
		if err := c.w.Error(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestExportSlots: at most ExportSlots xlsx exports run at once; another
// waits up to ExportWait for one to end and is then refused with 503
// exports-busy and Retry-After, having run nothing.
func TestExportSlots(t *testing.T) {
	s := &Server{Config: Config{ExportSlots: 2, ExportWait: 50 * time.Millisecond}, exports: make(chan struct{}, 2)}
	ctx := context.Background()
	r1, ok1 := s.exportSlot(ctx)
	r2, ok2 := s.exportSlot(ctx)
	if !ok1 || !ok2 {
		t.Fatal("the first two exports did not get a slot")
	}
	start := time.Now()
	if _, ok := s.exportSlot(ctx); ok {
		t.Fatal("a third export ran beside two")
	} else if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("the third export gave up after %s, before ExportWait", waited)
	}
	ran := false
	rec := httptest.NewRecorder()
	s.exportXLSX(rec, httptest.NewRequest("GET", "/api/v1/forecasts/export", nil), "预报列表", func(context.Context, projections.ExportSink) error {
		ran = true
		return nil
	})
	if rec.Code != http.StatusServiceUnavailable || ran || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "exports-busy") {
		t.Errorf("an export beyond the slots: %d, ran %t, %v %s", rec.Code, ran, rec.Header(), rec.Body)
	}
	// One ends: the next one waiting gets its slot.
	got := make(chan bool)
	s.ExportWait = 10 * time.Second
	go func() {
		release, ok := s.exportSlot(ctx)
		if ok {
			release()
		}
		got <- ok
	}()
	r1()
	if !<-got {
		t.Error("a waiting export did not get the slot that came free")
	}
	r2()
	gone, cancel := context.WithCancel(ctx)
	cancel()
	for range 2 {
		if release, ok := s.exportSlot(gone); ok {
			release() // free slots are taken even by a client that left; fine
		}
	}
}

// TestTenExportsRSS runs ten xlsx exports of 30,000 rows at once, with the
// default two slots and with ten, and logs the process's peak RSS for
// each (docs/performance.md). It runs only with ECONF_EXPORT_100K=1.
func TestTenExportsRSS(t *testing.T) {
	if os.Getenv("ECONF_EXPORT_100K") != "1" {
		t.Skip("set ECONF_EXPORT_100K=1 to run ten large exports")
	}
	const rows = 30_000
	cols := []projections.ExportColumn{{Header: "编号 (ID)"}, {Header: "年度 (Year)", Kind: projections.ExportNumber},
		{Header: "中文名称 (Chinese name)"}, {Header: "英文名称 (English name)"}, {Header: "开始日期 (Start date)", Kind: projections.ExportDate},
		{Header: "申请人 (Applicant)"}, {Header: "单位 (Unit)"}, {Header: "状态 (Status)"}, {Header: "提交时间 (Submitted)", Kind: projections.ExportDateTime}}
	rss := func() float64 {
		b, _ := os.ReadFile("/proc/self/status")
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				var kb float64
				fmt.Sscan(f[1], &kb)
				return kb / 1024
			}
		}
		return 0
	}
	for _, slots := range []int{10, 2} {
		runtime.GC()
		debugFree()
		s := &Server{Config: Config{ExportSlots: slots, ExportWait: 10 * time.Minute}, exports: make(chan struct{}, slots)}
		before, peak := rss(), 0.0
		done := make(chan struct{})
		go func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				peak = max(peak, rss())
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
		start := time.Now()
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				release, ok := s.exportSlot(context.Background())
				if !ok {
					t.Error("no slot")
					return
				}
				defer release()
				x, err := newXLSXSink("预报列表")
				if err != nil {
					t.Error(err)
					return
				}
				defer x.f.Close()
				if err := x.Columns(cols); err != nil {
					t.Error(err)
					return
				}
				at := time.Date(2026, 9, 10, 10, 0, 0, 0, time.UTC)
				for i := range rows {
					if err := x.Row([]any{fmt.Sprintf("6f1c2d3e-0000-4000-8000-%012d", i), int64(2027), fmt.Sprintf("2027年第%d届分布式系统国际研讨会", i),
						fmt.Sprintf("The %dth International Workshop on Distributed Systems", i), at, "张明远", "计算机学院", "单位初审通过", at}); err != nil {
						t.Error(err)
						return
					}
				}
				err = x.sw.Flush()
				if err == nil {
					err = x.f.Write(io.Discard)
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		close(done)
		time.Sleep(50 * time.Millisecond)
		t.Logf("ten xlsx exports of %d rows, %d at a time: %v; RSS %.0f MiB before, peak %.0f MiB", rows, slots, time.Since(start).Round(time.Millisecond), before, peak)
	}
}

// debugFree returns freed memory to the OS, so that RSS starts low.
func debugFree() { debug.FreeOSMemory() }
