package nexwaytest

import (
	"encoding/json"
	"go/ast"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// Every exported method of Server is reachable over the admin API, or is
// listed in adminless with its reason: a knob added later fails this test
// until it has a route.
func TestEveryKnobHasAnAdminRoute(t *testing.T) {
	t.Parallel()
	routed := map[string][]string{}
	for _, rt := range adminRoutes() {
		for _, k := range rt.knobs {
			routed[k] = append(routed[k], rt.pattern)
		}
	}
	typ := reflect.TypeFor[*Server]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		_, skipped := adminless[name]
		switch {
		case skipped && routed[name] != nil:
			t.Errorf("%s has a route (%v) but is listed in adminless", name, routed[name])
		case !skipped && routed[name] == nil:
			t.Errorf("(*Server).%s has no admin route: add one to adminRoutes (admin.go), or list it in adminless with the reason", name)
		}
	}
	for name := range routed {
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("adminRoutes names %s, which is not a method of *Server", name)
		}
	}
	for name := range adminless {
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("adminless names %s, which is not a method of *Server", name)
		}
	}
}

// adminPatterns are the route patterns as documentation writes them, with
// the spaces between method and path collapsed.
func adminPatterns() []string {
	var out []string
	for _, rt := range adminRoutes() {
		out = append(out, rt.pattern)
	}
	return out
}

var spaces = regexp.MustCompile(`[ \t]+`)

// go doc lists every admin route, on WithAdminAPI.
func TestAdminRoutesDocumented(t *testing.T) {
	t.Parallel()
	var doc string
	for _, sf := range packageFiles(t) {
		for _, d := range sf.file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "WithAdminAPI" && fn.Recv == nil {
				doc = spaces.ReplaceAllString(fn.Doc.Text(), " ")
			}
		}
	}
	for _, p := range adminPatterns() {
		if !strings.Contains(doc, p+" ") {
			t.Errorf("WithAdminAPI's comment does not list %s", p)
		}
	}
}

// adminFake is a fake with the admin API, not listening.
func adminFake(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := build(append([]Option{WithAdminAPI()}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// adminDirect sends an admin request from the address from through
// ServeHTTP.
func adminDirect(s *Server, method, path, from string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = from
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestAdminLoopbackOnly(t *testing.T) {
	t.Parallel()
	s := adminFake(t)
	for from, want := range map[string]int{
		"127.0.0.1:5000":        200,
		"127.8.9.10:5000":       200,
		"[::1]:5000":            200,
		"[::ffff:127.0.0.1]:80": 200,
		"192.0.2.1:5000":        403,
		"[2001:db8::1]:5000":    403,
		"":                      403,
		"localhost:5000":        403, // a name is not an address
	} {
		rec := adminDirect(s, "GET", "/_fake/clock", from, nil)
		if rec.Code != want {
			t.Errorf("from %q: HTTP %d, want %d: %s", from, rec.Code, want, rec.Body)
		}
	}
	rec := adminDirect(s, "POST", "/_fake/reset", "192.0.2.1:5000", nil)
	if !strings.Contains(rec.Body.String(), "loopback only") {
		t.Errorf("refusal: %s", rec.Body)
	}
	remote := adminFake(t, WithRemoteAdmin())
	if rec := adminDirect(remote, "GET", "/_fake/clock", "192.0.2.1:5000", nil); rec.Code != 200 {
		t.Errorf("WithRemoteAdmin: HTTP %d", rec.Code)
	}
	if off := adminFake(t); off.cfg.remoteAdmin {
		t.Error("remote admin on by default")
	}
}

// zeros reads as an endless run of '0'.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = '0'
	}
	return len(b), nil
}

func TestAdminBodyTooLarge(t *testing.T) {
	t.Parallel()
	s := adminFake(t)
	rec := adminDirect(s, "POST", "/_fake/keys", "127.0.0.1:1", io.LimitReader(zeros{}, maxAdminBody+1))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "over 32 MiB") {
		t.Errorf("HTTP %d: %s", rec.Code, rec.Body)
	}
}

// A client request (nil body) given to ServeHTTP is served too.
func TestAdminNilBody(t *testing.T) {
	t.Parallel()
	s := adminFake(t)
	req, _ := http.NewRequest("POST", "/_fake/reset", nil)
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("HTTP %d: %s", rec.Code, rec.Body)
	}
}

// Whatever the route and body, an admin call answers JSON with a status it
// documents, and never panics.
func FuzzAdmin(f *testing.F) {
	routes := adminRoutes()
	bodies := map[string]string{
		"POST /_fake/products":                           `[{"ref":9,"name":"N","currency":"EUR"}]`,
		"PUT /_fake/products":                            `[{"ref":733551,"name":"N","currency":"EUR","categories":[1,2],"screenshots":["a.png"]}]`,
		"PUT /_fake/categories":                          `[{"id":1,"label":"L","subcategories":[{"id":2}]}]`,
		"PUT /_fake/oslist":                              `[{"id":1,"label":"x"}]`,
		"PUT /_fake/feed":                                `{"provider":"p","format":"xml","columns":["Name"],"separator":";","crlf":true,"generated":3}`,
		"POST /_fake/products/{ref}/keys":                `["K1","K2"]`,
		"POST /_fake/keys":                               "productRef,licenseKey\n733551,Z-1\n",
		"PUT /_fake/products/{ref}/publisher":            `{"generatedKeys":"P"}`,
		"POST /_fake/faults":                             `{"route":"POST /connect/stock","fault":{"kind":"code","then":{"kind":"drop"}}}`,
		"PUT /_fake/faults/rate":                         `{"route":"","rate":0.5,"faults":[{}]}`,
		"PUT /_fake/ratelimit":                           `{"rate":10,"burst":10}`,
		"POST /_fake/holds":                              `{"count":1,"code":1060}`,
		"POST /_fake/orders/{partnerOrderNumber}/reject": `{"code":1062}`,
		"POST /_fake/clock/advance":                      `{"by":"36h"}`,
	}
	for i, rt := range routes {
		f.Add(uint8(i), "733551", []byte(bodies[rt.pattern]))
	}
	f.Fuzz(func(t *testing.T, route uint8, param string, body []byte) {
		rt := routes[int(route)%len(routes)]
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllLiteralString(path, url.PathEscape(param))
		s := adminFake(t)
		rec := adminDirect(s, method, path, "127.0.0.1:1", strings.NewReader(string(body)))
		switch rec.Code {
		case 200, 400, 404, 405:
		default:
			t.Fatalf("%s %s: HTTP %d: %s", method, path, rec.Code, rec.Body)
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, rec.Body)
		}
		if m, ok := v.(map[string]any); rec.Code != 200 && (!ok || m["error"] == nil) {
			t.Fatalf("%s %s: HTTP %d without an error: %s", method, path, rec.Code, rec.Body)
		}
	})
}

// The fake's page under docs/ shows every admin route with a curl line,
// under a comment naming its pattern.
func TestAdminRoutesInDocs(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "docs", "nexway-fake.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range adminPatterns() {
		method, path, _ := strings.Cut(p, " ")
		i := strings.Index(string(readme), "# "+p+":")
		if i < 0 {
			t.Errorf("docs/nexway-fake.md has no %q comment", "# "+p+":")
			continue
		}
		_, next, _ := strings.Cut(string(readme[i:]), "\n") // the line after the comment
		curl := "curl "
		if method != "GET" {
			curl += "-X " + method + " "
		}
		prefix, _, _ := strings.Cut(path, "{")
		if !strings.HasPrefix(next, curl+"$FAKE"+prefix) {
			t.Errorf("docs/nexway-fake.md has no %s$FAKE%s... line right under %s", curl, prefix, p)
		}
	}
}
