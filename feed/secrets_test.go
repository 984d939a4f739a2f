package feed

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nexway-go/nexway/internal/feedgen"

	"github.com/nexway-go/nexway"
)

const (
	canaryProvider = "canary-provider-5f1c"
	canaryConfig   = "canary-config-9a7e"
)

// The feed's secret travels in the URL: no error or debug log line on any
// of the feed's failure paths may contain it, nor the provider or config,
// even when the server echoes them back. The fake Nexway's refusals are
// checked alike in TestNoFeedSecretsInErrorsOrLogsFromFake.
func TestNoFeedSecretsInErrorsOrLogs(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := &nexway.FeedQuery{Secret: canarySecret, Provider: canaryProvider, Config: canaryConfig}
	echo := func(r *http.Request) string { return r.URL.RawQuery + " " + canarySecret + " " + canaryProvider }
	handlers := map[string]http.HandlerFunc{
		"status": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", canarySecret)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, echo(r))
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/?"+r.URL.RawQuery, http.StatusFound)
		},
		"html": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<html><body>"+echo(r)+"</body></html>")
		},
		"duplicate column": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "Product ID,"+canarySecret+","+canarySecret+"\n1,a,b\n")
		},
		"bad row": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "Product ID,"+canaryProvider+" "+canaryConfig+"\n1,\"a\"b\n2,c,d\n")
		},
		"bad XML": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `<products><product id="1"/><`+canarySecret+`></products>`)
		},
		"cut off": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100000")
			_, _ = io.WriteString(w, "Product ID,Name\n1,"+canarySecret+"\n")
		},
		"cancelled": func(w http.ResponseWriter, r *http.Request) {
			_, _ = feedgen.New(feedgen.Config{Count: 100000, Seed: 1}).WriteTo(w)
		},
	}
	var errs []string
	record := func(name string, err error) {
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		errs = append(errs, name+": "+err.Error())
		var ue *url.Error
		if errors.As(err, &ue) {
			errs = append(errs, ue.URL)
		}
	}
	for name, h := range handlers {
		c := feedServer(t, h, nexway.WithLogger(logger))
		ctx, cancel := context.WithCancel(context.Background())
		var last error
		for _, err := range Products(ctx, c, q, nil) {
			if name == "cancelled" {
				cancel()
			}
			if err != nil {
				record(name, err)
				last = err
			}
		}
		cancel()
		if last == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Connection refused, and a context ended before the request.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, _ := nexway.NewClient(nexway.WithFeedURL(srv.URL, nexway.FeedPathV24), nexway.WithLogger(logger))
	_, err := c.Feed.Open(context.Background(), q)
	record("refused", err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Feed.Open(ctx, q)
	record("cancelled before", err)

	all := strings.Join(errs, "\n") + "\n" + logs.String()
	for _, canary := range []string{canarySecret, canaryProvider, canaryConfig} {
		if strings.Contains(all, canary) {
			t.Errorf("%q leaked:\n%s", canary, all)
		}
	}
	if !strings.Contains(all, "REDACTED") || !strings.Contains(logs.String(), "nexway feed") || len(errs) < len(handlers)+2 {
		t.Fatalf("the test did not exercise the paths:\n%s", all)
	}
}
