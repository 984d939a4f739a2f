// Package feed reads Nexway's product feed, the daily export of the whole
// catalog (refs, names, descriptions, prices, categories, operating
// systems), and tells what changed from one day to the next.
//
// Decode reads a feed, CSV or XML, from any io.Reader, one Product at a
// time, in bounded memory; Products downloads it with a nexway.Client
// (see nexway.FeedService) and decodes it in the same loop. An Index keeps
// what comparing two snapshots needs, 16 bytes a product, and
// Index.Compare streams today's feed against it: products added, changed
// and withdrawn. Prices are Decimals, exact to the cent or refused.
//
// A product missing from the daily snapshot is to be taken off sale, so a
// product is reported withdrawn only when today's feed positively omits
// it. Nothing is withdrawn when the input is not recognised as a feed
// (ErrInvalidFeed: an HTML or XHTML page, an XML error, a header without
// Product ID, an empty body), when it ends early (a download cut short),
// when a row's ref cannot be read (ErrIncomplete), or when more than a
// share of the previous index would go (ErrMassWithdrawal, 20% unless
// CompareOptions raises it). A row that is wrong in another way is
// reported with its ref, and that product is kept.
package feed
