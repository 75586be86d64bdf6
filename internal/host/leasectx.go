package host

import (
	"context"
	"errors"
	"time"
)

// errLeaseInvalid is the error of an online asked for after the node's
// lease stopped being valid.
var errLeaseInvalid = errors.New("host: the node's lease is no longer valid")

// leaseContext is the context an Online call gets: besides its own end,
// it reports itself ended (Err) as soon as the node's lease is no longer
// valid by the node's own clock, whoever asks first. A node resumed from
// a freeze runs its goroutines in any order: an online whose wait ended
// while the node was frozen would otherwise check its context, find it
// alive, and bring the resource online in the moment before the host has
// noticed the lost lease and cancelled it — after another node may have
// started the resource (tests/chaos saw a dummy come online 3 ms before
// its frozen node fenced). A type that checks ctx.Err() just before it
// makes the resource run (the dummy does, under its lock) never does so
// without a valid lease. Offline and Terminate do not get it: stopping
// needs no authority.
type leaseContext struct {
	context.Context
	lease Lease
	now   func() time.Time
}

func (c leaseContext) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if c.lease != nil && !c.lease.Valid(c.now()) {
		return errLeaseInvalid
	}
	return nil
}
