package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A record the store could not read back is refused at commit, with the
// rest of its transaction: no panic, nothing written.
func TestUnencodableRecordsAreRefused(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	deep := proplist.List{{Name: "leaf", Values: []proplist.Value{proplist.DWORD(1)}}}
	for range proplist.MaxDepth + 1 {
		deep = proplist.List{{Name: "n", Values: []proplist.Value{proplist.Nested(deep)}}}
	}
	for name, private := range map[string]proplist.List{
		"NUL in an sz":          {{Name: "A", Values: []proplist.Value{proplist.SZ("a\x00b")}}},
		"empty multi_sz string": {{Name: "A", Values: []proplist.Value{proplist.MultiSZ("a", "")}}},
		"NUL in a name":         {{Name: "A\x00", Values: []proplist.Value{proplist.DWORD(1)}}},
		"nested 17 deep":        deep,
	} {
		rev := st.View().Rev()
		_, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
			t.PutGroup(&store.Group{Name: "G"})
			t.PutResource(&store.Resource{Name: "R", Group: "G", Private: private})
			return nil
		})
		if !errors.Is(err, store.ErrUnencodable) {
			t.Errorf("%s: Update = %v, want ErrUnencodable", name, err)
		}
		if err := st.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if v := st.View(); v.Rev() != rev || v.Group("G") != nil || v.Resource("R") != nil {
			t.Errorf("%s: something was written (rev %d → %d)", name, rev, v.Rev())
		}
	}
	// A transaction whose only write is refused is not an empty success.
	_, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutResource(&store.Resource{Name: "R", Private: proplist.List{{Name: "A", Values: []proplist.Value{proplist.SZ("\x00")}}}})
		return nil
	})
	if !errors.Is(err, store.ErrUnencodable) {
		t.Errorf("a lone bad record: %v, want ErrUnencodable", err)
	}
	ok := proplist.List{{Name: "A", Values: []proplist.Value{proplist.SZ("a"), proplist.MultiSZ("x", "y")}}}
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutResource(&store.Resource{Name: "R", Private: ok})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r := st.View().Resource("R"); r == nil || !r.Private.Equal(ok) {
		t.Errorf("a good record reads back as %+v", r)
	}
}
