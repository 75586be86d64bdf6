package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// A notification port delivers the changes its filter asks for, with their
// keys, times out with WAIT_TIMEOUT when nothing happens, and reports
// CLUSTER_CHANGE_HANDLE_CLOSE once closed.
func TestNotifyPort(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	t.Setenv("BATON_ADDR", a.Addr)
	hCluster, err := clusapi.OpenCluster("")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	port, err := clusapi.CreateClusterNotifyPort(nil, hCluster, clusapi.CLUSTER_CHANGE_GROUP_ADDED|clusapi.CLUSTER_CHANGE_GROUP_STATE, 42)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, st := clusapi.GetClusterNotify(port, 50); st != clusapi.WAIT_TIMEOUT {
		t.Fatalf("empty port: %v, want WAIT_TIMEOUT", st)
	}
	makeDemoGroup(t, c, "DemoGroup", 0, 0, false)
	key, filter, name, st := clusapi.GetClusterNotify(port, 10000)
	if st != clusapi.ERROR_SUCCESS || key != 42 || filter != clusapi.CLUSTER_CHANGE_GROUP_ADDED || name != "DemoGroup" {
		t.Fatalf("first notification: key %d filter %#x name %q status %v", key, filter, name, st)
	}
	// Resource events are filtered out; group state changes come through.
	for {
		_, filter, _, st := clusapi.GetClusterNotify(port, 10000)
		if st != clusapi.ERROR_SUCCESS {
			t.Fatalf("waiting for a group state change: %v", st)
		}
		if filter&^(clusapi.CLUSTER_CHANGE_GROUP_ADDED|clusapi.CLUSTER_CHANGE_GROUP_STATE) != 0 {
			t.Fatalf("a notification outside the filter: %#x", filter)
		}
		if filter == clusapi.CLUSTER_CHANGE_GROUP_STATE {
			break
		}
	}
	clusapi.CloseClusterNotifyPort(port)
	if _, filter, _, st := clusapi.GetClusterNotify(port, 1000); filter != clusapi.CLUSTER_CHANGE_HANDLE_CLOSE || st != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("closed port: filter %#x status %v", filter, st)
	}
}
