package nexwayriver

import (
	"testing"
	"time"

	"github.com/nexway-go/nexway/nexwaytest"
)

const (
	batchProduct    = 733551 // keys drawn from a pool
	realtimeProduct = 733552 // keys from the publisher
)

func TestOrderDeliveredSQLite(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	srv := nexwaytest.NewServer(t)
	c := start(t, fastConfig(s, srv.Client, s.hooks(nil)), fastRiver())
	if err := s.pay(c, order("P-1", batchProduct), false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delivery", 10*time.Second, func() bool { return s.query("SELECT COUNT(*) FROM deliveries") == 1 && s.drained() })
	if n := s.query("SELECT COUNT(*) FROM deliveries WHERE pon = ? AND complete = 1", "P-1"); n != 1 {
		t.Errorf("%d complete deliveries of P-1", n)
	}
	if _, ok := srv.Order("P-1"); !ok {
		t.Error("no order at the fake")
	}
}
