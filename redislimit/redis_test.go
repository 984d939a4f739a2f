package redislimit

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// The tests run against real Redis servers: the one at NEXWAY_TEST_REDIS
// (127.0.0.1:6379 by default), and redis-server processes of their own for
// the faults. Without them a test skips, except under CI=true, where it
// fails: CI must not pass by testing nothing.

func needService(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// sharedRedis returns a client of the Redis at NEXWAY_TEST_REDIS.
func sharedRedis(t testing.TB) *redis.Client {
	t.Helper()
	addr := os.Getenv("NEXWAY_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	rdb := newClient(t, addr)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		needService(t, "no Redis at %s (set NEXWAY_TEST_REDIS): %v", addr, err)
	}
	return rdb
}

// newClient returns a client of the Redis at addr, closed with the test.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// newLimiter returns a Limiter or fails the test.
func newLimiter(t testing.TB, rdb redis.UniversalClient, key string, opts ...Option) *Limiter {
	t.Helper()
	l, err := New(rdb, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testKey is a key no other test or run uses, and is deleted at the end.
func testKey(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	key := fmt.Sprintf("%s/%d", t.Name(), rdb.Incr(context.Background(), "nexway-test:keys").Val())
	t.Cleanup(func() {
		l, err := New(rdb, key)
		if err == nil {
			l.gcra.Reset(context.Background(), l.key)
		}
	})
	return key
}

// redisServer is a redis-server process of the test's own, on loopback,
// without persistence, which the test can stop and start again.
type redisServer struct {
	t    testing.TB
	addr string
	args []string
	cmd  *exec.Cmd
}

// newRedisServer returns a redis-server, not yet started, on a free
// loopback port with extra arguments, stopped at the end of the test.
func newRedisServer(t testing.TB, args ...string) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		needService(t, "redis-server is not installed: %v", err)
	}
	s := &redisServer{t: t, addr: freeAddr(t), args: args}
	t.Cleanup(s.stop)
	return s
}

// startRedis starts a redis-server of the test's own.
func startRedis(t testing.TB, args ...string) *redisServer {
	t.Helper()
	s := newRedisServer(t, args...)
	s.start()
	return s
}

// freeAddr returns a loopback address nothing listens on. Its port is
// below Linux's range of ephemeral ports (32768 and up), so that no client
// connection takes it while a test has its server stopped.
func freeAddr(t testing.TB) string {
	t.Helper()
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}

// start starts the server on its address and returns once it accepts
// connections, as its log says.
func (s *redisServer) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	args := append([]string{
		"--bind", "127.0.0.1", "--port", port,
		"--save", "", "--appendonly", "no", "--logfile", "", "--daemonize", "no",
	}, s.args...)
	cmd := exec.Command("redis-server", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	lines := bufio.NewScanner(out)
	var log []string
	for lines.Scan() {
		log = append(log, lines.Text())
		if strings.Contains(lines.Text(), "Ready to accept connections") {
			go drain(lines)
			return
		}
	}
	cmd.Wait()
	s.cmd = nil
	s.t.Fatalf("redis-server on %s did not start:\n%s", s.addr, strings.Join(log, "\n"))
}

func drain(lines *bufio.Scanner) {
	for lines.Scan() {
	}
}

// stop kills the server, as a crash would.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}
