package agent

import "testing"

func TestWantMembers(t *testing.T) {
	for _, c := range []struct{ nodes, want int }{
		{1, 3}, {2, 3}, {3, 3}, {4, 3}, {8, 3}, {9, 5}, {10, 5}, {50, 5},
	} {
		if got := wantMembers(c.nodes); got != c.want {
			t.Errorf("wantMembers(%d) = %d, want %d", c.nodes, got, c.want)
		}
	}
}
