package backup

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
)

// backupOf writes a backup of db to a file in dir, as `baton cluster
// backup` does with the agent's stream.
func backupOf(t *testing.T, db *clustertest.Database, dir string) (string, Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := db.Client.SnapshotWithVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Snapshot.Close()
	path := filepath.Join(dir, "cluster.backup")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, sum), snap.Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	h, err := w.Commit(Header{ClusterID: "c1", ClusterName: "test", Created: time.Now().UTC().Round(0), Node: "n1", BatonVersion: "test"}, n, sum.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	return path, h
}

func TestBackupRoundTrip(t *testing.T) {
	db := clustertest.NewDatabase(t)
	ctx := context.Background()
	var last int64
	for i := range 20 {
		resp, err := db.Client.Put(ctx, fmt.Sprintf("/baton/v1/test/%02d", i), fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Header.Revision
	}
	dir := t.TempDir()
	path, h := backupOf(t, db, dir)
	if h.Revision != last || h.Keys != 20 || h.Format != Format || h.SHA256 == "" {
		t.Errorf("header %+v: want revision %d, 20 keys", h, last)
	}
	if _, err := os.Stat(path + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the partial file is left behind: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v %v, want mode 0600", fi, err)
	}
	got, err := ReadHeader(path)
	if err != nil || got != h {
		t.Errorf("ReadHeader: %+v %v, want %+v", got, err, h)
	}
	if got, err := Verify(path); err != nil || got != h {
		t.Errorf("Verify: %+v %v", got, err)
	}

	// Restore, start a member on the restored data, read the keys back.
	data := filepath.Join(dir, "node")
	peer, client := freeURL(t), freeURL(t)
	if _, err := Restore(path, RestoreConfig{DataDir: data, Name: "n1", PeerURL: peer}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(data, "etcd")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("restored database directory: %v %v, want mode 0700", fi, err)
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := etcdmember.Start(sctx, etcdmember.Config{Name: "n1", DataDir: filepath.Join(data, "etcd"), ClientURL: client, PeerURL: peer, TickMs: 100, ElectionMs: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resp, err := m.Client.Get(sctx, "/baton/v1/test/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 20 || string(resp.Kvs[19].Value) != "19" {
		t.Errorf("restored keys: %d, want 20", len(resp.Kvs))
	}
	if resp.Header.Revision < last+RevisionBump {
		t.Errorf("restored revision %d: want at least %d (bumped)", resp.Header.Revision, last+RevisionBump)
	}
	// The history before the restore is compacted away: a watcher from
	// an old revision learns it has to list again.
	if _, err := m.Client.Get(sctx, "/baton/v1/test/00", clientv3.WithRev(last)); err == nil {
		t.Errorf("a read at the backup's revision %d worked: want it compacted", last)
	}
}

func TestBackupCorrupt(t *testing.T) {
	db := clustertest.NewDatabase(t)
	if _, err := db.Client.Put(context.Background(), "/baton/v1/k", "v"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, h := backupOf(t, db, dir)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := filepath.Join(dir, "flipped")
	c := append([]byte(nil), b...)
	c[HeaderSize+int(h.Size)/2] ^= 0x01
	short := filepath.Join(dir, "short")
	notOne := filepath.Join(dir, "not-a-backup")
	for p, data := range map[string][]byte{flipped: c, short: b[:len(b)-1], notOne: []byte("hello")} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{flipped, short, notOne} {
		_, err := Verify(p)
		if !errors.Is(err, wsfc.ERROR_DATABASE_BACKUP_CORRUPT) {
			t.Errorf("Verify(%s): %v, want ERROR_DATABASE_BACKUP_CORRUPT", filepath.Base(p), err)
		}
		data := filepath.Join(dir, "data-"+filepath.Base(p))
		if _, err := Restore(p, RestoreConfig{DataDir: data, Name: "n1", PeerURL: "http://127.0.0.1:7412"}); !errors.Is(err, wsfc.ERROR_DATABASE_BACKUP_CORRUPT) {
			t.Errorf("Restore(%s): %v, want ERROR_DATABASE_BACKUP_CORRUPT", filepath.Base(p), err)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Restore(%s) of a corrupt backup wrote %s", filepath.Base(p), data)
		}
	}

	// A commit whose bytes differ from what the sender says is refused,
	// and leaves nothing.
	w, err := Create(filepath.Join(dir, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("some bytes"))
	if _, err := w.Commit(Header{}, 10, make([]byte, 32)); !errors.Is(err, wsfc.ERROR_DATABASE_BACKUP_CORRUPT) {
		t.Errorf("Commit with a wrong checksum: %v", err)
	}
	for _, p := range []string{"bad", "bad.partial", "bad.tmp"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
}

func TestRestoreRefusesAUsedDataDir(t *testing.T) {
	db := clustertest.NewDatabase(t)
	if _, err := db.Client.Put(context.Background(), "/baton/v1/k", "v"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, _ := backupOf(t, db, dir)
	for _, sub := range []string{"pki", "etcd"} {
		data := filepath.Join(dir, "with-"+sub)
		if err := os.MkdirAll(filepath.Join(data, sub), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, sub, "x"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Restore(path, RestoreConfig{DataDir: data, Name: "n1", PeerURL: "http://127.0.0.1:7412"}); !errors.Is(err, ErrNotEmpty) {
			t.Errorf("restore into a data directory with %s/: %v, want ErrNotEmpty", sub, err)
		}
	}
	// Empty directories of either are fine (the package's installer makes
	// the data directory; an operator may have emptied pki/).
	data := filepath.Join(dir, "empty")
	for _, sub := range []string{"pki", "etcd"} {
		if err := os.MkdirAll(filepath.Join(data, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Restore(path, RestoreConfig{DataDir: data, Name: "n1", PeerURL: "http://127.0.0.1:7412"}); err != nil {
		t.Errorf("restore into empty directories: %v", err)
	}
	// The members named must include this node.
	if _, err := Restore(path, RestoreConfig{DataDir: filepath.Join(dir, "x"), Name: "n1", PeerURL: "http://127.0.0.1:7412",
		InitialCluster: "n2=http://127.0.0.2:7412"}); err == nil {
		t.Error("restore of a node the members do not name: no error")
	}
}

func freeURL(t *testing.T) string {
	t.Helper()
	a, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + a
}
