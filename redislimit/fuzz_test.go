package redislimit

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// encodeReply builds a whole reply of Redis's protocol from the fuzzer's
// values, so that every input is an answer and none leaves the client
// waiting for more: an error reply, or an array of arity elements taken
// in turn from fields, each an integer, a bulk string, a nil or a simple
// string as two bits of kinds say.
func encodeReply(isError bool, arity, kinds uint8, fields ...string) string {
	line := func(s string) string { return strings.NewReplacer("\r", "", "\n", "").Replace(s) }
	if isError {
		return "-" + line(fields[0]) + "\r\n"
	}
	var b strings.Builder
	n := int(arity % 8)
	fmt.Fprintf(&b, "*%d\r\n", n)
	for i := range n {
		f := fields[i%len(fields)]
		switch kinds >> (2 * (i % 4)) & 3 {
		case 0:
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				v = int64(len(f))
			}
			fmt.Fprintf(&b, ":%d\r\n", v)
		case 1:
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(f), f)
		case 2:
			b.WriteString("$-1\r\n")
		case 3:
			b.WriteString("+" + line(f) + "\r\n")
		}
	}
	return b.String()
}

// The reasons an error may give: none quotes the reply beyond the first
// word of an error reply.
var knownReason = regexp.MustCompile(`^(unexpected reply|error reply ([A-Z]{1,32}|\(unnamed\))|no answer within 100ms|connection closed|request failed)$`)

// Whatever a Redis look-alike answers to the limiter's script, asking
// neither panics, nor returns a wait below zero or above the interval,
// nor gives a reason outside the known ones.
func FuzzReply(f *testing.F) {
	// kinds: two bits an element, the first element lowest; 0b01_01_00_00
	// is redis_rate's {integer, integer, bulk, bulk}.
	const script = 0b01_01_00_00
	f.Add(false, uint8(4), uint8(script), "1", "9", "-1", "0.1")     // admitted
	f.Add(false, uint8(4), uint8(script), "0", "0", "0.05", "0.1")   // refused
	f.Add(false, uint8(4), uint8(script), "0", "0", "-1", "0")       // refused, no wait
	f.Add(false, uint8(4), uint8(script), "0", "0", "1e300", "0")    // refused, no end
	f.Add(false, uint8(4), uint8(script), "0", "0", "NaN", "0")      // not a duration
	f.Add(false, uint8(1), uint8(script), "1", "", "", "")           // short
	f.Add(false, uint8(4), uint8(0b01_01_00_01), "1", "0", "-1", "") // a string for a count
	f.Add(true, uint8(0), uint8(0), "NOPERM user shop has no permissions", "", "", "")

	var reply atomic.Pointer[string]
	rdb := redis.NewClient(&redis.Options{Addr: hostileRedis(f, func() string { return *reply.Load() }), MaxRetries: -1})
	f.Cleanup(func() { rdb.Close() })
	l := newLimiter(f, rdb, "account", WithoutFallback())

	f.Fuzz(func(t *testing.T, isError bool, arity, kinds uint8, a, b, c, d string) {
		r := encodeReply(isError, arity, kinds, a, b, c, d)
		reply.Store(&r)
		wait, err := l.ask(context.Background())
		if err != nil {
			if reason := l.reason(err); !knownReason.MatchString(reason) {
				t.Fatalf("reply %q: reason %q", r, reason)
			}
			return
		}
		if wait < 0 || wait > l.limit.Period {
			t.Fatalf("reply %q: wait %v", r, wait)
		}
	})
}
