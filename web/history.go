package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// historyEntry is one event of GET /api/v1/{kind}/{id}/history.
type historyEntry struct {
	Number         int64     `json:"number"`
	Type           string    `json:"type"`
	Role           string    `json:"role"`
	Command        string    `json:"command"`
	At             time.Time `json:"at"`
	Comment        string    `json:"comment"`
	StatusBefore   string    `json:"statusBefore"`
	StatusAfter    string    `json:"statusAfter"`
	PolicyVersion  string    `json:"policyVersion"`
	SimulatedClock bool      `json:"simulatedClock"`
	Hash           string    `json:"hash"`
	// Before, After: the statuses in the page's language; AsOf: the
	// page of the record as of this event.
	Before, After, AsOf string `json:"-"`
}

// ShortHash is the hash's first characters, enough to tell events apart.
func (e historyEntry) ShortHash() string {
	if len(e.Hash) > 12 {
		return e.Hash[:12] + "…"
	}
	return e.Hash
}

// historyView is a record's history page.
type historyView struct {
	Seg, ID     string
	AsOf        string // the time control's value (datetime-local, Beijing time)
	Cut         bool   // the history was cut at AsOf
	Version     int64
	Status      string
	Entries     []historyEntry
	ChainIntact bool
	BrokenAt    int64
	// Related: a conference's change, summary and deadline streams, each
	// with its own chain check.
	Related []relatedHistory
}

type relatedHistory struct {
	Key         string         `json:"-"`
	Stream      string         `json:"stream"`
	Version     int64          `json:"version"`
	Entries     []historyEntry `json:"entries"`
	ChainIntact bool           `json:"chainIntact"`
	BrokenAt    int64          `json:"brokenAt"`
}

// asOfLayout is the time control's format (an <input type=datetime-local>
// in Beijing time).
const asOfLayout = "2006-01-02T15:04"

// history replays a record from its event stream, as of a moment when
// the time control sets one: each event with who, when, the status before
// and after, the policy version behind it and its hash, and whether the
// hash chain holds.
func (s *Server) history(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "history")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		if !ok {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		hv := historyView{Seg: k.Seg, ID: id}
		q := url.Values{}
		if x := strings.TrimSpace(r.URL.Query().Get("asOf")); x != "" {
			t, err := time.ParseInLocation(asOfLayout, x, shanghai)
			if err != nil {
				t, err = time.Parse(time.RFC3339, x)
			}
			if err != nil {
				v.addLocal("asOf", v.Msg("请输入时间，例如 2027-01-15T10:00", "Enter a time, e.g. 2027-01-15T10:00"))
			} else {
				hv.AsOf, hv.Cut = t.In(shanghai).Format(asOfLayout), true
				q.Set("asOf", t.UTC().Format(time.RFC3339Nano))
			}
		}
		v.Form["asOf"] = hv.AsOf
		a := s.api(r, call{method: "GET", path: "/" + k.Seg + "/" + id + "/history", query: q})
		var h struct {
			Version     int64          `json:"version"`
			Status      string         `json:"status"`
			Entries     []historyEntry `json:"entries"`
			ChainIntact bool           `json:"chainIntact"`
			BrokenAt    int64          `json:"brokenAt"`
			Change      relatedHistory `json:"change"`
			Summary     relatedHistory `json:"summary"`
			Deadlines   relatedHistory `json:"deadlines"`
		}
		if !a.ok() || a.decode(&h) != nil {
			s.failed(w, r, v, a)
			return
		}
		hv.Version, hv.Status, hv.ChainIntact, hv.BrokenAt = h.Version, k.status(v, h.Status), h.ChainIntact, h.BrokenAt
		hv.Entries = s.historyEntries(v, k, id, h.Entries)
		for _, rel := range []struct {
			key string
			h   relatedHistory
		}{{"hist_change", h.Change}, {"hist_summary", h.Summary}, {"hist_deadlines", h.Deadlines}} {
			if len(rel.h.Entries) == 0 {
				continue
			}
			rel.h.Key = rel.key
			rel.h.Entries = s.historyEntries(v, nil, id, rel.h.Entries)
			hv.Related = append(hv.Related, rel.h)
		}
		v.Data = hv
		s.render(w, r, http.StatusOK, "history", v)
	}
}

func (s *Server) historyEntries(v *view, k *recordKind, id string, es []historyEntry) []historyEntry {
	for i := range es {
		e := &es[i]
		e.Before, e.After = e.StatusBefore, e.StatusAfter
		if k != nil {
			if e.StatusBefore != "" {
				e.Before = k.status(v, e.StatusBefore)
			}
			e.After = k.status(v, e.StatusAfter)
			e.AsOf = "/" + k.Seg + "/" + id + "/history?asOf=" + url.QueryEscape(e.At.UTC().Format(time.RFC3339Nano))
		}
	}
	return es
}
