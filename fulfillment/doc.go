// Package fulfillment is the publisher's side of Nexway's real-time
// fulfillment: an http.Handler that answers Nexway's calls for license keys
// (POST …/licenses/new, /cancel, /renew, /upgrade) and issues each unit's
// key exactly once, however often Nexway retries and to whichever replica.
//
// The publisher implements Fulfiller; the Handler does the rest. It checks
// HTTP Basic credentials and, optionally, the HMAC-SHA256 request signature
// (see Signer); caps and reads the body; and answers in the shape Nexway
// reads: 200 with the key, 200 with errorCode and errorMessage for a
// business refusal (see Refusal), or a 5xx for a transient failure so that
// Nexway retries.
//
// One reading of the body: the handler parses each body once, strictly,
// and both the signature check and the values handed to the Fulfiller
// (Request.Body, and the id that keys the unit) come from that parse, by
// exact member names. A body that another JSON reader could read otherwise
// gets 400 and nothing is issued: bytes that are not UTF-8; \u escapes
// that make lone surrogates; two members of one object whose names are
// equal, or equal under Unicode case folding ("id" and "ID", "k" and
// U+212A KELVIN SIGN, "s" and U+017F), at any depth; a member whose name
// matches a field of the decoded type (Body, or T of WithCustomBody) only
// by case, which encoding/json would take for that field; a number that T
// would hold rounded as a float64; a byte order
// mark, data after the object, a top level that is not an object, nesting
// deeper than 64. Escapes in names are decoded ("fulfillment\u0049d" is
// fulfillmentId for every reader) and numbers are kept as written.
//
// Ids are taken byte for byte, never trimmed or folded: a fulfillment id
// (and a renewal's or an upgrade's order id) that is empty, longer than
// MaxIDLength, edged with white space, or holding a control, format,
// separator, private-use or replacement character gets 400.
//
// Exactly once: the first answer for a unit, a (fulfillment id, operation)
// pair, is recorded in a Store shared by the replicas and replayed to
// every retry. A renewal or an upgrade happens once per order on the same
// license, so its order id (checkout.orderId, Request.Generation) is part
// of its key: each generation of a subscription gets exactly one key.
// The Fulfiller is never called again for a unit that answered. A unit is leased while
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
