package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/dial"
)

// backup runs AdminService.Backup through c and returns the header, the
// snapshot's bytes and the trailer.
func backup(ctx context.Context, c *dial.Conn) (*batonv1.BackupHeader, []byte, *batonv1.BackupTrailer, error) {
	stream, err := c.Admin.Backup(ctx, connect.NewRequest(&batonv1.BackupRequest{}))
	if err != nil {
		return nil, nil, nil, err
	}
	defer stream.Close()
	var hdr *batonv1.BackupHeader
	var tr *batonv1.BackupTrailer
	var data bytes.Buffer
	for stream.Receive() {
		switch p := stream.Msg().GetPart().(type) {
		case *batonv1.BackupResponse_Header:
			hdr = p.Header
		case *batonv1.BackupResponse_Chunk:
			data.Write(p.Chunk)
		case *batonv1.BackupResponse_Trailer:
			tr = p.Trailer
		}
	}
	return hdr, data.Bytes(), tr, stream.Err()
}

// TestBackupStream: Full access streams a snapshot whose size and SHA-256
// the trailer gives; Read access and no credentials are refused before
// anything is sent.
func TestBackupStream(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	root := conn(t, n.Addr(), "")
	resp, err := root.Access.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: "reader", Access: "read"}))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*dial.Conn{"read": tcpConn(t, n, resp.Msg.Token), "none": tcpConn(t, n, "")} {
		hdr, data, _, err := backup(ctx, c)
		if code(t, err) != wsfc.ERROR_ACCESS_DENIED || hdr != nil || len(data) > 0 {
			t.Errorf("backup with %s access: %v (header %v, %d bytes), want ERROR_ACCESS_DENIED and nothing", name, err, hdr, len(data))
		}
	}
	hdr, data, tr, err := backup(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	c := n.Store().View().Cluster()
	if hdr == nil || hdr.ClusterId != c.ID || hdr.NodeName != "node1" || hdr.CreatedUnixNano == 0 || hdr.BatonVersion == "" {
		t.Errorf("header %v, want cluster %s from node1", hdr, c.ID)
	}
	sum := sha256.Sum256(data)
	if tr == nil || tr.Size != int64(len(data)) || !bytes.Equal(tr.Sha256, sum[:]) || len(data) == 0 {
		t.Errorf("trailer %v for %d bytes with SHA-256 %x", tr, len(data), sum)
	}
}
