package strictjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func decodeStd(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, errTrailing
	}
	return v, nil
}

var errTrailing = json.Unmarshal([]byte("x"), new(any))

func TestParseRefuses(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	for name, body := range map[string]string{
		"duplicate":             `{"a":1,"a":2}`,
		"case":                  `{"fulfillmentId":"a","FulfillmentId":"b"}`,
		"kelvin":                `{"k":"a","\u212a":"b"}`,
		"kelvin raw":            "{\"K\":1,\"\u212a\":2}",
		"long s":                `{"s":1,"ſ":2}`,
		"dotless i":             `{"i":1,"ı":2}`,
		"dotted I":              `{"i":1,"İ":2}`,
		"escaped name":          `{"fulfillmentId":"a","fulfillment\u0049d":"b"}`,
		"nested duplicate":      `{"a":{"b":[{"c":1,"C":2}]}}`,
		"invalid utf8":          "{\"a\":\"\xff\"}",
		"invalid utf8 name":     "{\"\xc3\":1}",
		"lone high surrogate":   `{"a":"\ud800"}`,
		"lone low surrogate":    `{"a":"\udc00"}`,
		"high then non-low":     `{"a":"\ud800\u0041"}`,
		"high then end":         `{"a":"\ud800\"}`,
		"bad escape":            `{"a":"\x41"}`,
		"short escape":          `{"a":"\u12"}`,
		"control in string":     "{\"a\":\"\x01\"}",
		"bom":                   "\ufeff{}",
		"trailing":              `{} {}`,
		"trailing garbage":      `{}x`,
		"deep":                  deep,
		"leading zero":          `{"a":01}`,
		"plus":                  `{"a":+1}`,
		"dot only":              `{"a":1.}`,
		"exp only":              `{"a":1e}`,
		"bare minus":            `{"a":-}`,
		"trailing comma":        `{"a":1,}`,
		"single quotes":         `{'a':1}`,
		"nan":                   `{"a":NaN}`,
		"empty":                 ``,
		"unterminated":          `{"a":"b`,
		"tru":                   `{"a":tru}`,
		"nul byte outside":      "{\"a\":1}\x00",
		"duplicate after equal": `{"a":{"x":1},"b":2,"A":3}`,
	} {
		if v, err := Parse([]byte(body)); err == nil {
			t.Errorf("%s: Parse(%q) = %v, want an error", name, body, v)
		} else if strings.Contains(err.Error(), "\ufffd") {
			t.Errorf("%s: error quotes the body: %v", name, err)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	for body, want := range map[string]any{
		`{"a":"\u00e9\ud83d\ude00","b":[1.50,-0,1e2,true,false,null]}`: map[string]any{
			"a": "é😀", "b": []any{json.Number("1.50"), json.Number("-0"), json.Number("1e2"), true, false, nil}},
		` { "fulfillment\u0049d" : "x" , "k":1, "nested":{"k":2}} `: map[string]any{
			"fulfillmentId": "x", "k": json.Number("1"), "nested": map[string]any{"k": json.Number("2")}},
		`"\ufffd"`:                       "\ufffd",
		`[]`:                             []any{},
		`123456789012345678901234567890`: json.Number("123456789012345678901234567890"),
	} {
		got, err := Parse([]byte(body))
		if err != nil {
			t.Errorf("Parse(%q): %v", body, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %#v, want %#v", body, got, want)
		}
	}
	// NFC and NFD spellings are different names, and both are kept.
	got, err := Parse([]byte("{\"caf\u00e9\":1,\"cafe\u0301\":2}"))
	if err != nil || len(got.(map[string]any)) != 2 {
		t.Errorf("NFC and NFD names: %v, %v", got, err)
	}
}

func TestFold(t *testing.T) {
	for _, pair := range [][2]string{{"k", "\u212a"}, {"s", "ſ"}, {"Id", "iD"}, {"σ", "ς"}, {"ß", "ẞ"}} {
		if Fold(pair[0]) != Fold(pair[1]) {
			t.Errorf("Fold(%q) != Fold(%q)", pair[0], pair[1])
		}
	}
	if Fold("a") == Fold("b") || Fold("é") == Fold("e") {
		t.Error("Fold merges distinct letters")
	}
}

// Whatever the input, Parse either refuses it or reads what encoding/json
// reads; and whenever encoding/json refuses it, so does Parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":"\ud800"}`, `{"a":1,"A":2}`, `[1e2,-0,1.0]`, "{\"\xff\":1}",
		`{"a":{"b":[{"c":"\u212a"}]}}`, `"x"`, `{"ſ":1}`, `{}{}`, "\ufeff{}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data)
		want, stdErr := decodeStd(data)
		if stdErr != nil {
			if err == nil {
				t.Fatalf("Parse accepted %q, which encoding/json refuses: %v", data, stdErr)
			}
			return
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q) = %#v, encoding/json reads %#v", data, got, want)
		}
		out, merr := json.Marshal(got)
		if merr != nil {
			t.Fatal(merr)
		}
		again, err := Parse(out)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("re-encoded %q reads %#v, %v", out, again, err)
		}
	})
}

// sample is the shape of Nexway's default fulfillment body.
const sample = `{"fulfillmentId":"6c0edf3e-8d5c-4a1e-9f3a-0d3b5c1e2f40","checkout":{"orderId":"ORD-1001",
"lineItemId":"0b9a6f0e-1111-4c2d-8e3f-222233334444","price":{"grossPrice":29.99,"currency":"EUR"}},
"user":{"id":"u-77","email":"jane.doe@example.com","country":"FR","locale":"fr-FR","firstName":"Jane","lastName":"Doe"},
"product":{"id":"3f0c7a9e-aaaa-4bbb-8ccc-dddddddddddd","name":"ACME Pro","publisherProductId":"ACME-PRO",
"priceFunctionParameters":{"seats":"5"},"price":{"grossPrice":29.99,"currency":"EUR"}}}`

// Parse against encoding/json's generic decoding of the same body.
func BenchmarkParse(b *testing.B) {
	b.Run("strictjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse([]byte(sample)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeStd([]byte(sample)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
