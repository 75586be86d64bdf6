package clusapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// The examples in this file that talk to a cluster need a running agent
// (`baton agent -dev`), so they have no output to check and are only
// compiled; clusapi_integration_test.go runs the same calls against an
// agent.

// This example makes a group of three dummy resources and brings it online.
func ExampleClient() {
	ctx := context.Background()
	c, err := clusapi.New("") // $BATON_ADDR, or the local agent's socket
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if _, err := c.Groups().Create(ctx, "DemoGroup", clusapi.CreateGroupOptions{}); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"Demo1", "Demo2", "Demo3"} {
		_, err := c.Resources().Create(ctx, name, "DemoGroup", "dummy", clusapi.CreateResourceOptions{
			Properties: proplist.List{{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(200)}}},
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	op, err := c.Groups().Online(ctx, "DemoGroup", clusapi.OnlineOptions{})
	if err != nil {
		log.Fatal(err)
	}
	state, err := op.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("DemoGroup is", state)
}

// This example is the idiomatic version of the OfflineClusterGroupEx
// program: take DemoGroup offline, ignoring locked mode, tell the dummy
// resources to save their state (the DWORD named after their type, 1), and
// wait, showing progress.
func ExampleGroups_Offline() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := clusapi.New("")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	op, err := c.Groups().Offline(ctx, "DemoGroup", clusapi.OfflineOptions{
		Flags:  clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS,
		Params: proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}},
	})
	switch {
	case errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND):
		log.Fatal("there is no DemoGroup")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("answer:", op.Status) // ERROR_IO_PENDING, or ERROR_SUCCESS if it was offline
	state, err := op.WaitProgress(ctx, func(s clusapi.GroupStatus) {
		fmt.Printf("resources offline %d of %d\n", s.ResourcesOffline, s.ResourcesTotal)
	})
	if err != nil {
		log.Fatal(err) // a *GroupStateError if the group ended Failed
	}
	fmt.Println("DemoGroup is", state)
}

// Every error the cluster answers carries its Win32 code: errors.Is tests
// for one, errors.As extracts it.
func ExampleAPIError() {
	// An error as Groups().Offline returns it for a group in locked mode.
	var err error = &clusapi.APIError{
		Code:    clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS,
		Message: `resource "Demo1" of group "DemoGroup" is in locked mode (backup)`,
	}

	if errors.Is(err, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS) {
		fmt.Println("locked; retry with CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS")
	}
	var code clusapi.Errno
	if errors.As(err, &code) {
		fmt.Printf("%d 0x%x %s\n", uint32(code), uint32(code), code.String())
	}
	fmt.Println(err)
	// Output:
	// locked; retry with CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS
	// 5960 0x1748 ERROR_CLUSTER_RESOURCE_LOCKED_STATUS
	// ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960): resource "Demo1" of group "DemoGroup" is in locked mode (backup)
}

// A NULL (nil) or closed handle is refused without a call to the cluster.
func ExampleOfflineClusterGroupEx_invalidHandle() {
	var hGroup clusapi.HGROUP // NULL
	errno := clusapi.OfflineClusterGroupEx(hGroup, 0, nil, 0)
	fmt.Println(uint32(errno), errno.String())
	// Output:
	// 6 ERROR_INVALID_HANDLE
}
