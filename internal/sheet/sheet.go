// Package sheet owns spreadsheet templates and imports: it writes an .xlsx
// template with the columns a list needs, and reads a filled one back either
// whole or not at all, reporting every bad cell by row and column (R-DECL-13).
package sheet

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
)

// Column is one column of a template.
type Column struct {
	Key      string   // the field it fills
	Header   string   // the header people see (Chinese first)
	Required bool     // a blank cell is an error
	MaxChars int      // 0: no limit
	Enum     []string // allowed values, offered as a drop-down; nil: free text
	Width    float64  // column width in characters; 0: 20
	// Multiline cells may hold tab and line breaks; no cell may hold
	// other control characters (rule TEXT).
	Multiline bool
}

// Template is a sheet of rows with fixed columns.
type Template struct {
	Sheet   string
	Columns []Column
	MaxRows int // 0: 1000
}

// CellError is one bad cell.
type CellError struct {
	Row     int    `json:"row"`    // 1-based, as the spreadsheet shows it
	Column  string `json:"column"` // letter, as the spreadsheet shows it
	Header  string `json:"header"`
	Message string `json:"message"`
	Zh      string `json:"zh"`
	// Rule is the rule id the cell breaks when it is not the template's
	// own (domain.RuleText for control characters); "" otherwise.
	Rule string `json:"rule,omitempty"`
}

// ImportError carries every bad cell; nothing of the file is imported.
type ImportError struct {
	Cells []CellError
}

func (e *ImportError) Error() string {
	parts := make([]string, 0, len(e.Cells))
	for _, c := range e.Cells {
		parts = append(parts, fmt.Sprintf("%s%d (%s): %s", c.Column, c.Row, c.Header, c.Message))
	}
	return "spreadsheet refused: " + strings.Join(parts, "; ")
}

func (t Template) maxRows() int {
	if t.MaxRows > 0 {
		return t.MaxRows
	}
	return 1000
}

// Write writes the empty template: bold headers, widths, and a drop-down
// for every column with allowed values.
func (t Template) Write(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
	if err != nil {
		return err
	}
	for i, c := range t.Columns {
		col, _ := excelize.ColumnNumberToName(i + 1) // i+1 is always a valid column
		header := c.Header
		if c.Required {
			header += " *"
		}
		if err := f.SetCellStr(t.Sheet, col+"1", header); err != nil {
			return err
		}
		width := c.Width
		if width == 0 {
			width = 20
		}
		if err := f.SetColWidth(t.Sheet, col, col, width); err != nil {
			return err
		}
		if len(c.Enum) > 0 {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, t.maxRows()+1)
			if err := dv.SetDropList(c.Enum); err != nil {
				return err
			}
			if err := f.AddDataValidation(t.Sheet, dv); err != nil {
				return err
			}
		}
	}
	last, _ := excelize.ColumnNumberToName(len(t.Columns))
	if err := f.SetCellStyle(t.Sheet, "A1", last+"1", bold); err != nil {
		return err
	}
	if err := f.SetPanes(t.Sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.Write(w)
}

// Row is one imported row.
type Row struct {
	Number  int               // as the spreadsheet shows it
	Values  map[string]string // column key → trimmed text
	columns map[string]string // column key → letter in this file
	headers map[string]string // column key → header
}

// Columns are the column letters of this file by column key.
func (r Row) Columns() map[string]string { return maps.Clone(r.columns) }

// Fail describes a bad cell of this row found by the caller's own rules
// (a date's format, say), for an ImportError.
func (r Row) Fail(key, en, zh string) CellError {
	return CellError{Row: r.Number, Column: r.columns[key], Header: r.headers[key], Message: en, Zh: zh}
}

// Read reads a filled template: every non-empty row, its values by column
// key. Any bad cell (or a missing column, or a file that is no spreadsheet)
// makes it return an *ImportError and no rows.
func (t Template) Read(r io.Reader) ([]Row, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, &ImportError{Cells: []CellError{{Row: 0, Column: "", Message: "the file is not an .xlsx spreadsheet", Zh: "文件不是有效的 .xlsx 表格"}}}
	}
	defer f.Close()
	sheet := t.Sheet
	if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		sheet = f.GetSheetName(0)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("read sheet %s: %w", sheet, err)
	}
	var bad []CellError
	if len(rows) == 0 {
		return nil, &ImportError{Cells: []CellError{{Row: 1, Column: "A", Message: "the header row is missing", Zh: "缺少表头行"}}}
	}
	// Find each column by its header, so reordered columns still import.
	at := map[string]int{}
	for i, h := range rows[0] {
		at[strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))] = i
	}
	index := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		j, ok := at[c.Header]
		if !ok {
			col, _ := excelize.ColumnNumberToName(i + 1)
			bad = append(bad, CellError{Row: 1, Column: col, Header: c.Header,
				Message: fmt.Sprintf("the column %q is missing; use the template", c.Header), Zh: fmt.Sprintf("缺少“%s”列，请使用模板", c.Header)})
		}
		index[i] = j
	}
	if len(bad) > 0 {
		return nil, &ImportError{Cells: bad}
	}
	letters, headers := map[string]string{}, map[string]string{}
	for i, c := range t.Columns {
		letters[c.Key], _ = excelize.ColumnNumberToName(index[i] + 1)
		headers[c.Key] = c.Header
	}
	var out []Row
	for n, row := range rows[1:] {
		rowNo := n + 2
		if blank(row) {
			continue
		}
		if len(out) == t.maxRows() {
			return nil, &ImportError{Cells: []CellError{{Row: rowNo, Column: "A", Message: fmt.Sprintf("at most %d rows", t.maxRows()), Zh: fmt.Sprintf("最多 %d 行", t.maxRows())}}}
		}
		rec := map[string]string{}
		for i, c := range t.Columns {
			v := ""
			if index[i] < len(row) {
				v = strings.TrimSpace(row[index[i]])
			}
			col, _ := excelize.ColumnNumberToName(index[i] + 1)
			fail := func(en, zh string) {
				bad = append(bad, CellError{Row: rowNo, Column: col, Header: c.Header, Message: en, Zh: zh})
			}
			tp, badText := domain.TextFault(v, c.Multiline)
			switch {
			case badText:
				fe := tp.FieldError()
				bad = append(bad, CellError{Row: rowNo, Column: col, Header: c.Header, Message: fe.Message, Zh: fe.Zh, Rule: fe.Rule})
				v = ""
			case v == "" && c.Required:
				fail("required", "必填")
			case c.MaxChars > 0 && utf8.RuneCountInString(v) > c.MaxChars:
				fail(fmt.Sprintf("at most %d characters (got %d)", c.MaxChars, utf8.RuneCountInString(v)), fmt.Sprintf("不得超过%d个字符", c.MaxChars))
			case v != "" && len(c.Enum) > 0 && !slices.Contains(c.Enum, v):
				fail(fmt.Sprintf("%q is not one of %s", v, strings.Join(c.Enum, ", ")), "取值须为："+strings.Join(c.Enum, "、"))
			}
			rec[c.Key] = v
		}
		out = append(out, Row{Number: rowNo, Values: rec, columns: letters, headers: headers})
	}
	if len(bad) > 0 {
		return nil, &ImportError{Cells: bad}
	}
	return out, nil
}

func blank(row []string) bool {
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}
