//go:build linux

package cluster

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// The clusapi handle functions on two real agents (issue 14): an online
// beside a group of the same AntiAffinityClassNames answers 5071 and
// changes nothing; CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE starts the
// group on the other node; a move that ignores the rule brings it back,
// and a version 2 port reports CLUSTER_CHANGE_GROUP_OWNER_NODE_V2. Two
// agents on 127.0.0.71–72.
func TestClusapiOnTwoNodes(t *testing.T) {
	ip := func(i int) string { return fmt.Sprintf("127.0.0.%d", 70+i) }
	for i := 1; i <= 2; i++ {
		for _, port := range []string{"7410", "7411", "7412"} {
			l, err := net.Listen("tcp", net.JoinHostPort(ip(i), port))
			if err != nil {
				t.Fatalf("the cluster needs %s:%s free: %v (another agent running?)", ip(i), port, err)
			}
			l.Close()
		}
	}
	c := newCluster(t, 2, ip, nil)
	c.start(t)
	c.awaitAllUp(t)
	n1, n2 := c.nodes[0], c.nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := clusapi.New(n1.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	web := proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("web")}}}
	for _, g := range []string{"A", "B"} {
		if _, err := cl.Groups().Create(ctx, g, clusapi.CreateGroupOptions{PreferredOwners: []string{n1.name}, Properties: web}); err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Resources().Create(ctx, g+"-r", g, "dummy", clusapi.CreateResourceOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	hCluster, err := clusapi.OpenCluster(n1.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	port, err := clusapi.CreateClusterNotifyPortV2(nil, hCluster, []clusapi.NOTIFY_FILTER_AND_TYPE{
		{DwObjectType: clusapi.CLUSTER_OBJECT_TYPE_GROUP, FilterFlags: clusapi.CLUSTER_CHANGE_GROUP_OWNER_NODE_V2},
	}, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNotifyPort(port)
	open := func(name string) clusapi.HGROUP {
		h, err := clusapi.OpenClusterGroup(hCluster, name)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	hA, hB := open("A"), open("B")
	sync := clusapi.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS
	if got := clusapi.OnlineClusterGroupEx(hA, nil, sync, nil, 0); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("online A: %v", got)
	}
	if got := clusapi.OnlineClusterGroup(hB, nil); got != clusapi.ERROR_NODE_CANT_HOST_RESOURCE {
		t.Errorf("online B beside A on %s: %v, want ERROR_NODE_CANT_HOST_RESOURCE", n1.name, got)
	}
	if g, err := cl.Groups().Get(ctx, "B"); err != nil || g.PersistentState != 0 || g.OwnerNode != n1.name || g.State != clusapi.ClusterGroupOffline {
		t.Errorf("the refused online changed B: %+v %v", g, err)
	}
	if got := clusapi.OnlineClusterGroupEx(hB, nil, sync|clusapi.CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE, nil, 0); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("online B on the best possible node: %v", got)
	}
	if st, owner, err := clusapi.GetClusterGroupState(hB); st != clusapi.ClusterGroupOnline || owner != n2.name {
		t.Fatalf("B after the best-node online: %v on %q (%v), want Online on %s", st, owner, err, n2.name)
	}
	// Back beside A, ignoring the rule: the port sees B's owner change.
	hNode1, err := clusapi.OpenClusterNode(hCluster, n1.name)
	if err != nil {
		t.Fatal(err)
	}
	if got := clusapi.MoveClusterGroup(hB, hNode1); got != clusapi.ERROR_NODE_CANT_HOST_RESOURCE {
		t.Errorf("move B beside A: %v, want ERROR_NODE_CANT_HOST_RESOURCE", got)
	}
	if got := clusapi.MoveClusterGroupEx(hB, hNode1, clusapi.CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE, nil, 0); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("move B beside A ignoring the rule: %v, want ERROR_IO_PENDING", got)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, st := clusapi.GetClusterNotifyV2(port, 1000)
		if st == clusapi.ERROR_SUCCESS && n.Name == "B" && n.Key == 7 && n.FilterAndType.FilterFlags == clusapi.CLUSTER_CHANGE_GROUP_OWNER_NODE_V2 {
			break
		}
		if st != clusapi.ERROR_SUCCESS && st != clusapi.WAIT_TIMEOUT {
			t.Fatalf("GetClusterNotifyV2: %v", st)
		}
		if time.Now().After(deadline) {
			t.Fatal("no CLUSTER_CHANGE_GROUP_OWNER_NODE_V2 for B within 60 s")
		}
	}
}
