package nexwayriver

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
)

// An invalid request is refused before anything is queued, with the field
// named and the customer's e-mail not echoed.
func TestEnqueueRefusesInvalidRequest(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	srv := newFake(t)
	c, err := NewClient(fastConfig(s, srv.Client, s.hooks(nil)), fastRiver())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field  string
		mutate func(*nexway.CreateOrderRequest)
	}{
		{"request", nil},
		{"partnerOrderNumber", func(r *nexway.CreateOrderRequest) { r.PartnerOrderNumber = "" }},
		{"orderLines", func(r *nexway.CreateOrderRequest) { r.Lines = nil }},
		{"customer.email", func(r *nexway.CreateOrderRequest) { r.Customer.Email = "jane.doe.example.com" }},
		{"currency", func(r *nexway.CreateOrderRequest) { r.Currency = "euro" }},
	} {
		var r *nexway.CreateOrderRequest
		if tc.mutate != nil {
			r = order("P-BAD", batchProduct)
			tc.mutate(r)
		}
		err := s.db.inTx(context.Background(), func(tx *sql.Tx) error {
			_, err := EnqueueOrderTx(context.Background(), c, tx, r)
			return err
		})
		var ae *nexway.ArgumentError
		if !errors.Is(err, nexway.ErrInvalidArgument) || !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
		if err != nil && strings.Contains(err.Error(), "jane") {
			t.Errorf("%s: the error echoes the e-mail: %v", tc.field, err)
		}
	}
	if n := s.query("SELECT COUNT(*) FROM river_job"); n != 0 {
		t.Errorf("%d jobs queued for invalid requests", n)
	}
	if n := srv.Counts()[""].Requests; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// A payment rolled back queues nothing; a second enqueue of the same
// number queues nothing either.
func TestEnqueueInTheTransaction(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	srv := newFake(t)
	c := start(t, fastConfig(s, srv.Client, s.hooks(nil)), fastRiver())
	if err := s.pay(c, order("P-ROLLED-BACK", batchProduct), true); err != nil {
		t.Fatal(err)
	}
	if err := s.pay(c, order("P-COMMITTED", batchProduct), false); err != nil {
		t.Fatal(err)
	}
	// The same number again, in another transaction: skipped as a duplicate.
	var res struct{ skipped bool }
	if err := s.db.inTx(context.Background(), func(tx *sql.Tx) error {
		r, err := EnqueueOrderTx(context.Background(), c, tx, order("P-COMMITTED", otherProduct))
		if err == nil {
			res.skipped = r.UniqueSkippedAsDuplicate
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !res.skipped {
		t.Error("a second enqueue of P-COMMITTED was not skipped")
	}
	waitFor(t, "the committed order", 20*time.Second, func() bool {
		return s.drained() && s.query("SELECT COUNT(*) FROM deliveries") == 1
	})
	if n := s.query("SELECT COUNT(*) FROM deliveries WHERE pon = ?", "P-COMMITTED"); n != 1 {
		t.Errorf("%d deliveries of the committed payment", n)
	}
	if _, ok := srv.Order("P-ROLLED-BACK"); ok {
		t.Error("the rolled-back payment has an order")
	}
	if n := s.query("SELECT COUNT(*) FROM payments WHERE pon = ?", "P-ROLLED-BACK"); n != 0 {
		t.Error("the rolled-back payment was recorded")
	}
	if o, _ := srv.Order("P-COMMITTED"); len(o.Lines) != 1 || o.Lines[0].ProductRef != batchProduct {
		t.Errorf("the order is not the first enqueued: %+v", o.Lines)
	}
}

// A Config that cannot work is refused, naming the field.
func TestConfigRefused(t *testing.T) {
	t.Parallel()
	s, _ := sqliteShop(t)
	srv := newFake(t)
	good := func() *Config[*sql.Tx] { return fastConfig(s, srv.Client, s.hooks(nil)) }
	for _, tc := range []struct {
		field  string
		mutate func(*Config[*sql.Tx])
	}{
		{"Nexway", func(c *Config[*sql.Tx]) { c.Nexway = nil }},
		{"DB", func(c *Config[*sql.Tx]) { c.DB = nil }},
		{"Orders.OnOrder", func(c *Config[*sql.Tx]) { c.Orders.OnOrder = nil }},
		{"Orders.OnFailure", func(c *Config[*sql.Tx]) { c.Orders.OnFailure = nil }},
		{"CheckoutWorkers", func(c *Config[*sql.Tx]) { c.CheckoutWorkers = -1 }},
		{"Retry", func(c *Config[*sql.Tx]) { c.Retry = Backoff{Min: time.Second, Max: time.Millisecond} }},
		{"Poll", func(c *Config[*sql.Tx]) { c.Poll.Min = -1 }},
	} {
		c := good()
		tc.mutate(c)
		_, err := NewClient(c, nil)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
	if _, err := NewClient[*sql.Tx](nil, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("nil config: %v", err)
	}
	if _, err := NewClient(good(), nil); err != nil {
		t.Errorf("a good config: %v", err)
	}
}
