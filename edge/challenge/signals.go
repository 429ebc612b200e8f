package challenge

import "github.com/honnin/honnin/edge/contract"

// The signals are the body of the issuer's internal start, and so part of
// edge/contract, where they are defined (stdlib-only, so the wasm client
// may use them too). These names keep the issuer's code building until it
// names contract's; then they go.
type (
	// DeviceSignals is contract.DeviceSignals.
	DeviceSignals = contract.DeviceSignals
	// EdgeSignals is contract.EdgeSignals.
	EdgeSignals = contract.EdgeSignals
)
