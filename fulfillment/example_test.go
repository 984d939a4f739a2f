package fulfillment_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/nexway-go/nexway/fulfillment"
)

func ExampleNewHandler() {
	issued := 0
	issue := fulfillment.FulfillerFunc(func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		if req.Body.Product.PublisherProductID != "ACME-PRO" {
			return nil, fulfillment.Refuse("UNKNOWN_PRODUCT", "no such product")
		}
		issued++
		return &fulfillment.Result{ActivationCode: fmt.Sprintf("ACME-%04d", issued)}, nil
	})
	h, err := fulfillment.NewHandler(issue, new(fulfillment.MemoryStore), fulfillment.WithBasicAuth("nexway", "s3cret"))
	if err != nil {
		log.Fatal(err)
	}

	call := func(body string) {
		req := httptest.NewRequest(http.MethodPost, "/licenses/new", strings.NewReader(body))
		req.SetBasicAuth("nexway", "s3cret")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Body)
	}
	call(`{"fulfillmentId":"f-1","product":{"publisherProductId":"ACME-PRO"}}`)
	call(`{"fulfillmentId":"f-1","product":{"publisherProductId":"ACME-PRO"}}`) // Nexway retries
	call(`{"fulfillmentId":"f-2","product":{"publisherProductId":"OTHER"}}`)
	// Output:
	// 200 {"activationCode":"ACME-0001"}
	// 200 {"activationCode":"ACME-0001"}
	// 200 {"errorCode":"UNKNOWN_PRODUCT","errorMessage":"no such product"}
}

func ExampleSigner() {
	s, err := fulfillment.NewSigner("s3cret", "$.product.quantity", "$.checkout.orderId", "$.product.publisherProductId")
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"checkout":{"orderId":"ORD-42"},"product":{"publisherProductId":"PRD-9","quantity":3.0}}`)
	in, _ := s.Canonical(body)
	sig, _ := s.Sign(body)
	fmt.Printf("%s\n%s\n", in, sig)
	// Output:
	// {"$.checkout.orderId":"ORD-42","$.product.publisherProductId":"PRD-9","$.product.quantity":"3"}
	// a66ccb600993e538aa50cc7b612785b8919bae518242dbd96c8fde8e4558cc9b
}

// Each renewal of a subscription is a unit of its own, told apart by its
// order id; a body that two JSON readers would read differently is
// refused before anything is issued.
func ExampleRequest_generation() {
	issued := 0
	issue := fulfillment.FulfillerFunc(func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
		issued++
		return &fulfillment.Result{ActivationCode: fmt.Sprintf("%s-%s-%d", req.Operation, req.Generation, issued)}, nil
	})
	h, err := fulfillment.NewHandler(issue, new(fulfillment.MemoryStore), fulfillment.WithoutAuth())
	if err != nil {
		log.Fatal(err)
	}
	call := func(path, body string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	call("/licenses/renew", `{"fulfillmentId":"lic-1","checkout":{"orderId":"1002"}}`)
	call("/licenses/renew", `{"fulfillmentId":"lic-1","checkout":{"orderId":"1003"}}`)
	call("/licenses/renew", `{"fulfillmentId":"lic-1","checkout":{"orderId":"1002"}}`) // a retry
	call("/licenses/new", `{"fulfillmentId":"lic-2","FulfillmentId":"lic-3"}`)
	// Output:
	// 200 {"activationCode":"renew-1002-1"}
	// 200 {"activationCode":"renew-1003-2"}
	// 200 {"activationCode":"renew-1002-1"}
	// 400 body is not JSON that reads one way only: member name repeated, or equal to another but for case at offset 25
}
