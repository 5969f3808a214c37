package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
)

// sectionNames are the form sections in the order DeclarationSection's
// oneOf lists their bodies.
var sectionNames = []string{"applicant", "basic", "attendance", "hosting", "budget", "statements", "content", "people", "agenda", "contacts"}

// textLeaf is one free-text field of a request body: its path and a body
// that holds only it.
type textLeaf struct {
	path string
	body func(v string) any
}

// textLeaves lists every plain string field a schema takes (not dates,
// UUIDs or other formats, which have parsers of their own), each with a
// body builder setting only that field.
func textLeaves(doc map[string]any, schema map[string]any, path string, wrap func(any) any, depth int) []textLeaf {
	if depth > 8 {
		return nil
	}
	for {
		ref, ok := schema["$ref"].(string)
		if !ok {
			break
		}
		schema = doc["components"].(map[string]any)["schemas"].(map[string]any)[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	if all, ok := schema["allOf"].([]any); ok {
		var out []textLeaf
		for _, s := range all {
			out = append(out, textLeaves(doc, s.(map[string]any), path, wrap, depth+1)...)
		}
		return out
	}
	types := []string{}
	switch t := schema["type"].(type) {
	case string:
		types = append(types, t)
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	switch {
	case slices.Contains(types, "string"):
		if _, formatted := schema["format"]; formatted {
			return nil
		}
		if _, patterned := schema["pattern"]; patterned && path == "" {
			return nil
		}
		return []textLeaf{{path: path, body: func(v string) any { return wrap(v) }}}
	case slices.Contains(types, "array"):
		items, _ := schema["items"].(map[string]any)
		if items == nil {
			return nil
		}
		return textLeaves(doc, items, path+"[0]", func(v any) any { return wrap([]any{v}) }, depth+1)
	case slices.Contains(types, "object") || schema["properties"] != nil:
		props, _ := schema["properties"].(map[string]any)
		var out []textLeaf
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range props {
				if !yield(k) {
					return
				}
			}
		}) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, textLeaves(doc, props[k].(map[string]any), p, func(v any) any { return wrap(map[string]any{k: v}) }, depth+1)...)
		}
		return out
	}
	return nil
}

// TestNULRefusedEverywhere walks every operation taking a JSON body, as
// openapi.json describes them, and sends each of its text fields alone
// holding a NUL, then a control character: every one answers 422 naming
// the field with rule TEXT, and nothing is appended (issue 12 part 1a).
func TestNULRefusedEverywhere(t *testing.T) {
	h := newSignupHarness(t)
	doc := openAPIDoc(t)
	admin := h.email(domain.RolePlatformAdmin)
	before := h.eventCount()
	id := "0b7d4a52-3a0e-4c39-9a49-1f5f0c0e6d11"
	sent, operations := 0, 0
	for route, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op, ok := raw.(map[string]any)
			if !ok || op["requestBody"] == nil {
				continue
			}
			content := op["requestBody"].(map[string]any)["content"].(map[string]any)
			js, ok := content["application/json"].(map[string]any)
			if !ok {
				continue
			}
			schema := js["schema"].(map[string]any)
			bodies := map[string]map[string]any{route: schema}
			if one, ok := schema["oneOf"].([]any); ok && strings.Contains(route, "{section}") {
				bodies = map[string]map[string]any{}
				for i, s := range one {
					bodies[strings.ReplaceAll(route, "{section}", sectionNames[i])] = s.(map[string]any)
				}
			}
			for path, schema := range bodies {
				leaves := textLeaves(doc, schema, "", func(v any) any { return v }, 0)
				if len(leaves) > 0 {
					operations++
				}
				for _, leaf := range leaves {
					for _, bad := range []string{"a\x00b", "a\x1bb", "line\nbreak"} {
						res := h.do(strings.ToUpper(method), strings.NewReplacer("{id}", id, "{year}", "2027").Replace(path), admin, leaf.body(bad))
						sent++
						if bad == "line\nbreak" {
							// Multi-line fields take it; a single-line one refuses it.
							if res.status == http.StatusUnprocessableEntity && res.hasRule("TEXT") && !slices.Contains(res.rules(), "TEXT@"+leaf.path) {
								t.Errorf("%s %s %s=%q: TEXT on another field: %v", method, path, leaf.path, bad, res.rules())
							}
							continue
						}
						if res.status != http.StatusUnprocessableEntity || !slices.Contains(res.rules(), "TEXT@"+leaf.path) {
							t.Errorf("%s %s with %s=%q: %d %v; want 422 TEXT@%s (%s)", method, path, leaf.path, bad, res.status, res.rules(), leaf.path, res.body)
						}
					}
				}
			}
		}
	}
	// A spreadsheet cell is text too.
	xlsx := peopleSheet(t, [][]string{{"会议主席", "Anna_x0000_Schmidt", "德国", "Uni", "教授"}})
	res := h.do("POST", "/api/v1/declarations/"+id+"/people.xlsx", h.email(domain.RoleApplicant), xlsx,
		"Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	if res.status != http.StatusUnprocessableEntity || !slices.Contains(res.rules(), "TEXT@sheet:B2") {
		t.Errorf("people.xlsx with NUL in B2: %d %v; want 422 TEXT@sheet:B2 (%s)", res.status, res.rules(), res.body)
	}
	if operations < 25 || sent < 300 {
		t.Errorf("only %d operations and %d requests: the walk lost its way", operations, sent)
	}
	if after := h.eventCount(); after != before {
		t.Errorf("events: %d before, %d after; refused input must append nothing", before, after)
	}
	t.Logf("%d requests over %d operations", sent, operations)
}

// TestOldTextWithNULStillServes writes a forecast and its approval holding
// NUL through the commands, as the API took them before it refused such
// text, and checks the lists, the inbox and the export still answer, with
// the record and with the records after it (issue 12 part 1b).
func TestOldTextWithNULStillServes(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	applicant, err := h.app.ResolveActor(ctx, h.tree.Account(domain.RoleApplicant).UserID)
	if err != nil {
		t.Fatal(err)
	}
	unit, err := h.app.ResolveActor(ctx, h.tree.Account(domain.RoleUnitAdmin).UserID)
	if err != nil {
		t.Fatal(err)
	}
	var d forecast.Details
	body, _ := json.Marshal(forecastBody(func(m map[string]any) {
		m["nameZh"] = "2027年分布式\x00系统国际研讨会"
		m["remarks"] = "备注\x00"
	}))
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	res, err := h.app.SubmitForecast(ctx, applicant, commands.Meta{}, commands.SubmitForecast{Details: d})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: res.ID, Comment: "同意\x00"}); err != nil {
		t.Fatal(err)
	}
	later, _ := h.submit(nil)
	app := h.email(domain.RoleApplicant)
	list := h.do("GET", "/api/v1/forecasts?pageSize=100", app, nil)
	if list.status != http.StatusOK {
		t.Fatalf("GET /forecasts: %d %s", list.status, list.body)
	}
	for _, want := range []string{res.ID.String(), later, "分布式\uFFFD系统"} {
		if !strings.Contains(string(list.body), want) {
			t.Errorf("GET /forecasts misses %q: %s", want, list.body)
		}
	}
	if r := h.do("GET", "/api/v1/forecasts/"+res.ID.String(), app, nil); r.status != http.StatusOK {
		t.Errorf("GET the forecast: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/me/notifications", app, nil); r.status != http.StatusOK || !strings.Contains(string(r.body), res.ID.String()) {
		t.Errorf("GET /me/notifications: %d %s; want the approval's notice", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/forecasts/export?format=csv", h.email(domain.RoleAuditor), nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "分布式\uFFFD系统") {
		t.Errorf("GET /forecasts/export: %d %s", r.status, r.body)
	}
}

// TestBadQueryParam400 sends NUL, control characters and bytes that are not
// UTF-8 in q to every operation taking q (lists and exports), in other
// query parameters of every route, and in the headers econf stores: each is
// a 400 naming the parameter, never a 500 (issue 12 part 1).
func TestBadQueryParam400(t *testing.T) {
	h := newHarness(t)
	doc := openAPIDoc(t)
	auditor, admin := h.email(domain.RoleAuditor), h.email(domain.RolePlatformAdmin)
	before := h.eventCount()
	takesQ := 0
	for route, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op, ok := raw.(map[string]any)
			if !ok || method != "get" {
				continue
			}
			params, _ := op["parameters"].([]any)
			hasQ := false
			for _, p := range params {
				if pm, ok := p.(map[string]any); ok && pm["in"] == "query" && pm["name"] == "q" {
					hasQ = true
				}
			}
			path := strings.ReplaceAll(route, "{id}", "0b7d4a52-3a0e-4c39-9a49-1f5f0c0e6d11")
			// Any route: a bad value in any parameter is a 400.
			res := h.do("GET", path+"?zz=a%00b", auditor, nil)
			if res.status != http.StatusBadRequest || !slices.Contains(res.rules(), "TEXT@query:zz") {
				t.Errorf("GET %s?zz=a%%00b: %d %v; want 400 TEXT@query:zz", route, res.status, res.rules())
			}
			if !hasQ {
				continue
			}
			takesQ++
			for _, q := range []string{"%00", "a%00", "%FF", "%E4%BC", "a%09b", "%1B%5B31m", "%7F"} {
				res := h.do("GET", path+"?q="+q, auditor, nil)
				if res.status != http.StatusBadRequest || !slices.Contains(res.rules(), "TEXT@query:q") {
					t.Errorf("GET %s?q=%s: %d %v; want 400 TEXT@query:q (%s)", route, q, res.status, res.rules(), res.body)
				}
			}
			if res := h.do("GET", path+"?q=%E4%BC%9A%E8%AE%AE", auditor, nil); res.status == http.StatusBadRequest || res.status >= 500 { // /users is 403 to an auditor
				t.Errorf("GET %s?q=会议: %d %s", route, res.status, res.body)
			}
		}
	}
	if takesQ < 6 {
		t.Errorf("only %d operations take q; the walk lost its way", takesQ)
	}
	if res := h.do("GET", "/api/v1/forecasts?q=%zz", auditor, nil); res.status != http.StatusBadRequest || !slices.Contains(res.rules(), "SCHEMA@query") {
		t.Errorf("a malformed query string: %d %v; want 400 SCHEMA@query", res.status, res.rules())
	}
	if res := h.do("GET", "/api/v1/forecasts?a%00=1", auditor, nil); res.status != http.StatusBadRequest || !slices.Contains(res.rules(), `TEXT@query:"a\x00"`) {
		t.Errorf("a bad parameter name: %d %v", res.status, res.rules())
	}
	for _, hd := range []string{"Idempotency-Key", "X-Correlation-Id", "X-Request-Id"} {
		for _, v := range []string{"key\xff", "a\tb"} {
			res := h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "unit", "nameZh": "测试学院", "parentId": h.tree.University.String()}, hd, v)
			if res.status != http.StatusBadRequest || !slices.Contains(res.rules(), "TEXT@header:"+hd) {
				t.Errorf("%s: %q: %d %v; want 400 TEXT@header:%s", hd, v, res.status, res.rules(), hd)
			}
		}
	}
	if after := h.eventCount(); after != before {
		t.Errorf("events: %d before, %d after; a refused request must append nothing", before, after)
	}
}
