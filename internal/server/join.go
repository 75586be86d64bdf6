package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/jointoken"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/pki"
)

// publicProcedures need no credentials: Join proves a join token's secret
// in its body, which is kept small (joinMaxBytes).
var publicProcedures = map[string]bool{
	batonv1connect.JoinServiceJoinProcedure: true,
}

// joinMaxBytes bounds a Join request: a CSR and a few names.
const joinMaxBytes = 64 << 10

// maxJoinIPs bounds the addresses a joining node may have named.
const maxJoinIPs = 16

type joinService struct{ *Server }

func (s joinService) Join(ctx context.Context, req *connect.Request[batonv1.JoinRequest]) (*connect.Response[batonv1.JoinResponse], error) {
	m := req.Msg
	if err := ValidNodeName(m.NodeName); err != nil {
		return nil, fmt.Errorf("%v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	if len(m.IpAddresses) > maxJoinIPs {
		return nil, fmt.Errorf("%d addresses: at most %d: %w", len(m.IpAddresses), maxJoinIPs, wsfc.ERROR_INVALID_PARAMETER)
	}
	var ips []net.IP
	for _, a := range m.IpAddresses {
		ip := net.ParseIP(a)
		if ip == nil {
			return nil, fmt.Errorf("address %q is not an IP address: %w", a, wsfc.ERROR_INVALID_PARAMETER)
		}
		ips = append(ips, ip)
	}
	csr, err := x509.ParseCertificateRequest(m.Csr)
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		return nil, fmt.Errorf("certificate request: %v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	// One answer for unknown, wrong and expired tokens: the caller learns
	// nothing it could not learn from its own token.
	if _, err := jointoken.Check(ctx, s.st.Client(), m.TokenId, m.TokenSecret, time.Now()); err != nil {
		if errors.Is(err, jointoken.ErrInvalid) {
			s.log.Warn("join refused: not a valid join token", "joiner", m.NodeName, "peer", req.Peer().Addr)
			return nil, fmt.Errorf("the join token is not valid (unknown, revoked or expired: baton cluster join-token create): %w", wsfc.ERROR_ACCESS_DENIED)
		}
		return nil, err
	}
	if s.st.View().Alive(m.NodeName) != nil {
		return nil, fmt.Errorf("node %s is up: a node joins under a name no running node has: %w", m.NodeName, wsfc.ERROR_CLUSTER_NODE_EXISTS)
	}
	if s.pki == nil || s.pki.CA.Key == nil {
		return nil, fmt.Errorf("this node holds no cluster CA key and cannot admit nodes: %w", wsfc.ERROR_CLUSTER_INVALID_REQUEST)
	}
	cert, err := s.pki.CA.Issue(csr.PublicKey, pki.Names{Node: m.NodeName, IPs: ips})
	if err != nil {
		return nil, err
	}
	caKey, err := x509.MarshalPKCS8PrivateKey(s.pki.CA.Key)
	if err != nil {
		return nil, err
	}
	list, err := s.st.Client().MemberList(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster database members: %w", err)
	}
	var urls []string
	for _, mem := range list.Members {
		if !mem.IsLearner {
			urls = append(urls, mem.ClientURLs...)
		}
	}
	slices.Sort(urls)
	name := ""
	if c := s.st.View().Cluster(); c != nil {
		name = c.Name
	}
	// A node of this name that was evicted comes back as a new one: the
	// record that refuses the evicted one's start goes.
	if ev, err := ops.ReadEviction(ctx, s.st.Client(), m.NodeName); err != nil {
		return nil, err
	} else if ev != nil {
		if err := ops.DeleteEviction(ctx, s.st.Client(), m.NodeName); err != nil {
			return nil, err
		}
		s.log.Info("a node of an evicted node's name is admitted again", "joiner", m.NodeName, "evicted", ev.At)
	}
	s.log.Info("node admitted with a join token", "joiner", m.NodeName, "token", m.TokenId, "peer", req.Peer().Addr)
	return connect.NewResponse(&batonv1.JoinResponse{NodeCert: cert.Raw, CaCert: s.pki.CA.Cert.Raw, CaKey: caKey,
		EtcdClientUrls: urls, ClusterName: name}), nil
}

func (s joinService) CreateJoinToken(ctx context.Context, req *connect.Request[batonv1.CreateJoinTokenRequest]) (*connect.Response[batonv1.CreateJoinTokenResponse], error) {
	if s.pki == nil || s.pki.CA.Key == nil {
		return nil, fmt.Errorf("this node holds no cluster CA key: %w", wsfc.ERROR_CLUSTER_INVALID_REQUEST)
	}
	ttl := jointoken.DefaultTTL
	if req.Msg.TtlSeconds != 0 {
		ttl = time.Duration(req.Msg.TtlSeconds) * time.Second
	}
	if ttl < jointoken.MinTTL || ttl > jointoken.MaxTTL || req.Msg.TtlSeconds > int64(jointoken.MaxTTL/time.Second) {
		return nil, fmt.Errorf("ttl %ds: between %v and %v: %w", req.Msg.TtlSeconds, jointoken.MinTTL, jointoken.MaxTTL, wsfc.ERROR_INVALID_PARAMETER)
	}
	if err := validText(req.Msg.Description, 256); err != nil {
		return nil, fmt.Errorf("description: %v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	tok, rec, err := jointoken.Create(ctx, s.st.Client(), s.pki.CA.Hash(), ttl, callerOf(ctx).String(), req.Msg.Description)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.CreateJoinTokenResponse{Token: tok.String(), Info: joinTokenMsg(rec)}), nil
}

func (s joinService) ListJoinTokens(ctx context.Context, _ *connect.Request[batonv1.ListJoinTokensRequest]) (*connect.Response[batonv1.ListJoinTokensResponse], error) {
	recs, err := jointoken.List(ctx, s.st.Client(), time.Now())
	if err != nil {
		return nil, err
	}
	out := &batonv1.ListJoinTokensResponse{}
	for _, r := range recs {
		out.Tokens = append(out.Tokens, joinTokenMsg(r))
	}
	return connect.NewResponse(out), nil
}

func (s joinService) DeleteJoinToken(ctx context.Context, req *connect.Request[batonv1.DeleteJoinTokenRequest]) (*connect.Response[batonv1.DeleteJoinTokenResponse], error) {
	ok, err := jointoken.Delete(ctx, s.st.Client(), req.Msg.Id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no join token %q: %w", req.Msg.Id, wsfc.ERROR_INVALID_PARAMETER)
	}
	return connect.NewResponse(&batonv1.DeleteJoinTokenResponse{}), nil
}

func joinTokenMsg(r jointoken.Record) *batonv1.JoinToken {
	return &batonv1.JoinToken{Id: r.ID, CreatedUnixNano: r.Created.UnixNano(), ExpiresUnixNano: r.Expires.UnixNano(),
		CreatedBy: r.CreatedBy, Description: r.Description, CaHash: r.CAHash}
}

// ValidNodeName checks a node name: 1–63 letters, digits, '.', '_' or
// '-', starting with a letter or digit (as `baton agent --name`).
func ValidNodeName(name string) error {
	if !config.ValidNodeName(name) {
		return fmt.Errorf("node name %q: 1-63 letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// validText checks free text: at most max bytes of valid UTF-8, no
// control characters.
func validText(s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%d bytes: at most %d", len(s), max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return errors.New("control characters or invalid UTF-8")
		}
	}
	return nil
}
