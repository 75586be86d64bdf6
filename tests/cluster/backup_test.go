//go:build linux

package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestore backs up a populated three-node cluster (127.0.0.51–53)
// — groups online and offline, resources with properties, access entries,
// a bearer token, a paused node — through the API, loses every machine
// (agents killed, data directories deleted), restores each node's
// database from the backup, starts the nodes with a new cluster secret,
// and compares everything: the same groups, resources, properties,
// entries and token (which still opens the API, now verified against the
// new CA), groups back in their persistent states, and nothing written
// after the backup.
func TestBackupRestore(t *testing.T) {
	c := loopbackClusterAt(t, 50, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	c.start(t)
	led := c.newLedger(t)

	createGroup(t, n1, "bk-online", led, n2.name, n3.name)
	n1.must(t, "resource", "set", "bk-online-r1", "--prop", "OfflineDelayMs=dword:7")
	n1.must(t, "group", "create", "bk-offline", "--preferred-owner", n3.name)
	n1.must(t, "resource", "create", "bk-offline-app", "--group", "bk-offline", "--type", "dummy",
		"--prop", "OnlineDelayMs=dword:3", "--prop", "Ledger=sz:"+led)
	n1.must(t, "group", "set", "bk-offline", "--prop", "Priority=dword:3000")
	n1.must(t, "acl", "grant", "unix:user:nobody", "--access", "read")
	token := tokenOf(t, n1.must(t, "acl", "token", "create", "backup-ops", "--access", "full"))
	n1.must(t, "node", "pause", n3.name)
	awaitOnlineOn(t, n1, "bk-online", n2.name, "", failoverWithin)
	oldCA := caHash(t, n1)
	before := everything(t, n1)
	for k, want := range map[string][]string{
		"groups":    {`"bk-online"`, `"bk-offline"`, `"Priority"`, `3000`},
		"resources": {`"bk-online-r1"`, `"OfflineDelayMs"`, `7`, `"bk-offline-app"`, `"OnlineDelayMs"`},
		"access":    {`"unix:user:nobody"`, `"token:backup-ops"`},
		"tokens":    {`"backup-ops"`},
		"nodes":     {`"Paused"`},
	} {
		for _, w := range want {
			if !strings.Contains(before[k], w) {
				t.Fatalf("%s before the backup lacks %s:\n%s", k, w, before[k])
			}
		}
	}

	file := filepath.Join(c.dir, "cluster.backup")
	bk := mustJSON[backupFileJSON](t, n2, "cluster", "backup", file)
	if bk.Revision <= 0 || bk.Keys <= 0 || len(bk.SHA256) != 64 || bk.Node != n2.name {
		t.Errorf("backup: %+v", bk)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 4096+bk.Size {
		t.Fatalf("backup file: %v %v, want mode 0600 and the header block and %d bytes", fi, err, bk.Size)
	}
	// Changes after the backup are not in it.
	n1.must(t, "group", "create", "bk-later")
	n1.must(t, "acl", "revoke", "unix:user:nobody")

	// Every machine is lost.
	for _, n := range c.nodes {
		n.kill(t)
		if err := os.RemoveAll(n.dir); err != nil {
			t.Fatal(err)
		}
	}

	// A backup that does not match its checksum is refused, and writes
	// nothing.
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-100] ^= 1
	bad := filepath.Join(c.dir, "corrupt.backup")
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if e := errorOf(t, n1, "cluster", "restore", bad, "--data-dir", n1.dir, "--name", n1.name, "--advertise", n1.ip); e.Code != 5087 {
		t.Errorf("restore of a corrupt backup: %+v, want 5087 ERROR_DATABASE_BACKUP_CORRUPT", e)
	}
	if _, err := os.Stat(n1.dir); !os.IsNotExist(err) {
		t.Errorf("the restore of a corrupt backup made %s", n1.dir)
	}

	// Restore each node's database, and start the nodes with a new secret
	// (a restored cluster gets new credentials).
	for _, n := range c.nodes {
		r := mustJSON[backupFileJSON](t, n, "cluster", "restore", file, "--data-dir", n.dir, "--name", n.name,
			"--advertise", n.ip, "--initial-cluster", c.initial)
		if r.SHA256 != bk.SHA256 || r.DataDir != n.dir {
			t.Errorf("restore on %s: %+v", n.name, r)
		}
	}
	c.secret = filepath.Join(c.dir, "cluster-secret-new")
	if err := os.WriteFile(c.secret, []byte(fmt.Sprintf("new-secret-%d", time.Now().UnixNano())), 0o600); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	for _, n := range c.nodes {
		n.spawn(t)
	}
	// The paused node stays paused: every node listed, n3 Paused.
	await(t, upWithin, "n1 and n2 Up, n3 Paused", func() (bool, string) {
		nodes, err := tryJSON[[]nodeJSON](n1, "node", "list")
		if err != nil || len(nodes) != 3 {
			return false, fmt.Sprint(nodes, err)
		}
		want := map[string]string{"n1": "Up", "n2": "Up", "n3": "Paused"}
		for _, n := range nodes {
			if want[n.Name] != n.State {
				return false, fmt.Sprint(nodes)
			}
		}
		return true, ""
	})
	awaitOnlineOn(t, n1, "bk-online", n2.name, "", failoverWithin)
	t.Logf("restored cluster up, bk-online Online on n2, in %v", time.Since(begin).Round(time.Millisecond))

	after := everything(t, n3)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s after the restore:\n%s\nbefore the backup:\n%s", k, after[k], v)
		}
	}
	if newCA := caHash(t, n1); newCA == oldCA {
		t.Errorf("the restored cluster has the old CA %s: want a new one", oldCA)
	}
	// The token still opens the API, over TLS verified against the new CA.
	out, err := batonTCP(n2, token, filepath.Join(n1.dir, "ca.crt"), "group", "state", "bk-offline", "-o", "json")
	if err != nil || !strings.Contains(out, `"state":"Offline"`) {
		t.Errorf("the restored token over https: %s %v", out, err)
	}
	// The restored database is a new one: its revisions start past the
	// old cluster's, so a client resuming an event stream lists again.
	if st := mustJSON[[]nodeJSON](t, n1, "node", "list"); len(st) != 3 {
		t.Errorf("nodes: %+v", st)
	}
	if e := errorOf(t, n1, "events", "--since", fmt.Sprint(bk.Revision)); e.Code != 5083 {
		t.Errorf("events --since the backup's revision: %+v, want 5083 ERROR_CLUSTER_DATABASE_SEQMISMATCH", e)
	}
	takeOffline(t, n1, "bk-online")
	checkLedger(t, led)
}

// backupFileJSON is `cluster backup -o json` and `cluster restore -o json`.
type backupFileJSON struct {
	File     string `json:"file"`
	Revision int64  `json:"revision"`
	Keys     int    `json:"keys"`
	Node     string `json:"node"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	DataDir  string `json:"dataDir"`
}

// everything is what the cluster holds, as via lists it: groups,
// resources, access entries and tokens, without what changes by itself
// (resource status, restart and failover counts, a token's last use).
func everything(t *testing.T, via *node) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []struct {
		key  string
		args []string
		drop []string
	}{
		{"groups", []string{"group", "list"}, []string{"failovers", "restarts", "statusInformation"}},
		{"resources", []string{"resource", "list"}, []string{"status", "restarts"}},
		{"access", []string{"acl", "list"}, nil},
		{"tokens", []string{"acl", "token", "list"}, []string{"lastUsed"}},
		{"nodes", []string{"node", "list"}, []string{"started"}},
	} {
		var v any
		v, err := tryJSON[any](via, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(dropKeys(v, q.drop), "", " ")
		out[q.key] = string(b)
	}
	return out
}

// dropKeys removes the named keys from every object in v.
func dropKeys(v any, keys []string) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range keys {
			delete(x, k)
		}
		for k, e := range x {
			x[k] = dropKeys(e, keys)
		}
	case []any:
		for i, e := range x {
			x[i] = dropKeys(e, keys)
		}
	}
	return v
}

// tokenOf finds the bearer token in `acl token create`'s answer.
func tokenOf(t *testing.T, out string) string {
	t.Helper()
	for _, f := range strings.Fields(out) {
		if tok, ok := strings.CutPrefix(f, "BATON_TOKEN="); ok {
			return tok
		}
		if strings.HasPrefix(f, "baton_") {
			return f
		}
	}
	t.Fatalf("no token in %q", out)
	return ""
}

// caHash is the cluster CA's pin, as join tokens carry it.
func caHash(t *testing.T, n *node) string {
	t.Helper()
	tok := n.joinToken(t)
	parts := strings.Split(tok, ":")
	if len(parts) < 5 {
		t.Fatalf("join token %q", tok)
	}
	return parts[2] + ":" + parts[3]
}

// batonTCP runs the CLI against n's TCP API with a bearer token,
// verifying the agent against the CA file ca.
func batonTCP(n *node, token, ca string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
	defer cancel()
	cmd := exec.CommandContext(ctx, batonBin, args...)
	cmd.Env = append(os.Environ(), "BATON_ADDR=https://"+n.ip+":7410", "BATON_TOKEN="+token, "BATON_CA="+ca)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		return o.String() + e.String(), err
	}
	return o.String(), nil
}
