package clusapi_test

import (
	"fmt"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// Read a group's common properties the way Windows tools do: ask for the
// size, then read into a buffer that large, and decode the property list.
// Then set one. Needs a running cluster with a group called DemoGroup.
func ExampleClusterGroupControl() {
	hCluster, err := clusapi.OpenCluster("")
	if err != nil {
		fmt.Println(clusapi.ErrnoOf(err))
		return
	}
	defer clusapi.CloseCluster(hCluster)
	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
	if err != nil {
		fmt.Println(clusapi.ErrnoOf(err))
		return
	}
	defer clusapi.CloseClusterGroup(hGroup)

	var cb uint32
	errno := clusapi.ClusterGroupControl(hGroup, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, nil, 0, &cb)
	if errno != clusapi.ERROR_MORE_DATA {
		fmt.Println(errno)
		return
	}
	buf := make([]byte, cb)
	if errno := clusapi.ClusterGroupControl(hGroup, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, buf, cb, &cb); errno != clusapi.ERROR_SUCCESS {
		fmt.Println(errno)
		return
	}
	props, err := proplist.Unmarshal(buf[:cb])
	if err != nil {
		fmt.Println(err)
		return
	}
	priority, _ := props.DWORD("Priority")
	fmt.Println("Priority", priority)

	in := proplist.List{{Name: "Priority", Values: []proplist.Value{proplist.DWORD(3000)}}}.Marshal()
	errno = clusapi.ClusterGroupControl(hGroup, nil, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, in, uint32(len(in)), nil, 0, nil)
	fmt.Println(errno) // ERROR_SUCCESS; ERROR_INVALID_PARAMETER for a value out of range
}
