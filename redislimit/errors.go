package redislimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// ErrRedisUnavailable matches the error Wait returns, with WithoutFallback,
// while Redis cannot be asked: unreachable, refusing the connection or the
// credentials, too slow, or answering something that is not the limiter's
// reply. Its text says which, never Redis's address or password.
var ErrRedisUnavailable = errors.New("redislimit: Redis unavailable")

// errPastDeadline is returned at once when the wait for the limit would
// outlast the context's deadline, as rate.Limiter does.
var errPastDeadline = fmt.Errorf("redislimit: waiting for the rate limit would pass the context's deadline: %w", context.DeadlineExceeded)

// Failures of one question to Redis that go-redis does not report itself.
var (
	errNoAnswer = errors.New("no answer")
	errBadReply = errors.New("unexpected reply")
)

type unavailableError struct{ reason string }

func (e *unavailableError) Error() string        { return "redislimit: Redis unavailable: " + e.reason }
func (e *unavailableError) Is(target error) bool { return target == ErrRedisUnavailable }

// reason names the kind of a failure in words that cannot carry an
// address, a user name or a password: go-redis's own texts can.
func (l *Limiter) reason(err error) string {
	var (
		reply redis.Error
		errno syscall.Errno
		dns   *net.DNSError
		nerr  net.Error
	)
	switch {
	case errors.Is(err, errNoAnswer):
		return "no answer within " + l.timeout.String()
	case errors.Is(err, errBadReply), errors.As(err, new(*strconv.NumError)):
		return "unexpected reply"
	case errors.As(err, &reply):
		return "error reply " + replyKind(reply.Error())
	case errors.As(err, &dns):
		return "address not resolved"
	case errors.As(err, &errno):
		return errno.Error() // "connection refused", "connection reset by peer"
	case errors.As(err, &nerr) && nerr.Timeout():
		return "network timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, redis.ErrPoolTimeout):
		return "connection pool timeout"
	case errors.Is(err, redis.ErrClosed):
		return "client closed"
	}
	return "request failed"
}

// replyKind is the leading upper-case word of a Redis error reply, such as
// NOAUTH, WRONGPASS or LOADING: the rest may quote a user name.
func replyKind(msg string) string {
	n := 0
	for n < len(msg) && n < 32 && msg[n] >= 'A' && msg[n] <= 'Z' {
		n++
	}
	if n == 0 {
		return "(unnamed)"
	}
	return msg[:n]
}
