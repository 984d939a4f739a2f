package nexwaytest

import (
	"net/http"
	"strings"
)

// Route names one operation of the fake, for InjectFault and SetFaultRate,
// and in LoggedRequest.Route and the keys of Counts. Its value is the
// ServeMux pattern: method and path.
type Route string

// Routes of the fake, one per operation.
const (
	// RouteAny stands for every /connect route in InjectFault and
	// SetFaultRate, never the IAM ones; in the request log and Counts it
	// marks a request that matched no route.
	RouteAny Route = ""

	RouteToken      Route = "POST /iam/tokens"              // get or refresh an IAM token
	RouteInvalidate Route = "DELETE /iam/tokens/invalidate" // revoke the bearer's tokens
	RouteReset      Route = "DELETE /iam/tokens/reset"      // revoke every refresh token of the realm

	RouteStock          Route = "POST /connect/stock"                              // stock status
	RouteCrossSell      Route = "POST /connect/order/crossupsell"                  // cross-sell, up-sell and option offers
	RouteCreateOrder    Route = "POST /connect/order/new"                          // create an order
	RouteGetOrder       Route = "GET /connect/order/{partnerOrderNumber}"          // get an order
	RouteCancelOrder    Route = "PUT /connect/order/cancel"                        // cancel an order
	RouteExtendDownload Route = "PUT /connect/order/download"                      // extend or set the download window
	RouteDownloadInfo   Route = "GET /connect/order/{partnerOrderNumber}/download" // download information

	RouteSubscriptionStatus Route = "POST /connect/subscription"      // subscription status
	RouteSubscriptionCancel Route = "PUT /connect/subscription"       // cancel a subscription (also served at .../subscription/cancel)
	RouteSubscriptionRenew  Route = "PUT /connect/subscription/renew" // renew a subscription now

	RouteCategories Route = "GET /connect/catalog/categories/{language}" // category tree
	RouteOSList     Route = "GET /connect/catalog/oslist"                // operating systems

	// RouteFeed is the product feed (SetFeed), also served at Nexway's
	// older path GET /getCatalog.xml. It is not a /connect route: no
	// bearer token or secret header, no rate limit, and RouteAny does not
	// fault it. Faults named for it apply; a FaultTruncate holds the whole
	// feed in memory to cut it in half, so use it on small feeds.
	RouteFeed Route = "GET /flow/getcatalog/{version}/{$}"
)

// routeAliases are extra patterns served as an existing route: the cancel
// path one client port of Nexway's API uses, get-order with an empty
// partner order number (answered with code 100), and the feed's older
// path.
var routeAliases = map[string]Route{
	"PUT /connect/subscription/cancel": RouteSubscriptionCancel,
	"GET /connect/order/{$}":           RouteGetOrder,
	"GET /getCatalog.xml":              RouteFeed,
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	handlers := map[Route]http.HandlerFunc{
		RouteToken:              s.handleToken,
		RouteInvalidate:         s.handleInvalidate,
		RouteReset:              s.handleReset,
		RouteStock:              s.handleStock,
		RouteCrossSell:          s.handleCrossSell,
		RouteCreateOrder:        s.handleCreateOrder,
		RouteGetOrder:           s.handleGetOrder,
		RouteCancelOrder:        s.handleCancelOrder,
		RouteExtendDownload:     s.handleExtendDownload,
		RouteDownloadInfo:       s.handleDownloadInfo,
		RouteSubscriptionStatus: s.handleSubscriptionStatus,
		RouteSubscriptionCancel: s.handleSubscriptionCancel,
		RouteSubscriptionRenew:  s.handleSubscriptionRenew,
		RouteCategories:         s.handleCategories,
		RouteOSList:             s.handleOSList,
		RouteFeed:               s.handleFeed,
	}
	for r, h := range handlers {
		m.HandleFunc(string(r), h)
	}
	for pattern, r := range routeAliases {
		m.HandleFunc(pattern, handlers[r])
	}
	return m
}

// routeOf returns the route a request goes to ("" when none matches).
func (s *Server) routeOf(r *http.Request) Route {
	_, pattern := s.mux.Handler(r)
	if alias, ok := routeAliases[pattern]; ok {
		return alias
	}
	return Route(pattern)
}

// isConnect reports whether a route is a Connect operation (as opposed to
// IAM), i.e. one behind the bearer and secret gate.
func isConnect(r Route) bool {
	return strings.Contains(string(r), " /connect/")
}
