package sheet

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"
)

var people = Template{Sheet: "国外代表", Columns: []Column{
	{Key: "name", Header: "姓名", Required: true, MaxChars: 20},
	{Key: "nationality", Header: "国籍", Required: true},
	{Key: "role", Header: "身份", Required: true, Enum: []string{"主席", "副主席", "代表"}},
	{Key: "title", Header: "职务职称"},
}}

// fill writes the template, then rows into it, with the header row given.
func fill(t *testing.T, header []string, rows [][]any) *bytes.Buffer {
	t.Helper()
	var tmpl bytes.Buffer
	if err := people.Write(&tmpl); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range header {
		col, _ := excelize.ColumnNumberToName(i + 1)
		_ = f.SetCellValue(people.Sheet, col+"1", h)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			_ = f.SetCellValue(people.Sheet, cell, v)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// R-DECL-13: the template round-trips, a good file imports every row.
func TestTemplateImportsEveryRow(t *testing.T) {
	rows, err := people.Read(fill(t, nil, [][]any{
		{"Anna Schmidt", "德国", "主席", "教授"},
		{}, // blank rows are skipped
		{"李明", "中国", "代表"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Values["name"] != "Anna Schmidt" || rows[1].Number != 4 || rows[1].Values["title"] != "" {
		t.Errorf("rows: %+v", rows)
	}
}

// R-DECL-13: any bad row refuses the whole file, naming each bad cell.
func TestBadCellsRefuseTheFile(t *testing.T) {
	_, err := people.Read(fill(t, nil, [][]any{
		{"Anna Schmidt", "德国", "主席"},
		{"", "法国", "代表"},
		{"一个非常非常非常非常非常非常非常非常长的名字", "日本", "观察员"},
		{"Ok", "", "代表"},
		{"Fine", "英国", "代表"},
		{"Fine", "英国", "代表"},
		{"Row seven", 7, "代表"}, // a number where text is expected is still text: accepted
	}))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v; want an ImportError", err)
	}
	want := map[string]bool{"A3": true, "A4": true, "C4": true, "B5": true}
	got := map[string]bool{}
	for _, c := range ie.Cells {
		got[c.Column+itoa(c.Row)] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("cell %s not reported; got %+v", k, ie.Cells)
		}
	}
	if len(ie.Cells) != len(want) {
		t.Errorf("reported %d cells; want %d: %+v", len(ie.Cells), len(want), ie.Cells)
	}
}

// R-DECL-13: a spreadsheet with a missing column, or not a spreadsheet.
func TestMissingColumnAndNotASpreadsheet(t *testing.T) {
	_, err := people.Read(fill(t, []string{"姓名", "国家", "身份", "职务职称"}, [][]any{{"A", "B", "代表"}}))
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Cells) != 1 || ie.Cells[0].Header != "国籍" {
		t.Errorf("missing column: %v", err)
	}
	if _, err := people.Read(bytes.NewReader([]byte("%PDF-1.7"))); !errors.As(err, &ie) {
		t.Errorf("a PDF: %v", err)
	}
	// Reordered columns are found by their headers.
	rows, err := people.Read(fill(t, []string{"国籍", "姓名", "身份", "职务职称"}, [][]any{{"德国", "Anna", "代表"}}))
	if err != nil || rows[0].Values["name"] != "Anna" || rows[0].Fail("name", "x", "x").Column != "B" {
		t.Errorf("reordered: %v %+v", err, rows)
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

// TEXT: a cell holding NUL or another control character refuses the file,
// naming the cell; a line break only in a multi-line column.
func TestControlCharactersRefuseTheFile(t *testing.T) {
	tmpl := people
	tmpl.Columns = append([]Column(nil), people.Columns...)
	tmpl.Columns[3].Multiline = true // 职务职称 takes line breaks here
	_, err := tmpl.Read(fill(t, nil, [][]any{
		// Excel writes a control character as _xHHHH_; readers decode it.
		{"Anna_x0000_Schmidt", "德国", "主席", "教授"},
		{"李明", "中_x0001_国", "代表", "第一行\n第二行"},
		{"Line\nbreak", "英国", "代表", "bell_x0007_"},
		{"Fine", "英国", "代表", "tab\tok"},
	}))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v; want an ImportError", err)
	}
	want := map[string]bool{"A2": true, "B3": true, "A4": true, "D4": true}
	got := map[string]bool{}
	for _, c := range ie.Cells {
		got[c.Column+itoa(c.Row)] = true
		if c.Rule != "TEXT" {
			t.Errorf("cell %s%d: rule %q; want TEXT", c.Column, c.Row, c.Rule)
		}
	}
	if len(got) != len(want) || len(ie.Cells) != len(want) {
		t.Errorf("reported %+v; want cells %v", ie.Cells, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("cell %s not reported; got %+v", k, ie.Cells)
		}
	}
}
