package fulfillment

// An Operation is the action Nexway asks of the publisher for one unit.
type Operation string

// The operations of Nexway's fulfillment templates. Nexway's current docs
// list create, cancel, renew and upgrade; earlier ones add pause and resume
// (legacy docs call them suspend and reactivate). Which of them the platform
// still sends by default is not documented, so the default routes accept
// them all.
const (
	OpCreate  Operation = "create"  // order confirmed: issue or activate a key
	OpCancel  Operation = "cancel"  // order canceled: revoke the key
	OpRenew   Operation = "renew"   // subscription renewed: new key or extension
	OpUpgrade Operation = "upgrade" // subscription upgraded mid-term
	OpPause   Operation = "pause"   // subscription suspended
	OpResume  Operation = "resume"  // subscription reactivated
)

// DefaultRoutes returns the URL paths of Nexway's default template and of
// the legacy docs, mapped to their operations: /licenses/new is OpCreate,
// /licenses/suspend is OpPause and /licenses/reactivate is OpResume. The
// map is a fresh copy, free to change before passing it to WithRoutes.
func DefaultRoutes() map[string]Operation {
	return map[string]Operation{
		"/licenses/new":        OpCreate,
		"/licenses/cancel":     OpCancel,
		"/licenses/renew":      OpRenew,
		"/licenses/upgrade":    OpUpgrade,
		"/licenses/pause":      OpPause,
		"/licenses/resume":     OpResume,
		"/licenses/suspend":    OpPause,
		"/licenses/reactivate": OpResume,
	}
}

// repeats reports whether the operation may happen more than once on one
// license, once per order: a renewal per period, an upgrade per upgrade
// order. Such calls are keyed by their order id too.
func (op Operation) repeats() bool { return op == OpRenew || op == OpUpgrade }
