package backup

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// RevisionBump is how far a restore raises the database's revision past
// the backup's: more than any cluster writes between a backup and its
// restore, so a client that saw a later revision of the old cluster is
// behind the restored one, finds its revision compacted, and lists
// again.
const RevisionBump = 1_000_000_000

// RestoreConfig says which node's database a restore makes.
type RestoreConfig struct {
	// DataDir is the node's data directory (`baton agent --data-dir`);
	// the database goes to DataDir/etcd.
	DataDir string
	// Name is the node's name, and PeerURL where its database member
	// serves its peers (https://IP:7412): both as the agent will run.
	Name    string
	PeerURL string
	// InitialCluster names every member of the restored database,
	// "name=https://IP:7412,…" (config.Config.InitialClusterURLs);
	// "" means Name alone.
	InitialCluster string
}

// Restore makes the node's database from the backup at path, after
// verifying it whole. Every member of a restored cluster is restored from
// the same backup with the same InitialCluster. It writes nothing if the
// backup is corrupt or the data directory holds a database or
// credentials.
func Restore(path string, cfg RestoreConfig) (Header, error) {
	if cfg.DataDir == "" || cfg.Name == "" || cfg.PeerURL == "" {
		return Header{}, errors.New("backup: restore needs a data directory, a node name and a peer URL")
	}
	if _, err := url.Parse(cfg.PeerURL); err != nil {
		return Header{}, fmt.Errorf("backup: peer URL: %w", err)
	}
	initial := cfg.InitialCluster
	if initial == "" {
		initial = cfg.Name + "=" + cfg.PeerURL
	}
	if !strings.Contains(","+initial, ","+cfg.Name+"="+cfg.PeerURL) {
		return Header{}, fmt.Errorf("backup: the members %s do not name this node, %s=%s", initial, cfg.Name, cfg.PeerURL)
	}
	h, err := Verify(path)
	if err != nil {
		return Header{}, err
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		return Header{}, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	// etcd restores from a file holding the snapshot alone.
	tmp, err := os.CreateTemp(cfg.DataDir, ".restore-*.db")
	if err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = copySnapshot(path, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Header{}, err // the file changed since Verify
	}
	dbDir := filepath.Join(cfg.DataDir, "etcd")
	if err := os.Remove(dbDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Header{}, fmt.Errorf("backup: %w", err) // empty (checkDataDir): etcd wants to make it
	}
	err = snapshot.NewV3(zap.NewNop()).Restore(snapshot.RestoreConfig{
		SnapshotPath:   tmp.Name(),
		Name:           cfg.Name,
		OutputDataDir:  dbDir,
		PeerURLs:       []string{cfg.PeerURL},
		InitialCluster: initial,
		// The same on every member restored from this backup, and
		// different from the old cluster's, whose members cannot join it.
		InitialClusterToken: fmt.Sprintf("baton-%s-restored-%d", h.ClusterID, h.Revision),
		RevisionBump:        RevisionBump,
		MarkCompacted:       true,
	})
	if err != nil {
		os.RemoveAll(dbDir)
		return Header{}, fmt.Errorf("backup: restore: %w", err)
	}
	if err := os.Chmod(dbDir, 0o700); err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	return h, nil
}
