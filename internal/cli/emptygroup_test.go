package cli

import (
	"testing"

	"github.com/batoncluster/baton/internal/clustertest"
)

// `baton group online --wait` of a group without resources: the call
// answers ERROR_SUCCESS (nothing to bring online) and the wait ends there,
// exit 0, as clusapi's Operation.Wait ends — not "group E is Offline, not
// Online" with a hint about its resources.
func TestOnlineWaitOfAnEmptyGroup(t *testing.T) {
	n := clustertest.New(t)
	addr := n.Addr()
	cli(t, addr, 0, "group", "create", "E")
	if out := cli(t, addr, 0, "group", "online", "E", "--wait"); out != "E: ERROR_SUCCESS (0)\nE: Offline\n" {
		t.Errorf("text: %q", out)
	}
	j := decode[map[string]any](t, cli(t, addr, 0, "-o", "json", "group", "online", "E", "--wait"))
	if j["status"] != float64(0) || j["state"] != "Offline" {
		t.Errorf("-o json: %v", j)
	}
	cli(t, addr, 0, "group", "offline", "E", "--wait")
}
