// Package nexwayriver runs a storefront's back office for Nexway as durable
// jobs on River (github.com/riverqueue/river), a transactional job queue on
// PostgreSQL or SQLite.
//
// # Design
//
// A checkout enqueues the order in the same database transaction that
// records the payment (EnqueueOrderTx): the payment and the job to create
// its order commit together or not at all, so a payment never exists
// without the job that settles it. Every later step is a job, so it
// survives crashes, deploys and any number of worker machines.
//
// A job's effect in the shop's database happens in the transaction that
// completes the job (River's JobCompleteTx): the shop's hook records the
// keys, the refund or the late keys, and the job is marked done, in one
// commit. A hook that fails, panics or meets a dead database rolls back
// both; the job runs again, reads the order back from Nexway (never
// creating it twice: partnerOrderNumber is Nexway's idempotency key) and
// runs the hook again. So each hook's effect commits exactly once per
// order. A hook must only write to the transaction it is given: an external
// side effect (an e-mail to the shopper) belongs in a job the hook enqueues
// in that same transaction, never in the hook itself, which may run more
// than once before one of its runs commits.
//
// OrderHooks says which hook runs for each outcome of Orders.Create; the
// design, the measurements and the kill test that proves it are in the
// repository's docs/backoffice.md.
//
// A job's arguments hold the whole request, the customer's e-mail
// included, in the shop's database beside the payment; errors recorded
// with a job never quote it.
//
// # Queues
//
// Checkout jobs run in QueueCheckout; the periodic follow-ups (subscription
// sweep, catalog import) run in QueueSweep. Each queue has its own workers
// and River fetches each queue on its own, so a long sweep never occupies a
// checkout worker slot; what they share is the account's rate limit, of
// which the sweep takes a bounded share.
//
// # Follow-ups
//
// Config.Subscriptions (SubscriptionFollowUp) reads the subscriptions of the
// orders delivered at Nexway's cadence and runs OnRenewal once per
// renewal (and OnLateRenewal once its keys are all there, when they came
// late); Config.Catalog (CatalogImport) imports the product feed once a
// day, held by a mass-withdrawal guard. Both are periodic jobs of River's
// elected leader; their tables (nexway_subscriptions,
// nexway_catalog_index, nexway_catalog_runs) are created by DB.Migrate.
// The repository's docs/backoffice-sweep.md has the arithmetic.
//
// # Databases
//
// DB abstracts the database: SQLite (modernc.org/sqlite, nothing to install,
// one machine) or PostgreSQL (many machines, through pgx or database/sql).
// River's tables are created by DB.Migrate.
package nexwayriver
