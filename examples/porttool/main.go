// Command porttool is a cluster administration tool written the way one
// is written for Windows against clusapi.h — handles, enumerations with
// ERROR_NO_MORE_ITEMS, control codes with the ERROR_MORE_DATA protocol,
// a version 2 notification port, Win32 codes compared by name — to show
// (and, run by tests/cluster TestPortTool, to check) that such a tool
// runs on baton with its function names and codes unchanged.
//
//	go run ./examples/porttool unix:///var/lib/baton/baton.sock
//
// Against a cluster of at least two nodes whose first group (in name
// order) is online, it:
//
//  1. lists the nodes, groups and resources (ClusterOpenEnum, ClusterEnum);
//  2. reads each group's common properties (ClusterGroupControl with
//     CLUSCTL_GROUP_GET_COMMON_PROPERTIES, asking first for the size) and
//     decodes them as Windows does;
//  3. pauses and drains the node that owns the first group to another
//     node (PauseClusterNodeEx with a drain target) and waits on a
//     version 2 port for its groups to move there; then resumes it
//     (ResumeClusterNode);
//  4. renames the first group (SetClusterGroupName) and checks that its
//     handle still works and that a name in use is refused
//     (ERROR_ALREADY_EXISTS);
//  5. fails the group's first resource (FailClusterResource) and waits on
//     the port until it is back online (restarted by its policy).
//
// It prints what it does and exits 1 at the first answer that is not the
// documented one.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: porttool ADDRESS   (unix:///…/baton.sock or https://host:7410)")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "porttool:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

// expect fails unless a call answered want.
func expect(call string, got, want clusapi.Errno) error {
	if got != want {
		return fmt.Errorf("%s answered %d (%v), want %d (%v)", call, uint32(got), got, uint32(want), want)
	}
	return nil
}

// enumerate lists the objects of one CLUSTER_ENUM_* type, as a C tool
// does: indexes from 0 until ERROR_NO_MORE_ITEMS, growing the name
// buffer on ERROR_MORE_DATA.
func enumerate(hCluster clusapi.HCLUSTER, dwType uint32) ([]string, error) {
	hEnum, err := clusapi.ClusterOpenEnum(hCluster, dwType)
	if err != nil {
		return nil, fmt.Errorf("ClusterOpenEnum(%#x): %w", dwType, err)
	}
	defer clusapi.ClusterCloseEnum(hEnum)
	var names []string
	cch := uint32(8) // small on purpose: the tool must handle ERROR_MORE_DATA
	for i := uint32(0); ; {
		_, name, status := clusapi.ClusterEnum(hEnum, i, &cch)
		switch status {
		case clusapi.ERROR_SUCCESS:
			names = append(names, name)
			i++
		case clusapi.ERROR_MORE_DATA:
			cch++ // cch now holds the length; room for the terminating NUL
		case clusapi.ERROR_NO_MORE_ITEMS:
			return names, nil
		default:
			return nil, expect("ClusterEnum", status, clusapi.ERROR_SUCCESS)
		}
	}
}

// commonProperties reads a group's common properties with the size
// protocol: a call without a buffer says how many bytes are needed.
func commonProperties(hGroup clusapi.HGROUP) (proplist.List, error) {
	var needed uint32
	status := clusapi.ClusterGroupControl(hGroup, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, nil, 0, &needed)
	if status != clusapi.ERROR_MORE_DATA && status != clusapi.ERROR_SUCCESS {
		return nil, expect("ClusterGroupControl(size)", status, clusapi.ERROR_MORE_DATA)
	}
	buf := make([]byte, needed)
	var returned uint32
	if err := expect("ClusterGroupControl", clusapi.ClusterGroupControl(hGroup, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES,
		nil, 0, buf, uint32(len(buf)), &returned), clusapi.ERROR_SUCCESS); err != nil {
		return nil, err
	}
	return proplist.Unmarshal(buf[:returned])
}

func run(addr string) error {
	hCluster, err := clusapi.OpenCluster(addr)
	if err != nil {
		return fmt.Errorf("OpenCluster: %w", err)
	}
	defer clusapi.CloseCluster(hCluster)

	// 1. What the cluster has.
	nodes, err := enumerate(hCluster, clusapi.CLUSTER_ENUM_NODE)
	if err != nil {
		return err
	}
	groups, err := enumerate(hCluster, clusapi.CLUSTER_ENUM_GROUP)
	if err != nil {
		return err
	}
	resources, err := enumerate(hCluster, clusapi.CLUSTER_ENUM_RESOURCE)
	if err != nil {
		return err
	}
	fmt.Printf("nodes %v\ngroups %v\nresources %v\n", nodes, groups, resources)
	if len(nodes) < 2 || len(groups) < 2 {
		return fmt.Errorf("want a cluster of at least two nodes and two groups")
	}

	// 2. Each group's common properties, decoded by Windows' rules.
	hGroups := map[string]clusapi.HGROUP{}
	for _, name := range groups {
		hGroup, err := clusapi.OpenClusterGroup(hCluster, name)
		if err != nil {
			return fmt.Errorf("OpenClusterGroup(%s): %w", name, err)
		}
		defer clusapi.CloseClusterGroup(hGroup)
		hGroups[name] = hGroup
		props, err := commonProperties(hGroup)
		if err != nil {
			return fmt.Errorf("group %s: %w", name, err)
		}
		threshold, ok := props.DWORD("FailoverThreshold")
		if !ok {
			return fmt.Errorf("group %s: no FailoverThreshold among %d common properties", name, len(props))
		}
		fmt.Printf("group %s: %d common properties, FailoverThreshold %d\n", name, len(props), threshold)
	}

	// A version 2 port for groups changing owner and resources changing
	// state, before anything changes.
	port, err := clusapi.CreateClusterNotifyPortV2(nil, hCluster, []clusapi.NOTIFY_FILTER_AND_TYPE{
		{DwObjectType: clusapi.CLUSTER_OBJECT_TYPE_GROUP, FilterFlags: clusapi.CLUSTER_CHANGE_GROUP_OWNER_NODE_V2},
		{DwObjectType: clusapi.CLUSTER_OBJECT_TYPE_RESOURCE, FilterFlags: clusapi.CLUSTER_CHANGE_RESOURCE_STATE_V2},
	}, 1)
	if err != nil {
		return fmt.Errorf("CreateClusterNotifyPortV2: %w", err)
	}
	defer clusapi.CloseClusterNotifyPort(port)

	// 3. Drain the first group's node; its groups move away.
	first := groups[0]
	state, owner, err := clusapi.GetClusterGroupState(hGroups[first])
	if err != nil || state != clusapi.ClusterGroupOnline {
		return fmt.Errorf("group %s is %v on %q (%v): want it Online", first, state, owner, err)
	}
	var onOwner []string
	for _, name := range groups {
		if _, o, err := clusapi.GetClusterGroupState(hGroups[name]); err == nil && o == owner {
			onOwner = append(onOwner, name)
		}
	}
	hNode, err := clusapi.OpenClusterNode(hCluster, owner)
	if err != nil {
		return fmt.Errorf("OpenClusterNode(%s): %w", owner, err)
	}
	defer clusapi.CloseClusterNode(hNode)
	// Drain to a node of our choosing: the first other one.
	target := nodes[0]
	if target == owner {
		target = nodes[1]
	}
	hTarget, err := clusapi.OpenClusterNode(hCluster, target)
	if err != nil {
		return fmt.Errorf("OpenClusterNode(%s): %w", target, err)
	}
	defer clusapi.CloseClusterNode(hTarget)
	if err := expect("PauseClusterNodeEx(drain to itself)", clusapi.PauseClusterNodeEx(hNode, true, 0, hNode), clusapi.ERROR_INVALID_PARAMETER); err != nil {
		return err
	}
	if err := expect("PauseClusterNodeEx(drain)", clusapi.PauseClusterNodeEx(hNode, true, 0, hTarget), clusapi.ERROR_SUCCESS); err != nil {
		return err
	}
	fmt.Printf("paused and draining %s to %s (groups %v)\n", owner, target, onOwner)
	moved := map[string]bool{}
	if err := wait(port, time.Minute, func(n clusapi.ClusterNotifyV2) bool {
		if n.FilterAndType.DwObjectType == clusapi.CLUSTER_OBJECT_TYPE_GROUP {
			if _, o, err := clusapi.GetClusterGroupState(hGroups[n.Name]); err == nil && o == target {
				moved[n.Name] = true
			}
		}
		for _, g := range onOwner {
			if !moved[g] {
				return false
			}
		}
		return true
	}); err != nil {
		return fmt.Errorf("draining %s: %w (moved: %v)", owner, err, moved)
	}
	for _, g := range onOwner {
		// Moved is not yet online there: poll its state, as tools do.
		var state clusapi.ClusterGroupState
		var o string
		for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if state, o, err = clusapi.GetClusterGroupState(hGroups[g]); err != nil || state == clusapi.ClusterGroupOnline {
				break
			}
		}
		if err != nil || state != clusapi.ClusterGroupOnline {
			return fmt.Errorf("group %s after the drain: %v on %s (%v), want Online", g, state, o, err)
		}
		fmt.Printf("group %s moved to %s, %v\n", g, o, state)
	}
	if err := expect("ResumeClusterNode", clusapi.ResumeClusterNode(hNode), clusapi.ERROR_SUCCESS); err != nil {
		return err
	}
	fmt.Printf("resumed %s\n", owner)

	// 4. Rename the first group; its handle follows it.
	renamed := first + "-renamed"
	if err := expect("SetClusterGroupName", clusapi.SetClusterGroupName(hGroups[first], renamed), clusapi.ERROR_SUCCESS); err != nil {
		return err
	}
	if _, _, err := clusapi.GetClusterGroupState(hGroups[first]); err != nil {
		return fmt.Errorf("GetClusterGroupState through the handle opened before the rename: %w", err)
	}
	if err := expect("SetClusterGroupName(a name in use)", clusapi.SetClusterGroupName(hGroups[groups[1]], renamed), clusapi.ERROR_ALREADY_EXISTS); err != nil {
		return err
	}
	fmt.Printf("renamed %s to %s\n", first, renamed)

	// 5. Fail the group's first resource: its policy restarts it.
	var victim string
	for _, r := range resources {
		hRes, err := clusapi.OpenClusterResource(hCluster, r)
		if err != nil {
			return fmt.Errorf("OpenClusterResource(%s): %w", r, err)
		}
		_, _, g, err := clusapi.GetClusterResourceState(hRes)
		clusapi.CloseClusterResource(hRes)
		if err == nil && g == renamed {
			victim = r
			break
		}
	}
	if victim == "" {
		return fmt.Errorf("no resource in group %s", renamed)
	}
	hRes, err := clusapi.OpenClusterResource(hCluster, victim)
	if err != nil {
		return fmt.Errorf("OpenClusterResource(%s): %w", victim, err)
	}
	defer clusapi.CloseClusterResource(hRes)
	if err := expect("FailClusterResource", clusapi.FailClusterResource(hRes), clusapi.ERROR_SUCCESS); err != nil {
		return err
	}
	left := false
	if err := wait(port, time.Minute, func(n clusapi.ClusterNotifyV2) bool {
		if n.FilterAndType.DwObjectType != clusapi.CLUSTER_OBJECT_TYPE_RESOURCE || n.Name != victim || len(n.Buffer) < 4 {
			return false
		}
		s := clusapi.ClusterResourceState(binary.LittleEndian.Uint32(n.Buffer))
		fmt.Printf("resource %s: %v\n", victim, s)
		if s != clusapi.ClusterResourceOnline {
			left = true
		}
		return left && s == clusapi.ClusterResourceOnline
	}); err != nil {
		return fmt.Errorf("failing %s: %w", victim, err)
	}
	return nil
}

// wait reads the port until done says so, or for at most limit.
func wait(port clusapi.HCHANGE, limit time.Duration, done func(clusapi.ClusterNotifyV2) bool) error {
	for end := time.Now().Add(limit); time.Now().Before(end); {
		n, status := clusapi.GetClusterNotifyV2(port, 1000)
		switch status {
		case clusapi.ERROR_SUCCESS:
			if done(n) {
				return nil
			}
		case clusapi.WAIT_TIMEOUT:
		default:
			return expect("GetClusterNotifyV2", status, clusapi.ERROR_SUCCESS)
		}
	}
	return fmt.Errorf("nothing after %v", limit)
}
