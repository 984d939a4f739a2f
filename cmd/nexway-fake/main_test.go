package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
)

// file writes a file in a temporary directory and returns its path.
func file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestFlagErrors(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	missing := filepath.Join(t.TempDir(), "missing.json")
	badCatalog := file(t, "bad.json", `[{"ref":1,"name":"x","currency":"eur"}]`)
	badKeys := file(t, "bad.csv", "733551,K-1\n733551\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"-admin-remote"}, 2, "-admin-remote needs -admin"},
		{[]string{"serve"}, 2, `unexpected argument "serve"`},
		{[]string{"-start", "tomorrow"}, 2, `invalid value "tomorrow" for flag -start`},
		{[]string{"-seed", "x"}, 2, `invalid value "x" for flag -seed`},
		{[]string{"-h"}, 0, "Usage of nexway-fake"},
		{[]string{"-catalog", missing}, 1, "nexway-fake: open " + missing},
		{[]string{"-addr", "127.0.0.1:0", "-catalog", badCatalog}, 1, badCatalog + `: nexwaytest: product 1: currency "eur"`},
		{[]string{"-addr", "127.0.0.1:0", "-keys", badKeys}, 1, badKeys + ": nexwaytest: keys CSV line 2"},
		{[]string{"-addr", taken.Addr().String()}, 1, "address already in use"},
		{[]string{"-addr", "127.0.0.1:0", "-secret", ""}, 1, "secret"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a run that starts by mistake returns at once
		var stdout, stderr syncBuffer
		if code := run(ctx, c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
		if c.code != 0 && strings.Contains(stdout.String(), "serving") {
			t.Errorf("%q: served", c.args)
		}
	}
}

// lines reads r line by line into a channel, closed at EOF.
func lines(r io.Reader) <-chan string {
	ch := make(chan string, 100)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// servedURL reads the banner's first line and returns the URL in it.
func servedURL(t *testing.T, out <-chan string) string {
	t.Helper()
	first, ok := <-out
	const prefix = "nexway-fake: serving a fake Nexway Connect at "
	if !ok || !strings.HasPrefix(first, prefix) {
		t.Fatalf("first line %q", first)
	}
	return strings.TrimPrefix(first, prefix)
}

// getJSON decodes the JSON answer of a GET into out.
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// post sends a JSON body and fails the test unless the answer is 200.
func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: HTTP %d: %s", url, resp.StatusCode, b)
	}
}

// The command serves what its flags say, with the credentials it prints,
// reloads its files on reset, and returns 0 once its context ends.
func TestRunServes(t *testing.T) {
	t.Parallel()
	catalog := file(t, "catalog.json", `[{"ref":500,"name":"Star Pilot","amountDutyFree":19.99,"currency":"EUR","delivery":"serial"}]`)
	keys := file(t, "keys.csv", "productRef,licenseKey\n500,STAR-1\n500,STAR-2\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	out := lines(pr)
	var stderr syncBuffer
	exit := make(chan int)
	go func() {
		exit <- run(ctx, []string{"-addr", "127.0.0.1:0", "-admin", "-catalog", catalog, "-keys", keys, "-seed", "5",
			"-start", "2027-01-01T00:00:00Z", "-secret", "shop-secret", "-realm", "shop", "-client-secret", "shop-cs"}, pw, &stderr)
		pw.Close()
	}()
	url := servedURL(t, out)
	var banner []string
	for line := range out {
		banner = append(banner, line)
		if strings.HasPrefix(line, "Stop with") {
			break
		}
	}
	for _, want := range []string{"secret header: shop-secret", "IAM realm:     shop", "client secret: shop-cs",
		"clock:         2027-01-01T00:00:00Z (fixed", "admin API:     " + url + "/_fake/ (loopback callers only)"} {
		if !strings.Contains(strings.Join(banner, "\n"), want) {
			t.Errorf("banner %q lacks %q", banner, want)
		}
	}

	// The feed URL the banner prints serves the catalog, -catalog's product included.
	var feedURL string
	for _, line := range banner {
		if _, u, ok := strings.Cut(line, "product feed:  "); ok {
			feedURL = u
		}
	}
	if !strings.HasPrefix(feedURL, url+"/flow/getcatalog/v2.4/?secret=shop-secret&") {
		t.Fatalf("banner %q: feed URL %q", banner, feedURL)
	}
	resp, err := http.Get(feedURL)
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(feed, []byte("Product ID,")) || !bytes.Contains(feed, []byte("\n500,")) {
		t.Fatalf("the banner's feed URL: HTTP %d: %.300s", resp.StatusCode, feed)
	}

	c, err := nexway.NewClient(nexway.WithBaseURL(url), nexway.WithSecret("shop-secret"), nexway.WithCredentials("shop", "shop-cs"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Orders.Create(ctx, &nexway.CreateOrderRequest{
		PartnerOrderNumber: "CMD-1", OrderDate: time.Now(), Currency: "EUR",
		Lines: []nexway.OrderLineRequest{{ProductRef: 500, Quantity: 1}},
		Customer: nexway.Customer{Email: "jane.doe@example.com", Language: "en_GB",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "London", Country: "GB"}},
	})
	if err != nil || o.Lines[0].Items[0].Serials[0].Data != "STAR-1" {
		t.Fatalf("order: %+v, %v", o, err)
	}
	var left struct {
		Left int `json:"keysLeft"`
	}
	getJSON(t, url+"/_fake/products/500/keys", &left)
	if left.Left != 1 {
		t.Errorf("keys left %d after an order", left.Left)
	}
	post(t, url+"/_fake/reset", "")
	getJSON(t, url+"/_fake/products/500/keys", &left)
	if left.Left != 2 {
		t.Errorf("keys left %d after reset, want the file's 2", left.Left)
	}

	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	var rest []string
	for line := range out {
		rest = append(rest, line)
	}
	if len(rest) != 1 || rest[0] != "nexway-fake: stopped" {
		t.Errorf("after the banner: %q", rest)
	}
	if conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://")); err == nil {
		conn.Close()
		t.Error("still listening after it stopped")
	}
}

// The built binary stops cleanly on SIGTERM and SIGINT, with a request in
// flight, and exits 0.
func TestBinaryStopsOnSignal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM to send on Windows")
	}
	bin := filepath.Join(t.TempDir(), "nexway-fake")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-admin", "-realm", "")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill() // if the test fails before it stops
			out := lines(stdout)
			url := servedURL(t, out)

			// A request the fake holds until its client gives up, or the
			// fake stops.
			post(t, url+"/_fake/faults", `{"route":"GET /connect/catalog/oslist","fault":{"kind":"stall"}}`)
			trace, wrote := wroteSignal()
			held := make(chan error, 1)
			go func() {
				req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", url+"/connect/catalog/oslist", nil)
				req.Header.Set("secret", "test-secret")
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				held <- err
			}()
			<-wrote

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for line := range out {
				rest = append(rest, line)
			}
			if err := cmd.Wait(); err != nil || cmd.ProcessState.ExitCode() != 0 {
				t.Fatalf("exit: %v (%s)", err, stderr.String())
			}
			if len(rest) == 0 || rest[len(rest)-1] != "nexway-fake: stopped" {
				t.Errorf("output after the banner: %q", rest)
			}
			if err := <-held; err == nil {
				t.Error("the held request got an answer")
			}
			if conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://")); err == nil {
				conn.Close()
				t.Error("still listening after it exited")
			}
		})
	}
}

// wroteSignal returns a trace whose WroteRequest hook signals the channel
// it returns. net/http writes a request again when it resends an
// idempotent one after a kept-alive connection the server had closed, so
// the hook runs once per write: it never closes the channel, it offers a
// token to its buffer and drops the ones after the first.
func wroteSignal() (*httptrace.ClientTrace, <-chan struct{}) {
	wrote := make(chan struct{}, 1)
	return &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		select {
		case wrote <- struct{}{}:
		default:
		}
	}}, wrote
}

// The WroteRequest hook of wroteSignal survives being called twice: a
// server closes its kept-alive connection after reading the second
// request, so net/http writes that request again on a new connection.
func TestWroteSignalSurvivesAResend(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() { served <- closeAfterSecondRequest(ln) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + "/"
	resp, err := client.Get(url) // leaves its connection idle, kept alive
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	trace, wrote := wroteSignal()
	var writes atomic.Int32
	hook := trace.WroteRequest
	trace.WroteRequest = func(i httptrace.WroteRequestInfo) { writes.Add(1); hook(i) }
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", url, nil)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if writes := writes.Load(); writes != 2 {
		t.Fatalf("the request was written %d times, want 2: the resend this test is about did not happen", writes)
	}
	select {
	case <-wrote:
	default:
		t.Error("no signal")
	}
}

// closeAfterSecondRequest answers the first request of the first
// connection, keeps it alive, reads a second request on it and closes it
// unanswered; then it answers one request on a new connection.
func closeAfterSecondRequest(ln net.Listener) error {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	first, err := ln.Accept()
	if err != nil {
		return err
	}
	br := bufio.NewReader(first)
	if _, err := http.ReadRequest(br); err != nil {
		return err
	}
	if _, err := io.WriteString(first, ok); err != nil {
		return err
	}
	if _, err := http.ReadRequest(br); err != nil {
		return err
	}
	first.Close()
	second, err := ln.Accept()
	if err != nil {
		return err
	}
	defer second.Close()
	if _, err := http.ReadRequest(bufio.NewReader(second)); err != nil {
		return err
	}
	_, err = io.WriteString(second, ok)
	return err
}
