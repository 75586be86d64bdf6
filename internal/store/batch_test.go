package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batoncluster/baton/internal/store"
)

// Against an etcd with a small transaction limit, Batches halves what it
// writes until etcd takes it, and writes every item once.
func TestBatchesHalveWhatEtcdRefuses(t *testing.T) {
	st := openLimited(t, 8)
	ctx := context.Background()
	var names []string
	for i := range 50 {
		names = append(names, fmt.Sprintf("g%02d", i))
	}
	var sizes []int
	var failed error
	store.Batches(names, 50, func(batch []string) error {
		_, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
			for _, n := range batch {
				t.PutGroup(&store.Group{Name: n})
			}
			return nil
		})
		if err == nil {
			sizes = append(sizes, len(batch))
		} else if !store.TooLarge(err) {
			t.Errorf("batch of %d: %v", len(batch), err)
		}
		return err
	}, func(_ []string, err error) { failed = err })
	if failed != nil {
		t.Fatalf("a batch failed: %v", failed)
	}
	v := st.View()
	for _, n := range names {
		if v.Group(n) == nil {
			t.Errorf("group %s not written", n)
		}
	}
	total := 0
	for _, s := range sizes {
		total += s
		if s > 8 {
			t.Errorf("a transaction of %d writes passed a limit of 8", s)
		}
	}
	if total != len(names) {
		t.Errorf("wrote %d items in batches %v, want %d", total, sizes, len(names))
	}
}

// Other errors end only the batch they happened in.
func TestBatchesReportOtherErrors(t *testing.T) {
	boom := errors.New("boom")
	var seen, failed []int
	store.Batches([]int{1, 2, 3, 4, 5}, 2, func(b []int) error {
		seen = append(seen, b...)
		if b[0] == 3 {
			return boom
		}
		return nil
	}, func(b []int, err error) {
		if !errors.Is(err, boom) {
			t.Errorf("onErr: %v", err)
		}
		failed = append(failed, b...)
	})
	if fmt.Sprint(seen) != "[1 2 3 4 5]" || fmt.Sprint(failed) != "[3 4]" {
		t.Errorf("seen %v, failed %v; want [1 2 3 4 5] and [3 4]", seen, failed)
	}
}
