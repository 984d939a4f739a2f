package nexwaytest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// bodyRoutes are the routes whose request body is not fuzzed by a target of
// its own (stock, cross-sell and create-order have theirs).
var bodyRoutes = []struct{ method, path string }{
	{"PUT", "/connect/order/cancel"},
	{"PUT", "/connect/order/download"},
	{"POST", "/connect/subscription"},
	{"PUT", "/connect/subscription"},
	{"PUT", "/connect/subscription/cancel"},
	{"PUT", "/connect/subscription/renew"},
}

// Whatever the body, the cancel, extend and subscription routes answer
// HTTP 200 with an envelope, and a refused request changes nothing.
func FuzzRequestBodies(f *testing.F) {
	for i, b := range []string{
		`{"partnerOrderNumber":"F-1","reasonCode":2,"comment":"changed their mind"}`,
		`{"partnerOrderNumber":"F-1","value":"P7D"}`,
		`{"partnerOrderNumber":"F-1","value":"2026-03-01"}`,
		`{"partnerOrderNumber":"F-1","subscriptionId":900001}`,
		`{"partnerOrderNumber":"F-1","subscriptionId":"900001"}`,
		`{"partnerOrderNumber":"F-1","subscriptionId":900001}`,
	} {
		f.Add(uint8(i), []byte(b))
	}
	for _, b := range []string{"", "{", "null", "[]", `{"partnerOrderNumber":1e400}`, `{"value":"P-1D"}`, `{"reasonCode":"2"}`} {
		f.Add(uint8(0), []byte(b))
		f.Add(uint8(1), []byte(b))
		f.Add(uint8(2), []byte(b))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		s := fuzzServer(t)
		created := checkEnvelope(t, serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("F-1", line(733559, 1)))))
		if created["responseCode"].(float64) != 0 {
			t.Fatalf("sample order refused: %v", created)
		}
		before, _ := s.Order("F-1")
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		m := checkEnvelope(t, serveDirect(s, r.method, r.path, body))
		after, _ := s.Order("F-1")
		if m["responseCode"].(float64) != 0 && (after.Cancelled != before.Cancelled || !after.DownloadEnd.Equal(before.DownloadEnd)) {
			t.Fatalf("%s %s refused with %v but changed the order", r.method, r.path, m["responseCode"])
		}
	})
}

// Whatever the body, the token route answers a token or HTTP 401 with an
// OAuth error, never anything else.
func FuzzTokenBody(f *testing.F) {
	for _, b := range []string{
		`{"realmName":"shop","grantType":"client_credentials","clientSecret":"s3cret"}`,
		`{"realmName":"shop","grantType":"refresh_token","refreshToken":"x"}`,
		`{"realmName":"shop"}`, "", "{", "null", `{"realmName":1}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := newUnstarted(config{clock: newManualClock(t0), seed: 7, realm: "shop", clientSecret: "s3cret"})
		rec := serveDirect(s, "POST", "/iam/tokens", body)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("HTTP %d, not a JSON object: %s", rec.Code, rec.Body.Bytes())
		}
		switch rec.Code {
		case http.StatusOK:
			if tok, _ := m["access_token"].(string); tok == "" {
				t.Fatalf("token answer without a token: %v", m)
			}
		case http.StatusUnauthorized:
			if m["error"] != "invalid_grant" {
				t.Fatalf("401 without invalid_grant: %v", m)
			}
		default:
			t.Fatalf("HTTP %d: %v", rec.Code, m)
		}
	})
}
