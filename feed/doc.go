// Package feed reads Nexway's product feed, the daily export of the whole
// catalog (refs, names, descriptions, prices, categories, operating
// systems), and tells what changed from one day to the next.
//
// Decode reads a feed, CSV or XML, from any io.Reader, one Product at a
// time, in bounded memory; Products downloads it with a nexway.Client
// (see nexway.FeedService) and decodes it in the same loop. An Index keeps
// what comparing two snapshots needs, 16 bytes a product, and
// Index.Compare streams today's feed against it: products added, changed
// and withdrawn. Prices are Decimals, exact to the cent.
//
// A product missing from the daily snapshot is to be taken off sale, so
// the package reports a product withdrawn only when a feed read to its end
// omits it: a feed cut short or unreadable withdraws nothing.
package feed
