// Package storetest checks that a fulfillment.Store keeps its contract:
// one holder per unit, answers recorded once and replayed, lease take-over
// after expiry, the same under concurrent claims, and two keys that differ
// in any byte never sharing a unit (NUL bytes, invalid UTF-8, trailing
// spaces, case, Unicode normalisation forms, ids far longer than an index
// entry).
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nexway-go/nexway/fulfillment"
)

// Run runs the contract tests against the store that newStore returns;
// newStore is called once per subtest, and may return the same store each
// time: every subtest uses units of its own.
func Run(t *testing.T, newStore func(t *testing.T) fulfillment.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s fulfillment.Store)
	}{
		{"ClaimThenAnswer", testClaimThenAnswer},
		{"OperationsAreSeparateUnits", testOperationsSeparate},
		{"InFlightUntilLeaseEnds", testInFlight},
		{"TakeOverAfterExpiry", testTakeOver},
		{"Release", testRelease},
		{"StrangerCannotComplete", testStranger},
		{"ConcurrentClaims", testConcurrentClaims},
		{"LargeAnswer", testLargeAnswer},
		{"KeysAreBytes", testKeysAreBytes},
		{"GenerationsAreSeparateUnits", testGenerations},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// t0 is a fixed instant with a nanosecond part, so that a store that
// rounds times shows it.
var t0 = time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC)

// unit returns a key no other test or run uses.
func unit(op fulfillment.Operation) fulfillment.Key {
	return fulfillment.Key{FulfillmentID: rand.Text(), Operation: op}
}

func lease(k fulfillment.Key, token string, now time.Time, d time.Duration) fulfillment.Lease {
	return fulfillment.Lease{Key: k, Token: token, Now: now, Until: now.Add(d)}
}

func claim(t *testing.T, s fulfillment.Store, l fulfillment.Lease, want fulfillment.Status) fulfillment.Outcome {
	t.Helper()
	out, err := s.Claim(context.Background(), l)
	if err != nil {
		t.Fatalf("Claim(%s): %v", l.Token, err)
	}
	if out.Status != want {
		t.Fatalf("Claim(%s) = %v, want %v", l.Token, out.Status, want)
	}
	return out
}

func complete(t *testing.T, s fulfillment.Store, l fulfillment.Lease, answer string, want error) {
	t.Helper()
	if err := s.Complete(context.Background(), l, []byte(answer)); !errors.Is(err, want) {
		t.Fatalf("Complete(%s) = %v, want %v", l.Token, err, want)
	}
}

func testClaimThenAnswer(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpCreate)
	a := lease(k, "a", t0, time.Minute)
	claim(t, s, a, fulfillment.Acquired)
	complete(t, s, a, `{"activationCode":"K-1"}`, nil)
	for _, now := range []time.Time{t0, t0.Add(time.Hour)} {
		out := claim(t, s, lease(k, "b", now, time.Minute), fulfillment.Answered)
		if string(out.Answer) != `{"activationCode":"K-1"}` {
			t.Fatalf("answer = %q", out.Answer)
		}
	}
	complete(t, s, a, `{"activationCode":"K-2"}`, fulfillment.ErrLeaseLost)
	if err := s.Release(context.Background(), a); !errors.Is(err, fulfillment.ErrLeaseLost) {
		t.Fatalf("Release after Complete = %v, want ErrLeaseLost", err)
	}
	out := claim(t, s, lease(k, "c", t0, time.Minute), fulfillment.Answered)
	if string(out.Answer) != `{"activationCode":"K-1"}` {
		t.Fatalf("answer after a second Complete = %q", out.Answer)
	}
}

func testOperationsSeparate(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpCreate)
	claim(t, s, lease(k, "a", t0, time.Minute), fulfillment.Acquired)
	cancel := fulfillment.Key{FulfillmentID: k.FulfillmentID, Operation: fulfillment.OpCancel}
	claim(t, s, lease(cancel, "b", t0, time.Minute), fulfillment.Acquired)
	claim(t, s, lease(unit(fulfillment.OpCreate), "c", t0, time.Minute), fulfillment.Acquired)
}

func testInFlight(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpRenew)
	a := lease(k, "a", t0, time.Minute)
	claim(t, s, a, fulfillment.Acquired)
	for _, now := range []time.Time{t0, a.Until.Add(-time.Nanosecond)} {
		out := claim(t, s, lease(k, "b", now, time.Minute), fulfillment.InFlight)
		if !out.Until.Equal(a.Until) {
			t.Fatalf("InFlight until %v, want %v", out.Until, a.Until)
		}
	}
	complete(t, s, lease(k, "b", t0, time.Minute), "{}", fulfillment.ErrLeaseLost)
	complete(t, s, a, "{}", nil)
}

// A holder that died leaves its lease; at its end the next claim takes the
// unit over, and the old holder can no longer record an answer.
func testTakeOver(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpCreate)
	a := lease(k, "a", t0, time.Minute)
	claim(t, s, a, fulfillment.Acquired)
	b := lease(k, "b", a.Until, time.Minute)
	claim(t, s, b, fulfillment.Acquired)
	claim(t, s, lease(k, "c", a.Until.Add(time.Second), time.Minute), fulfillment.InFlight)
	complete(t, s, a, `{"activationCode":"A"}`, fulfillment.ErrLeaseLost)
	if err := s.Release(context.Background(), a); !errors.Is(err, fulfillment.ErrLeaseLost) {
		t.Fatalf("Release by the old holder = %v, want ErrLeaseLost", err)
	}
	complete(t, s, b, `{"activationCode":"B"}`, nil)
	out := claim(t, s, lease(k, "d", b.Until.Add(time.Hour), time.Minute), fulfillment.Answered)
	if string(out.Answer) != `{"activationCode":"B"}` {
		t.Fatalf("answer = %q, want B's", out.Answer)
	}
}

func testRelease(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpUpgrade)
	a := lease(k, "a", t0, time.Hour)
	claim(t, s, a, fulfillment.Acquired)
	if err := s.Release(context.Background(), lease(k, "x", t0, time.Hour)); !errors.Is(err, fulfillment.ErrLeaseLost) {
		t.Fatalf("Release by a stranger = %v, want ErrLeaseLost", err)
	}
	claim(t, s, lease(k, "b", t0, time.Hour), fulfillment.InFlight)
	if err := s.Release(context.Background(), a); err != nil {
		t.Fatalf("Release: %v", err)
	}
	b := lease(k, "b", t0, time.Hour)
	claim(t, s, b, fulfillment.Acquired)
	complete(t, s, a, "{}", fulfillment.ErrLeaseLost)
	complete(t, s, b, `{"ok":1}`, nil)
}

func testStranger(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpCancel)
	complete(t, s, lease(k, "a", t0, time.Minute), "{}", fulfillment.ErrLeaseLost)
	if err := s.Release(context.Background(), lease(k, "a", t0, time.Minute)); !errors.Is(err, fulfillment.ErrLeaseLost) {
		t.Fatalf("Release of an unknown unit = %v, want ErrLeaseLost", err)
	}
	claim(t, s, lease(k, "a", t0, time.Minute), fulfillment.Acquired)
}

// Claims racing for one unit: exactly one acquires it, and once it has
// answered every claim gets that answer.
func testConcurrentClaims(t *testing.T, s fulfillment.Store) {
	const n = 8
	k := unit(fulfillment.OpCreate)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		holders []fulfillment.Lease
		start   = make(chan struct{})
	)
	for i := range n {
		l := lease(k, string(rune('a'+i)), t0, time.Minute)
		wg.Go(func() {
			<-start
			out, err := s.Claim(context.Background(), l)
			if err != nil {
				t.Errorf("Claim: %v", err)
				return
			}
			if out.Status == fulfillment.Acquired {
				mu.Lock()
				holders = append(holders, l)
				mu.Unlock()
			} else if out.Status != fulfillment.InFlight {
				t.Errorf("racing Claim = %v", out.Status)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(holders) != 1 {
		t.Fatalf("%d claims acquired the unit, want exactly 1", len(holders))
	}
	complete(t, s, holders[0], `{"activationCode":"ONLY"}`, nil)
	for i := range n {
		wg.Go(func() {
			out, err := s.Claim(context.Background(), lease(k, string(rune('A'+i)), t0, time.Minute))
			if err != nil || out.Status != fulfillment.Answered || string(out.Answer) != `{"activationCode":"ONLY"}` {
				t.Errorf("Claim after the answer = %+v, %v", out, err)
			}
		})
	}
	wg.Wait()
}

func testLargeAnswer(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpCreate)
	a := lease(k, "a", t0, time.Minute)
	claim(t, s, a, fulfillment.Acquired)
	answer := `{"activationFileContent":"` + string(bytes.Repeat([]byte("é∑\\n"), 1<<14)) + `"}`
	complete(t, s, a, answer, nil)
	out := claim(t, s, lease(k, "b", t0, time.Minute), fulfillment.Answered)
	if string(out.Answer) != answer {
		t.Fatalf("answer of %d bytes came back as %d bytes", len(answer), len(out.Answer))
	}
}

// keyVariants are keys that a database's text types, collations or index
// limits could merge: each must be a unit of its own. prefix keeps them
// apart from other runs on the same store.
func keyVariants(prefix string) []fulfillment.Key {
	long := prefix + string(bytes.Repeat([]byte("x"), 12<<10))
	ids := []string{
		prefix + "a", prefix + "A", prefix + "a ", prefix + "a  ", prefix + " a", prefix + "a\t",
		prefix + "a\x00", prefix + "a\x00b", "\x00" + prefix + "a",
		prefix + "\xff", prefix + "\xfe", prefix + "\xef\xbf\xbd", // two invalid bytes and the U+FFFD they would become
		prefix + "caf\u00e9", prefix + "cafe\u0301", // NFC and NFD
		prefix + "\u212a", prefix + "K", prefix + "k", prefix + "\u017f", prefix + "s", prefix + "ss", prefix + "\u00df",
		prefix + "a\u200b", prefix + "\uff41", // a zero-width space; a fullwidth a
		long + "1", long + "2", long,
	}
	var keys []fulfillment.Key
	for _, id := range ids {
		keys = append(keys, fulfillment.Key{FulfillmentID: id, Operation: fulfillment.OpCreate})
	}
	// The parts of a key are not run together: "ab"+"" is not "a"+"b".
	keys = append(keys,
		fulfillment.Key{FulfillmentID: prefix + "ab", Operation: fulfillment.OpRenew},
		fulfillment.Key{FulfillmentID: prefix + "a", Operation: fulfillment.OpRenew, Generation: "b"},
		fulfillment.Key{FulfillmentID: prefix + "a", Operation: "renewb"},
		fulfillment.Key{FulfillmentID: prefix + "a", Operation: fulfillment.OpRenew, Generation: "b\x00"},
	)
	return keys
}

func testKeysAreBytes(t *testing.T, s fulfillment.Store) {
	keys := keyVariants(rand.Text())
	answerOf := func(i int) string {
		return `{"activationCode":"K-` + string(rune('A'+i%26)) + `-` + string(rune('a'+i/26)) + `"}`
	}
	for i, k := range keys {
		l := lease(k, "t", t0, time.Minute)
		out, err := s.Claim(context.Background(), l)
		if err != nil {
			t.Fatalf("Claim of key %d (%q): %v", i, truncate(k), err)
		}
		if out.Status != fulfillment.Acquired {
			t.Fatalf("key %d (%q) was not a unit of its own: Claim = %v", i, truncate(k), out.Status)
		}
		complete(t, s, l, answerOf(i), nil)
	}
	for i, k := range keys {
		out := claim(t, s, lease(k, "u", t0, time.Minute), fulfillment.Answered)
		if string(out.Answer) != answerOf(i) {
			t.Fatalf("key %d (%q) answers %s, want %s", i, truncate(k), out.Answer, answerOf(i))
		}
	}
}

// A renewal per order of one license: each generation is its own unit.
func testGenerations(t *testing.T, s fulfillment.Store) {
	k := unit(fulfillment.OpRenew)
	for i, gen := range []string{"", "ORD-2", "ORD-3", "ord-3", "ORD-3 "} {
		k.Generation = gen
		a := lease(k, "a", t0, time.Minute)
		claim(t, s, a, fulfillment.Acquired)
		complete(t, s, a, `{"g":`+string(rune('0'+i))+`}`, nil)
	}
	k.Generation = "ORD-2"
	if out := claim(t, s, lease(k, "b", t0, time.Minute), fulfillment.Answered); string(out.Answer) != `{"g":1}` {
		t.Fatalf("generation ORD-2 answers %s", out.Answer)
	}
}

// truncate shortens a key for a failure message.
func truncate(k fulfillment.Key) string {
	id := k.FulfillmentID
	if len(id) > 40 {
		id = id[:40] + "…"
	}
	return id + "/" + string(k.Operation) + "/" + k.Generation
}
