// Package etcdmember runs the cluster database in-process: one embedded
// etcd member (go.etcd.io/etcd/server/v3/embed) with timings fit for a
// failover cluster, and a client connected to it. It also adds a member to
// a running cluster (Join): as a learner first, promoted to a voting member
// once it has caught up.
package etcdmember

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Config says where the member keeps its data and listens.
type Config struct {
	Name      string
	DataDir   string
	ClientURL string // e.g. https://127.0.0.1:7411
	PeerURL   string // e.g. https://127.0.0.1:7412
	// InitialCluster is "name=peerURL,…"; empty means a new one-member cluster.
	InitialCluster string
	// Existing says InitialCluster is a running cluster this new member
	// joins (etcd's initial cluster state "existing"), rather than one that
	// forms now. Join sets it.
	Existing   bool
	TickMs     uint
	ElectionMs uint
	// MaxTxnOps bounds a transaction's operations; 0 means 16384, room for
	// a big group's whole offline in one transaction. Tests set less to
	// play an etcd cluster with its default limit (128).
	MaxTxnOps uint
	// MaxRequestBytes bounds a request's size; 0 means MaxRequestBytes.
	// Tests set 1.5 MiB to play an etcd cluster with its default.
	MaxRequestBytes uint
	// QuotaBytes is the size past which the member takes no more writes
	// (NOSPACE); 0 means QuotaBytes. Tests set less to fill it.
	QuotaBytes int64
	// Log receives etcd's errors, and its fatal error before it exits;
	// nil: none.
	Log *slog.Logger
	// TLS are the member's files: both ports serve TLS with them and
	// require a client certificate from the CA; nil serves plain HTTP
	// (only tests that exercise etcd itself do that).
	TLS *TLSFiles
	// ClientTLS is what the member's clients (its own, and those that
	// add or promote it) present: a certificate from the same CA.
	ClientTLS *tls.Config
}

// TLSFiles are PEM files: the CA certificate, and the node's certificate
// and key.
type TLSFiles struct {
	CA, Cert, Key string
}

func (f *TLSFiles) info() transport.TLSInfo {
	// ClientCertAuth: a caller without a certificate from the CA cannot
	// even finish the handshake, on the client and on the peer port.
	return transport.TLSInfo{CertFile: f.Cert, KeyFile: f.Key, TrustedCAFile: f.CA, ClientCertAuth: true}
}

// MaxRequestBytes is the largest request the embedded members take: room
// for a big group's whole change in one transaction.
const MaxRequestBytes = 8 << 20

// ClientMaxSend is what the cluster's etcd clients may send in one
// request: MaxRequestBytes and gRPC's framing (etcd's server allows 512
// KiB over its limit). gRPC's own default, 2 MiB, would refuse records
// the API accepts.
const ClientMaxSend = MaxRequestBytes + 512<<10

// Member is a running embedded etcd member and a client of it.
type Member struct {
	etcd      *embed.Etcd
	clientURL string
	clientTLS *tls.Config
	Client    *clientv3.Client
	closeOnce sync.Once
}

// Start starts the member and waits until it serves requests. A member
// whose data directory holds data restarts from it: etcd then takes the
// membership from its own log and ignores InitialCluster and Existing.
func Start(ctx context.Context, cfg Config) (*Member, error) {
	ec := embed.NewConfig()
	ec.Name = cfg.Name
	ec.Dir = cfg.DataDir
	ec.TickMs = cfg.TickMs
	ec.ElectionMs = cfg.ElectionMs
	ec.LogLevel = "error"
	ec.Logger = "zap"
	// Room for a group's whole offline in one transaction.
	ec.MaxTxnOps = 16384
	if cfg.MaxTxnOps > 0 {
		ec.MaxTxnOps = cfg.MaxTxnOps
	}
	ec.MaxRequestBytes = MaxRequestBytes
	if cfg.MaxRequestBytes > 0 {
		ec.MaxRequestBytes = cfg.MaxRequestBytes
	}
	ec.QuotaBackendBytes = QuotaBytes
	if cfg.QuotaBytes > 0 {
		ec.QuotaBackendBytes = cfg.QuotaBytes
	}
	// See CompactRetention.
	ec.AutoCompactionMode = "revision"
	ec.AutoCompactionRetention = strconv.Itoa(CompactRetention)
	cu, err := url.Parse(cfg.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("etcdmember: client url: %w", err)
	}
	pu, err := url.Parse(cfg.PeerURL)
	if err != nil {
		return nil, fmt.Errorf("etcdmember: peer url: %w", err)
	}
	ec.ListenClientUrls, ec.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	if cfg.TLS != nil {
		ec.ClientTLSInfo, ec.PeerTLSInfo = cfg.TLS.info(), cfg.TLS.info()
	}
	// No JSON gateway: gRPC with a client certificate is the only way in.
	ec.EnableGRPCGateway = false
	ec.InitialCluster = cfg.InitialCluster
	if ec.InitialCluster == "" {
		ec.InitialCluster = cfg.Name + "=" + cfg.PeerURL
	}
	if cfg.Existing {
		ec.ClusterState = embed.ClusterStateFlagExisting
	}
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zapLogger(cfg.Log))

	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("etcdmember: start: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		abandon(e, cfg.Log)
		return nil, fmt.Errorf("etcdmember: %w", err)
	case <-ctx.Done():
		abandon(e, cfg.Log)
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		abandon(e, cfg.Log)
		return nil, fmt.Errorf("etcdmember: not ready after 30s (are the other members of --initial-cluster starting?)")
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{cfg.ClientURL},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
		TLS:         cfg.ClientTLS,
		// MaxCallSendMsgSize: see ClientMaxSend.
		MaxCallSendMsgSize: ClientMaxSend,
	})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("etcdmember: client: %w", err)
	}
	return &Member{etcd: e, clientURL: cfg.ClientURL, clientTLS: cfg.ClientTLS, Client: cli}, nil
}

// abandonWithin bounds the stop of a member that never became ready.
const abandonWithin = 5 * time.Second

// abandon stops a member that never became ready. etcd's Close can wait
// forever for peers that never came (a forming member alone): past
// abandonWithin the stop goes on in the background and the caller, whose
// start has failed, carries on (the agent exits; its process takes the
// rest with it).
func abandon(e *embed.Etcd, log *slog.Logger) {
	done := make(chan struct{})
	go func() {
		e.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(abandonWithin):
		if log != nil {
			log.Warn("etcdmember: the member that never became ready is still stopping; giving up on it")
		}
	}
}

// HasData reports whether dir holds a member's data (its write-ahead
// log): Start then restarts that member rather than making a new one.
func HasData(dir string) bool {
	wals, _ := filepath.Glob(filepath.Join(dir, "member", "wal", "*.wal"))
	return len(wals) > 0
}

// ID is the member's etcd member ID.
func (m *Member) ID() uint64 { return uint64(m.etcd.Server.MemberID()) }

// ClientURL is where the member serves clients.
func (m *Member) ClientURL() string { return m.clientURL }

// IsLearner reports whether the member is a learner: it replicates the
// log but neither votes nor serves anything but serializable reads.
func (m *Member) IsLearner() bool { return m.etcd.Server.IsLearner() }

// Removed reports whether the member has been removed from the cluster
// (its node evicted): etcd then stops it, for good.
func (m *Member) Removed() bool { return m.etcd.Server.IsIDRemoved(m.ID()) }

// Close stops the client and the member; closing again does nothing.
func (m *Member) Close() {
	m.closeOnce.Do(func() {
		m.Client.Close()
		m.etcd.Close()
	})
}
