package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/version"
)

// adminService backs the cluster database up and evicts nodes; both need
// Full access (they are not in readOnly).
type adminService struct{ *Server }

// backupChunk bounds the snapshot bytes of one message of a backup.
const backupChunk = 1 << 20

// Backup streams a snapshot of the cluster database, taken through this
// node's database client (its certificate opens the database): a header,
// the snapshot in chunks, and a trailer with the size and SHA-256 of what
// was sent. The snapshot is etcd's (Maintenance.Snapshot), consistent at
// one revision, with etcd's own checksum at its end; package backup writes
// and restores it.
func (s adminService) Backup(ctx context.Context, _ *connect.Request[batonv1.BackupRequest], stream *connect.ServerStream[batonv1.BackupResponse]) error {
	if !s.backingUp.CompareAndSwap(false, true) {
		return fmt.Errorf("a backup through node %s is under way; try again when it has finished: %w", s.node, wsfc.ERROR_CLUSTER_BACKUP_IN_PROGRESS)
	}
	defer s.backingUp.Store(false)
	c := s.st.View().Cluster()
	if c == nil {
		return fmt.Errorf("the cluster is still forming: %w", wsfc.ERROR_CLUSTER_NODE_NOT_READY)
	}
	snap, err := s.st.Client().SnapshotWithVersion(ctx)
	if err != nil {
		return fmt.Errorf("snapshot of the cluster database: %w", err)
	}
	defer snap.Snapshot.Close()
	hdr := &batonv1.BackupHeader{ClusterId: c.ID, ClusterName: c.Name, CreatedUnixNano: timeNow().UnixNano(),
		BatonVersion: version.Get().Version, EtcdVersion: snap.Version, NodeName: s.node}
	if err := stream.Send(&batonv1.BackupResponse{Part: &batonv1.BackupResponse_Header{Header: hdr}}); err != nil {
		return err
	}
	sum := sha256.New()
	var size int64
	buf := make([]byte, backupChunk)
	for {
		n, rerr := io.ReadFull(snap.Snapshot, buf)
		if n > 0 {
			sum.Write(buf[:n])
			size += int64(n)
			// Send copies nothing: the chunk must not be buf itself.
			chunk := append([]byte(nil), buf[:n]...)
			if err := stream.Send(&batonv1.BackupResponse{Part: &batonv1.BackupResponse_Chunk{Chunk: chunk}}); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("snapshot of the cluster database: %w", rerr)
		}
	}
	s.log.Info("cluster database backed up", "by", callerOf(ctx).String(), "bytes", size)
	return stream.Send(&batonv1.BackupResponse{Part: &batonv1.BackupResponse_Trailer{Trailer: &batonv1.BackupTrailer{Size: size, Sha256: sum.Sum(nil)}}})
}

// EvictNode is EvictClusterNodeEx (ops.EvictNode has the checks).
func (s adminService) EvictNode(ctx context.Context, req *connect.Request[batonv1.EvictNodeRequest]) (*connect.Response[batonv1.EvictNodeResponse], error) {
	who := callerOf(ctx).String()
	res, err := s.ops.EvictNode(ctx, req.Msg.Name, req.Msg.Force, who)
	if err != nil {
		return nil, err
	}
	s.log.Info("node evicted", "evicted", req.Msg.Name, "by", who, "force", req.Msg.Force, "databaseMember", res.MemberRemoved)
	return connect.NewResponse(&batonv1.EvictNodeResponse{Name: req.Msg.Name, DatabaseMemberRemoved: res.MemberRemoved, Groups: res.Groups}), nil
}
