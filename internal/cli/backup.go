package cli

import (
	"errors"
	"fmt"
	"net"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/backup"
	"github.com/batoncluster/baton/internal/config"
)

// backupJSON answers `cluster backup` and `cluster restore`.
type backupJSON struct {
	File         string    `json:"file"`
	ClusterName  string    `json:"clusterName"`
	ClusterID    string    `json:"clusterId"`
	Revision     int64     `json:"revision"`
	Keys         int       `json:"keys"`
	Created      time.Time `json:"created"`
	Node         string    `json:"node"`
	BatonVersion string    `json:"batonVersion"`
	EtcdVersion  string    `json:"etcdVersion"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	// DataDir is where a restore wrote the node's database.
	DataDir string `json:"dataDir,omitempty"`
}

func backupOf(file string, h backup.Header) backupJSON {
	return backupJSON{File: file, ClusterName: h.ClusterName, ClusterID: h.ClusterID, Revision: h.Revision, Keys: h.Keys, Created: h.Created.UTC(),
		Node: h.Node, BatonVersion: h.BatonVersion, EtcdVersion: h.EtcdVersion, Size: h.Size, SHA256: h.SHA256}
}

func (a *app) printBackup(j backupJSON) error {
	if a.jsonOut() {
		return a.printJSON(j)
	}
	lines := []kv{
		{"file", j.File},
		{"cluster", fmt.Sprintf("%s (%s)", j.ClusterName, j.ClusterID)},
		{"revision", fmt.Sprintf("%d (%d keys)", j.Revision, j.Keys)},
		{"taken", fmt.Sprintf("%s by node %s (baton %s, etcd %s)", j.Created.Format(time.RFC3339), j.Node, j.BatonVersion, orDash(j.EtcdVersion))},
		{"size", fmt.Sprintf("%d bytes", j.Size)},
		{"sha256", j.SHA256},
	}
	if j.DataDir != "" {
		lines = append(lines, kv{"restored into", j.DataDir})
	}
	return block(a.stdout, lines)
}

// backupErr gives an error of package backup the Win32 code it carries
// (ERROR_DATABASE_BACKUP_CORRUPT), so it prints and exits as an API error.
func backupErr(err error) error {
	var code clusapi.Errno
	if errors.As(err, &code) {
		return &apiError{Code: code, Msg: err.Error()}
	}
	return err
}

func (a *app) clusterBackup() *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Save a consistent snapshot of the cluster database to FILE (Full access)",
		Long: `Save a snapshot of the whole cluster database — every group, resource,
property, access entry, token hash and node record, as of one revision —
with a header (cluster, revision, time, versions) and its SHA-256, to FILE
(mode 0600; written as FILE.partial and renamed once complete and checked).

The agent takes the snapshot with its own database credentials and streams
it; the caller needs Full access. A backup is as sensitive as a node: keep
it where only the cluster's administrators can read it (docs/security.md).
'baton cluster restore' brings a cluster back from it
(docs/operations/backup-restore.md).`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			file := args[0]
			stream, err := c.Admin.Backup(cmd.Context(), connect.NewRequest(&batonv1.BackupRequest{}))
			if err != nil {
				return err
			}
			defer stream.Close()
			w, err := backup.Create(file)
			if err != nil {
				return err
			}
			var hdr *batonv1.BackupHeader
			var trailer *batonv1.BackupTrailer
			for trailer == nil && stream.Receive() {
				switch p := stream.Msg().GetPart().(type) {
				case *batonv1.BackupResponse_Header:
					hdr = p.Header
				case *batonv1.BackupResponse_Chunk:
					if _, err := w.Write(p.Chunk); err != nil {
						w.Abort()
						return err
					}
				case *batonv1.BackupResponse_Trailer:
					trailer = p.Trailer
				}
			}
			if err := stream.Err(); err != nil {
				w.Abort()
				return err
			}
			if hdr == nil || trailer == nil {
				w.Abort()
				return &apiError{Code: clusapi.ERROR_DATABASE_BACKUP_CORRUPT, Msg: "the agent's stream ended before the whole snapshot came"}
			}
			h := backup.Header{ClusterID: hdr.GetClusterId(), ClusterName: hdr.GetClusterName(),
				Created: time.Unix(0, hdr.GetCreatedUnixNano()).UTC(), BatonVersion: hdr.GetBatonVersion(),
				EtcdVersion: hdr.GetEtcdVersion(), Node: hdr.GetNodeName()}
			h, err = w.Commit(h, trailer.GetSize(), trailer.GetSha256())
			if err != nil {
				return backupErr(err)
			}
			return a.printBackup(backupOf(file, h))
		},
	}
}

func (a *app) clusterRestore() *cobra.Command {
	var dataDir, name, advertise, initial, peerAddr string
	var verifyOnly bool
	cmd := &cobra.Command{
		Use:   "restore FILE --data-dir DIR --name NAME --advertise IP [--initial-cluster n1=IP1,…]",
		Short: "Make a stopped node's database from a backup (offline; checks the backup first)",
		Long: `Make a node's cluster database from a backup made by 'baton cluster backup':
on a node whose agent is not running, into a data directory with no
database and no credentials (DIR/etcd and DIR/pki absent or empty). It
checks the backup's SHA-256 first and writes nothing if it does not match
(ERROR_DATABASE_BACKUP_CORRUPT, 5087).

Give the node's name and address as its agent will run (--name,
--advertise, or --etcd-peer-addr), and every database member of the
restored cluster with --initial-cluster, the same on each of them; without
it the node is the restored cluster's only member, and the other nodes
join it with join tokens. Then start the agents: with --initial-cluster
and a NEW cluster secret (--cluster-secret-file), or alone with neither —
a restored cluster gets a new CA, and new node credentials.

Every group, resource, property, access entry, bearer token and persistent
state comes back as it was at the backup's revision; groups that were
online come online again (docs/operations/backup-restore.md has the steps
for a three-node cluster). With --verify, only check the backup.`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if verifyOnly {
				h, err := backup.Verify(file)
				if err != nil {
					return backupErr(err)
				}
				return a.printBackup(backupOf(file, h))
			}
			if dataDir == "" || name == "" {
				return usageErrorf("restore needs --data-dir and --name (as the node's agent will run)")
			}
			if !config.ValidNodeName(name) {
				return usageErrorf("--name %q: 1-63 letters, digits, '.', '_' or '-'", name)
			}
			peer := peerAddr
			if peer == "" {
				if advertise == "" || net.ParseIP(advertise) == nil {
					return usageErrorf("restore needs --advertise IP (or --etcd-peer-addr IP:PORT): where the node's database member serves its peers")
				}
				peer = net.JoinHostPort(advertise, "7412")
			}
			cfg := backup.RestoreConfig{DataDir: dataDir, Name: name, PeerURL: "https://" + peer}
			if initial != "" {
				c := config.Config{InitialCluster: initial}
				urls, err := c.InitialClusterURLs()
				if err != nil {
					return usageErr(err)
				}
				cfg.InitialCluster = urls
			}
			h, err := backup.Restore(file, cfg)
			if err != nil {
				return backupErr(err)
			}
			j := backupOf(file, h)
			j.DataDir = dataDir
			return a.printBackup(j)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "the node's data directory (its agent's --data-dir); the database goes to DIR/etcd")
	f.StringVar(&name, "name", "", "the node's name (its agent's --name)")
	f.StringVar(&advertise, "advertise", "", "the node's IP address (its agent's --advertise): its database member's peers reach it at IP:7412")
	f.StringVar(&peerAddr, "etcd-peer-addr", "", "the node's database peer address, if its agent sets --etcd-peer-addr")
	f.StringVar(&initial, "initial-cluster", "", "every database member of the restored cluster, name=IP,… (as the agents' --initial-cluster); default: this node alone")
	f.BoolVar(&verifyOnly, "verify", false, "only check the backup (its header, size and SHA-256) and print its header")
	return cmd
}
