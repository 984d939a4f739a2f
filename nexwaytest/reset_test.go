package nexwaytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// orderOf is a one-line order of qty units of ref.
func orderOf(number string, ref nexway.ProductRef, qty int) *nexway.CreateOrderRequest {
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: number,
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: ref, Quantity: qty}},
		Customer: nexway.Customer{
			Email:           "jane.doe@example.com",
			Language:        "en_GB",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "London", Country: "GB"},
		},
	}
}

// session is what a start gives a client: the first orders it makes, and
// what the catalog routes answer.
type session struct {
	orders     []nexwaytest.OrderSnapshot
	categories *nexway.Categories
	oses       *nexway.OperatingSystems
}

// firstSession makes the same calls on a server just started or reset.
func firstSession(t *testing.T, srv *nexwaytest.Server) session {
	t.Helper()
	var got session
	for _, o := range []*nexway.CreateOrderRequest{orderOf("R-1", 733551, 2), orderOf("R-2", 733552, 1), orderOf("R-3", 42, 1), orderOf("R-4", 733559, 1)} {
		if _, err := srv.Client.Orders.Create(ctx, o); err != nil {
			t.Fatalf("create %s: %v", o.PartnerOrderNumber, err)
		}
		snap, _ := srv.Order(o.PartnerOrderNumber)
		got.orders = append(got.orders, snap)
	}
	var err error
	if got.categories, err = srv.Client.Catalog.Categories(ctx, "en"); err != nil {
		t.Fatal(err)
	}
	if got.oses, err = srv.Client.Catalog.OperatingSystems(ctx); err != nil {
		t.Fatal(err)
	}
	return got
}

// After Reset, the same calls give the same answers as after the start,
// whatever knobs were turned in between.
func TestResetReturnsToStart(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, time.March, 1, 12, 0, 0, 0, time.UTC)
	srv := nexwaytest.NewServer(t, nexwaytest.WithSeed(3), nexwaytest.WithStartTime(start), nexwaytest.WithDialect(nexwaytest.Dialect{}),
		nexwaytest.WithSetup(func(s *nexwaytest.Server) error {
			if err := s.AddProducts(nexwaytest.Product{Ref: 42, Name: "Answer", Currency: "EUR"}); err != nil {
				return err
			}
			return s.AddKeys(42, "K-1", "K-2")
		}))
	before := firstSession(t, srv)
	bearer := token(t, srv)

	// Turn every knob.
	if err := srv.AddProducts(nexwaytest.Product{Ref: 43, Name: "Later", Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddKeys(42, "K-3"); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPublisher(733552, nexwaytest.GeneratedKeys("OTHER")); err != nil {
		t.Fatal(err)
	}
	srv.SetCategories(nil)
	srv.SetOperatingSystems(nil)
	if err := srv.HoldNext(5, 1060); err != nil {
		t.Fatal(err)
	}
	srv.Advance(400 * 24 * time.Hour) // the VPN renews
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultCode, Times: 10})
	srv.SetFaultRate(nexwaytest.RouteAny, 1, nexwaytest.Fault{Kind: nexwaytest.FaultCode, Code: 1000})
	srv.InjectFault(nexwaytest.RouteStock, nexwaytest.Fault{Kind: nexwaytest.FaultLoseResponse, Then: &nexwaytest.Fault{Kind: nexwaytest.FaultCode}})
	if len(srv.Orders()) < 5 {
		t.Fatalf("%d orders before Reset, want the renewal too", len(srv.Orders()))
	}

	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Orders()); n != 0 {
		t.Errorf("%d orders after Reset", n)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests logged after Reset", n)
	}
	if c := srv.Counts(); len(c) != 0 {
		t.Errorf("counts after Reset: %v", c)
	}
	if !srv.Now().Equal(start) {
		t.Errorf("clock at %v after Reset, want %v", srv.Now(), start)
	}
	if n := srv.KeysLeft(42); n != 2 {
		t.Errorf("KeysLeft(42) = %d after Reset, want the 2 of the setup", n)
	}
	if status := statusWith(t, srv, bearer); status != http.StatusUnauthorized {
		t.Errorf("a token from before Reset: HTTP %d, want 401", status)
	}

	after := firstSession(t, srv)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("after Reset:\n%+v\nafter the start:\n%+v", after, before)
	}
	if err := srv.AddProducts(nexwaytest.Product{Ref: 43, Name: "Later", Currency: "EUR"}); err != nil {
		t.Errorf("the product added after the start is still there: %v", err)
	}
}

// token gets a bearer token from the fake's IAM route.
func token(t *testing.T, srv *nexwaytest.Server) string {
	t.Helper()
	body := `{"realmName":"` + nexwaytest.Realm + `","grantType":"client_credentials","clientSecret":"` + nexwaytest.ClientSecret + `"}`
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status := do(t, "POST", srv.URL+"/iam/tokens", body, &tok); status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: HTTP %d %+v", status, tok)
	}
	return tok.AccessToken
}

// statusWith is the HTTP status of an OS-list request with a bearer token.
func statusWith(t *testing.T, srv *nexwaytest.Server, bearer string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/connect/catalog/oslist", nil)
	req.Header.Set("secret", nexwaytest.Secret)
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestResetFailsWithoutChange(t *testing.T) {
	t.Parallel()
	calls := 0
	srv := nexwaytest.NewServer(t, nexwaytest.WithSetup(func(*nexwaytest.Server) error {
		calls++
		if calls > 1 {
			return errors.New("no second time")
		}
		return nil
	}))
	if _, err := srv.Client.Orders.Create(ctx, orderOf("KEEP", 733551, 1)); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	if err := srv.Reset(); err == nil || err.Error() != "no second time" {
		t.Fatalf("Reset = %v, want the setup's error", err)
	}
	if _, ok := srv.Order("KEEP"); !ok || !srv.Now().Equal(nexwaytest.DefaultStartTime().Add(time.Hour)) || srv.KeysLeft(733551) != 49 {
		t.Error("a failed Reset changed the state")
	}
}

// Reset while requests are being served: no request fails for want of
// state, and the race detector sees the swap guarded. (Without IAM: a
// token fetched between two resets in a row is refused, as it should be.)
func TestResetUnderLoad(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithoutCredentials())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for ctx.Err() == nil {
				if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err != nil && ctx.Err() == nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 20 {
		if err := srv.Reset(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	for range 4 {
		if err := <-errs; err != nil && !strings.Contains(err.Error(), "context canceled") {
			t.Error(err)
		}
	}
}

// do sends body (none when "") to url and decodes the JSON answer into
// out (when not nil); it returns the HTTP status.
func do(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: HTTP %d, not JSON: %s", method, url, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// What a test in another language pays to start each case afresh.
func BenchmarkReset(b *testing.B) {
	srv, err := nexwaytest.StartServer()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := srv.Reset(); err != nil {
			b.Fatal(err)
		}
	}
}
