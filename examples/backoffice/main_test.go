package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// lines hands each complete line written to it to a channel.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
	ch  chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // not a whole line yet
			return len(p), nil
		}
		l.ch <- strings.TrimSuffix(line, "\n")
	}
}

// With -ui, River's web UI serves the back office's jobs once the demo
// is done, until the context ends.
func TestRiverUI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lines{ch: make(chan string, 1024)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, ln) }()
	var seen []string
	for line := range out.ch {
		seen = append(seen, line)
		if strings.HasPrefix(line, "River UI: ") {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before serving the UI: %v\n%s", err, strings.Join(seen, "\n"))
		default:
		}
	}
	base := "http://" + ln.Addr().String() + uiPrefix

	var jobs struct {
		Data []struct {
			Kind  string `json:"kind"`
			State string `json:"state"`
		} `json:"data"`
	}
	get(t, base+"/api/jobs?state=completed&limit=100", &jobs)
	kinds := map[string]int{}
	for _, j := range jobs.Data {
		if j.State != "completed" {
			t.Errorf("a %s job in state %q, asked for completed ones", j.Kind, j.State)
		}
		kinds[j.Kind]++
	}
	if kinds["nexway_order"] < 4 {
		t.Errorf("the UI lists completed jobs %v, want the 4 orders among them", kinds)
	}
	page := get(t, base+"/", nil)
	if !strings.Contains(page, "<html") {
		t.Errorf("the UI's page is not HTML: %.200q", page)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("the UI still answers after the back office stopped")
	}
}

// get fetches url, wants a 200, decodes a JSON body into v unless it is
// nil, and returns the body.
func get(t *testing.T, url string, v any) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %.300s", url, resp.Status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %.300s", url, err, body)
		}
	}
	return string(body)
}
