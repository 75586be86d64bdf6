package controller

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
)

// A database that filled its quota (NOSPACE: it takes no more writes)
// is brought back by the leader's care once the data is deleted: its
// history compacted, its file defragmented, its alarm disarmed.
func TestDatabaseCareFreesAFullDatabase(t *testing.T) {
	const quota = 16 << 20
	c, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := etcdmember.Start(ctx, etcdmember.Config{Name: "db", DataDir: t.TempDir(), ClientURL: "http://" + c, PeerURL: "http://" + p,
		TickMs: 100, ElectionMs: 500, QuotaBytes: quota})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cli := m.Client

	value := strings.Repeat("x", 10<<10)
	full := false
	for i := range 4000 {
		if _, err := cli.Put(ctx, fmt.Sprintf("/fill/%05d", i), value); err != nil {
			if !strings.Contains(err.Error(), "database space exceeded") {
				t.Fatalf("put %d: %v", i, err)
			}
			full = true
			break
		}
	}
	if !full {
		t.Fatal("4,000 puts of 10 KiB did not fill a 16 MiB quota")
	}
	if _, err := cli.Delete(ctx, "/fill/", clientv3.WithPrefix()); err != nil {
		t.Fatalf("delete while full: %v", err)
	}
	before := status(t, cli)
	t.Logf("full: size %d, in use %d, alarms %v", before.Size, before.InUse, before.Alarms)
	if !slices.Contains(before.Alarms, "NOSPACE") {
		t.Fatalf("no NOSPACE alarm: %+v", before)
	}

	care := &dbCare{cfg: DatabaseCare{DefragMin: 1 << 20}, cli: cli, log: slog.New(slog.NewTextHandler(testWriter{t}, nil)), warned: map[uint64]time.Time{}}
	if err := care.round(ctx); err != nil {
		t.Fatal(err)
	}
	after := status(t, cli)
	t.Logf("after one round: size %d, in use %d, alarms %v", after.Size, after.InUse, after.Alarms)
	if after.Size*2 > before.Size || len(after.Alarms) > 0 {
		t.Errorf("after one round: %+v, want the file halved at least and no alarm", after)
	}
	if _, err := cli.Put(ctx, "/after", "ok"); err != nil {
		t.Errorf("a write after the round: %v", err)
	}
}

func status(t *testing.T, cli *clientv3.Client) etcdmember.MemberStatus {
	t.Helper()
	ms, err := etcdmember.Statuses(context.Background(), cli)
	if err != nil || len(ms) != 1 || ms[0].Err != nil {
		t.Fatalf("status: %v %+v", err, ms)
	}
	return ms[0]
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
