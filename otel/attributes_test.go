package nexwayotel

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestServerAttrs(t *testing.T) {
	for host, want := range map[string]string{
		"api.nexway.store":       "server.address=api.nexway.store",
		"127.0.0.1:8642":         "server.address=127.0.0.1 server.port=8642",
		"[::1]:8642":             "server.address=::1 server.port=8642",
		"[::1]":                  "server.address=::1",
		"api.nexway.store:0":     "server.address=api.nexway.store",
		"api.nexway.store:99999": "server.address=api.nexway.store",
		"api.nexway.store:https": "server.address=api.nexway.store",
		"":                       "server.address=",
	} {
		if got := render(serverAttrs("", host)); got != want {
			t.Errorf("serverAttrs(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestMethod(t *testing.T) {
	for m, want := range map[string]string{
		"GET":    "GET: http.request.method=GET",
		"POST":   "POST: http.request.method=POST",
		"DELETE": "DELETE: http.request.method=DELETE",
		"get":    "HTTP: http.request.method=_OTHER http.request.method_original=get",
		"PURGE":  "HTTP: http.request.method=_OTHER http.request.method_original=PURGE",
	} {
		attrs, name := method(m)
		if got := name + ": " + render(attrs); got != want {
			t.Errorf("method(%q) = %q, want %q", m, got, want)
		}
	}
}

func render(kvs []attribute.KeyValue) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = string(kv.Key) + "=" + kv.Value.String()
	}
	return strings.Join(parts, " ")
}

// Whatever the client reports, the attributes are built without a panic,
// and a path that is not one of Nexway's paths stays out of them: it may
// hold identifiers.
func FuzzRequestAttrs(f *testing.F) {
	f.Add("GET", "api.nexway.store", "/connect/order/PARTNER689/download", "GetOrder")
	f.Add("POST", "[::1]:8642", "/connect/order/new", "CreateOrder")
	f.Add("PURGE", "host:port:extra", "/connect/order//download", "")
	f.Fuzz(func(t *testing.T, m, host, path, op string) {
		tmpl := ""
		if strings.HasPrefix(path, "/connect/stock") {
			tmpl = "/connect/stock"
		}
		attrs, name := requestAttrs(shapeKey{op, m, "https", host, tmpl, "", 0})
		if name == "" || len(attrs) < 3 {
			t.Fatalf("name %q, attributes %v", name, attrs)
		}
		if tmpl != "" && !strings.HasPrefix(tmpl, "/") {
			t.Fatalf("template %q", tmpl)
		}
		if len(path) < 8 || path == tmpl || strings.Contains(host+m+op, path) {
			return
		}
		for _, kv := range attrs {
			if strings.Contains(kv.Value.String(), path) {
				t.Fatalf("the path %q is in %s", path, kv.Key)
			}
		}
	})
}
