// Package nexwaytest starts a fake Nexway Connect server on loopback for the
// tests of a storefront, and hands back a *nexway.Client pointed at it.
//
//	func TestCheckout(t *testing.T) {
//		srv := nexwaytest.NewServer(t)
//		order, err := srv.Client.Orders.Create(t.Context(), req)
//		...
//	}
//
// The fake speaks the same paths, JSON, validation and return codes as
// Nexway: stock levels, cross-sells, orders with license keys and download
// links, cancellation, download windows, subscriptions and their renewals,
// the IAM token endpoint, and the product feed (the catalog as a CSV or XML
// file, on the same host). It starts with a small default catalog (see
// DefaultCatalog) and a clock fixed at DefaultStartTime, which only moves
// when told (Advance), so results are reproducible. Options (WithSeed,
// WithStartTime, WithTokenLifetimes, WithCancelPeriod, WithRequirePrices,
// WithoutCatalog, WithoutCredentials, WithClientOptions, WithAccount,
// WithSetup, WithAddr, WithRunningClock, WithAdminAPI, WithRemoteAdmin,
// WithDialect, WithVariants, WithEnforcedRateLimit, WithRequestLogLimit,
// WithOrderRetention, WithFeed) change how it starts; like the client's
// options, an option refuses a value it cannot use, with an
// *nexway.ArgumentError naming it, and NewServer then fails the test.
//
// A fake may run for hours (a soak test) or days with flat memory: the
// request log keeps the latest requests only (100,000 and 64 MiB of headers
// and bodies by default, WithRequestLogLimit), IAM tokens are forgotten
// once expired on the fake's clock, and WithOrderRetention keeps only the
// latest orders (all by default, so that a test can read back every order
// it made).
//
// Nexway documents half of its answers only from its legacy API, or not at
// all: WithDialect makes the fake's JSON answers (never the feed) take
// another plausible shape (numbers as strings, alternative field names,
// other date forms, null lists, single objects for lists, extra fields,
// compressed bodies), and WithVariants, or the environment variable
// NEXWAYTEST_VARIANTS, draws one at random for each answer, so that a
// storefront's tests can check that nothing depends on one shape.
//
// The methods of Server are the knobs, each documented on its own:
//
//   - catalog: AddProducts, LoadCatalogJSON, UpdateProducts,
//     RemoveProducts, SetCategories, SetOperatingSystems;
//   - product feed: SetFeed chooses its ids (FeedProvider and FeedConfig
//     by default), CSV or XML, the CSV columns, their order, separator
//     and line ending, or a generated feed of any size instead of the
//     catalog; it is served at RouteFeed, and the Client's Feed downloads
//     it;
//   - fulfillment: AddKeys and LoadKeysCSV fill a batch product's pool
//     (KeysLeft reads it); SetPublisher makes a product real-time, served by
//     a PublisherFunc, an HTTPPublisher (a publisher's licenses/new endpoint)
//     or GeneratedKeys;
//   - faults: InjectFault queues a Fault for a Route, SetFaultRate hits a
//     share of requests at random (seeded), ClearFaults stops them; RouteAny
//     is every /connect route, and the token routes are faulted by name;
//     Fault.Then is the fault a resend meets; WaitIdle waits for requests a
//     client gave up on;
//   - orders: HoldNext keeps the next orders pending (1060/1061) until
//     Release or Reject; Order and Orders read what the fake stored;
//   - clock: Now, Advance (renewals fall due as it passes expiry dates);
//   - rate limit: SetRateLimit enforces Nexway's limit per secret, on the
//     wall clock rather than the fake's (which holds business dates), and
//     RateLimited counts the 429s it answered;
//   - requests: Requests (the latest ones, headers and bodies, up to
//     100,000 and 64 MiB by default), Counts (per route, all of them),
//     ResetRequests, WaitIdle;
//   - Reset returns to the state the server started with.
//
// With WithAdminAPI, the same knobs are served over HTTP under AdminPrefix
// (/_fake/), JSON in and out, for tests written in any language; the
// nexway-fake command (github.com/nexway-go/nexway/cmd/nexway-fake) serves
// the fake and its admin API on a fixed port.
//
// The fake keeps its own wire types and never shares the client's, so a
// wrong JSON tag on either side fails a test instead of cancelling out.
package nexwaytest
