package nexway_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// After the client and the fake are closed, no goroutine of theirs is
// left: not the token fetch, not a latency fault, not a connection.
func TestNoGoroutineLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := nexwaytest.StartServer(nexwaytest.WithClientOptions(
		nexway.WithTimeout(50*time.Millisecond), nexway.WithoutRetries()))
	if err != nil {
		t.Fatal(err)
	}
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
	srv.Close()

	// Connections wind down asynchronously: give them a bounded number of
	// scheduling rounds.
	for range 100000 {
		if runtime.NumGoroutine() <= before {
			return
		}
		runtime.Gosched()
	}
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	t.Errorf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), bytes.TrimSpace(buf))
}
