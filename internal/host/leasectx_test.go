package host

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/internal/restypes/dummy"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

type validLease struct{ until time.Time }

func (l validLease) ID() clientv3.LeaseID     { return 1 }
func (l validLease) Valid(now time.Time) bool { return now.Before(l.until) }
func (l validLease) Lost() <-chan struct{}    { return nil }

// An online whose wait ends after the node's lease stopped being valid —
// a node resumed from a freeze, before its host noticed — does not bring
// the resource online: the context the type checks says it ended.
func TestOnlineRefusedOnceTheLeaseIsInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger")
	res, err := dummy.New(restype.Config{Name: "r", Node: "n1", Log: nil,
		Properties: proplist.List{}.Set("Ledger", proplist.SZ(path)).Set("OnlineDelayMs", proplist.DWORD(100))})
	if err != nil {
		t.Fatal(err)
	}
	lease := validLease{until: time.Now().Add(50 * time.Millisecond)}
	ctx := leaseContext{Context: context.Background(), lease: lease, now: time.Now}
	if err := ctx.Err(); err != nil {
		t.Fatalf("Err with a valid lease: %v", err)
	}
	if err := res.Online(ctx, restype.OnlineRequest{}); !errors.Is(err, errLeaseInvalid) {
		t.Errorf("an online that outlived the lease: %v, want errLeaseInvalid", err)
	}
	if evs, err := ledger.Read(path); err != nil || len(evs) != 0 {
		t.Errorf("the ledger says %v %v: the resource came online without a valid lease", evs, err)
	}
	// Its own cancellation still comes first.
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (leaseContext{Context: cctx, lease: lease, now: time.Now}).Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err of a cancelled context: %v, want Canceled", err)
	}
}
