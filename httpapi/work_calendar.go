package httpapi

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/econf/econf/commands"
)

// pathYear reads {year}; a path that is no year names nothing (404).
func pathYear(w http.ResponseWriter, r *http.Request) (int, bool) {
	y, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil || y < 1 || y > 9999 {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no such year", Zh: "无此年度"})
		return 0, false
	}
	return y, true
}

// getWorkCalendarYear answers one year of the working-day calendar in force.
func (s *Server) getWorkCalendarYear(w http.ResponseWriter, r *http.Request) {
	year, ok := pathYear(w, r)
	if !ok {
		return
	}
	p, err := s.App.Policies().Current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	y, ok := p.WorkCalendar.Year(year)
	if !ok {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound,
			Detail: "the working-day calendar holds no year " + strconv.Itoa(year), Zh: "工作日历中没有" + strconv.Itoa(year) + "年"})
		return
	}
	writeJSON(w, http.StatusOK, y)
}

// setWorkCalendarYear is the platform admin's edit of one year.
func (s *Server) setWorkCalendarYear(w http.ResponseWriter, r *http.Request) {
	year, ok := pathYear(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	var body commands.SetWorkCalendarYear
	if !decode(w, r, &body) {
		return
	}
	body.Year = year
	res, err := s.App.SetWorkCalendarYear(r.Context(), actorOf(r.Context()), m, body)
	s.answer(w, r, res, err)
}
