package nexwayriver

import (
	"context"
	"fmt"
	"time"
)

// recordSubscriptions returns hooks that record the subscriptions of each
// order delivered before running the shop's own hooks, in the same
// transaction. Without OnRenewal they are hooks as given.
func recordSubscriptions[TTx any](c Config[TTx]) OrderHooks[TTx] {
	h := c.Orders
	if c.Subscriptions.OnRenewal == nil {
		return h
	}
	record := func(ctx context.Context, tx TTx, ev *OrderEvent) error {
		return c.Subscriptions.record(ctx, c.DB, tx, ev)
	}
	onOrder := h.OnOrder
	h.OnOrder = func(ctx context.Context, tx TTx, ev *OrderEvent) error {
		if err := record(ctx, tx, ev); err != nil {
			return err
		}
		return onOrder(ctx, tx, ev)
	}
	onLate := h.OnLateDelivery
	h.OnLateDelivery = func(ctx context.Context, tx TTx, ev *OrderEvent) error {
		if err := record(ctx, tx, ev); err != nil {
			return err
		}
		if onLate == nil {
			return nil
		}
		return onLate(ctx, tx, ev)
	}
	return h
}

// record inserts the subscriptions of ev's order that are not yet
// followed, first read one slot of the cadence from now.
func (f *SubscriptionFollowUp[TTx]) record(ctx context.Context, db *DB[TTx], tx TTx, ev *OrderEvent) error {
	if ev.Order == nil {
		return nil
	}
	now := time.Now()
	for _, id := range ev.Order.SubscriptionIDs() {
		phase := phaseOf(ev.PartnerOrderNumber, id)
		_, err := db.exec(ctx, tx, `INSERT INTO nexway_subscriptions
			(partner_order_number, subscription_id, phase, next_read_ms)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			ev.PartnerOrderNumber, int64(id), phase, nextRead(now, phase, f.Cadence).UnixMilli())
		if err != nil {
			return fmt.Errorf("nexwayriver: record subscription %d of order %s: %w", id, ev.PartnerOrderNumber, err)
		}
	}
	return nil
}
