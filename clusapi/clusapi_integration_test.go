package clusapi_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// demoResources are the resources of the demo group; the last one is in
// locked mode when the group is made with locked set.
var demoResources = []string{"Demo1", "Demo2", "Demo3"}

const lockedReason = "backup running"

// makeDemoGroup creates group name with three dummy resources that take
// onlineMs and offlineMs to come online and go offline, brings it online
// and waits until it is Online. With locked, Demo3 is in locked mode.
func makeDemoGroup(t *testing.T, c *clusapi.Client, name string, onlineMs, offlineMs uint32, locked bool) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := c.Groups().Create(ctx, name, clusapi.CreateGroupOptions{}); err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	for i, r := range demoResources {
		props := proplist.List{
			{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(onlineMs)}},
			{Name: "OfflineDelayMs", Values: []proplist.Value{proplist.DWORD(offlineMs)}},
		}
		if locked && i == len(demoResources)-1 {
			props = append(props,
				proplist.Property{Name: "Locked", Values: []proplist.Value{proplist.DWORD(1)}},
				proplist.Property{Name: "LockedReason", Values: []proplist.Value{proplist.SZ(lockedReason)}})
		}
		if _, err := c.Resources().Create(ctx, prefixed(name, r), name, "dummy", clusapi.CreateResourceOptions{Properties: props}); err != nil {
			t.Fatalf("create resource %s: %v", r, err)
		}
	}
	onlineAndWait(t, c, name)
	if locked {
		r := prefixed(name, demoResources[len(demoResources)-1])
		eventually(t, r+" reports locked mode", func() (bool, error) {
			st, err := c.Resources().State(ctx, r)
			return err == nil && st.Locked && st.LockedReason == lockedReason, err
		})
	}
}

// prefixed names the resources of groups other than DemoGroup apart.
func prefixed(group, r string) string {
	if group == "DemoGroup" {
		return r
	}
	return group + "-" + r
}

func onlineAndWait(t *testing.T, c *clusapi.Client, name string) {
	t.Helper()
	ctx := testCtx(t)
	op, err := c.Groups().Online(ctx, name, clusapi.OnlineOptions{})
	if err != nil {
		t.Fatalf("online %s: %v", name, err)
	}
	if state, err := op.Wait(ctx); state != clusapi.ClusterGroupOnline || err != nil {
		t.Fatalf("online %s: Wait = %v, %v", name, state, err)
	}
}

// captureStdout runs f with os.Stdout going to a pipe and returns what it
// printed.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() {
		os.Stdout = saved
	}()
	f()
	os.Stdout = saved
	w.Close()
	return <-done
}

// TestSeedProgram runs the ported example program of the
// OfflineClusterGroupEx documentation (example_test.go) against an agent:
// a DemoGroup of three dummy resources, one of them in locked mode, is
// taken offline with the ignore-locked flag.
func TestSeedProgram(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeDemoGroup(t, c, "DemoGroup", 50, 300, true)

	t.Setenv("BATON_ADDR", a.Addr) // OpenCluster(NULL): the local cluster
	var rc int
	out := captureStdout(t, func() { rc = demoMain() })
	if rc != 0 || out != "Offlined the groupDemoGroup" {
		t.Fatalf("program returned %d and printed %q; want 0 and %q", rc, out, "Offlined the groupDemoGroup")
	}
	st, err := c.Groups().State(testCtx(t), "DemoGroup")
	if err != nil || st.State != clusapi.ClusterGroupOffline || st.ResourcesOffline != 3 {
		t.Errorf("after the program: %+v, %v; want Offline with 3 resources offline", st, err)
	}

	// Without a group it says so, with the code, as the original does.
	if err := c.Groups().Delete(testCtx(t), "DemoGroup", true); err != nil {
		t.Fatal(err)
	}
	out = captureStdout(t, func() { rc = demoMain() })
	if rc != 5013 || out != "Failed to open cluster group DemoGroup: 0x1395\n" {
		t.Errorf("without DemoGroup: program returned %d and printed %q", rc, out)
	}
}

// TestOfflineClusterGroupEx goes through the seed operation with the
// clusapi face against an agent: the checks in their order, the answer
// 997 and what readers see right after it, joining, and the answer 0.
func TestOfflineClusterGroupEx(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	// Offline takes 1.5 s per resource, so the group stays Pending long
	// enough to observe it and to join the offline.
	makeDemoGroup(t, c, "DemoGroup", 20, 1500, true)

	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatalf("OpenCluster: %v", err)
	}
	defer clusapi.CloseCluster(hCluster)

	t.Run("unknown group", func(t *testing.T) {
		h, err := clusapi.OpenClusterGroup(hCluster, "NoSuchGroup")
		if h != nil || !errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND) || clusapi.ErrnoOf(err) != 5013 {
			t.Errorf("OpenClusterGroup(NoSuchGroup) = %v, %v; want nil, 5013", h, err)
		}
	})

	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
	if err != nil {
		t.Fatalf("OpenClusterGroup: %v", err)
	}
	defer clusapi.CloseClusterGroup(hGroup)

	// stillOnline checks that a rejected call changed nothing.
	stillOnline := func(t *testing.T) {
		t.Helper()
		state, node, err := clusapi.GetClusterGroupState(hGroup)
		if state != clusapi.ClusterGroupOnline || node == "" || err != nil {
			t.Errorf("GetClusterGroupState = %v, %q, %v; want Online on a node", state, node, err)
		}
		for _, r := range demoResources {
			st, err := c.Resources().State(ctx, r)
			if err != nil || st.State != clusapi.ClusterResourceOnline {
				t.Errorf("resource %s: %+v, %v; want Online", r, st, err)
			}
		}
		g, err := c.Groups().Get(ctx, "DemoGroup")
		if err != nil || g.PersistentState != 1 {
			t.Errorf("group: %+v, %v; want persistent state 1", g, err)
		}
	}

	valid := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(2)}}}.Marshal()
	rejected := []struct {
		name  string
		flags uint32
		buf   []byte
		size  uint32
		want  clusapi.Errno
	}{
		{"undefined flag 0x2", 0x2, nil, 0, clusapi.ERROR_INVALID_PARAMETER},
		{"undefined flags with ignore-locked", 0x3, nil, 0, clusapi.ERROR_INVALID_PARAMETER},
		{"size larger than the buffer", 0x1, valid, uint32(len(valid)) + 4, clusapi.ERROR_INVALID_PARAMETER},
		// cbInBufferSize is C-like: the first size bytes are the buffer.
		{"size smaller than the buffer, cutting the list", 0x1, valid, uint32(len(valid)) - 8, clusapi.ERROR_INVALID_PARAMETER},
		{"size without a buffer", 0x1, nil, 16, clusapi.ERROR_INVALID_PARAMETER},
		{"buffer with size 0 is no buffer", 0, valid, 0, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS},
		{"garbage buffer", 0x1, []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3}, 7, clusapi.ERROR_INVALID_PARAMETER},
		{"truncated property list", 0x1, valid[:len(valid)-8], uint32(len(valid) - 8), clusapi.ERROR_INVALID_PARAMETER},
		{"locked resource without the flag", 0, nil, 0, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS},
		{"locked resource, valid buffer, no flag", 0, valid, uint32(len(valid)), clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			if got := clusapi.OfflineClusterGroupEx(hGroup, tt.flags, tt.buf, tt.size); got != tt.want {
				t.Errorf("OfflineClusterGroupEx(%#x, %d bytes, %d) = %v (%d), want %v (%d)",
					tt.flags, len(tt.buf), tt.size, got, uint32(got), tt.want, uint32(tt.want))
			}
			stillOnline(t)
		})
	}
	t.Run("OfflineClusterGroup is Ex with 0", func(t *testing.T) {
		if got := clusapi.OfflineClusterGroup(hGroup); got != clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS {
			t.Errorf("OfflineClusterGroup = %v, want ERROR_CLUSTER_RESOURCE_LOCKED_STATUS", got)
		}
		stillOnline(t)
	})
	if t.Failed() {
		t.FailNow()
	}

	// The seed program's call: accepted, and from this answer on nobody
	// reads the group as Online.
	if got := clusapi.OfflineClusterGroupEx(hGroup, clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroupEx(0x1) = %v (%d), want ERROR_IO_PENDING (997)", got, uint32(got))
	}
	state, _, err := clusapi.GetClusterGroupState(hGroup)
	if err != nil || (state != clusapi.ClusterGroupPending && state != clusapi.ClusterGroupOffline) {
		t.Fatalf("right after 997: GetClusterGroupState = %v, %v; want Pending or Offline", state, err)
	}
	g, err := c.Groups().Get(ctx, "DemoGroup")
	if err != nil || g.PersistentState != 0 || g.LastOperationID == "" {
		t.Fatalf("right after 997: group %+v, %v; want persistent state 0 and an operation", g, err)
	}

	// A second offline while the first is pending joins it.
	if state == clusapi.ClusterGroupPending {
		if got := clusapi.OfflineClusterGroupEx(hGroup, clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0); got != clusapi.ERROR_IO_PENDING {
			t.Errorf("second OfflineClusterGroupEx while pending = %v, want ERROR_IO_PENDING (join)", got)
		}
		op, err := c.Groups().Offline(ctx, "DemoGroup", clusapi.OfflineOptions{Flags: clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS})
		if err != nil || op.Status != clusapi.ERROR_IO_PENDING || op.ID != g.LastOperationID {
			t.Errorf("third offline while pending = %+v, %v; want 997 joining operation %s", op, err, g.LastOperationID)
		}
	} else {
		t.Logf("the group was Offline already right after 997; the join is not exercised")
	}

	// Wait as the seed program does, and check every state read on the way.
	var seen []clusapi.ClusterGroupState
	deadline := time.Now().Add(30 * time.Second)
	for {
		state, _, err := clusapi.GetClusterGroupState(hGroup)
		if err != nil {
			t.Fatalf("GetClusterGroupState: %v", err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != state {
			seen = append(seen, state)
		}
		if state != clusapi.ClusterGroupPending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group still Pending after 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if want := clusapi.ClusterGroupOffline; seen[len(seen)-1] != want || slices.Contains(seen, clusapi.ClusterGroupOnline) {
		t.Fatalf("states read while going offline: %v; want Pending… then Offline, never Online", seen)
	}
	for _, r := range demoResources {
		st, err := c.Resources().State(ctx, r)
		if err != nil || st.State != clusapi.ClusterResourceOffline {
			t.Errorf("resource %s: %+v, %v; want Offline", r, st, err)
		}
	}

	t.Run("offline of an offline group", func(t *testing.T) {
		if got := clusapi.OfflineClusterGroupEx(hGroup, 0, nil, 0); got != clusapi.ERROR_SUCCESS {
			t.Errorf("OfflineClusterGroupEx on an Offline group = %v, want ERROR_SUCCESS", got)
		}
		// Locked mode only matters for online resources.
		if got := clusapi.OfflineClusterGroup(hGroup); got != clusapi.ERROR_SUCCESS {
			t.Errorf("OfflineClusterGroup on an Offline group = %v, want ERROR_SUCCESS", got)
		}
	})

	t.Run("buffer reaches the resources", func(t *testing.T) {
		onlineAndWait(t, c, "DemoGroup")
		save := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.Marshal()
		if got := clusapi.OfflineClusterGroupEx(hGroup, 0x1, save, uint32(len(save))); got != clusapi.ERROR_IO_PENDING {
			t.Fatalf("OfflineClusterGroupEx with a save buffer = %v", got)
		}
		if !waitForGroupToGoOffline(hGroup) {
			t.Fatal("the group did not go offline")
		}
		for _, r := range demoResources {
			res, err := c.Resources().Get(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if action, _ := res.Status.String("LastOfflineAction"); action != "Save" {
				t.Errorf("resource %s: LastOfflineAction %q, want Save (status %v)", r, action, res.Status)
			}
		}
	})

	t.Run("group deleted after open", func(t *testing.T) {
		if _, err := c.Groups().Create(ctx, "Doomed", clusapi.CreateGroupOptions{}); err != nil {
			t.Fatal(err)
		}
		hDoomed, err := clusapi.OpenClusterGroup(hCluster, "Doomed")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterGroup(hDoomed)
		if err := c.Groups().Delete(ctx, "Doomed", false); err != nil {
			t.Fatal(err)
		}
		if got := clusapi.OfflineClusterGroupEx(hDoomed, 0, nil, 0); got != clusapi.ERROR_GROUP_NOT_AVAILABLE {
			t.Errorf("OfflineClusterGroupEx after delete = %v, want ERROR_GROUP_NOT_AVAILABLE (5012)", got)
		}
		if st, _, err := clusapi.GetClusterGroupState(hDoomed); st != clusapi.ClusterGroupStateUnknown || !errors.Is(err, clusapi.ERROR_GROUP_NOT_AVAILABLE) {
			t.Errorf("GetClusterGroupState after delete = %v, %v; want Unknown, 5012", st, err)
		}
		// A new group of the same name is another group.
		if _, err := c.Groups().Create(ctx, "Doomed", clusapi.CreateGroupOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := clusapi.OfflineClusterGroupEx(hDoomed, 0, nil, 0); got != clusapi.ERROR_GROUP_NOT_AVAILABLE {
			t.Errorf("OfflineClusterGroupEx after re-create = %v, want ERROR_GROUP_NOT_AVAILABLE (5012)", got)
		}
		// Bad flags are still checked first.
		if got := clusapi.OfflineClusterGroupEx(hDoomed, 0x2, nil, 0); got != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("bad flags on a deleted group = %v, want ERROR_INVALID_PARAMETER", got)
		}
	})

	t.Run("closed handles", func(t *testing.T) {
		h, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		clusapi.CloseClusterGroup(h)
		if got := clusapi.OfflineClusterGroupEx(h, 0x1, nil, 0); got != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("on a closed group handle = %v, want ERROR_INVALID_HANDLE", got)
		}
		hc, err := clusapi.OpenCluster(a.Addr)
		if err != nil {
			t.Fatal(err)
		}
		h, err = clusapi.OpenClusterGroup(hc, "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		clusapi.CloseCluster(hc)
		if got := clusapi.OfflineClusterGroupEx(h, 0x1, nil, 0); got != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("after CloseCluster = %v, want ERROR_INVALID_HANDLE", got)
		}
		if got := clusapi.OfflineClusterGroupEx(nil, 0x1, nil, 0); got != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("on NULL = %v, want ERROR_INVALID_HANDLE", got)
		}
	})

	t.Run("handle of another cluster", func(t *testing.T) {
		other := a.client(t, clusapi.WithClusterID("00000000-not-this-cluster"))
		if _, err := other.Groups().State(ctx, "DemoGroup"); !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("call pinned to another cluster: %v, want ERROR_INVALID_HANDLE", err)
		}
	})

	t.Run("access", func(t *testing.T) {
		if a.HTTPAddr == "" {
			t.Skip("the agent did not print its TCP address")
		}
		t.Setenv("BATON_TOKEN", "")
		t.Setenv("BATON_CA", a.CA)
		// Over TCP without a token the caller is nobody.
		if h, err := clusapi.OpenCluster(a.HTTPAddr); h != nil || !errors.Is(err, clusapi.ERROR_ACCESS_DENIED) {
			t.Errorf("OpenCluster over TCP without a token = %v, %v; want ERROR_ACCESS_DENIED", h, err)
		}
		tok, err := c.Access().CreateToken(ctx, "reader", clusapi.AccessRead)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("BATON_TOKEN", tok.Token)
		hc, err := clusapi.OpenCluster(a.HTTPAddr)
		if err != nil {
			t.Fatalf("OpenCluster with a read token: %v", err)
		}
		defer clusapi.CloseCluster(hc)
		h, err := clusapi.OpenClusterGroup(hc, "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		if st, _, err := clusapi.GetClusterGroupState(h); err != nil || st != clusapi.ClusterGroupOffline {
			t.Errorf("GetClusterGroupState with Read access = %v, %v", st, err)
		}
		// Access is checked before anything about the request.
		// (A size past the slice is refused before any call: see
		// TestInBufferSizeIsCLike.)
		if got := clusapi.OfflineClusterGroupEx(h, 0x2, []byte{1}, 1); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("OfflineClusterGroupEx with Read access = %v, want ERROR_ACCESS_DENIED", got)
		}
		if err := c.Access().DeleteToken(ctx, "reader"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestResourceHandles runs the resource functions of the clusapi face
// against an agent.
func TestResourceHandles(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	makeDemoGroup(t, c, "G", 20, 200, true)

	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	if h, err := clusapi.OpenClusterResource(hCluster, "NoSuchResource"); h != nil || !errors.Is(err, clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("OpenClusterResource(NoSuchResource) = %v, %v; want ERROR_RESOURCE_NOT_FOUND", h, err)
	}
	hLocked, err := clusapi.OpenClusterResource(hCluster, "G-Demo3")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hLocked)
	state, node, group, err := clusapi.GetClusterResourceState(hLocked)
	if state != clusapi.ClusterResourceOnline || node == "" || group != "G" || err != nil {
		t.Errorf("GetClusterResourceState = %v, %q, %q, %v", state, node, group, err)
	}
	if got := clusapi.OfflineClusterResource(hLocked); got != clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS {
		t.Errorf("OfflineClusterResource of a locked resource = %v, want ERROR_CLUSTER_RESOURCE_LOCKED_STATUS", got)
	}
	if got := clusapi.OfflineClusterResourceEx(hLocked, 0x8, nil, 0); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("OfflineClusterResourceEx(0x8) = %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.OfflineClusterResourceEx(hLocked, 0x1, nil, 5); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("OfflineClusterResourceEx with a size and no buffer = %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.OfflineClusterResourceEx(hLocked, clusapi.CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterResourceEx(0x1) = %v, want ERROR_IO_PENDING", got)
	}
	state, _, _, err = clusapi.GetClusterResourceState(hLocked)
	if err != nil || (state != clusapi.ClusterResourceOfflinePending && state != clusapi.ClusterResourceOffline) {
		t.Errorf("right after 997: %v, %v; want OfflinePending or Offline", state, err)
	}
	eventually(t, "G-Demo3 offline", func() (bool, error) {
		st, _, _, err := clusapi.GetClusterResourceState(hLocked)
		return st == clusapi.ClusterResourceOffline, err
	})
	if got := clusapi.OfflineClusterResource(hLocked); got != clusapi.ERROR_SUCCESS {
		t.Errorf("OfflineClusterResource of an offline resource = %v, want ERROR_SUCCESS", got)
	}
	if st, _, _ := clusapi.GetClusterGroupState(mustOpenGroup(t, hCluster, "G")); st != clusapi.ClusterGroupPartialOnline {
		t.Errorf("group with one of three resources offline: %v, want PartialOnline", st)
	}
	if got := clusapi.OnlineClusterResource(hLocked); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterResource = %v, want ERROR_IO_PENDING", got)
	}
	eventually(t, "G-Demo3 online", func() (bool, error) {
		st, _, _, err := clusapi.GetClusterResourceState(hLocked)
		return st == clusapi.ClusterResourceOnline, err
	})

	// A resource deleted after it was opened.
	if _, err := c.Resources().Create(ctx, "Temp", "G", "dummy", clusapi.CreateResourceOptions{}); err != nil {
		t.Fatal(err)
	}
	hTemp, err := clusapi.OpenClusterResource(hCluster, "Temp")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Resources().Delete(ctx, "Temp"); err != nil {
		t.Fatal(err)
	}
	if got := clusapi.OnlineClusterResource(hTemp); got != clusapi.ERROR_RESOURCE_NOT_AVAILABLE {
		t.Errorf("OnlineClusterResource after delete = %v, want ERROR_RESOURCE_NOT_AVAILABLE", got)
	}
	if _, _, _, err := clusapi.GetClusterResourceState(hTemp); !errors.Is(err, clusapi.ERROR_RESOURCE_NOT_AVAILABLE) {
		t.Errorf("GetClusterResourceState after delete: %v, want ERROR_RESOURCE_NOT_AVAILABLE", err)
	}

	// Nodes.
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("ListNodes = %v, %v", nodes, err)
	}
	hNode, err := clusapi.OpenClusterNode(hCluster, nodes[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNode(hNode)
	if st, err := clusapi.GetClusterNodeState(hNode); st != clusapi.ClusterNodeUp || err != nil {
		t.Errorf("GetClusterNodeState = %v, %v; want Up", st, err)
	}
	if _, err := clusapi.OpenClusterNode(hCluster, "no-such-node"); !errors.Is(err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("OpenClusterNode(no-such-node): %v", err)
	}
	hG := mustOpenGroup(t, hCluster, "G")
	if got := clusapi.OfflineClusterGroupEx(hG, 0x1, nil, 0); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroupEx = %v", got)
	}
	if !waitForGroupToGoOffline(hG) {
		t.Fatal("G did not go offline")
	}
	if got := clusapi.OnlineClusterGroup(hG, hNode); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup on %s = %v, want ERROR_IO_PENDING", nodes[0].Name, got)
	}
	eventually(t, "G online", func() (bool, error) {
		st, owner, err := clusapi.GetClusterGroupState(hG)
		return st == clusapi.ClusterGroupOnline && owner == nodes[0].Name, err
	})
	if got := clusapi.OnlineClusterGroupEx(hG, nil, 0x10, nil, 0); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("OnlineClusterGroupEx(0x10) = %v, want ERROR_INVALID_PARAMETER", got)
	}
	// (G-Demo3 is in locked mode, which an online checks first.)
	if got := clusapi.OnlineClusterGroupEx(hG, nil, clusapi.CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS, nil, 0); got != clusapi.ERROR_SUCCESS {
		t.Errorf("OnlineClusterGroupEx(0x1) of an online group = %v, want ERROR_SUCCESS", got)
	}
}

func mustOpenGroup(t *testing.T, hCluster clusapi.HCLUSTER, name string) clusapi.HGROUP {
	t.Helper()
	h, err := clusapi.OpenClusterGroup(hCluster, name)
	if err != nil {
		t.Fatalf("OpenClusterGroup(%s): %v", name, err)
	}
	t.Cleanup(func() { clusapi.CloseClusterGroup(h) })
	return h
}

// TestClientAgainstAgent runs the idiomatic face against an agent.
func TestClientAgainstAgent(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)

	info, err := c.Cluster(ctx)
	if err != nil || info.ID == "" || info.Node == "" || info.Access != clusapi.AccessFull {
		t.Fatalf("Cluster = %+v, %v", info, err)
	}
	types, err := c.ListResourceTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(types, func(rt clusapi.ResourceType) bool { return rt.Name == "dummy" })
	if i < 0 || types[i].OfflineParameter != "dummy" || !slices.ContainsFunc(types[i].Properties, func(p clusapi.PropertyInfo) bool { return p.Name == "OfflineDelayMs" && p.Kind == "dword" }) {
		t.Errorf("ListResourceTypes: no proper dummy type in %+v", types)
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].Name != info.Node || nodes[0].State != clusapi.ClusterNodeUp {
		t.Fatalf("ListNodes = %+v, %v", nodes, err)
	}

	// Groups.
	g, err := c.Groups().Create(ctx, "App", clusapi.CreateGroupOptions{
		PreferredOwners: []string{info.Node},
		Properties:      proplist.List{{Name: "FailoverThreshold", Values: []proplist.Value{proplist.DWORD(5)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "App" || g.ID == "" || g.OwnerNode != info.Node || g.State != clusapi.ClusterGroupOffline || !slices.Equal(g.PreferredOwners, []string{info.Node}) {
		t.Errorf("created %+v", g)
	}
	if v, ok := g.Properties.DWORD("FailoverThreshold"); !ok || v != 5 {
		t.Errorf("FailoverThreshold = %v, %v", v, ok)
	}
	if _, err := c.Groups().Create(ctx, "App", clusapi.CreateGroupOptions{}); !errors.Is(err, clusapi.ERROR_OBJECT_ALREADY_EXISTS) {
		t.Errorf("second create: %v, want ERROR_OBJECT_ALREADY_EXISTS", err)
	}
	if id, err := c.Groups().Open(ctx, "App"); err != nil || id != g.ID {
		t.Errorf("Open = %q, %v; want %q", id, err, g.ID)
	}
	if g, err = c.Groups().SetProperties(ctx, "App", proplist.List{{Name: "FailoverThreshold", Values: []proplist.Value{proplist.DWORD(7)}}}); err != nil {
		t.Fatal(err)
	} else if v, _ := g.Properties.DWORD("FailoverThreshold"); v != 7 {
		t.Errorf("after SetProperties FailoverThreshold = %d", v)
	}
	if err := c.Groups().SetNodeList(ctx, "App", []string{info.Node}); err != nil {
		t.Errorf("SetNodeList: %v", err)
	}
	if err := c.Groups().SetNodeList(ctx, "App", []string{"no-such-node"}); !errors.Is(err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("SetNodeList(no-such-node): %v, want ERROR_CLUSTER_NODE_NOT_FOUND", err)
	}
	if _, err := c.Groups().Get(ctx, "Nope"); !errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND) {
		t.Errorf("Get(Nope): %v, want ERROR_GROUP_NOT_FOUND", err)
	}

	// Resources with a dependency: Web depends on DB.
	slow := proplist.List{
		{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(100)}},
		{Name: "OfflineDelayMs", Values: []proplist.Value{proplist.DWORD(100)}},
	}
	for _, r := range []string{"DB", "Web", "Cache"} {
		if _, err := c.Resources().Create(ctx, r, "App", "dummy", clusapi.CreateResourceOptions{Properties: slow}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Resources().Create(ctx, "Bad", "App", "no-such-type", clusapi.CreateResourceOptions{}); !errors.Is(err, clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND) {
		t.Errorf("create with an unknown type: %v, want ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND", err)
	}
	if err := c.Resources().AddDependency(ctx, "Web", "DB"); err != nil {
		t.Fatal(err)
	}
	if err := c.Resources().AddDependency(ctx, "Web", "Cache"); err != nil {
		t.Fatal(err)
	}
	if err := c.Resources().RemoveDependency(ctx, "Web", "Cache"); err != nil {
		t.Fatal(err)
	}
	web, err := c.Resources().Get(ctx, "Web")
	if err != nil || !slices.Equal(web.DependsOn, []string{"DB"}) || web.Type != "dummy" || web.Group != "App" {
		t.Fatalf("Web = %+v, %v", web, err)
	}
	if v, _ := web.PrivateProperties.DWORD("OnlineDelayMs"); v != 100 {
		t.Errorf("Web private properties %v", web.PrivateProperties)
	}
	list, err := c.Resources().List(ctx, "App")
	if err != nil || len(list) != 3 {
		t.Errorf("List(App) = %d resources, %v", len(list), err)
	}

	// Online, with progress.
	op, err := c.Groups().Online(ctx, "App", clusapi.OnlineOptions{})
	if err != nil || op.Status != clusapi.ERROR_IO_PENDING || op.ID == "" {
		t.Fatalf("Online = %+v, %v", op, err)
	}
	var progress []clusapi.GroupStatus
	state, err := op.WaitProgress(ctx, func(s clusapi.GroupStatus) { progress = append(progress, s) })
	if state != clusapi.ClusterGroupOnline || err != nil {
		t.Fatalf("online Wait = %v, %v", state, err)
	}
	if last := progress[len(progress)-1]; last.ResourcesOnline != 3 || last.ResourcesTotal != 3 {
		t.Errorf("last progress %+v", last)
	}
	rec, err := c.Operation(ctx, op.ID)
	if err != nil || rec.Kind != "OnlineGroup" || rec.Group != "App" || rec.Created.IsZero() {
		t.Errorf("Operation(%s) = %+v, %v", op.ID, rec, err)
	}
	if err := c.Groups().Delete(ctx, "App", true); !errors.Is(err, clusapi.ERROR_RESOURCE_ONLINE) {
		t.Errorf("Delete(force) of an online group: %v, want ERROR_RESOURCE_ONLINE", err)
	}

	// Offline with an input buffer as bytes and progress "n of N".
	op, err = c.Groups().Offline(ctx, "App", clusapi.OfflineOptions{
		InBuffer: proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(0)}}}.Marshal(),
	})
	if err != nil || op.Status != clusapi.ERROR_IO_PENDING {
		t.Fatalf("Offline = %+v, %v", op, err)
	}
	var lines []string
	state, err = op.WaitProgress(ctx, func(s clusapi.GroupStatus) {
		lines = append(lines, fmt.Sprintf("%s %d of %d", s.State, s.ResourcesOffline, s.ResourcesTotal))
	})
	if state != clusapi.ClusterGroupOffline || err != nil {
		t.Fatalf("offline Wait = %v, %v (progress %q)", state, err, lines)
	}
	if last := lines[len(lines)-1]; last != "Offline 3 of 3" {
		t.Errorf("progress %q, want it to end with Offline 3 of 3", lines)
	}
	for _, r := range []string{"DB", "Web", "Cache"} {
		res, err := c.Resources().Get(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if action, _ := res.Status.String("LastOfflineAction"); action != "TurnOff" {
			t.Errorf("%s LastOfflineAction %q, want TurnOff", r, action)
		}
	}
	op, err = c.Groups().Offline(ctx, "App", clusapi.OfflineOptions{})
	if err != nil || op.Status != clusapi.ERROR_SUCCESS {
		t.Errorf("offline of an offline group = %+v, %v; want ERROR_SUCCESS", op, err)
	}
	// Both forms of the input buffer at once are refused.
	_, err = c.Groups().Offline(ctx, "App", clusapi.OfflineOptions{
		Params:   proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(0)}}},
		InBuffer: proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(0)}}}.Marshal(),
	})
	if !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("Params and InBuffer together: %v, want ERROR_INVALID_PARAMETER", err)
	}

	// Resource operations: Web brings DB online first.
	rop, err := c.Resources().Online(ctx, "Web", clusapi.ResourceOptions{})
	if err != nil || rop.Status != clusapi.ERROR_IO_PENDING {
		t.Fatalf("resource Online = %+v, %v", rop, err)
	}
	if rs, err := rop.Wait(ctx); rs != clusapi.ClusterResourceOnline || err != nil {
		t.Fatalf("resource online Wait = %v, %v", rs, err)
	}
	if st, err := c.Resources().State(ctx, "DB"); err != nil || st.State != clusapi.ClusterResourceOnline || st.Group != "App" {
		t.Errorf("DB = %+v, %v; want Online", st, err)
	}
	if st, err := c.Groups().State(ctx, "App"); err != nil || st.State != clusapi.ClusterGroupPartialOnline || st.ResourcesOnline != 2 {
		t.Errorf("App = %+v, %v; want PartialOnline with 2 online", st, err)
	}
	// Taking DB offline takes Web offline first.
	rop, err = c.Resources().Offline(ctx, "DB", clusapi.ResourceOptions{Params: proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(3)}}}})
	if err != nil || rop.Status != clusapi.ERROR_IO_PENDING {
		t.Fatalf("resource Offline = %+v, %v", rop, err)
	}
	var rseen []clusapi.ClusterResourceState
	if rs, err := rop.WaitProgress(ctx, func(s clusapi.ResourceStatus) { rseen = append(rseen, s.State) }); rs != clusapi.ClusterResourceOffline || err != nil {
		t.Fatalf("resource offline Wait = %v, %v (saw %v)", rs, err, rseen)
	}
	if st, err := c.Resources().State(ctx, "Web"); err != nil || st.State != clusapi.ClusterResourceOffline {
		t.Errorf("Web = %+v, %v; want Offline", st, err)
	}

	// Delete: not while it has resources, unless forced.
	if err := c.Groups().Delete(ctx, "App", false); !errors.Is(err, clusapi.ERROR_DIR_NOT_EMPTY) {
		t.Errorf("Delete without force: %v, want ERROR_DIR_NOT_EMPTY", err)
	}
	if err := c.Groups().Delete(ctx, "App", true); err != nil {
		t.Errorf("Delete with force: %v", err)
	}
	groups, err := c.Groups().List(ctx)
	if err != nil || len(groups) != 0 {
		t.Errorf("List after delete = %+v, %v", groups, err)
	}

	// Access.
	acl, err := c.Access().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Access().Grant(ctx, "unix:user:nobody", clusapi.AccessRead); err != nil {
		t.Fatal(err)
	}
	acl2, err := c.Access().List(ctx)
	if err != nil || !slices.Contains(acl2.Entries, clusapi.AccessEntry{Principal: "unix:user:nobody", Access: clusapi.AccessRead}) {
		t.Errorf("after Grant: %+v, %v", acl2, err)
	}
	if err := c.Access().Revoke(ctx, "unix:user:nobody"); err != nil {
		t.Fatal(err)
	}
	if acl3, err := c.Access().List(ctx); err != nil || len(acl3.Entries) != len(acl.Entries) {
		t.Errorf("after Revoke: %+v, %v; want %+v", acl3, err, acl)
	}
	tok, err := c.Access().CreateToken(ctx, "ci", clusapi.AccessFull)
	if err != nil || tok.Token == "" || tok.Principal != "token:ci" {
		t.Fatalf("CreateToken = %+v, %v", tok, err)
	}
	if a.HTTPAddr != "" {
		tc := newClient(t, a.HTTPAddr, clusapi.WithToken(tok.Token), clusapi.WithCA(a.CA))
		if info, err := tc.Cluster(ctx); err != nil || info.Principal != "token:ci" || info.Access != clusapi.AccessFull {
			t.Errorf("Cluster over TCP with the token = %+v, %v", info, err)
		}
	}
	if err := c.Access().DeleteToken(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	if a.HTTPAddr != "" {
		tc := newClient(t, a.HTTPAddr, clusapi.WithToken(tok.Token), clusapi.WithCA(a.CA))
		if _, err := tc.Cluster(ctx); !errors.Is(err, clusapi.ERROR_ACCESS_DENIED) {
			t.Errorf("Cluster with a deleted token: %v, want ERROR_ACCESS_DENIED", err)
		}
	}
}
