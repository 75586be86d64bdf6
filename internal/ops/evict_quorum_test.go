package ops

import (
	"errors"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

func TestQuorumWithout(t *testing.T) {
	m := func(id uint64, name string, learner bool) *etcdserverpb.Member {
		return &etcdserverpb.Member{ID: id, Name: name, IsLearner: learner}
	}
	three := []*etcdserverpb.Member{m(1, "n1", false), m(2, "n2", false), m(3, "n3", false)}
	upAll := func(string) bool { return true }
	upBut := func(down ...string) func(string) bool {
		return func(n string) bool {
			for _, d := range down {
				if n == d {
					return false
				}
			}
			return true
		}
	}
	for _, tc := range []struct {
		name    string
		members []*etcdserverpb.Member
		remove  *etcdserverpb.Member
		up      func(string) bool
		ok      bool
	}{
		{"no member", three, nil, upAll, true},
		{"a down member of three, two up", three, three[2], upBut("n3"), true},
		{"an up member of three, another down", three, three[2], upBut("n1"), false},
		{"a down member of three, another down", three, three[2], upBut("n1", "n3"), false},
		{"the only member", three[:1], three[0], upAll, false},
		{"a learner, whatever is down", append(three[:2:2], m(4, "n4", true)), m(4, "n4", true), upBut("n1"), true},
		{"a member of five, two others down", []*etcdserverpb.Member{three[0], three[1], three[2], m(4, "n4", false), m(5, "n5", false)},
			m(5, "n5", false), upBut("n1", "n5"), true},
		{"a member of two, the other up", three[:2], three[1], upAll, true},
		{"a member never started (no name) does not count as up", []*etcdserverpb.Member{three[0], three[1], m(9, "", false)},
			three[1], upAll, false},
	} {
		err := quorumWithout(tc.members, tc.remove, tc.up)
		if tc.ok && err != nil {
			t.Errorf("%s: %v, want no error", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, wsfc.ERROR_CLUSTER_NO_QUORUM) {
			t.Errorf("%s: %v, want ERROR_CLUSTER_NO_QUORUM", tc.name, err)
		}
	}
}
