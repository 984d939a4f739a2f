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
