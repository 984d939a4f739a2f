package redislimit

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// hostileRedis serves Redis's protocol on loopback and answers every
// script with reply(): a Redis look-alike (a proxy, another server, an
// attacker) that answers something else than the limiter's script would.
func hostileRedis(t testing.TB, reply func() string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveHostile(conn, reply)
		}
	}()
	return ln.Addr().String()
}

func serveHostile(conn net.Conn, reply func() string) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return
		}
		answer := "+OK\r\n"
		switch strings.ToUpper(cmd) {
		case "HELLO":
			answer = "-ERR unknown command 'HELLO'\r\n" // go-redis goes on in RESP2
		case "EVALSHA", "EVAL":
			answer = reply()
		}
		if _, err := io.WriteString(conn, answer); err != nil {
			return
		}
	}
}

// readCommand reads one command, an array of bulk strings, and returns
// its name.
func readCommand(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "*") {
		return "", io.ErrUnexpectedEOF
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	var name string
	for i := range n {
		if line, err = r.ReadString('\n'); err != nil {
			return "", err
		}
		size, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		arg := make([]byte, size+2)
		if _, err := io.ReadFull(r, arg); err != nil {
			return "", err
		}
		if i == 0 {
			name = string(arg[:size])
		}
	}
	return name, nil
}

// No reply panics the process or makes Wait spin: each is an unexpected
// reply, or an error reply named by its first word only.
func TestHostileReplies(t *testing.T) {
	for _, tc := range []struct{ name, reply, reason string }{
		{"not an array", ":1\r\n", "unexpected reply"},
		{"short array", "*1\r\n:1\r\n", "unexpected reply"},
		{"string for a count", "*4\r\n$1\r\n1\r\n:0\r\n$2\r\n-1\r\n$1\r\n0\r\n", "unexpected reply"},
		{"nil element", "*4\r\n:1\r\n:0\r\n$-1\r\n$1\r\n0\r\n", "unexpected reply"},
		{"not a number", "*4\r\n:1\r\n:0\r\n$3\r\nabc\r\n$1\r\n0\r\n", "unexpected reply"},
		{"refused, nothing to wait", "*4\r\n:0\r\n:0\r\n$2\r\n-1\r\n$1\r\n0\r\n", "unexpected reply"},
		{"refused, negative wait", "*4\r\n:0\r\n:0\r\n$4\r\n-1e9\r\n$1\r\n0\r\n", "unexpected reply"},
		{"error reply", "-NOPERM user shop-admin has no permissions to run the 'evalsha' command\r\n", "error reply NOPERM"},
		{"unnamed error reply", "-oops shop-admin\r\n", "error reply (unnamed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: hostileRedis(t, func() string { return tc.reply }), MaxRetries: -1})
			t.Cleanup(func() { rdb.Close() })
			l := newLimiter(t, rdb, "account", WithoutFallback())
			err := waitFails(t, l, ErrRedisUnavailable)
			if want := "redislimit: Redis unavailable: " + tc.reason; err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
			noLeak(t, err.Error(), "shop-admin")
		})
	}
}

// A refusal asking for a wait longer than the limit's interval, which
// replicas sharing the limit never see, is asked about again after one
// interval.
func TestHostileLongWait(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: hostileRedis(t, func() string { return "*4\r\n:0\r\n:0\r\n$3\r\n1e6\r\n$1\r\n0\r\n" })})
	t.Cleanup(func() { rdb.Close() })
	l := newLimiter(t, rdb, "account", WithRate(rate.Every(time.Minute), 1))
	ctx, cancel := context.WithCancel(context.Background())
	var slept time.Duration
	l.sleeping = func(d time.Duration) { slept = d; cancel() }
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if slept != time.Minute {
		t.Errorf("slept %v for a wait of 1e6 s, want the interval, 1m", slept)
	}
}
