package nexwaytest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// iamEnv is an env whose /connect routes need a bearer token.
func iamEnv(t *testing.T) *env {
	return newEnv(t, func(c *config) {
		c.realm = "partner"
		c.clientSecret = "client-secret"
		c.accessTTL = 60 * time.Second
		c.refreshTTL = 600 * time.Second
	})
}

// token posts a token request and returns the HTTP status and body.
func (e *env) token(body any) (int, map[string]any) {
	e.t.Helper()
	status, raw := e.call("POST", "/iam/tokens", body, "secret", "")
	return status, decodeObject(e.t, raw)
}

func (e *env) login() map[string]any {
	e.t.Helper()
	status, m := e.token(map[string]any{"realmName": "partner", "grantType": "client_credentials", "clientSecret": "client-secret"})
	if status != 200 {
		e.t.Fatalf("login: HTTP %d %v", status, m)
	}
	return m
}

func TestTokenClientCredentials(t *testing.T) {
	t.Parallel()
	e := iamEnv(t)
	m := e.login()
	wantShape(t, "token", m, map[string]kind{
		"access_token": kString, "expires_in": kNumber, "refresh_expires_in": kNumber, "refresh_token": kString,
		"token_type": kString, "not-before-policy": kNumber, "session_state": kString,
	})
	if m["expires_in"] != 60.0 || m["refresh_expires_in"] != 600.0 || m["token_type"] != "bearer" || m["not-before-policy"] != 0.0 {
		t.Errorf("token = %v", m)
	}
	if m["access_token"] == m["refresh_token"] || len(str(t, m, "access_token")) < 32 || len(str(t, m, "session_state")) != 36 {
		t.Errorf("tokens = %v", m)
	}
	// Defaults.
	d := newUnstarted(config{})
	rec := serveDirect(d, "POST", "/iam/tokens", []byte(`{"realmName":"any","grantType":"client_credentials","clientSecret":"x"}`))
	var dm map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &dm)
	if rec.Code != 200 || dm["expires_in"] != 300.0 || dm["refresh_expires_in"] != 1800.0 {
		t.Errorf("default lifetimes: %d %v", rec.Code, dm)
	}
}

func TestTokenFailures(t *testing.T) {
	t.Parallel()
	e := iamEnv(t)
	good := e.login()
	for _, tc := range []struct {
		name string
		body any
	}{
		{"empty body", ""},
		{"not JSON", "{"},
		{"realm missing", map[string]any{"grantType": "client_credentials", "clientSecret": "client-secret"}},
		{"wrong realm", map[string]any{"realmName": "other", "grantType": "client_credentials", "clientSecret": "client-secret"}},
		{"wrong secret", map[string]any{"realmName": "partner", "grantType": "client_credentials", "clientSecret": "nope"}},
		{"secret missing", map[string]any{"realmName": "partner", "grantType": "client_credentials"}},
		{"password grant", map[string]any{"realmName": "partner", "grantType": "password", "username": "u", "password": "p"}},
		{"grant missing", map[string]any{"realmName": "partner", "clientSecret": "client-secret"}},
		{"snake_case body", map[string]any{"realm": "partner", "grant_type": "client_credentials", "client_secret": "client-secret"}},
		{"unknown refresh token", map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": "nope"}},
		{"access token as refresh", map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": good["access_token"]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, m := e.token(tc.body)
			if status != http.StatusUnauthorized || m["error"] != "invalid_grant" || str(t, m, "message") == "" {
				t.Fatalf("HTTP %d %v", status, m)
			}
		})
	}
}

// bearer is the header pair that sends the access token of a login answer.
func bearer(m map[string]any) []string {
	return []string{"Authorization", "Bearer " + m["access_token"].(string)}
}

func TestTokenRefreshAndExpiry(t *testing.T) {
	e := iamEnv(t)
	first := e.login()
	stock := map[string]any{"productRefs": []int{733551}}
	wantCode(t, e.json("POST", "/connect/stock", stock, bearer(first)...), 0)

	// Access token expires on the manual clock.
	e.s.Advance(59 * time.Second)
	wantCode(t, e.json("POST", "/connect/stock", stock, bearer(first)...), 0)
	e.s.Advance(time.Second)
	status, raw := e.call("POST", "/connect/stock", stock, bearer(first)...)
	m := decodeObject(t, raw)
	if status != 401 || m["error"] != "invalid_token" {
		t.Fatalf("expired token: HTTP %d %v", status, m)
	}

	// Refresh gives a working token.
	status, second := e.token(map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": first["refresh_token"]})
	if status != 200 || second["access_token"] == first["access_token"] {
		t.Fatalf("refresh: HTTP %d %v", status, second)
	}
	wantCode(t, e.json("POST", "/connect/stock", stock, bearer(second)...), 0)

	// Refresh tokens expire too.
	e.s.Advance(600 * time.Second)
	status, m = e.token(map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": second["refresh_token"]})
	if status != 401 || m["error"] != "invalid_grant" {
		t.Fatalf("expired refresh: HTTP %d %v", status, m)
	}
}

func TestTokenInvalidateAndReset(t *testing.T) {
	t.Parallel()
	e := iamEnv(t)
	a, b := e.login(), e.login()
	auth := func(m map[string]any) []string { return append(bearer(m), "secret", "") }
	stock := map[string]any{"productRefs": []int{733551}}

	status, raw := e.call("DELETE", "/iam/tokens/invalidate", nil, auth(a)...)
	if status != http.StatusNoContent || len(raw) != 0 {
		t.Fatalf("invalidate: HTTP %d %s", status, raw)
	}
	if status, _ := e.call("POST", "/connect/stock", stock, auth(a)[:2]...); status != 401 {
		t.Errorf("invalidated access token still works: %d", status)
	}
	if status, _ := e.token(map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": a["refresh_token"]}); status != 401 {
		t.Errorf("invalidated refresh token still works: %d", status)
	}
	wantCode(t, e.json("POST", "/connect/stock", stock, auth(b)[:2]...), 0)
	if status, _ := e.call("DELETE", "/iam/tokens/invalidate", nil, auth(a)...); status != 401 {
		t.Errorf("invalidate with a revoked token: %d", status)
	}

	c := e.login()
	status, _ = e.call("DELETE", "/iam/tokens/reset", nil, auth(b)...)
	if status != 200 {
		t.Fatalf("reset: HTTP %d", status)
	}
	for _, m := range []map[string]any{b, c} {
		if status, _ := e.token(map[string]any{"realmName": "partner", "grantType": "refresh_token", "refreshToken": m["refresh_token"]}); status != 401 {
			t.Errorf("refresh token survived reset: %d", status)
		}
	}
	// Access tokens stay valid until they expire.
	wantCode(t, e.json("POST", "/connect/stock", stock, auth(b)[:2]...), 0)
	if status, _ := e.call("DELETE", "/iam/tokens/reset", nil); status != 401 {
		t.Errorf("reset without bearer: %d", status)
	}
}

func TestBearerGate(t *testing.T) {
	t.Parallel()
	e := iamEnv(t)
	tok := e.login()["access_token"].(string)
	for _, tc := range []struct {
		name string
		hdr  []string
	}{
		{"missing", nil},
		{"garbage", []string{"Authorization", "Bearer nope"}},
		{"basic", []string{"Authorization", "Basic " + tok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []struct{ method, path string }{
				{"POST", "/connect/stock"}, {"GET", "/connect/order/X"}, {"GET", "/connect/catalog/oslist"}, {"PUT", "/connect/subscription"},
			} {
				status, raw := e.call(r.method, r.path, "{}", tc.hdr...)
				if status != 401 || decodeObject(t, raw)["error"] != "invalid_token" {
					t.Fatalf("%s %s: HTTP %d %s", r.method, r.path, status, raw)
				}
			}
		})
	}
	// Scheme is case-insensitive.
	wantCode(t, e.json("GET", "/connect/catalog/oslist", nil, "Authorization", "bearer "+tok), 0)
	// A bad bearer is reported before a bad secret.
	if status, _ := e.call("GET", "/connect/catalog/oslist", nil, "secret", "wrong"); status != 401 {
		t.Errorf("HTTP %d", status)
	}
}
