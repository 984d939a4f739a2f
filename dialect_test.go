package nexway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// script runs every operation once against a fresh fake and returns the
// typed results (without Raw) and the raw answers.
func script(t *testing.T, opts ...nexwaytest.Option) (values []any, raws [][]byte) {
	t.Helper()
	srv := nexwaytest.NewServer(t, opts...)
	ctx := context.Background()
	c := srv.Client
	add := func(v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		rv := reflect.ValueOf(v).Elem()
		env := rv.FieldByName("Envelope")
		raws = append(raws, env.FieldByName("Raw").Bytes())
		env.FieldByName("Raw").SetZero()
		values = append(values, v)
	}
	add(c.Stock.Status(ctx, []nexway.ProductRef{733551, 733558, 733562}))
	add(c.CrossSell.Offers(ctx, "EN", []nexway.CartItem{{ProductRef: 733551, Quantity: 1}}))
	add(c.Orders.Create(ctx, order("DIALECT-1", 733551, 2)))
	sub, err := c.Orders.Create(ctx, order("DIALECT-2", 733559, 1))
	add(sub, err)
	add(c.Orders.Get(ctx, "DIALECT-1"))
	add(c.Downloads.Info(ctx, "DIALECT-1"))
	add(c.Downloads.Extend(ctx, "DIALECT-1", nexway.ExtendBy(7*24*time.Hour)))
	id := sub.SubscriptionIDs()[0]
	add(c.Subscriptions.Status(ctx, "DIALECT-2", id))
	add(c.Subscriptions.Cancel(ctx, "DIALECT-2", id))
	add(c.Catalog.Categories(ctx, "EN"))
	add(c.Catalog.OperatingSystems(ctx))
	add(c.Orders.Cancel(ctx, "DIALECT-1", nexway.ReasonCustomerUnsatisfied, ""))
	return values, raws
}

// Whatever dialect the fake speaks, the SDK reads the same values; each
// dialect does change what is sent.
func TestDialectsGiveTheSameValues(t *testing.T) {
	t.Parallel()
	want, plain := script(t)
	for name, d := range map[string]nexwaytest.Dialect{
		"numbers as strings": {NumbersAsStrings: true},
		"alternative names":  {AlternativeNames: true},
		"RFC 3339 dates":     {Dates: nexwaytest.DateRFC3339},
		"dates with a time":  {Dates: nexwaytest.DateTime},
		"epoch dates":        {Dates: nexwaytest.DateEpoch},
		"epoch ms dates":     {Dates: nexwaytest.DateEpochMillis},
		"null lists":         {NullLists: true},
		"single objects":     {SingleObjects: true},
		"extra fields":       {ExtraFields: true},
		"gzip":               {Compression: "gzip"},
		"deflate":            {Compression: "deflate"},
		"byte order mark":    {ByteOrderMark: true},
		"everything": {NumbersAsStrings: true, AlternativeNames: true, Dates: nexwaytest.DateEpoch, NullLists: true,
			SingleObjects: true, ExtraFields: true, Compression: "deflate", ByteOrderMark: true},
	} {
		t.Run(name, func(t *testing.T) {
			got, raws := script(t, nexwaytest.WithDialect(d))
			changed := false
			for i := range want {
				if !reflect.DeepEqual(normalize(got[i]), normalize(want[i])) {
					g, _ := json.Marshal(got[i])
					w, _ := json.Marshal(want[i])
					t.Errorf("answer %d (%T):\n got %s\nwant %s\nfrom %s", i, got[i], g, w, raws[i])
				}
				changed = changed || !bytes.Equal(raws[i], plain[i])
			}
			if !changed && d.Compression == "" {
				t.Error("the dialect changed no answer")
			}
		})
	}
	// Random variants, as NEXWAYTEST_VARIANTS turns on for a whole run.
	for seed := range int64(5) {
		got, _ := script(t, nexwaytest.WithVariants(seed))
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Errorf("variants seed %d: different values", seed)
		}
	}
}

// normalize encodes v and decodes it back as a generic tree, so that a nil
// and an empty list compare equal.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var tree any
	_ = json.Unmarshal(bytes.ReplaceAll(b, []byte(`[]`), []byte(`null`)), &tree)
	return tree
}
