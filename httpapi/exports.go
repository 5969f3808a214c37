package httpapi

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/sheet"
	"github.com/econf/econf/projections"
)

// Spreadsheet exports of the lists: the same filters and scope as the
// lists (R-ACT-02), every matching row rather than a page, streamed from
// the read model into the file.

const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	csvType  = "text/csv; charset=utf-8"

	// exportWriteTimeout replaces the server's write timeout, meant for
	// ordinary answers, on an export of many rows.
	exportWriteTimeout = 10 * time.Minute
)

// exportRun writes one export to sink.
type exportRun func(ctx context.Context, sink projections.ExportSink) error

func (s *Server) exportForecasts(w http.ResponseWriter, r *http.Request) {
	q, format, bad := exportQuery(r)
	f, fields := projections.ParseForecastFilter(q)
	if bad = append(bad, fields...); len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.ForecastListName) {
		return
	}
	s.export(w, r, format, "forecasts", "预报列表", func(ctx context.Context, sink projections.ExportSink) error {
		return s.Reads.ExportForecasts(ctx, actorOf(ctx), f, sink)
	})
}

func (s *Server) exportDeclarations(w http.ResponseWriter, r *http.Request) {
	q, format, bad := exportQuery(r)
	f, fields := projections.ParseDeclarationFilter(q)
	if bad = append(bad, fields...); len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.DeclarationListName) {
		return
	}
	s.export(w, r, format, "declarations", "申报列表", func(ctx context.Context, sink projections.ExportSink) error {
		return s.Reads.ExportDeclarations(ctx, actorOf(ctx), f, sink)
	})
}

// exportQuery takes format (xlsx by default, or csv) out of the query and
// drops the paging parameters an export ignores; the rest are the list's
// filters.
func exportQuery(r *http.Request) (url.Values, string, []domain.FieldError) {
	q := r.URL.Query()
	format := q.Get("format")
	q.Del("format")
	q.Del("page")
	q.Del("pageSize")
	switch format {
	case "":
		return q, "xlsx", nil
	case "xlsx", "csv":
		return q, format, nil
	}
	return q, format, []domain.FieldError{{Path: "query:format", Rule: "SCHEMA", Message: "want xlsx or csv", Zh: "导出格式应为xlsx或csv"}}
}

// export answers run's rows as a file named after name (ASCII) and zhName.
func (s *Server) export(w http.ResponseWriter, r *http.Request, format, name, zhName string, run exportRun) {
	day := time.Now().In(domain.Shanghai).Format("20060102")
	filename := func(n string) string { return n + "-" + day + "." + format }
	h := w.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, filename(name), rfc5987(filename(zhName))))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(exportWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.Log.WarnContext(r.Context(), "extend the write deadline of an export", "err", err)
	}
	switch format {
	case "csv":
		h.Set("Content-Type", csvType)
		s.exportCSV(w, r, run)
	default:
		h.Set("Content-Type", xlsxType)
		s.exportXLSX(w, r, zhName, run)
	}
}

// exportXLSX writes the rows into an excelize stream writer, which keeps
// them in a temporary file once they outgrow a small buffer, then sends the
// workbook.
func (s *Server) exportXLSX(w http.ResponseWriter, r *http.Request, sheet string, run exportRun) {
	release, ok := s.exportSlot(r.Context())
	if !ok {
		if r.Context().Err() == nil {
			w.Header().Del("Content-Disposition")
			w.Header().Set("Retry-After", exportRetryAfter)
			writeProblem(w, r, problem{Type: problemBase + "exports-busy", Title: "Too many exports at once", Status: http.StatusServiceUnavailable,
				Detail: fmt.Sprintf("%d spreadsheet exports are running and this one waited %s for one of them to end; retry shortly (or export as CSV, which is not limited)", cap(s.exports), s.ExportWait),
				Zh:     "同时进行的表格导出过多，请稍后重试（或导出CSV）"})
		}
		return
	}
	defer release()
	x, err := newXLSXSink(sheet)
	if err != nil {
		s.exportFailed(w, r, err)
		return
	}
	defer func() {
		if err := x.f.Close(); err != nil {
			s.Log.WarnContext(r.Context(), "close export workbook", "err", err)
		}
	}()
	if err := run(r.Context(), x); err != nil {
		s.exportFailed(w, r, err)
		return
	}
	if err := x.sw.Flush(); err != nil {
		s.exportFailed(w, r, err)
		return
	}
	out := &sentWriter{w: w}
	if err := x.f.Write(out); err != nil {
		s.abortExport(w, r, out, err)
	}
}

// exportRetryAfter is the Retry-After, in seconds, of an xlsx export that
// found every slot taken.
const exportRetryAfter = "5"

// exportSlot waits, up to ExportWait, for one of the ExportSlots xlsx
// exports to end: the memory ten exports at once take stays that of
// ExportSlots. false: none came free (or the client left).
func (s *Server) exportSlot(ctx context.Context) (release func(), ok bool) {
	select {
	case s.exports <- struct{}{}:
		return func() { <-s.exports }, true
	default:
	}
	t := time.NewTimer(s.ExportWait)
	defer t.Stop()
	select {
	case s.exports <- struct{}{}:
		return func() { <-s.exports }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// exportCSV writes the rows to the client as they come.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, run exportRun) {
	out := &sentWriter{w: w}
	buf := bufio.NewWriterSize(out, 32<<10)
	c := &csvSink{out: buf, w: csv.NewWriter(buf)}
	err := run(r.Context(), c)
	if err == nil {
		c.w.Flush()
		err = c.w.Error()
	}
	if err == nil {
		err = buf.Flush()
	}
	if err != nil {
		s.abortExport(w, r, out, err)
	}
}

// abortExport answers a failed export with a problem while nothing of the
// file has been sent; after that, it breaks the connection, so that the
// client does not take a cut file for a whole one.
func (s *Server) abortExport(w http.ResponseWriter, r *http.Request, out *sentWriter, err error) {
	if !out.sent {
		s.exportFailed(w, r, err)
		return
	}
	if r.Context().Err() != nil {
		return // the client went away
	}
	s.Log.WarnContext(r.Context(), "export cut short", "err", err, "path", r.URL.Path)
	panic(http.ErrAbortHandler)
}

// exportFailed answers a failed export with its problem, unless the client
// has gone away.
func (s *Server) exportFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	w.Header().Del("Content-Disposition")
	s.writeError(w, r, err)
}

// sentWriter notes whether anything reached the client.
type sentWriter struct {
	w    io.Writer
	sent bool
}

func (s *sentWriter) Write(p []byte) (int, error) {
	s.sent = s.sent || len(p) > 0
	return s.w.Write(p)
}

// rfc5987 percent-encodes a file name for filename*=UTF-8”.
func rfc5987(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// xlsxSink writes an export into one sheet of a workbook: bold frozen
// headers, dates and times as Excel dates.
type xlsxSink struct {
	f                          *excelize.File
	sw                         *excelize.StreamWriter
	row                        int
	cols                       []projections.ExportColumn
	head, dateStyle, timeStyle int
	cells                      []any
}

func newXLSXSink(sheet string) (*xlsxSink, error) {
	f := excelize.NewFile()
	x := &xlsxSink{f: f}
	err := f.SetSheetName(f.GetSheetName(0), sheet)
	if err == nil {
		x.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	}
	if err == nil {
		date := "yyyy-mm-dd"
		x.dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &date})
	}
	if err == nil {
		dateTime := "yyyy-mm-dd hh:mm:ss"
		x.timeStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateTime})
	}
	if err == nil {
		x.sw, err = f.NewStreamWriter(sheet)
	}
	if err != nil {
		_ = f.Close() // only temporary files to remove
		return nil, fmt.Errorf("export workbook: %w", err)
	}
	return x, nil
}

func (x *xlsxSink) Columns(cols []projections.ExportColumn) error {
	x.cols = cols
	x.cells = make([]any, len(cols))
	for i, c := range cols {
		if c.Width > 0 {
			if err := x.sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return err
			}
		}
		x.cells[i] = excelize.Cell{StyleID: x.head, Value: c.Header}
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return x.next()
}

func (x *xlsxSink) Row(cells []any) error {
	for i, v := range cells {
		switch x.cols[i].Kind {
		case projections.ExportDate:
			v = dateCell(v, x.dateStyle)
		case projections.ExportDateTime:
			v = dateCell(v, x.timeStyle)
		}
		x.cells[i] = v
	}
	return x.next()
}

func dateCell(v any, style int) any {
	if v == nil {
		return nil
	}
	return excelize.Cell{StyleID: style, Value: v}
}

// next writes the prepared cells as the next row.
func (x *xlsxSink) next() error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.cells)
}

// csvSink writes an export as CSV for Excel: UTF-8 with a byte-order mark,
// dates as YYYY-MM-DD and times as YYYY-MM-DD hh:mm:ss (Beijing time).
type csvSink struct {
	out    io.Writer
	w      *csv.Writer
	cols   []projections.ExportColumn
	record []string
}

func (c *csvSink) Columns(cols []projections.ExportColumn) error {
	if _, err := io.WriteString(c.out, "\ufeff"); err != nil {
		return err
	}
	c.cols = cols
	c.record = make([]string, len(cols))
	for i, col := range cols {
		c.record[i] = col.Header
	}
	return c.w.Write(c.record)
}

func (c *csvSink) Row(cells []any) error {
	for i, v := range cells {
		switch v := v.(type) {
		case nil:
			c.record[i] = ""
		case string:
			c.record[i] = csvText(v)
		case int64:
			c.record[i] = strconv.FormatInt(v, 10)
		case time.Time:
			if c.cols[i].Kind == projections.ExportDate {
				c.record[i] = v.Format(time.DateOnly)
			} else {
				c.record[i] = v.Format(time.DateTime)
			}
		default:
			c.record[i] = fmt.Sprint(v)
		}
	}
	return c.w.Write(c.record)
}

// csvText keeps Excel from running text as a formula (CSV injection): a
// value starting with = + - @ or a control character gets a leading '.
func csvText(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// sheetTemplate serves a blank import template as an xlsx download with
// the given Content-Disposition.
func (s *Server) sheetTemplate(t sheet.Template, disposition string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", disposition)
		if err := t.Write(w); err != nil {
			s.Log.WarnContext(r.Context(), "write sheet template", "sheet", t.Sheet, "err", err)
		}
	}
}
