package main

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssWatch follows a process's resident memory over a run: it resets the
// process's peak (VmHWM) at the start where the kernel lets it (writing 5
// to /proc/<pid>/clear_refs), so that the set-up before the run (the demo
// accounts' argon2 hashing) is left out, and samples VmRSS every 100 ms.
type rssWatch struct {
	pid      string
	fromRun  bool
	stopOnce sync.Once
	stopped  chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	sampled float64
}

func watchRSS(pid string) *rssWatch {
	w := &rssWatch{pid: pid, stopped: make(chan struct{}), done: make(chan struct{})}
	w.fromRun = os.WriteFile("/proc/"+pid+"/clear_refs", []byte("5"), 0) == nil
	go func() {
		defer close(w.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if mb := procStatusMB(pid, "VmRSS:"); mb > 0 {
				w.mu.Lock()
				w.sampled = max(w.sampled, mb)
				w.mu.Unlock()
			}
			select {
			case <-w.stopped:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// stop ends the sampling and returns the peak (VmHWM, since the run
// started when fromRun) and the largest VmRSS sampled, in MB.
func (w *rssWatch) stop() (peak, sampled float64, fromRun bool) {
	peak = procStatusMB(w.pid, "VmHWM:")
	w.stopOnce.Do(func() { close(w.stopped) })
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return peak, w.sampled, w.fromRun
}

// procStatusMB reads a "kB" line of /proc/<pid>/status in MB; 0 when it
// cannot.
func procStatusMB(pid, field string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
