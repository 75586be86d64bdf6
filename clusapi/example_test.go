package clusapi_test

import (
	"fmt"
	"time"

	"github.com/batoncluster/baton/clusapi"
)

// The example program of the OfflineClusterGroupEx page of the Windows
// documentation, ported line for line. Like the original it needs a
// running cluster (start one with `baton agent -dev`) that has a group
// called DemoGroup; clusapi_integration_test.go runs it against an agent.

const demoGroupName = "DemoGroup"

func waitForGroupToGoOffline(hGroup clusapi.HGROUP) bool {
	for {
		state, _, _ := clusapi.GetClusterGroupState(hGroup)
		if state == clusapi.ClusterGroupFailed || state == clusapi.ClusterGroupPartialOnline || state == clusapi.ClusterGroupOnline {
			return false
		} else if state == clusapi.ClusterGroupOffline {
			return true
		}

		time.Sleep(100 * time.Millisecond)
	}
}

func demoMain() int {
	var hCluster clusapi.HCLUSTER = nil
	var hGroup clusapi.HGROUP = nil
	var errno clusapi.Errno = 0
	var err error

	hCluster, err = clusapi.OpenCluster("")
	if hCluster == nil {
		errno = clusapi.ErrnoOf(err)
		fmt.Printf("Failed to open cluster: 0x%x\n", uint32(errno))
		goto Cleanup
	}

	hGroup, err = clusapi.OpenClusterGroup(hCluster, demoGroupName)
	if hGroup == nil {
		errno = clusapi.ErrnoOf(err)
		fmt.Printf("Failed to open cluster group "+demoGroupName+": 0x%x\n", uint32(errno))
		goto Cleanup
	}

	// Offlining Group example
	errno = clusapi.OfflineClusterGroupEx(hGroup, clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0)
	if errno == clusapi.ERROR_IO_PENDING {
		if waitForGroupToGoOffline(hGroup) {
			errno = clusapi.ERROR_SUCCESS
		}
	}
	if errno != 0 {
		fmt.Printf("Failed to offline the group"+demoGroupName+": 0x%x\n", uint32(errno))
		goto Cleanup
	} else {
		fmt.Printf("Offlined the group" + demoGroupName)
	}

Cleanup:

	if hGroup != nil {
		clusapi.CloseClusterGroup(hGroup)
		hGroup = nil
	}
	if hCluster != nil {
		clusapi.CloseCluster(hCluster)
		hCluster = nil
	}

	return int(errno)
}

// This example is the program of the OfflineClusterGroupEx documentation:
// it takes the group DemoGroup offline, ignoring locked mode, and polls
// GetClusterGroupState until the group is Offline.
func Example_offlineClusterGroupEx() {
	demoMain()
}
