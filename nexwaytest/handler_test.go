package nexwaytest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecretGate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config) { c.secrets = []string{"gb-secret", "us-secret"} })
	routes := []struct{ method, path string }{
		{"POST", "/connect/stock"}, {"POST", "/connect/order/crossupsell"}, {"POST", "/connect/order/new"},
		{"GET", "/connect/order/X"}, {"PUT", "/connect/order/cancel"}, {"PUT", "/connect/order/download"},
		{"GET", "/connect/order/X/download"}, {"POST", "/connect/subscription"}, {"PUT", "/connect/subscription"},
		{"PUT", "/connect/subscription/cancel"}, {"PUT", "/connect/subscription/renew"},
		{"GET", "/connect/catalog/categories/EN"}, {"GET", "/connect/catalog/oslist"},
	}
	for _, r := range routes {
		// Secret checks come before any other validation: the body is garbage.
		m := e.json(r.method, r.path, "{", "secret", "")
		wantCode(t, m, 70)
		if m["responseMessage"] != "secret missing" {
			t.Errorf("70 message %q", m["responseMessage"])
		}
		m = e.json(r.method, r.path, "{", "secret", "test-secret")
		wantCode(t, m, 71)
		if m["responseMessage"] != "secret not valid" {
			t.Errorf("71 message %q", m["responseMessage"])
		}
		m = e.json(r.method, r.path, nil, "secret", "us-secret")
		if code(t, m) == 70 || code(t, m) == 71 {
			t.Errorf("%s %s: valid secret refused", r.method, r.path)
		}
	}
	// IAM routes need no secret.
	if status, _ := e.call("POST", "/iam/tokens", `{"realmName":"r","grantType":"client_credentials"}`, "secret", ""); status != 200 {
		t.Errorf("token without secret: HTTP %d", status)
	}
}

func TestDefaultSecretAndNoRealm(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{})
	// A client request: its Body is nil, unlike a server's.
	req, err := http.NewRequest("GET", "/connect/catalog/oslist", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("secret", "test-secret")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if m := checkEnvelope(t, rec); m["responseCode"] != 0.0 {
		t.Fatalf("default secret refused: %v", m)
	}
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, r := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/connect/nothing", 404},
		{"POST", "/connect/order/PARTNER689", 405},
		{"DELETE", "/connect/order/cancel", 405},
		{"GET", "/", 404},
	} {
		if status, _ := e.call(r.method, r.path, nil); status != r.want {
			t.Errorf("%s %s: HTTP %d, want %d", r.method, r.path, status, r.want)
		}
	}
	// Escaped partner order numbers reach the handler whole.
	e.create(sampleOrder("A/B 1"), 0)
	wantCode(t, e.json("GET", "/connect/order/"+pathEscape("A/B 1"), nil), 0)
	wantCode(t, e.json("GET", "/connect/order/"+pathEscape("A/B 1")+"/download", nil), 0)
}

func TestCloseIdempotent(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{})
	s.Close()
	s.Close()
	rec := serveDirect(s, "GET", "/connect/catalog/oslist", nil)
	checkEnvelope(t, rec)
}
