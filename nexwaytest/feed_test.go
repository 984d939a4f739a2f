package nexwaytest

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// feedQuery is the query of the default feed with the test secret.
func feedQuery() url.Values {
	return url.Values{"secret": {Secret}, "provider": {FeedProvider}, "config": {FeedConfig}}
}

// getFeed downloads path?q from e's server.
func (e *env) getFeed(path string, q url.Values) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := http.Get(e.ts.URL + path + "?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// feedCSV downloads the feed, expects a CSV answer, and parses it.
func (e *env) feedCSV(sep rune) [][]string {
	e.t.Helper()
	resp, b := e.getFeed("/flow/getcatalog/v2.4/", feedQuery())
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		e.t.Fatalf("HTTP %d, %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = sep
	recs, err := r.ReadAll()
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// The CSV feed has the columns asked for, in their order, with the
// separator, line ending and decimal mark asked for, a row per product of
// the catalog in ref order, and the values of the catalog.
func TestFeedCSVFromCatalog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cols := []string{"Name", "Product ID", "Price wo.VAT", "Price public wo.VAT", "Currency", "Categories",
		"System requirements _ Operating system", "Total size", "Screenshots", "Publisher name", "Promotion"}
	if err := e.s.SetFeed(FeedSettings{Columns: cols, Separator: ";", CRLF: true, DecimalComma: true}); err != nil {
		t.Fatal(err)
	}
	resp, raw := e.getFeed("/flow/getcatalog/v2.4/", feedQuery())
	if resp.StatusCode != 200 || !bytes.Contains(raw, []byte(";41,66;49,99;EUR;7467;63:64;119,69;")) || !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Fatalf("HTTP %d:\n%s", resp.StatusCode, raw)
	}
	recs := e.feedCSV(';')
	if !slices.Equal(recs[0], cols) {
		t.Fatalf("header %q, want %q", recs[0], cols)
	}
	var refs []string
	for _, r := range recs[1:] {
		refs = append(refs, r[1])
	}
	want := []string{"733551", "733552", "733558", "733559", "733560", "733561", "733562", "733570"}
	if !slices.Equal(refs, want) {
		t.Fatalf("refs %q, want %q", refs, want)
	}
	// 733551: two files of 123,456,789 and 2,048,000 bytes are 119.69 MiB.
	first := []string{"Nexway Antivirus Pro 2026", "733551", "41,66", "49,99", "EUR", "7467", "63:64", "119,69",
		"screens/733551-1.png:screens/733551-2.png", "Nexway Labs", "Promotion of 733551"}
	if !slices.Equal(recs[1], first) {
		t.Fatalf("row of 733551:\n got %q\nwant %q", recs[1], first)
	}

	// A product added, changed or removed shows in the next download.
	if err := e.s.RemoveProducts(733562); err != nil {
		t.Fatal(err)
	}
	p := DefaultCatalog()[2] // 733558
	p.AmountDutyFree, p.Name = 19.5, `Space Trader "Deluxe"; Gold`
	if err := e.s.UpdateProducts(p); err != nil {
		t.Fatal(err)
	}
	recs = e.feedCSV(';')
	if len(recs) != 8 || recs[3][0] != p.Name || recs[3][2] != "19,50" || slices.ContainsFunc(recs, func(r []string) bool { return r[1] == "733562" }) {
		t.Fatalf("after the changes: %q", recs)
	}
}

// The default feed has every documented column, comma-separated, LF.
func TestFeedDefaultColumns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, raw := e.getFeed("/getCatalog.xml", feedQuery())
	header, _, _ := strings.Cut(string(raw), "\n")
	if header != strings.Join(FeedColumns(), ",") || strings.Contains(string(raw), "\r") {
		t.Fatalf("header %q", header)
	}
	if recs := e.feedCSV(','); len(recs) != 9 || len(recs[1]) != len(FeedColumns()) {
		t.Fatalf("%d records of %d fields", len(recs), len(recs[1]))
	}
}

type xmlFeedProduct struct {
	ID        int    `xml:"id,attr"`
	Name      string `xml:"name"`
	Publisher string `xml:"publisher"`
	Desc      []struct {
		Format   string `xml:"format,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"description"`
	Price struct {
		Currency string `xml:"currency,attr"`
		Value    string `xml:",chardata"`
	} `xml:"price"`
	Categories    string `xml:"categories"`
	DRM           string `xml:"drm"`
	DigitalLocker int    `xml:"deliveryMode>digitalLocker"`
}

// The XML feed has a product element per product with the elements
// Nexway's integrations read, at both paths.
func TestFeedXML(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.SetFeed(FeedSettings{Format: FeedXML, Columns: []string{"ignored"}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/getCatalog.xml", "/flow/getcatalog/v2.4/", "/flow/getcatalog/v3/"} {
		resp, raw := e.getFeed(path, feedQuery())
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("%s: HTTP %d, %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc struct {
			Products []xmlFeedProduct `xml:"product"`
		}
		if err := xml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(doc.Products) != 8 {
			t.Fatalf("%s: %d products", path, len(doc.Products))
		}
		got := doc.Products[2]
		if got.ID != 733558 || got.Name != "Space Trader Deluxe" || got.Publisher != "Stellar Forge" || got.DRM != "Steam" ||
			got.Price.Value != "24.99" || got.Price.Currency != "EUR" || got.Categories != "7471" ||
			len(got.Desc) != 2 || got.Desc[1].Format != "long" || got.Desc[1].Language != "EN" || !strings.Contains(got.Desc[1].Text, "pirates") {
			t.Fatalf("%s: 733558 is %+v", path, got)
		}
	}
}

// A wrong secret is 401, an unknown provider or config 404, each a small
// HTML page that does not echo the query and holds no feed.
func TestFeedRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := func(kv ...string) url.Values {
		v := feedQuery()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	for _, c := range []struct {
		name   string
		q      url.Values
		status int
	}{
		{"no query", url.Values{}, 401},
		{"no secret", q("secret", ""), 401},
		{"wrong secret", q("secret", "canary-secret-1"), 401},
		{"wrong secret, wrong provider", q("secret", "canary-secret-1", "provider", "canary-provider-1"), 401},
		{"no provider", q("provider", ""), 404},
		{"unknown provider", q("provider", "canary-provider-1"), 404},
		{"unknown config", q("config", "canary-config-1"), 404},
		{"provider and config swapped", q("provider", FeedConfig, "config", FeedProvider), 404},
	} {
		resp, b := e.getFeed("/flow/getcatalog/v2.4/", c.q)
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || bytes.Contains(b, []byte("canary")) || bytes.Contains(b, []byte("Product ID")) {
			t.Errorf("%s: HTTP %d, %s: %s", c.name, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	// Other ids, once set, are the only ones accepted.
	if err := e.s.SetFeed(FeedSettings{Provider: "p-2", Config: "c-2"}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.getFeed("/flow/getcatalog/v2.4/", feedQuery()); resp.StatusCode != 404 {
		t.Errorf("default ids after SetFeed: HTTP %d", resp.StatusCode)
	}
	if resp, _ := e.getFeed("/flow/getcatalog/v2.4/", q("provider", "p-2", "config", "c-2")); resp.StatusCode != 200 {
		t.Errorf("the ids set: HTTP %d", resp.StatusCode)
	}
	// Paths that are not the feed's.
	for _, path := range []string{"/flow/getcatalog/v2.4/more", "/flow/getcatalog/", "/getCatalog.csv"} {
		if resp, _ := e.getFeed(path, feedQuery()); resp.StatusCode == 200 {
			t.Errorf("%s: HTTP 200", path)
		}
	}
	if n := e.s.Counts()[RouteFeed].Requests; n != 10 {
		t.Errorf("Counts()[RouteFeed] = %d, want 10", n)
	}
}

// A generated feed has the size asked for, is the same for the same seed,
// and follows the other settings.
func TestFeedGenerated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.SetFeed(FeedSettings{Generated: 2000, Separator: "|", Columns: []string{"Product ID", "Name", "Long description"}}); err != nil {
		t.Fatal(err)
	}
	recs := e.feedCSV('|')
	if len(recs) != 2001 || recs[1][0] != "100000" || recs[2000][0] != "101999" {
		t.Fatalf("%d records, first %q, last %q", len(recs), recs[1], recs[len(recs)-1])
	}
	_, a := e.getFeed("/getCatalog.xml", feedQuery())
	_, b := e.getFeed("/getCatalog.xml", feedQuery())
	other := newEnv(t, func(c *config) { c.seed = 2 })
	_ = other.s.SetFeed(FeedSettings{Generated: 2000, Separator: "|", Columns: []string{"Product ID", "Name", "Long description"}})
	_, c := other.getFeed("/getCatalog.xml", feedQuery())
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Fatal("the same seed gave another feed, or another seed the same")
	}

	req, _ := http.NewRequest(http.MethodHead, e.ts.URL+"/getCatalog.xml?"+feedQuery().Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength > 0 {
		t.Fatalf("HEAD: HTTP %d, %d bytes", resp.StatusCode, resp.ContentLength)
	}
}

// countingWriter is a ResponseWriter that counts and drops the body.
type countingWriter struct {
	h http.Header
	n int64
}

func (w *countingWriter) Header() http.Header         { return w.h }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// Serving a generated feed does not build it in memory: 39,000 more
// products allocate a small fraction of their size (a few bytes of
// garbage each), where holding them would take all of it. (Not parallel:
// it reads the process's allocation counter.)
func TestFeedGeneratedIsNotBuiltInMemory(t *testing.T) {
	s := newUnstarted(config{})
	t.Cleanup(s.Close)
	serve := func(n int) (allocated uint64, written int64) {
		if err := s.SetFeed(FeedSettings{Generated: n}); err != nil {
			t.Fatal(err)
		}
		w := &countingWriter{h: http.Header{}}
		req := httptest.NewRequest("GET", "/getCatalog.xml?"+feedQuery().Encode(), nil)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s.ServeHTTP(w, req)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, w.n
	}
	serve(100) // warm up
	small, smallBytes := serve(1000)
	large, largeBytes := serve(40000)
	if more := largeBytes - smallBytes; more < 30<<20 || large > small+uint64(more)/16 {
		t.Fatalf("serving 1,000 products (%d bytes) allocated %d bytes, 40,000 (%d bytes) %d", smallBytes, small, largeBytes, large)
	}
}

// Dialects reshape JSON answers only: the feed is neither rewritten nor
// compressed, and does not use up a variant.
func TestFeedIgnoresDialects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config) {
		c.dialect = Dialect{Compression: "gzip", NumbersAsStrings: true, ExtraFields: true}
	})
	req, _ := http.NewRequest("GET", e.ts.URL+"/getCatalog.xml?"+feedQuery().Encode(), nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(b, []byte("Product ID,")) {
		t.Fatalf("Content-Encoding %q: %.100q", resp.Header.Get("Content-Encoding"), b)
	}
}

// Faults named for the feed apply to it: a 403 (an IP address Nexway has
// not registered), a feed cut in half.
func TestFeedFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.InjectFault(RouteFeed, Fault{Kind: FaultStatus, Status: 403})
	e.s.InjectFault(RouteAny, Fault{Kind: FaultStatus, Status: 500}) // not for the feed
	if resp, _ := e.getFeed("/getCatalog.xml", feedQuery()); resp.StatusCode != 403 {
		t.Fatalf("HTTP %d, want the injected 403", resp.StatusCode)
	}
	_, whole := e.getFeed("/getCatalog.xml", feedQuery())
	e.s.InjectFault(RouteFeed, Fault{Kind: FaultTruncate})
	resp, err := http.Get(e.ts.URL + "/getCatalog.xml?" + feedQuery().Encode())
	if err != nil {
		t.Fatal(err)
	}
	half, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(half) != len(whole)/2 || !bytes.HasPrefix(whole, half) {
		t.Fatalf("truncated feed: %d of %d bytes, %v", len(half), len(whole), err)
	}
}

// Settings that cannot make a feed are refused, naming the field, and
// change nothing; WithFeed's make the start fail.
func TestSetFeedRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		f    FeedSettings
		want string
	}{
		{FeedSettings{Provider: "  "}, "provider"},
		{FeedSettings{Config: "a\nb"}, "config"},
		{FeedSettings{Format: 7}, "format"},
		{FeedSettings{Separator: ";;"}, "separator"},
		{FeedSettings{Separator: `"`}, "separator"},
		{FeedSettings{Separator: "\n"}, "separator"},
		{FeedSettings{Separator: "é"}, "separator"},
		{FeedSettings{Columns: []string{"Name", ""}}, "column 2"},
		{FeedSettings{Columns: []string{"Name", "Product ID", "Name"}}, `column "Name"`},
		{FeedSettings{Generated: -1}, "generated"},
	} {
		err := e.s.SetFeed(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.f, err, c.want)
		}
	}
	if recs := e.feedCSV(','); len(recs) != 9 {
		t.Errorf("a refused SetFeed changed the feed: %d records", len(recs))
	}
	if _, err := StartServer(WithFeed(FeedSettings{Separator: "ab"})); err == nil || !strings.Contains(err.Error(), "separator") {
		t.Errorf("StartServer with bad feed settings: %v", err)
	}
}
