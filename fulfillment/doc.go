// Package fulfillment is the publisher's side of Nexway's real-time
// fulfillment: an http.Handler that answers Nexway's calls for license keys
// (POST …/licenses/new, /cancel, /renew, /upgrade) and issues each unit's
// key exactly once, however often Nexway retries and to whichever replica.
//
// The publisher implements Fulfiller; the Handler does the rest. It checks
// HTTP Basic credentials and, optionally, the HMAC-SHA256 request signature
// (see Signer); caps and decodes the body; and answers in the shape Nexway
// reads: 200 with the key, 200 with errorCode and errorMessage for a
// business refusal (see Refusal), or a 5xx for a transient failure so that
// Nexway retries.
//
// Exactly once: the first answer for a (fulfillment id, operation) is
// recorded in a Store shared by the replicas and replayed to every retry;
// the Fulfiller is never called again for that unit. A unit is leased while
// its Fulfiller runs, so that two retries arriving at once do not both
// issue a key; a lease whose replica died expires, and the next retry takes
// the unit over. MemoryStore serves one process; the nested module
// github.com/nexway-go/nexway/fulfillment/sqlstore keeps units in
// PostgreSQL or SQLite for a fleet.
//
// Nexway's protocol is described at
// https://apidoc.nexway.store/docs/guides/fulfillment-principles and
// https://apidoc.nexway.store/docs/guides/fulfillment-templating.
package fulfillment
