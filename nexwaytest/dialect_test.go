package nexwaytest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Each field of Dialect rewrites what the documentation shows into what it
// names, and nothing else.
func TestDialectRewrites(t *testing.T) {
	t.Parallel()
	const categories = `{"responseCode":0,"categoryList":[{"id":7466,"label":"AV","Subcategory list":[]}],"date":"2026-01-26"}`
	for _, tc := range []struct {
		d    Dialect
		want string
	}{
		{Dialect{}, categories},
		{Dialect{NumbersAsStrings: true}, `{"categoryList":[{"Subcategory list":[],"id":"7466","label":"AV"}],"date":"2026-01-26","responseCode":"0"}`},
		{Dialect{AlternativeNames: true}, `{"categories":[{"id":7466,"label":"AV","subcategory":[]}],"date":"2026-01-26","responseCode":0}`},
		{Dialect{NullLists: true}, `{"categoryList":[{"Subcategory list":null,"id":7466,"label":"AV"}],"date":"2026-01-26","responseCode":0}`},
		{Dialect{SingleObjects: true}, `{"categoryList":{"Subcategory list":[],"id":7466,"label":"AV"},"date":"2026-01-26","responseCode":0}`},
		{Dialect{Dates: DateRFC3339}, `{"categoryList":[{"Subcategory list":[],"id":7466,"label":"AV"}],"date":"2026-01-26T12:00:00+02:00","responseCode":0}`},
		{Dialect{Dates: DateTime}, `{"categoryList":[{"Subcategory list":[],"id":7466,"label":"AV"}],"date":"2026-01-26 00:00:00","responseCode":0}`},
		{Dialect{Dates: DateEpoch}, `{"categoryList":[{"Subcategory list":[],"id":7466,"label":"AV"}],"date":1769389200,"responseCode":0}`},
		{Dialect{Dates: DateEpochMillis}, `{"categoryList":[{"Subcategory list":[],"id":7466,"label":"AV"}],"date":"1769385600000","responseCode":0}`},
	} {
		got := strings.TrimSpace(string(tc.d.speak(RouteCategories, []byte(categories))))
		if got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.d, got, tc.want)
		}
	}
	extra := string(Dialect{ExtraFields: true}.speak(RouteOSList, []byte(`{"osList":[{"id":1}]}`)))
	if strings.Count(extra, "x-trace") != 2 {
		t.Errorf("extra fields: %s", extra)
	}
	if got := string(Dialect{NumbersAsStrings: true}.speak(RouteOSList, []byte(`<html>`))); got != `<html>` {
		t.Errorf("a page that is not JSON was rewritten: %s", got)
	}
}

func TestDialectCompression(t *testing.T) {
	t.Parallel()
	body := []byte(`{"responseCode":0}`)
	for enc, open := range map[string]func(io.Reader) (io.Reader, error){
		"gzip":    func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		"deflate": func(r io.Reader) (io.Reader, error) { return flate.NewReader(r), nil },
	} {
		h := http.Header{"Content-Length": {"18"}}
		z := Dialect{Compression: enc}.compress(h, body)
		r, err := open(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, body) || h.Get("Content-Encoding") != enc || h.Get("Content-Length") != "" {
			t.Errorf("%s: %q, %v, %v", enc, got, err, h)
		}
	}
}

// Variants are drawn from the seed: the same seed gives the same dialects,
// and every field is drawn both ways.
func TestVariantsSeeded(t *testing.T) {
	draw := func(seed int64) []Dialect {
		var c config
		WithVariants(seed)(&c)
		d := newDialects(&c)
		out := make([]Dialect, 64)
		for i := range out {
			out[i] = d.next()
		}
		return out
	}
	a, b := draw(7), draw(7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed drew different dialects")
	}
	seen := map[string]bool{}
	for _, d := range a {
		seen["numbers"+boolName(d.NumbersAsStrings)] = true
		seen["names"+boolName(d.AlternativeNames)] = true
		seen["compression "+d.Compression] = true
	}
	if len(seen) != 7 {
		t.Errorf("64 draws covered only %v", seen)
	}
	t.Setenv("NEXWAYTEST_VARIANTS", "7")
	var c config
	variantsFromEnv(&c)
	if !c.variants || c.variantSeed != 7 {
		t.Errorf("NEXWAYTEST_VARIANTS=7 gave %+v", c)
	}
}

func boolName(b bool) string {
	if b {
		return " on"
	}
	return " off"
}
