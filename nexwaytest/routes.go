package nexwaytest

import (
	"net/http"
	"strings"
)

// Route names one operation of the fake; its value is the ServeMux pattern.
type Route string

// Routes of the fake, one per operation.
const (
	RouteAny                Route = "" // every /connect route, for faults; never IAM
	RouteToken              Route = "POST /iam/tokens"
	RouteInvalidate         Route = "DELETE /iam/tokens/invalidate"
	RouteReset              Route = "DELETE /iam/tokens/reset"
	RouteStock              Route = "POST /connect/stock"
	RouteCrossSell          Route = "POST /connect/order/crossupsell"
	RouteCreateOrder        Route = "POST /connect/order/new"
	RouteGetOrder           Route = "GET /connect/order/{partnerOrderNumber}"
	RouteCancelOrder        Route = "PUT /connect/order/cancel"
	RouteExtendDownload     Route = "PUT /connect/order/download"
	RouteDownloadInfo       Route = "GET /connect/order/{partnerOrderNumber}/download"
	RouteSubscriptionStatus Route = "POST /connect/subscription"
	RouteSubscriptionCancel Route = "PUT /connect/subscription"
	RouteSubscriptionRenew  Route = "PUT /connect/subscription/renew"
	RouteCategories         Route = "GET /connect/catalog/categories/{language}"
	RouteOSList             Route = "GET /connect/catalog/oslist"
)

// routeAliases are extra patterns served as an existing route: the cancel
// path one client port of Nexway's API uses, and get-order with an empty
// partner order number (answered with code 100).
var routeAliases = map[string]Route{
	"PUT /connect/subscription/cancel": RouteSubscriptionCancel,
	"GET /connect/order/{$}":           RouteGetOrder,
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
