package e2e

import (
	"strings"
	"testing"
)

// `group why` explains a locked group, and `group history` lists who did
// what with which flags and parameters, and how it ended.
func TestWhyAndHistory(t *testing.T) {
	a := startAgent(t, t.TempDir())
	createDemoGroup(a)
	a.must("resource", "set", "r3", "--prop", "Locked=dword:1", "--prop", "LockedReason=sz:nightly backup")
	var why struct {
		State   string `json:"state"`
		Reasons []struct {
			Resource, Code, Text string
		} `json:"reasons"`
	}
	a.jsonOf(&why, "group", "why", "DemoGroup")
	found := false
	for _, r := range why.Reasons {
		if r.Resource == "r3" && r.Code == "locked" && strings.Contains(r.Text, "nightly backup") {
			found = true
		}
	}
	if why.State != "Online" || !found {
		t.Fatalf("why: %+v", why)
	}
	if out := a.must("group", "why", "DemoGroup"); !strings.Contains(out, "r3: in locked mode (nightly backup)") {
		t.Errorf("why, as text:\n%s", out)
	}

	var status struct {
		Groups []struct {
			Name      string `json:"name"`
			State     string `json:"state"`
			Resources []struct {
				Name   string `json:"name"`
				Locked bool   `json:"locked"`
			} `json:"resources"`
		} `json:"groups"`
		Problems []string `json:"problems"`
	}
	a.jsonOf(&status, "cluster", "status")
	if len(status.Groups) != 1 || status.Groups[0].State != "Online" || len(status.Groups[0].Resources) != 3 || len(status.Problems) != 0 {
		t.Errorf("cluster status: %+v", status)
	}

	// Shell completion offers the cluster's group and resource names.
	if out := a.must("__complete", "group", "offline", ""); !strings.Contains(out, "DemoGroup\n") {
		t.Errorf("completion of group names:\n%s", out)
	}
	if out := a.must("__complete", "resource", "show", ""); !strings.Contains(out, "r1\nr2\nr3\n") {
		t.Errorf("completion of resource names:\n%s", out)
	}

	a.must("group", "offline", "DemoGroup", "--ignore-locked", "--param", "dummy=dword:1", "--wait=30s")
	var hist []struct {
		Kind    string `json:"kind"`
		Flags   uint32 `json:"flags"`
		Caller  string `json:"caller"`
		Outcome string `json:"outcome"`
		Params  []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"params"`
	}
	a.jsonOf(&hist, "group", "history", "DemoGroup")
	if len(hist) != 2 || hist[0].Kind != "OnlineGroup" || hist[1].Kind != "OfflineGroup" {
		t.Fatalf("history: %+v", hist)
	}
	off := hist[1]
	if off.Flags != 1 || off.Caller != "unix:user:root" || off.Outcome != "succeeded" ||
		len(off.Params) != 1 || off.Params[0].Name != "dummy" || off.Params[0].Value != float64(1) {
		t.Errorf("offline in history: %+v", off)
	}
	if out := a.must("group", "history", "DemoGroup"); !strings.Contains(out, "dummy=dword:1") || !strings.Contains(out, "succeeded") {
		t.Errorf("history, as text:\n%s", out)
	}
}
