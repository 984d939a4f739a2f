package nexway_test

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// After the client and the fake are closed, no goroutine they started is
// left: not the token fetch, not a latency fault, not a connection.
func TestNoGoroutineLeaks(t *testing.T) {
	before := goroutines()
	srv, err := nexwaytest.StartServer(nexwaytest.WithClientOptions(
		nexway.WithTimeout(50*time.Millisecond), nexway.WithoutRetries()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close) // on an early failure; Close below is the one checked
	if _, err := srv.Client.Orders.Create(ctx, order("LEAK-1", 733552, 1)); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(nexwaytest.RouteGetOrder, nexwaytest.Fault{Kind: nexwaytest.FaultLatency, Latency: time.Hour})
	if _, err := srv.Client.Orders.Get(ctx, "LEAK-1"); !errors.Is(err, nexway.ErrUnavailable) {
		t.Fatalf("%v, want a timeout", err)
	}
	srv.InjectFault(nexwaytest.RouteStock, nexwaytest.Fault{Kind: nexwaytest.FaultDrop})
	if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); !errors.Is(err, nexway.ErrUnavailable) {
		t.Fatalf("%v, want the dropped connection reported", err)
	}
	if len(newSince(before)) == 0 {
		t.Fatal("no goroutine started: the check below would prove nothing")
	}
	srv.Close()

	// Connections wind down asynchronously: give them a bounded number of
	// scheduling rounds. Goroutines are told apart by id, so a leftover of
	// an earlier test that ends meanwhile cannot hide a leak of this one.
	var left []string
	for i := range 100000 {
		if i%1000 == 0 { // a stack dump costs far more than a round
			if left = newSince(before); len(left) == 0 {
				return
			}
		}
		runtime.Gosched()
	}
	if left = newSince(before); len(left) == 0 {
		return
	}
	t.Errorf("%d goroutines left after Close:\n\n%s", len(left), strings.Join(left, "\n\n"))
}

// goroutines returns the stack of every goroutine, by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	all := map[string]string{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		// "goroutine 42 [running]:" heads each stack.
		head, _, _ := strings.Cut(string(g), " [")
		all[head] = string(g)
	}
	return all
}

// newSince returns the stacks of the goroutines that did not exist in
// before.
func newSince(before map[string]string) []string {
	var stacks []string
	for id, stack := range goroutines() {
		if _, ok := before[id]; !ok {
			stacks = append(stacks, stack)
		}
	}
	return stacks
}
