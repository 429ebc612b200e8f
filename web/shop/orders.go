package shop

import (
	"crypto/rand"
	"errors"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/merchant"
)

// stage is where an order is in the checkout.
type stage int

const (
	// awaiting: the issuer asked for a challenge (C); the result is pending.
	awaiting stage = iota
	// completed: a verified result token arrived, paid or not.
	completed
	// noChallenge: the issuer answered N, U or R when the shop created the
	// authentication: no iframe, nothing charged.
	noChallenge
)

// order is one checkout. The store hands out copies.
type order struct {
	ID      string
	Session string // the browser session that placed it; no one else sees it
	Product product
	Last4   string
	Created time.Time
	Stage   stage

	// AuthenticationID is what the issuer returned: the only sub a result
	// token for this order may carry.
	AuthenticationID string
	SessionToken     string

	Status   string
	Reason   string
	ECI      string
	AV       string
	ResultID string // jti of the result token that completed it
	Paid     bool
}

var (
	errNoOrder          = errors.New("no such order")
	errAlreadyCompleted = errors.New("order already completed")
	errNotAwaiting      = errors.New("order is not waiting for an authentication result")
)

// maxOrders bounds the memory the demo can take: the oldest orders are
// forgotten first.
const maxOrders = 10000

// orders is the in-memory order book.
type orders struct {
	mu    sync.Mutex
	byID  map[string]order
	order []string // ids, oldest first, for eviction
}

func newOrders() *orders { return &orders{byID: map[string]order{}} }

// newOrderID returns an unguessable id: an order page shows the card's last
// four digits and the authentication id.
func newOrderID() string { return rand.Text() }

func (o *orders) add(ord order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.order) >= maxOrders {
		delete(o.byID, o.order[0])
		o.order = o.order[1:]
	}
	o.byID[ord.ID] = ord
	o.order = append(o.order, ord.ID)
}

// get returns the order id of session.
func (o *orders) get(id, session string) (order, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ord, ok := o.byID[id]
	if !ok || ord.Session != session {
		return order{}, false
	}
	return ord, true
}

// complete records a verified result on an awaiting order, once: the check
// and the change happen under one lock, so two racing /complete calls for
// the same order cannot both succeed.
func (o *orders) complete(id, session string, res merchant.Result) (order, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ord, ok := o.byID[id]
	switch {
	case !ok || ord.Session != session:
		return order{}, errNoOrder
	case ord.Stage == completed:
		return ord, errAlreadyCompleted
	case ord.Stage != awaiting:
		return ord, errNotAwaiting
	case res.AuthenticationID != ord.AuthenticationID:
		// Verify already checked it; this keeps the store honest on its own.
		return ord, merchant.ErrWrongAuthentication
	}
	ord.Stage = completed
	ord.Status, ord.Reason, ord.ECI, ord.AV, ord.ResultID = res.Status, res.Reason, res.ECI, res.AV, res.ID
	ord.Paid = res.Authenticated()
	ord.SessionToken = ""
	o.byID[id] = ord
	return ord, nil
}
