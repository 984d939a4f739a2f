package nexway

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"
)

// rawServer answers every request with the bytes answer returns, written
// as they are: a broken or hostile server, below what net/http would send.
func rawServer(t *testing.T, answer func(r *http.Request, body []byte) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				r, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				body, _ := io.ReadAll(r.Body)
				io.WriteString(conn, answer(r, body))
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// The forms of the canary e-mail a server or net/http may echo.
var emailForms = []string{
	canaryEmail,
	url.QueryEscape(canaryEmail),
	strings.ReplaceAll(canaryEmail, "@", `\u0040`),
	strings.ToUpper(canaryEmail),
}

// Every boundary where text leaves the client is scrubbed: error text and
// the errors it wraps, APIError and Response fields, and log attributes;
// for malformed status and header lines that net/http quotes, request ids,
// tokens held earlier in the call, and the e-mail in any encoding.
func TestNoSecretsOnTheWire(t *testing.T) {
	t.Parallel()
	// Opaque tokens, not shaped like a JWT: only the client's memory of
	// the tokens it held can tell them from ordinary text.
	tokens := []string{"opaque-access-QX7Z91", "opaque-access-WK3M58", "opaque-refresh-JD4H26"}
	echo := strings.Join(append([]string{canarySecret, canaryClient}, append(tokens, emailForms...)...), " ")
	answers := map[string]string{
		"status line":   "HTTP/1.1 " + canarySecret + tokens[0] + "\r\n\r\n",
		"status email":  "HTTP/1.1 " + url.QueryEscape(canaryEmail) + "\r\n\r\n",
		"header line":   "HTTP/1.1 200 OK\r\n" + echo + "\r\n\r\n",
		"header value":  "HTTP/1.1 200 OK\r\nX-Request-Id: " + tokens[1] + "\r\nX-Bad: \x00" + echo + "\r\n\r\n",
		"request id":    "HTTP/1.1 503 Oops\r\nX-Request-Id: " + canaryEmail + " " + canarySecret + "\r\nContent-Length: 2\r\n\r\n{}",
		"message":       jsonAnswer(200, `{"responseCode":1000,"responseMessage":`+quoteJSON(echo)+`}`),
		"500 message":   jsonAnswer(500, `{"responseCode":1000,"responseMessage":`+quoteJSON(echo)+`}`),
		"old token 401": "", // answered below: 401, then an echo of the first token
	}
	for name, raw := range answers {
		t.Run(name, func(t *testing.T) {
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			var mu sync.Mutex
			calls := 0
			held := []string{tokens[2]} // what the client was given: it must not let them out
			base := rawServer(t, func(r *http.Request, body []byte) string {
				mu.Lock()
				defer mu.Unlock()
				if r.URL.Path == "/iam/tokens" {
					tok := tokens[(len(held)-1)%2]
					held = append(held, tok)
					return jsonAnswer(200, `{"access_token":"`+tok+`","expires_in":300,"refresh_token":"`+tokens[2]+`"}`)
				}
				calls++
				if name == "old token 401" {
					if calls%2 == 1 {
						return jsonAnswer(401, `{}`)
					}
					return jsonAnswer(200, `{"responseCode":1000,"responseMessage":`+quoteJSON(echo)+`}`)
				}
				return raw
			})
			c, err := NewClient(WithBaseURL(base), WithSecret(canarySecret), WithCredentials(testRealm, canaryClient),
				WithLogger(logger), WithRateLimit(rate.Inf, 0), noWait)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			r := sampleOrder()
			r.Customer.Email = canaryEmail
			var resp Response
			var texts []string
			for _, call := range []func() error{
				func() error { _, err := c.Orders.Create(bg, r, WithResponse(&resp)); return err },
				func() error { _, err := c.Orders.Get(bg, "P1", WithResponse(&resp)); return err },
				func() error {
					_, err := c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, "", WithTerritorySecret(canarySecret+"T"))
					return err
				},
			} {
				err := call()
				if err == nil {
					continue
				}
				texts = append(texts, errorTexts(err)...)
			}
			texts = append(texts, fmt.Sprintf("%+v", resp), logs.String())
			if len(texts) < 4 {
				t.Fatalf("the calls did not fail: %q", texts)
			}
			mu.Lock()
			defer mu.Unlock()
			if name == "old token 401" && len(held) < 3 {
				t.Fatalf("tokens issued: %q; the 401 did not renew the token", held)
			}
			for _, text := range texts {
				for _, leak := range append(append([]string{canarySecret, canaryClient, "canary.shopper"}, held...), emailForms...) {
					if strings.Contains(strings.ToLower(text), strings.ToLower(leak)) {
						t.Errorf("%q leaked: %q", leak, text)
					}
				}
			}
		})
	}
}

func jsonAnswer(status int, body string) string {
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// errorTexts returns the text of err, of every error it wraps, and of
// every string field of the APIErrors among them.
func errorTexts(err error) []string {
	var out []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		out = append(out, e.Error(), fmt.Sprintf("%+v", e))
		if ae, ok := e.(*APIError); ok {
			v := reflect.ValueOf(*ae)
			for i := range v.NumField() {
				if f := v.Field(i); f.Kind() == reflect.String {
					out = append(out, f.String())
				}
			}
		}
	}
	return out
}
