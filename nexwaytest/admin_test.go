package nexwaytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/feed"
	"github.com/nexway-go/nexway/nexwaytest"
)

// adminServer is a fake with the admin API on.
func adminServer(t *testing.T, opts ...nexwaytest.Option) *nexwaytest.Server {
	// The tests read the fake's answers as documented, whatever
	// NEXWAYTEST_VARIANTS says.
	return nexwaytest.NewServer(t, append([]nexwaytest.Option{nexwaytest.WithAdminAPI(), nexwaytest.WithDialect(nexwaytest.Dialect{})}, opts...)...)
}

// call sends an admin request and decodes its answer into out; it fails the
// test unless the status is want.
func call(t *testing.T, srv *nexwaytest.Server, method, path, body string, want int, out any) {
	t.Helper()
	var errBody struct {
		Error string `json:"error"`
	}
	if out == nil {
		out = &errBody
	}
	if status := do(t, method, srv.URL+path, body, out); status != want {
		t.Fatalf("%s %s: HTTP %d, want %d (%+v)", method, path, status, want, out)
	}
}

// refused sends an admin request that must fail with status and an error
// containing msg.
func refused(t *testing.T, srv *nexwaytest.Server, method, path, body string, status int, msg string) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	call(t, srv, method, path, body, status, &e)
	if !strings.Contains(e.Error, msg) {
		t.Errorf("%s %s %s: error %q, want it to contain %q", method, path, body, e.Error, msg)
	}
}

// rawStock sends a stock request outside the Client (no retries) and
// returns its HTTP status and responseCode.
func rawStock(t *testing.T, srv *nexwaytest.Server) (int, int) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/connect/stock", strings.NewReader(`{"productRefs":[733551]}`))
	req.Header.Set("secret", nexwaytest.Secret)
	req.Header.Set("Authorization", "Bearer "+token(t, srv))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		ResponseCode int `json:"responseCode"`
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &env)
	return resp.StatusCode, env.ResponseCode
}

func TestAdminReset(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	if _, err := srv.Client.Orders.Create(ctx, orderOf("A-1", 733551, 1)); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	call(t, srv, "POST", "/_fake/reset", "", 200, nil)
	if len(srv.Orders()) != 0 || !srv.Now().Equal(nexwaytest.DefaultStartTime()) || srv.KeysLeft(733551) != 50 {
		t.Error("POST /_fake/reset did not reset")
	}
}

func TestAdminCatalogAndKeys(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	call(t, srv, "POST", "/_fake/products", `[{"ref":500,"name":"Star Pilot","currency":"EUR","amountDutyFree":19.99,"delivery":"serial"}]`, 200, nil)
	var left struct {
		Ref  int `json:"productRef"`
		Left int `json:"keysLeft"`
	}
	call(t, srv, "POST", "/_fake/products/500/keys", `["STAR-1","STAR-2"]`, 200, &left)
	if left.Ref != 500 || left.Left != 2 {
		t.Errorf("after adding keys: %+v", left)
	}
	call(t, srv, "POST", "/_fake/keys", "productRef,licenseKey\n500,STAR-3\n", 200, nil)
	call(t, srv, "GET", "/_fake/products/500/keys", "", 200, &left)
	if left.Left != 3 || srv.KeysLeft(500) != 3 {
		t.Errorf("keys left: %+v, KeysLeft %d", left, srv.KeysLeft(500))
	}
	o, err := srv.Client.Orders.Create(ctx, orderOf("A-2", 500, 1))
	if err != nil || o.Lines[0].Items[0].Serials[0].Data != "STAR-1" {
		t.Fatalf("order of the product loaded: %+v, %v", o, err)
	}

	refused(t, srv, "POST", "/_fake/products", `[{"ref":501,"currency":"EUR"}]`, 400, "product 501: name is empty")
	refused(t, srv, "POST", "/_fake/products", `[{"ref":501,"nmae":"x"}]`, 400, `unknown field "nmae"`)
	refused(t, srv, "POST", "/_fake/products/500/keys", `["STAR-1"]`, 400, "duplicate key")
	refused(t, srv, "POST", "/_fake/products/500/keys", `{"keys":["X"]}`, 400, "request body: want an array")
	refused(t, srv, "POST", "/_fake/products/x/keys", `["X"]`, 400, `product ref "x"`)
	refused(t, srv, "POST", "/_fake/keys", "500,STAR-9\n500\n", 400, "keys CSV line 2")
}

// feedRefs downloads the fake's feed with its Client and returns the refs,
// and the price of ref 733558 when it is there.
func feedRefs(t *testing.T, srv *nexwaytest.Server) (refs []nexway.ProductRef, price string) {
	t.Helper()
	q := &nexway.FeedQuery{Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig}
	for p, err := range feed.Products(ctx, srv.Client, q, nil) {
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, p.ProductRef)
		if p.ProductRef == 733558 && p.Price != nil {
			price = p.Price.String()
		}
	}
	return refs, price
}

func TestAdminFeedAndCatalogChanges(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	call(t, srv, "PUT", "/_fake/products", `[{"ref":733558,"name":"Space Trader Deluxe","amountDutyFree":19.99,"currency":"EUR"}]`, 200, nil)
	call(t, srv, "DELETE", "/_fake/products/733562", "", 200, nil)
	refs, price := feedRefs(t, srv)
	if len(refs) != 7 || slices.Contains(refs, 733562) || price != "19.99" {
		t.Fatalf("feed after the changes: %v, price %q", refs, price)
	}
	refused(t, srv, "PUT", "/_fake/products", `[{"ref":404,"name":"Nope","currency":"EUR"}]`, 400, "product 404: not in the catalog")
	refused(t, srv, "DELETE", "/_fake/products/733562", "", 400, "product 733562 is not in the catalog")
	refused(t, srv, "DELETE", "/_fake/products/x", "", 400, `product ref "x"`)

	call(t, srv, "PUT", "/_fake/feed", `{"format":"xml","generated":5}`, 200, nil)
	if refs, _ := feedRefs(t, srv); !slices.Equal(refs, []nexway.ProductRef{100000, 100001, 100002, 100003, 100004}) {
		t.Fatalf("generated feed: %v", refs)
	}
	refused(t, srv, "PUT", "/_fake/feed", `{"separator":"ab"}`, 400, "separator")
	refused(t, srv, "PUT", "/_fake/feed", `{"format":"yaml"}`, 400, "feed format")
	refused(t, srv, "PUT", "/_fake/feed", `{"colums":["Name"]}`, 400, `unknown field "colums"`)

	call(t, srv, "POST", "/_fake/reset", "", 200, nil)
	if refs, price := feedRefs(t, srv); len(refs) != 8 || price != "24.99" {
		t.Fatalf("feed after reset: %v, price %q", refs, price)
	}
}

func TestAdminCategoriesAndOSList(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	call(t, srv, "PUT", "/_fake/categories", `[{"id":1,"label":"Games","subcategories":[{"id":2,"label":"Racing"}]}]`, 200, nil)
	call(t, srv, "PUT", "/_fake/oslist", `[{"id":9,"label":"Plan 9"}]`, 200, nil)
	cats, err := srv.Client.Catalog.Categories(ctx, "en")
	if err != nil || len(cats.Categories) != 1 || cats.Categories[0].Label != "Games" || cats.Categories[0].Subcategories[0].Label != "Racing" {
		t.Errorf("categories = %+v, %v", cats, err)
	}
	oses, err := srv.Client.Catalog.OperatingSystems(ctx)
	if err != nil || len(oses.OperatingSystems) != 1 || oses.OperatingSystems[0].Label != "Plan 9" {
		t.Errorf("OS list = %+v, %v", oses, err)
	}
	refused(t, srv, "PUT", "/_fake/oslist", `[{"id":"9"}]`, 400, "id: want a whole number, got JSON string")
}

func TestAdminPublisher(t *testing.T) {
	t.Parallel()
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "nexway" || p != "pw" || r.URL.Path != "/v1/licenses/new" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"activationCode":"FROM-PUBLISHER"}`)
	}))
	defer pub.Close()
	srv := adminServer(t)
	call(t, srv, "PUT", "/_fake/products/733552/publisher", `{"generatedKeys":"ZZ"}`, 200, nil)
	o, err := srv.Client.Orders.Create(ctx, orderOf("P-1", 733552, 1))
	if err != nil || !strings.HasPrefix(o.Lines[0].Items[0].Serials[0].Data, "ZZ-") {
		t.Fatalf("generated keys: %+v, %v", o, err)
	}
	call(t, srv, "PUT", "/_fake/products/733558/publisher", `{"http":{"baseURL":"`+pub.URL+`/v1/","username":"nexway","password":"pw"}}`, 200, nil)
	o, err = srv.Client.Orders.Create(ctx, orderOf("P-2", 733558, 1))
	if err != nil || o.Lines[0].Items[0].Serials[0].Data != "FROM-PUBLISHER" {
		t.Fatalf("HTTP publisher: %+v, %v", o, err)
	}
	refused(t, srv, "PUT", "/_fake/products/733552/publisher", `{}`, 400, "give one of generatedKeys")
	refused(t, srv, "PUT", "/_fake/products/733552/publisher", `{"generatedKeys":"A","http":{"baseURL":"x"}}`, 400, "give one of generatedKeys")
	refused(t, srv, "PUT", "/_fake/products/733552/publisher", `{"http":{}}`, 400, "http.baseURL is missing")
	refused(t, srv, "PUT", "/_fake/products/999/publisher", `{"generatedKeys":""}`, 400, "unknown product 999")
}

func TestAdminFaults(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	call(t, srv, "POST", "/_fake/faults", `{"route":"POST /connect/stock","fault":{"kind":"code","code":1000}}`, 200, nil)
	if status, code := rawStock(t, srv); status != 200 || code != 1000 {
		t.Errorf("injected fault: HTTP %d code %d", status, code)
	}
	var reqs []struct {
		Route string `json:"route"`
		Fault string `json:"fault"`
	}
	call(t, srv, "GET", "/_fake/requests", "", 200, &reqs)
	if len(reqs) != 2 || reqs[1].Route != "POST /connect/stock" || reqs[1].Fault != "code" {
		t.Errorf("request log: %+v", reqs)
	}

	call(t, srv, "PUT", "/_fake/faults/rate", `{"route":"","rate":1,"faults":[{"status":502}]}`, 200, nil)
	if status, _ := rawStock(t, srv); status != 502 {
		t.Errorf("fault rate 1: HTTP %d, want 502", status)
	}
	call(t, srv, "DELETE", "/_fake/faults", "", 200, nil)
	if status, code := rawStock(t, srv); status != 200 || code != 0 {
		t.Errorf("after clearing: HTTP %d code %d", status, code)
	}
	var counts map[string]struct {
		Requests int `json:"requests"`
		Faulted  int `json:"faulted"`
	}
	call(t, srv, "GET", "/_fake/counts", "", 200, &counts)
	if c := counts["POST /connect/stock"]; c.Requests != 3 || c.Faulted != 2 {
		t.Errorf("counts: %+v", counts)
	}

	refused(t, srv, "POST", "/_fake/faults", `{"route":"POST /connect/nothing","fault":{}}`, 400, `route "POST /connect/nothing" is not a route of the fake`)
	refused(t, srv, "POST", "/_fake/faults", `{"route":"GET /connect/stock","fault":{}}`, 400, "is not a route of the fake")
	refused(t, srv, "POST", "/_fake/faults", `{"route":"POST /connect/stock"}`, 400, "fault is missing")
	refused(t, srv, "POST", "/_fake/faults", `{"fault":{"kind":"boom"}}`, 400, `unknown fault kind "boom"`)
	refused(t, srv, "POST", "/_fake/faults", `{"fault":{"kind":"latency","latency":"soon"}}`, 400, `latency "soon" is not a duration`)
	refused(t, srv, "PUT", "/_fake/faults/rate", `{"rate":1.5}`, 400, "rate must be given, from 0 to 1")
	refused(t, srv, "PUT", "/_fake/faults/rate", `{}`, 400, "rate must be given")
	// A route with a path parameter is named by its pattern.
	call(t, srv, "POST", "/_fake/faults", `{"route":"GET /connect/order/{partnerOrderNumber}","fault":{}}`, 200, nil)
}

func TestAdminHoldsAndOrders(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	call(t, srv, "POST", "/_fake/holds", `{"count":2,"code":1061}`, 200, nil)
	for _, n := range []string{"H-1", "H-2"} {
		if _, err := srv.Client.Orders.Create(ctx, orderOf(n, 733551, 1)); !errors.Is(err, nexway.ErrPending) {
			t.Fatalf("held order %s: %v", n, err)
		}
	}
	var snap nexwaytest.OrderSnapshot
	call(t, srv, "POST", "/_fake/orders/H-1/release", "", 200, &snap)
	if snap.PartnerOrderNumber != "H-1" || snap.PendingCode != 0 || len(snap.Lines[0].Keys) != 1 {
		t.Errorf("released: %+v", snap)
	}
	call(t, srv, "POST", "/_fake/orders/H-2/reject", `{"code":1064}`, 200, &snap)
	if snap.PendingCode != 1064 || srv.KeysLeft(733551) != 49 {
		t.Errorf("rejected: %+v, %d keys left", snap, srv.KeysLeft(733551))
	}
	var list []nexwaytest.OrderSnapshot
	call(t, srv, "GET", "/_fake/orders", "", 200, &list)
	if len(list) != 2 || list[0].PartnerOrderNumber != "H-1" || list[1].PartnerOrderNumber != "H-2" {
		t.Errorf("orders: %+v", list)
	}
	call(t, srv, "GET", "/_fake/orders/H-1", "", 200, &snap)
	if want, _ := srv.Order("H-1"); snap.OrderNumber != want.OrderNumber || !snap.Created.Equal(want.Created) || snap.Lines[0].Keys[0] != want.Lines[0].Keys[0] {
		t.Errorf("GET order: %+v, want %+v", snap, want)
	}

	refused(t, srv, "GET", "/_fake/orders/NOPE", "", 404, `order "NOPE" not found`)
	refused(t, srv, "POST", "/_fake/orders/NOPE/release", "", 404, `order "NOPE" not found`)
	refused(t, srv, "POST", "/_fake/orders/NOPE/reject", `{"code":1062}`, 404, `order "NOPE" not found`)
	refused(t, srv, "POST", "/_fake/orders/H-1/release", "", 400, `order "H-1" is not pending`)
	refused(t, srv, "POST", "/_fake/orders/H-1/reject", `{"code":1063}`, 400, "code 1063 is not 1062 or 1064")
	refused(t, srv, "POST", "/_fake/holds", `{"code":1060}`, 400, "count is missing")
	refused(t, srv, "POST", "/_fake/holds", `{"count":1,"code":1000}`, 400, "code 1000 is not a pending code")
}

func TestAdminClock(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	var clock struct {
		Now time.Time `json:"now"`
	}
	call(t, srv, "GET", "/_fake/clock", "", 200, &clock)
	if !clock.Now.Equal(nexwaytest.DefaultStartTime()) {
		t.Errorf("now = %v", clock.Now)
	}
	call(t, srv, "POST", "/_fake/clock/advance", `{"by":"48h30m"}`, 200, &clock)
	if want := nexwaytest.DefaultStartTime().Add(48*time.Hour + 30*time.Minute); !clock.Now.Equal(want) || !srv.Now().Equal(want) {
		t.Errorf("after advance: %v, Now %v, want %v", clock.Now, srv.Now(), want)
	}
	refused(t, srv, "POST", "/_fake/clock/advance", `{"by":"2 days"}`, 400, `by "2 days" is not a duration`)
	refused(t, srv, "POST", "/_fake/clock/advance", `{}`, 400, "by is missing")
}

// The request log and counts show Nexway's routes, never the admin calls.
func TestAdminRequestLog(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	stockOK(t, srv)
	call(t, srv, "GET", "/_fake/clock", "", 200, nil)
	var reqs []map[string]any
	call(t, srv, "GET", "/_fake/requests", "", 200, &reqs)
	if len(reqs) != 2 || reqs[0]["route"] != "POST /iam/tokens" || reqs[1]["route"] != "POST /connect/stock" ||
		reqs[1]["body"] != `{"productRefs":[733551]}` {
		t.Fatalf("request log: %v", reqs)
	}
	call(t, srv, "DELETE", "/_fake/requests", "", 200, nil)
	call(t, srv, "GET", "/_fake/requests", "", 200, &reqs)
	var counts map[string]any
	call(t, srv, "GET", "/_fake/counts", "", 200, &counts)
	if len(reqs) != 0 || len(counts) != 0 {
		t.Errorf("after DELETE: %v, %v", reqs, counts)
	}
}

// wait-idle returns once the requests in flight are done; the admin call
// itself is not one of them.
func TestAdminWaitIdle(t *testing.T) {
	srv := adminServer(t)
	call(t, srv, "POST", "/_fake/wait-idle", "", 200, nil)

	arrived, release := make(chan struct{}), make(chan struct{})
	if err := srv.SetPublisher(733552, nexwaytest.PublisherFunc(func(context.Context, nexwaytest.LicenseRequest) (string, error) {
		close(arrived)
		<-release
		return "SLOW-1", nil
	})); err != nil {
		t.Fatal(err)
	}
	created := make(chan error)
	go func() {
		_, err := srv.Client.Orders.Create(ctx, orderOf("SLOW", 733552, 1))
		created <- err
	}()
	<-arrived
	waited := make(chan int)
	go func() { // not do: t.Fatal belongs to the test's goroutine
		resp, err := http.Post(srv.URL+"/_fake/wait-idle", "application/json", nil)
		if err != nil {
			waited <- 0
			return
		}
		resp.Body.Close()
		waited <- resp.StatusCode
	}()
	select {
	case <-waited:
		t.Fatal("wait-idle returned while an order was being created")
	case <-created:
		t.Fatal("the order was created before its key")
	default:
	}
	close(release)
	if status := <-waited; status != 200 {
		t.Errorf("wait-idle: HTTP %d", status)
	}
	if err := <-created; err != nil {
		t.Fatal(err)
	}
}

func TestAdminErrors(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	refused(t, srv, "GET", "/_fake/nothing", "", 404, "no admin route GET /_fake/nothing")
	refused(t, srv, "GET", "/_fake/reset", "", 405, "GET is not allowed on /_fake/reset")
	refused(t, srv, "PUT", "/_fake/categories", `[{"id":1}] [`, 400, "data after the JSON value")
	refused(t, srv, "PUT", "/_fake/categories", ``, 400, "no JSON value")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d admin requests logged", n)
	}
}

// Without WithAdminAPI, the admin paths are unknown routes like any other.
func TestAdminOff(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	if status := do(t, "POST", srv.URL+"/_fake/reset", "", nil); status != http.StatusNotFound {
		t.Errorf("HTTP %d, want 404", status)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Route != nexwaytest.RouteAny {
		t.Errorf("request log: %+v", reqs)
	}
}
