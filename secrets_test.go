package nexway

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
)

const (
	canarySecret = "CanarySecret42"
	canaryClient = "canary-client-secret-77"
	canaryToken  = "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOnRydWV9.c2lnbmF0dXJlLWNhbmFyeQ"
	canaryEmail  = "canary.shopper@example.org"
)

var canaries = []string{canarySecret, canaryClient, canaryToken, canaryEmail, "canary.shopper", "c2lnbmF0dXJlLWNhbmFyeQ", "jane.doe@example.com"}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// echo answers with everything secret it can find in the request, as a
// careless or hostile server might.
func echo(status int) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(r.Body)
		leak := r.Header.Get("secret") + " " + r.Header.Get("Authorization") + " " + strings.ReplaceAll(string(body), `"`, `'`)
		return respondNow(status, `{"responseCode":1000,"responseMessage":"`+leak+`"}`), nil
	}
}

// No secret, token or customer e-mail appears in any error or log line,
// whatever the operation and the failure.
func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	failures := map[string]httpmock.Responder{
		"code echo":  echo(200),
		"500 echo":   echo(500),
		"401 echo":   echo(401),
		"html":       respond(503, "<html>"+canarySecret+"</html>", nil),
		"transport":  httpmock.NewErrorResponder(&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}),
		"bad json":   respond(200, `{"responseCode":0,"orderLines":"`+canaryEmail+`"`, nil),
		"wrong type": respond(200, `{"responseCode":"`+canarySecret+`"}`, nil),
	}
	var errs []string
	for _, oc := range allOps() {
		for name, fail := range failures {
			m := &mock{MockTransport: httpmock.NewMockTransport(), tokens: &tokenResponder{}}
			m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", func(*http.Request) (*http.Response, error) {
				return respondNow(200, `{"access_token":"`+canaryToken+`","expires_in":300,"refresh_token":"`+canaryToken+`x"}`), nil
			})
			m.RegisterNoResponder(fail)
			c, err := NewClient(WithBaseURL(testBase), WithTransport(m), WithSecret(canarySecret),
				WithCredentials(testRealm, canaryClient), WithLogger(logger), noWait)
			if err != nil {
				t.Fatal(err)
			}
			m.c = c
			err = oc.call(c)
			if err == nil {
				t.Errorf("%s, %s: no error", oc.op.name, name)
				continue
			}
			errs = append(errs, err.Error())
		}
	}
	// The token endpoint failing, echoing the client secret.
	m := newMock(t, WithCredentials(testRealm, canaryClient), WithLogger(logger))
	m.tokens.fail = 401
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
		errs = append(errs, err.Error())
	}
	// Validation of a bad e-mail that contains the canary.
	r := sampleOrder()
	r.Customer.Email = canaryEmail + ">"
	if _, err := m.c.Orders.Create(bg, r); err != nil {
		errs = append(errs, err.Error())
	}

	all := strings.Join(errs, "\n") + "\n" + logs.String()
	for _, c := range canaries {
		if strings.Contains(all, c) {
			t.Errorf("%q leaked into errors or logs", c)
		}
	}
	if !strings.Contains(logs.String(), "nexway attempt") || len(errs) < len(allOps())*len(failures) {
		t.Fatalf("the test did not exercise the paths: %d errors, logs %q", len(errs), logs.String())
	}
}
