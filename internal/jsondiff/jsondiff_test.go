package jsondiff

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, c := range []struct {
		name, a, b string
		want       []Change
	}{
		{"equal", `{"a":1,"b":[1,2],"c":{"d":"x"}}`, `{"c":{"d":"x"},"b":[1,2],"a":1}`, []Change{}},
		{"a nested field", `{"form":{"attendance":{"foreign":40,"mainland":100}}}`, `{"form":{"attendance":{"foreign":45,"mainland":100}}}`,
			[]Change{{Path: "form.attendance.foreign", Op: Changed, Before: json.Number("40"), After: json.Number("45")}}},
		{"added and removed keys, sorted", `{"b":1,"z":true}`, `{"a":"new","b":1}`,
			[]Change{{Path: "a", Op: Added, After: "new"}, {Path: "z", Op: Removed, Before: true}}},
		{"arrays by index", `{"l":[{"n":"x"},{"n":"y"}]}`, `{"l":[{"n":"x"},{"n":"z"},{"n":"w"}]}`,
			[]Change{{Path: "l[1].n", Op: Changed, Before: "y", After: "z"}, {Path: "l[2]", Op: Added, After: map[string]any{"n": "w"}}}},
		{"a shorter array", `[1,2,3]`, `[1]`,
			[]Change{{Path: "[1]", Op: Removed, Before: json.Number("2")}, {Path: "[2]", Op: Removed, Before: json.Number("3")}}},
		{"another kind", `{"v":{"x":1}}`, `{"v":"x"}`,
			[]Change{{Path: "v", Op: Changed, Before: map[string]any{"x": json.Number("1")}, After: "x"}}},
		{"null to a value", `{"v":null}`, `{"v":0}`, []Change{{Path: "v", Op: Changed, Before: nil, After: json.Number("0")}}},
		{"large numbers keep their digits", `{"fen":9007199254740993}`, `{"fen":9007199254740992}`,
			[]Change{{Path: "fen", Op: Changed, Before: json.Number("9007199254740993"), After: json.Number("9007199254740992")}}},
		{"the document itself", `"a"`, `"b"`, []Change{{Path: "", Op: Changed, Before: "a", After: "b"}}},
	} {
		got, err := Diff([]byte(c.a), []byte(c.b))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v; want %#v", c.name, got, c.want)
		}
	}
	if _, err := Diff([]byte(`{`), []byte(`{}`)); err == nil {
		t.Error("a malformed document: no error")
	}
}

func TestValuesMarshal(t *testing.T) {
	type form struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	got, err := Values(form{"a", 1}, form{"a", 2})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(got)
	if string(js) != `[{"path":"count","op":"changed","before":1,"after":2}]` {
		t.Errorf("got %s", js)
	}
}
