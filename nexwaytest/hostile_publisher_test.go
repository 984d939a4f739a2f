package nexwaytest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// HTTPPublisher sends a publisher only what reaches the route Nexway
// calls, with what the request said: a BaseURL whose query or fragment
// would swallow the route, credentials that Basic auth cannot carry
// (RFC 7617), and text that JSON would turn into U+FFFD are refused
// before any call, with an error naming the field and quoting no secret.
func TestHTTPPublisherRefusesWhatCannotBeSentAsIs(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte(`{"activationCode":"K-` + r.URL.Path + `"}`))
	}))
	defer srv.Close()
	good := HTTPPublisher{BaseURL: srv.URL + "/ff", Username: "nexway", Password: "pw-secret", Retries: -1}
	req := LicenseRequest{Operation: OperationRenew, FulfillmentID: "f-1", OrderID: "1002", ProductRef: 1, Email: "jane.doe@example.com"}
	if key, err := good.Issue(context.Background(), req); err != nil || key != "K-/ff/licenses/renew" {
		t.Fatalf("Issue = %q, %v", key, err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(p *HTTPPublisher, r *LicenseRequest)
		field string
	}{
		{"query in BaseURL", func(p *HTTPPublisher, _ *LicenseRequest) { p.BaseURL += "?tenant=7" }, "BaseURL"},
		{"fragment in BaseURL", func(p *HTTPPublisher, _ *LicenseRequest) { p.BaseURL += "#x" }, "BaseURL"},
		{"empty query in BaseURL", func(p *HTTPPublisher, _ *LicenseRequest) { p.BaseURL += "?" }, "BaseURL"},
		{"colon in Username", func(p *HTTPPublisher, _ *LicenseRequest) { p.Username = "nex:way" }, "Username"},
		{"control character in Password", func(p *HTTPPublisher, _ *LicenseRequest) { p.Password = "pw-secret\n" }, "Password"},
		{"e-mail not UTF-8", func(_ *HTTPPublisher, r *LicenseRequest) { r.Email = "jane\xff@example.com" }, "UTF-8"},
		{"product name not UTF-8", func(_ *HTTPPublisher, r *LicenseRequest) { r.ProductName = "Pro \xc0\xaf" }, "UTF-8"},
	} {
		p, r := good, req
		tc.edit(&p, &r)
		before := calls.Load()
		_, err := p.Issue(context.Background(), r)
		if err == nil {
			t.Errorf("%s: Issue succeeded", tc.name)
			continue
		}
		if calls.Load() != before {
			t.Errorf("%s: the publisher was called", tc.name)
		}
		if !strings.Contains(err.Error(), tc.field) || strings.Contains(err.Error(), "pw-secret") || strings.Contains(err.Error(), "jane") {
			t.Errorf("%s: error %q does not name %s, or quotes a secret", tc.name, err, tc.field)
		}
	}
}
