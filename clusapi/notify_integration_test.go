package clusapi_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
)

// v1Note is one GetClusterNotify answer.
type v1Note struct {
	key    uintptr
	filter uint32
	name   string
}

// awaitV1 reads port until a notification for which match is true, and
// returns the ones read before it too; it fails after 30 s.
func awaitV1(t *testing.T, port clusapi.HCHANGE, what string, match func(v1Note) bool) []v1Note {
	t.Helper()
	var seen []v1Note
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		key, filter, name, st := clusapi.GetClusterNotify(port, 1000)
		if st == clusapi.WAIT_TIMEOUT {
			continue
		}
		if st != clusapi.ERROR_SUCCESS {
			t.Fatalf("%s: GetClusterNotify: %v", what, st)
		}
		n := v1Note{key, filter, name}
		seen = append(seen, n)
		if match(n) {
			return seen
		}
	}
	t.Fatalf("%s: not within 30 s; saw %+v", what, seen)
	return nil
}

// awaitV2 does the same for a version 2 port, waiting on its event
// channel as a Windows monitor waits on GetNotifyEventHandle's event.
func awaitV2(t *testing.T, port clusapi.HCHANGE, what string, match func(clusapi.ClusterNotifyV2) bool) []clusapi.ClusterNotifyV2 {
	t.Helper()
	ev, st := clusapi.GetNotifyEventHandle(port)
	if st != clusapi.ERROR_SUCCESS {
		t.Fatal(st)
	}
	var seen []clusapi.ClusterNotifyV2
	deadline := time.After(30 * time.Second)
	for {
		for {
			n, st := clusapi.GetClusterNotifyV2(port, 0)
			if st == clusapi.WAIT_TIMEOUT {
				break
			}
			if st != clusapi.ERROR_SUCCESS {
				t.Fatalf("%s: GetClusterNotifyV2: %v", what, st)
			}
			seen = append(seen, n)
			if match(n) {
				return seen
			}
		}
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("%s: not within 30 s; saw %+v", what, seen)
		}
	}
}

// Version 1 and 2 ports, cluster-wide and per object, as a Windows monitor
// uses them: they deliver what their filters ask for, report
// CLUSTER_CHANGE_CLUSTER_STATE when the agent is killed (instead of
// WAIT_TIMEOUT for ever), CLUSTER_CHANGE_CLUSTER_RECONNECT when it is
// back, then the changes made meanwhile (resync) and after.
func TestNotifyPortsAcrossAgentRestart(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeSlowGroup(t, c, "Mon", 0)
	makeSlowGroup(t, c, "Other", 0)
	onlineAndWait(t, c, "Mon")
	hCluster, hGroup := openHandles(t, a.Addr, "Mon")
	info, err := c.Cluster(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	node, clusterName := info.Node, info.Name

	const v1Filter = clusapi.CLUSTER_CHANGE_CLUSTER_STATE | clusapi.CLUSTER_CHANGE_CLUSTER_RECONNECT |
		clusapi.CLUSTER_CHANGE_NODE_STATE | clusapi.CLUSTER_CHANGE_GROUP_STATE
	p1, err := clusapi.CreateClusterNotifyPort(nil, hCluster, v1Filter, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNotifyPort(p1)
	if st := clusapi.RegisterClusterNotify(p1, clusapi.CLUSTER_CHANGE_GROUP_STATE, hGroup, 2); st != clusapi.ERROR_SUCCESS {
		t.Fatalf("RegisterClusterNotify: %v", st)
	}
	p2, err := clusapi.CreateClusterNotifyPortV2(nil, hCluster, []clusapi.NOTIFY_FILTER_AND_TYPE{
		{DwObjectType: clusapi.CLUSTER_OBJECT_TYPE_CLUSTER, FilterFlags: clusapi.CLUSTER_CHANGE_CLUSTER_STATE_V2 | clusapi.CLUSTER_CHANGE_CLUSTER_RECONNECT_V2 | clusapi.CLUSTER_CHANGE_CLUSTER_LOST_NOTIFICATIONS_V2},
	}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNotifyPort(p2)
	groupState := clusapi.NOTIFY_FILTER_AND_TYPE{DwObjectType: clusapi.CLUSTER_OBJECT_TYPE_GROUP, FilterFlags: clusapi.CLUSTER_CHANGE_GROUP_STATE_V2}
	if st := clusapi.RegisterClusterNotifyV2(p2, groupState, hGroup, 11); st != clusapi.ERROR_SUCCESS {
		t.Fatalf("RegisterClusterNotifyV2: %v", st)
	}

	// Refusals, which change nothing: the wrong version, the wrong
	// object type, a zero filter, a NULL port.
	if st := clusapi.RegisterClusterNotifyV2(p1, groupState, hGroup, 3); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("RegisterClusterNotifyV2 on a V1 port: %v, want ERROR_INVALID_PARAMETER", st)
	}
	if st := clusapi.RegisterClusterNotify(p2, clusapi.CLUSTER_CHANGE_GROUP_STATE, hGroup, 3); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("RegisterClusterNotify on a V2 port: %v, want ERROR_INVALID_PARAMETER", st)
	}
	if st := clusapi.RegisterClusterNotifyV2(p2, clusapi.NOTIFY_FILTER_AND_TYPE{DwObjectType: clusapi.CLUSTER_OBJECT_TYPE_RESOURCE, FilterFlags: 4}, hGroup, 3); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("RegisterClusterNotifyV2, resource filter on a group: %v, want ERROR_INVALID_PARAMETER", st)
	}
	if st := clusapi.RegisterClusterNotify(p1, 0, hGroup, 3); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("RegisterClusterNotify with filter 0: %v, want ERROR_INVALID_PARAMETER", st)
	}
	if st := clusapi.RegisterClusterNotify(nil, clusapi.CLUSTER_CHANGE_GROUP_STATE, hGroup, 3); st != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("RegisterClusterNotify on NULL: %v, want ERROR_INVALID_HANDLE", st)
	}
	if _, _, _, st := clusapi.GetClusterNotify(p2, 0); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("GetClusterNotify on a V2 port: %v, want ERROR_INVALID_PARAMETER", st)
	}
	if _, st := clusapi.GetClusterNotifyV2(p1, 0); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("GetClusterNotifyV2 on a V1 port: %v, want ERROR_INVALID_PARAMETER", st)
	}

	// Per object: Other's changes reach the cluster-wide registration
	// (key 1) only; Mon's reach both, in each version.
	onlineAndWait(t, c, "Other")
	if op, err := c.Groups().Offline(testCtx(t), "Mon", clusapi.OfflineOptions{}); err != nil {
		t.Fatal(err)
	} else if _, err := op.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	seen := awaitV1(t, p1, "Mon's state on its own registration", func(n v1Note) bool { return n.key == 2 })
	for _, n := range seen {
		if n.key == 2 && n.name != "Mon" {
			t.Errorf("per-object registration of Mon got %+v", n)
		}
	}
	awaitV1(t, p1, "Mon's state on the cluster's registration", func(n v1Note) bool {
		return n.key == 1 && n.filter == clusapi.CLUSTER_CHANGE_GROUP_STATE && n.name == "Mon"
	})
	for _, n := range awaitV2(t, p2, "Mon's state, V2", func(n clusapi.ClusterNotifyV2) bool { return n.Key == 11 }) {
		if n.Name != "Mon" || n.FilterAndType != groupState || len(n.Buffer) != 4 || n.ObjectID == "" {
			t.Errorf("V2 notification %+v, want Mon's GROUP_STATE_V2 with its id and a 4-byte state", n)
		}
	}

	// Kill the agent: each port says the cluster cannot be reached.
	a.kill(t)
	awaitV1(t, p1, "CLUSTER_STATE after the kill", func(n v1Note) bool {
		return n.filter == clusapi.CLUSTER_CHANGE_CLUSTER_STATE && n.key == 1 && n.name == clusterName
	})
	awaitV2(t, p2, "CLUSTER_STATE_V2 after the kill", func(n clusapi.ClusterNotifyV2) bool {
		return n.FilterAndType.FilterFlags == clusapi.CLUSTER_CHANGE_CLUSTER_STATE_V2 && n.Key == 10 && n.Name == clusterName
	})
	// Nothing more while it is down.
	if _, filter, _, st := clusapi.GetClusterNotify(p1, 300); st != clusapi.WAIT_TIMEOUT {
		t.Errorf("while the agent is down: %#x %v, want WAIT_TIMEOUT", filter, st)
	}

	// Back: RECONNECT, then the node's state change of the restart, made
	// before the port could connect (the resync), then new changes.
	a.restart(t)
	awaitV1(t, p1, "CLUSTER_RECONNECT", func(n v1Note) bool {
		return n.filter == clusapi.CLUSTER_CHANGE_CLUSTER_RECONNECT && n.key == 1 && n.name == clusterName
	})
	for _, n := range awaitV2(t, p2, "CLUSTER_RECONNECT_V2", func(n clusapi.ClusterNotifyV2) bool {
		return n.FilterAndType.FilterFlags == clusapi.CLUSTER_CHANGE_CLUSTER_RECONNECT_V2 && n.Key == 10
	}) {
		if n.FilterAndType.FilterFlags == clusapi.CLUSTER_CHANGE_CLUSTER_LOST_NOTIFICATIONS_V2 {
			t.Errorf("LOST_NOTIFICATIONS although the database kept the changes")
		}
	}
	awaitV1(t, p1, "the node's state change of the restart", func(n v1Note) bool {
		return n.filter == clusapi.CLUSTER_CHANGE_NODE_STATE && n.name == node
	})
	onlineAndWait(t, c, "Mon")
	awaitV1(t, p1, "Mon's state after the restart", func(n v1Note) bool { return n.key == 2 && n.name == "Mon" })
	awaitV2(t, p2, "Mon's state after the restart, V2", func(n clusapi.ClusterNotifyV2) bool { return n.Key == 11 && n.Name == "Mon" })

	// Closing a port wakes its readers with HANDLE_CLOSE.
	clusapi.CloseClusterNotifyPort(p2)
	if n, st := clusapi.GetClusterNotifyV2(p2, 1000); st != clusapi.ERROR_INVALID_HANDLE || n.FilterAndType.FilterFlags != clusapi.CLUSTER_CHANGE_CLUSTER_HANDLE_CLOSE_V2 {
		t.Errorf("closed V2 port: %+v %v", n, st)
	}
}

// An agent that stops answering without closing its connections (SIGSTOP,
// as a hung machine) is lost too: the port's probe finds it out, and the
// port reports CLUSTER_CHANGE_CLUSTER_STATE, then
// CLUSTER_CHANGE_CLUSTER_RECONNECT once it answers again.
func TestNotifyPortStoppedAgent(t *testing.T) {
	a := startAgent(t)
	pid := a.cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) }) // before the agent's own cleanup stops it
	hCluster := mustCluster(t, a.Addr)
	port, err := clusapi.CreateClusterNotifyPort(nil, hCluster, clusapi.CLUSTER_CHANGE_CLUSTER_STATE|clusapi.CLUSTER_CHANGE_CLUSTER_RECONNECT, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNotifyPort(port)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	awaitV1(t, port, "CLUSTER_STATE for a stopped agent", func(n v1Note) bool {
		return n.filter == clusapi.CLUSTER_CHANGE_CLUSTER_STATE && n.key == 5
	})
	t.Logf("CLUSTER_STATE %v after SIGSTOP", time.Since(stopped).Round(time.Millisecond))
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	awaitV1(t, port, "CLUSTER_RECONNECT after SIGCONT", func(n v1Note) bool {
		return n.filter == clusapi.CLUSTER_CHANGE_CLUSTER_RECONNECT && n.key == 5
	})
}
