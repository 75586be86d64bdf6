// Package backup keeps a cluster backup in a file, and restores a node's
// database from one.
//
// A backup file is a header block of HeaderSize bytes — the line
// "baton-backup 1", then the Header as JSON, padded with spaces to a
// final newline, readable with `head -c 4096` — followed by the snapshot
// of the cluster database exactly as etcd sent it (Maintenance.Snapshot:
// a bbolt file and etcd's own SHA-256 of it at its end). The header
// carries the snapshot's size and SHA-256; Verify checks them before
// anything reads the snapshot, and Restore verifies first.
//
// Restore makes a node's database from the snapshot, as `etcdutl
// snapshot restore` does (go.etcd.io/etcd/etcdutl/v3/snapshot): a new
// etcd cluster of the members named, with the backup's records, its
// revision raised by RevisionBump and the history before it compacted
// away, so that a client watching from a revision of the old cluster
// lists again instead of missing changes. It writes only DATA/etcd/: the
// node's credentials are not in the backup, and a restored node starts
// without any (docs/operations/backup-restore.md).
package backup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

// HeaderSize is the size of a backup file's header block.
const HeaderSize = 4096

// magic is the first line of a backup file: the format and its version.
const magic = "baton-backup 1\n"

// Format is the version of the file format this package writes and reads.
const Format = 1

// Header says what a backup is of.
type Header struct {
	Format       int       `json:"format"`
	ClusterID    string    `json:"clusterId"`
	ClusterName  string    `json:"clusterName"`
	Revision     int64     `json:"revision"` // the database's revision in the snapshot
	Keys         int       `json:"keys"`     // the keys in the snapshot
	Created      time.Time `json:"created"`
	BatonVersion string    `json:"batonVersion"` // of the node that took it
	EtcdVersion  string    `json:"etcdVersion"`  // the snapshot's storage version
	Node         string    `json:"node"`         // the node that took it
	Size         int64     `json:"size"`         // bytes of snapshot after the header block
	SHA256       string    `json:"sha256"`       // of those bytes, hex
}

// ErrCorrupt is a backup file that is not one, or whose snapshot does not
// match its header's size and checksum. It wraps
// wsfc.ERROR_DATABASE_BACKUP_CORRUPT.
var ErrCorrupt = fmt.Errorf("backup: corrupt: %w", wsfc.ERROR_DATABASE_BACKUP_CORRUPT)

// Writer writes a backup file: Create, the snapshot through Write, then
// Commit with the header (or Abort). The snapshot goes to NAME.partial
// first; the file appears under its name only once committed.
type Writer struct {
	f    *os.File
	path string
	sum  hash.Hash
	n    int64
}

// Create starts a backup file at path (mode 0600, as the partial one: it
// holds the hashes of the cluster's tokens and its whole configuration).
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path+".partial", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return &Writer{f: f, path: path, sum: sha256.New()}, nil
}

// Write appends snapshot bytes.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.sum.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// Commit checks what was written against the sender's size and checksum
// (from the stream's trailer) and that it is a database etcd can open
// (its revision and number of keys go into the header), then writes the
// file: the header block, the snapshot, synced, under its name. It
// returns the header written. On error nothing is left behind.
func (w *Writer) Commit(h Header, wantSize int64, wantSum []byte) (Header, error) {
	defer os.Remove(w.f.Name())
	got := w.sum.Sum(nil)
	if wantSize != w.n || !bytes.Equal(wantSum, got) {
		w.f.Close()
		return Header{}, fmt.Errorf("%w: received %d bytes with SHA-256 %x, the agent sent %d bytes with SHA-256 %x", ErrCorrupt, w.n, got, wantSize, wantSum)
	}
	if err := w.f.Close(); err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	st, err := snapshot.NewV3(zap.NewNop()).Status(w.f.Name())
	if err != nil {
		return Header{}, fmt.Errorf("%w: the snapshot is not a database etcd opens: %v", ErrCorrupt, err)
	}
	h.Format, h.Size, h.SHA256, h.Revision, h.Keys = Format, w.n, hex.EncodeToString(got), st.Revision, st.TotalKey
	if h.EtcdVersion == "" {
		h.EtcdVersion = st.Version
	}
	if err := writeFile(w.path, h, w.f.Name()); err != nil {
		return Header{}, err
	}
	return h, nil
}

// writeFile writes the backup file at path: h's header block, then the
// snapshot in the file at snap.
func writeFile(path string, h Header, snap string) (err error) {
	block, err := encodeHeader(h)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	in, err := os.Open(snap)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer in.Close()
	tmp := path + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(tmp)
			err = fmt.Errorf("backup: %w", err)
		}
	}()
	if _, err = out.Write(block); err != nil {
		return err
	}
	if _, err = io.Copy(out, in); err != nil {
		return err
	}
	if err = out.Sync(); err != nil {
		return err
	}
	if err = out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Abort drops the unfinished file.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func encodeHeader(h Header) ([]byte, error) {
	j, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	block := append([]byte(magic), j...)
	if len(block)+1 > HeaderSize {
		return nil, fmt.Errorf("header of %d bytes: at most %d", len(block)+1, HeaderSize)
	}
	pad := bytes.Repeat([]byte{' '}, HeaderSize-len(block)-1)
	return append(append(block, pad...), '\n'), nil
}

// ReadHeader reads the header of the backup file at path, without
// checking the snapshot (Verify does).
func ReadHeader(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	return readHeader(f)
}

func readHeader(r io.Reader) (Header, error) {
	block := make([]byte, HeaderSize)
	if _, err := io.ReadFull(r, block); err != nil {
		return Header{}, fmt.Errorf("%w: no header block: %v", ErrCorrupt, err)
	}
	rest, ok := bytes.CutPrefix(block, []byte(magic))
	if !ok {
		return Header{}, fmt.Errorf("%w: not a baton backup (it does not start with %q)", ErrCorrupt, strings.TrimSpace(magic))
	}
	var h Header
	if err := json.Unmarshal(bytes.TrimRight(rest, " \n"), &h); err != nil {
		return Header{}, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if h.Format != Format {
		return Header{}, fmt.Errorf("%w: format %d, this baton reads %d", ErrCorrupt, h.Format, Format)
	}
	return h, nil
}

// Verify reads the backup file at path whole and checks its snapshot
// against the header's size and SHA-256; ErrCorrupt if they differ.
func Verify(path string) (Header, error) {
	return copySnapshot(path, io.Discard)
}

// copySnapshot verifies the backup at path while copying its snapshot to
// w; the copy is good only if it returns no error.
func copySnapshot(path string, w io.Writer) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	h, err := readHeader(f)
	if err != nil {
		return Header{}, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, sum), f)
	if err != nil {
		return Header{}, fmt.Errorf("backup: %w", err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); n != h.Size || got != h.SHA256 {
		return Header{}, fmt.Errorf("%w: the snapshot has %d bytes with SHA-256 %s; the header says %d bytes with SHA-256 %s",
			ErrCorrupt, n, got, h.Size, h.SHA256)
	}
	return h, nil
}

// ErrNotEmpty is a data directory Restore will not write into.
var ErrNotEmpty = errors.New("backup: the data directory is not fit for a restore")

// checkDataDir refuses a data directory that holds a database, or the
// credentials of a node: a restored node starts with none (a new CA, from
// a new cluster secret, or a new random one for a node that forms alone).
func checkDataDir(dir string) error {
	for _, sub := range []string{"etcd", "pki"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if len(entries) > 0 {
			what := "a database"
			if sub == "pki" {
				what = "a node's credentials (a restored cluster gets new ones)"
			}
			return fmt.Errorf("%w: %s holds %s: restore into an empty data directory, or move it away", ErrNotEmpty, filepath.Join(dir, sub), what)
		}
	}
	return nil
}
