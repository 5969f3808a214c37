package web

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A declaration section's inputs are named by the API's field paths:
// basic.nameZh, budget[0].amount, people.chairs[1].name,
// hosting[0].background (an upload). An error the API reports for a path
// lands next to the input of that name.

// sectionField is one input of a section: its field name (dotted for a
// nested object: flags.sensitive), label (message key), kind (text,
// textarea, date, number, tel, email, url, select, checkbox, lines: one
// value a line, file: an upload of the kind Upload), and for a select
// its options (value, message key pairs).
type sectionField struct {
	Name, Label, Kind string
	Options           []string
	Upload            string
}

// sectionList is a repeated group of rows: sec[i].f when Name is "" (the
// section is a list), sec.Name[i].f otherwise.
type sectionList struct {
	Name, Label string
	Fields      []sectionField
}

type section struct {
	Key, Label string
	Fields     []sectionField
	Lists      []sectionList
	// Import: the section is also filled from a spreadsheet.
	Import bool
}

func txt(name, label string) sectionField {
	return sectionField{Name: name, Label: label, Kind: "text"}
}
func kind(name, label, k string) sectionField {
	return sectionField{Name: name, Label: label, Kind: k}
}
func sel(name, label string, opts ...string) sectionField {
	return sectionField{Name: name, Label: label, Kind: "select", Options: opts}
}
func upload(name, label, k string) sectionField {
	return sectionField{Name: name, Label: label, Kind: "file", Upload: k}
}

var personFields = []sectionField{txt("name", "name"), txt("nationality", "f_nationality"), txt("institution", "f_institution"), txt("title", "f_person_title")}

// declarationSections are the declaration form's tabs, in form order.
var declarationSections = []section{
	{Key: "applicant", Label: "sec_applicant", Fields: []sectionField{
		txt("name", "name"), txt("staffNo", "staff_no"), txt("title", "f_title"), txt("unit", "f_unit"),
		txt("department", "f_department"), kind("mobile", "mobile", "tel"), kind("email", "email", "email"),
	}},
	{Key: "basic", Label: "sec_basic", Fields: []sectionField{
		txt("nameZh", "f_nameZh"), txt("nameEn", "f_nameEn"),
		kind("startDate", "f_startDate", "date"), kind("endDate", "f_endDate", "date"), kind("commitmentDate", "f_commitmentDate", "date"),
		sel("location", "f_location", "local", "loc_local", "other_city", "loc_other_city"),
		txt("province", "f_province"), txt("address", "f_address"),
		upload("localApproval", "f_local_approval", "location_approval"),
		sel("type", "f_type", "natural_science", "type_natural_science", "social_science", "type_social_science"),
		sel("scale", "f_scale", "small", "scale_small", "general", "scale_general", "major", "scale_major"),
	}},
	{Key: "attendance", Label: "sec_attendance", Fields: []sectionField{
		kind("foreign", "f_att_foreign", "number"), kind("mainland", "f_att_mainland", "number"), kind("hkMacaoTaiwan", "f_att_hmt", "number"),
	}},
	{Key: "hosting", Label: "sec_hosting", Lists: []sectionList{{"", "f_org_row", []sectionField{
		sel("role", "f_org_role", "host", "role_host", "organiser", "role_organiser", "co_organiser", "role_co_organiser", "joint", "role_joint"),
		txt("nameZh", "f_org_nameZh"), txt("nameEn", "f_org_nameEn"), kind("foreign", "f_org_foreign", "checkbox"),
		kind("website", "f_org_website", "url"), kind("websiteChecked", "f_org_website_checked", "checkbox"),
		upload("background", "f_org_background", "foreign_cohost"),
	}}}},
	{Key: "budget", Label: "sec_budget", Lists: []sectionList{{"", "f_budget_row", []sectionField{
		sel("source", "f_budget_source", "self_raised", "src_self_raised", "sponsorship", "src_sponsorship", "registration_fees", "src_registration_fees", "ministry_grant", "src_ministry_grant", "other", "src_other"),
		txt("amount", "f_budget_amount"), kind("explanation", "f_budget_explanation", "textarea"),
	}}}},
	{Key: "statements", Label: "sec_statements", Fields: []sectionField{
		kind("flags.sensitive", "flag_sensitive", "checkbox"), kind("flags.unBody", "flag_unBody", "checkbox"),
		kind("flags.intergovernmentalOrg", "flag_intergovernmentalOrg", "checkbox"), kind("flags.coreInterests", "flag_coreInterests", "checkbox"),
		kind("flags.foreignMinisters", "flag_foreignMinisters", "checkbox"), kind("flags.nationalLeaders", "flag_nationalLeaders", "checkbox"),
		kind("flags.stateLeadersNpc", "flag_stateLeadersNpc", "checkbox"), kind("overseasNgo", "f_overseas_ngo", "checkbox"),
	}},
	{Key: "content", Label: "sec_content", Fields: []sectionField{
		txt("theme", "f_theme"), kind("topics", "f_topics", "lines"),
		kind("taiwanStatement", "f_taiwan_statement", "textarea"), kind("background", "f_background", "textarea"),
	}, Lists: []sectionList{{"previousEditions", "f_editions", []sectionField{
		kind("date", "f_edition_date", "date"), txt("place", "f_edition_place"), txt("host", "f_edition_host"),
		kind("attendees", "f_edition_attendees", "number"), kind("foreign", "f_edition_foreign", "number"),
	}}}},
	{Key: "people", Label: "sec_people", Import: true, Lists: []sectionList{
		{"chairs", "f_chairs", personFields}, {"viceChairs", "f_vice_chairs", personFields}, {"foreign", "f_people_foreign", personFields},
		{"mainland", "f_people_mainland", personFields}, {"hkMacaoTaiwan", "f_people_hmt", personFields},
	}},
	{Key: "agenda", Label: "sec_agenda", Lists: []sectionList{{"", "f_agenda_row", []sectionField{
		kind("date", "f_agenda_date", "date"), txt("time", "f_agenda_time"),
		kind("participants", "f_agenda_participants", "textarea"), kind("content", "f_agenda_content", "textarea"),
	}}}},
	{Key: "contacts", Label: "sec_contacts", Lists: []sectionList{{"", "f_contact_row", []sectionField{
		sel("kind", "f_contact_kind", "conference", "contact_conference", "international_office", "contact_international_office"),
		txt("name", "name"), kind("phone", "f_phone", "tel"), kind("email", "email", "email"),
	}}}},
}

func sectionOf(key string) (section, bool) {
	for _, s := range declarationSections {
		if s.Key == key {
			return s, true
		}
	}
	return section{}, false
}

// anySection finds a section of any form by its key, for labels.
func anySection(key string) (section, bool) {
	for _, s := range []section{changeSection, summarySection} {
		if s.Key == key {
			return s, true
		}
	}
	return sectionOf(key)
}

// listPrefix is the path of list l's rows in section s, before [i].
func listPrefix(s section, l sectionList) string {
	if l.Name == "" {
		return s.Key
	}
	return s.Key + "." + l.Name
}

// rowsParam is the hidden input that says how many rows a list had.
func rowsParam(prefix string) string { return prefix + "#rows" }

// formList is one repeated group of rows on the page.
type formList struct {
	Label, Prefix, RowsParam string
	Error, ErrorID           string
	Rows                     [][]field
}

// sectionForm builds the tab's inputs from v.Form: each list shows its
// rows and one empty row to add another.
func (v *view) sectionForm(s section) ([]field, []formList) {
	var fs []field
	for _, f := range s.Fields {
		fs = append(fs, v.sectionInput(s.Key+"."+f.Name, f))
	}
	var ls []formList
	for _, l := range s.Lists {
		prefix := listPrefix(s, l)
		n := 0
		if x, err := strconv.Atoi(v.Form[rowsParam(prefix)]); err == nil && x > 0 && x <= maxRows {
			n = x
		}
		for k := range v.Form {
			if m := rowIndex.FindStringSubmatch(k); m != nil && m[1] == prefix {
				if i, _ := strconv.Atoi(m[2]); i+1 > n && i < maxRows {
					n = i + 1
				}
			}
		}
		if v.Errors[prefix] == "" || n == 0 {
			n++ // a row to add one
		}
		fl := formList{Label: v.T(l.Label), Prefix: prefix, RowsParam: rowsParam(prefix), Error: v.Errors[prefix], ErrorID: fieldID(prefix)}
		for i := range n {
			var row []field
			for _, f := range l.Fields {
				row = append(row, v.sectionInput(fmt.Sprintf("%s[%d].%s", prefix, i, f.Name), f))
			}
			fl.Rows = append(fl.Rows, row)
		}
		ls = append(ls, fl)
	}
	return fs, ls
}

// maxRows bounds the rows a list takes from a form.
const maxRows = 200

var rowIndex = regexp.MustCompile(`^(.+)\[(\d+)\]\.`)

func (v *view) sectionInput(path string, f sectionField) field {
	var fl field
	switch f.Kind {
	case "select":
		fl = v.Select(path, f.Label, f.Options...)
	case "lines":
		fl = v.Field(path, f.Label, "textarea")
		fl.Hint = v.T("one_per_line")
	default:
		fl = v.Field(path, f.Label, f.Kind)
	}
	if f.Kind == "file" {
		fl.File = attachmentOf(v.Form, path)
		fl.Hint = v.T("upload_" + f.Upload)
	}
	return fl
}

// attachmentOf reads the attachment the form holds at path (its hidden
// inputs path.id, path.sha256, …).
func attachmentOf(form map[string]string, path string) *attachment {
	if form[path+".id"] == "" {
		return nil
	}
	size, _ := strconv.ParseInt(form[path+".size"], 10, 64)
	return &attachment{ID: form[path+".id"], SHA256: form[path+".sha256"], Name: form[path+".name"], ContentType: form[path+".contentType"], Size: size}
}

// attachment is an uploaded file a section refers to.
type attachment struct {
	ID          string `json:"id"`
	SHA256      string `json:"sha256"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// KB is the file's size for people.
func (a attachment) KB() string { return fmt.Sprintf("%.1f KB", float64(a.Size)/1024) }

// sectionBody reads the tab's inputs into the section's JSON body. A list's
// empty rows are left out; rows maps each row the API sees to the row of
// the form, so errors come back to the right inputs. Values the API could
// not even read (a date or number that is none, a refused upload) are
// reported next to their inputs.
func (s *Server) sectionBody(r *http.Request, v *view, sec section) (body any, rows map[string][]int) {
	obj := map[string]any{}
	rows = map[string][]int{}
	for _, f := range sec.Fields {
		if val, ok := s.sectionValue(r, v, sec.Key+"."+f.Name, f); ok {
			setPath(obj, f.Name, val)
		}
	}
	for _, l := range sec.Lists {
		prefix := listPrefix(sec, l)
		v.Form[rowsParam(prefix)] = r.PostFormValue(rowsParam(prefix))
		n, _ := strconv.Atoi(r.PostFormValue(rowsParam(prefix)))
		n = min(max(n, 0), maxRows)
		list := []any{}
		for i := range n {
			row := map[string]any{}
			filled := false
			for _, f := range l.Fields {
				path := fmt.Sprintf("%s[%d].%s", prefix, i, f.Name)
				val, ok := s.sectionValue(r, v, path, f)
				if ok {
					setPath(row, f.Name, val)
				}
				filled = filled || ok && val != false || v.Errors[path] != ""
			}
			if filled {
				rows[prefix] = append(rows[prefix], i)
				list = append(list, row)
			}
		}
		if l.Name == "" {
			return list, rows
		}
		obj[l.Name] = list
	}
	return obj, rows
}

// sectionValue reads one input; ok is false when it is empty (or bad).
func (s *Server) sectionValue(r *http.Request, v *view, path string, f sectionField) (any, bool) {
	if f.Kind == "file" {
		return s.uploaded(r, v, path, f.Upload)
	}
	raw := r.PostFormValue(path)
	val := strings.TrimSpace(raw)
	if f.Kind == "textarea" || f.Kind == "lines" {
		val = strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	}
	v.Form[path] = val
	switch {
	case f.Kind == "checkbox":
		return val == "on", true
	case val == "":
		return nil, false
	case f.Kind == "number":
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			v.addLocal(path, v.T("integer"))
			return nil, false
		}
		return n, true
	case f.Kind == "date":
		if _, err := time.Parse(time.DateOnly, val); err != nil {
			v.addLocal(path, v.Msg("请输入日期，例如 2027-05-10", "Enter a date, e.g. 2027-05-10"))
			return nil, false
		}
	case f.Kind == "lines":
		var out []any
		for _, line := range strings.Split(val, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		return out, true
	}
	return val, true
}

// uploaded keeps the file chosen for path through the API (POST
// /api/v1/files, which judges its type by content and its size), or keeps
// the attachment the form already had. A refused file is reported next
// to its input.
func (s *Server) uploaded(r *http.Request, v *view, path, kind string) (any, bool) {
	for _, k := range []string{"id", "sha256", "name", "contentType", "size"} {
		v.Form[path+"."+k] = r.PostFormValue(path + "." + k)
	}
	var fh *multipart.FileHeader
	if r.MultipartForm != nil && len(r.MultipartForm.File[path]) > 0 {
		fh = r.MultipartForm.File[path][0]
	}
	if fh == nil || fh.Filename == "" {
		if r.PostFormValue(path+".remove") == "on" {
			for _, k := range []string{"id", "sha256", "name", "contentType", "size"} {
				delete(v.Form, path+"."+k)
			}
			return nil, false
		}
		if a := attachmentOf(v.Form, path); a != nil {
			return a, true
		}
		return nil, false
	}
	f, err := fh.Open()
	if err != nil {
		v.addLocal(path, v.T("upload_failed"))
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		v.addLocal(path, v.T("upload_failed"))
		return nil, false
	}
	a := s.api(r, call{method: "POST", path: "/files", query: map[string][]string{"kind": {kind}, "name": {fh.Filename}},
		raw: data, rawType: "application/octet-stream"})
	var up attachment
	if !a.ok() || a.decode(&up) != nil {
		p := a.problem()
		msg := v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		if len(p.Errors) > 0 {
			e := p.Errors[0]
			msg = v.Msg(e.Zh, e.Message)
			if e.Rule != "" && e.Rule != "SCHEMA" {
				msg += " (" + e.Rule + ")"
			}
		}
		v.addLocal(path, fh.Filename+"："+msg)
		return nil, false
	}
	for k, x := range map[string]string{"id": up.ID, "sha256": up.SHA256, "name": up.Name, "contentType": up.ContentType, "size": strconv.FormatInt(up.Size, 10)} {
		v.Form[path+"."+k] = x
	}
	return up, true
}

// setPath sets a dotted path of nested objects in m.
func setPath(m map[string]any, path string, val any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = val
}

// apiPath is the field path the API reports for a section's input: a
// section that is a list has paths budget[0].amount, another
// people.chairs[0].name; a path the API gave without the section gains it.
// rows maps the API's row back to the form's.
func apiPathToForm(sec section, path string, rows map[string][]int) string {
	path = strings.TrimPrefix(path, "body:")
	if path != sec.Key && !strings.HasPrefix(path, sec.Key+".") && !strings.HasPrefix(path, sec.Key+"[") {
		if strings.HasPrefix(path, "[") {
			path = sec.Key + path
		} else if path == "" {
			path = sec.Key
		} else {
			path = sec.Key + "." + path
		}
	}
	if m := rowIndex.FindStringSubmatch(path + "."); m != nil {
		if i, err := strconv.Atoi(m[2]); err == nil && i < len(rows[m[1]]) {
			rest := strings.TrimPrefix(path, m[0][:len(m[0])-1])
			path = fmt.Sprintf("%s[%d]%s", m[1], rows[m[1]][i], rest)
		}
	}
	// An upload's inner fields (id, sha256) belong to its input.
	for _, suffix := range []string{".id", ".sha256", ".name", ".contentType", ".size"} {
		if base, ok := strings.CutSuffix(path, suffix); ok && isUploadPath(sec, base) {
			return base
		}
	}
	return path
}

var rowNumber = regexp.MustCompile(`\[\d+\]`)

func isUploadPath(sec section, path string) bool {
	bare := rowNumber.ReplaceAllString(path, "[]")
	for _, f := range sec.Fields {
		if f.Kind == "file" && bare == sec.Key+"."+f.Name {
			return true
		}
	}
	for _, l := range sec.Lists {
		for _, f := range l.Fields {
			if f.Kind == "file" && bare == listPrefix(sec, l)+"[]."+f.Name {
				return true
			}
		}
	}
	return false
}
