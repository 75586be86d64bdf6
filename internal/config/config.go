// Package config turns the agent's command-line flags and configuration
// file (file.go: a YAML file whose keys are the flags) into a validated
// Config, with the defaults of a one-node development cluster for -dev.
package config

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the agent's whole configuration.
type Config struct {
	Dev      bool
	Name     string // node name
	DataDir  string // "" with Dev: a temporary directory, removed at exit
	HTTPAddr string // API and dashboard over TCP
	// EtcdClientAddr and EtcdPeerAddr are host:port; "auto" picks free
	// loopback ports (the -dev default, so several dev agents can run).
	EtcdClientAddr string
	EtcdPeerAddr   string
	ClusterName    string
	// InitialCluster names the embedded database members when a cluster
	// forms: "n1=IP1,n2=IP2,n3=IP3" (peer port 7412 unless given).
	InitialCluster string
	// Join is the API address (IP[:7410]) of a node of an existing
	// cluster, admitted with JoinToken: this node joins as a database member while the
	// cluster has fewer than it should (three; five from nine nodes on),
	// else as a database client (see internal/agent/membership.go).
	Join string
	// EtcdEndpoints runs against an existing etcd cluster instead of an
	// embedded member.
	EtcdEndpoints []string
	LogFormat     string // text or json
	LogLevel      string
	// Lease timings (see docs/fencing.md): a node's lease lives LeaseTTL
	// past its last renewal, renewed every RenewInterval; it stops what it
	// hosts FenceMargin before the lease could expire.
	LeaseTTL      time.Duration
	RenewInterval time.Duration
	FenceMargin   time.Duration
	// PluginDir holds resource-type plugins (executables named
	// baton-restype-*); "" loads none.
	PluginDir string
	// StopResourcesOnExit takes hosted resources offline when the agent
	// stops (the default, as stopping a WSFC node's cluster service moves
	// its groups away). Without it they are left running, to be reattached
	// by an agent back within the lease, or killed by the fence guard.
	StopResourcesOnExit bool
	// DefaultSocket, when set, is linked to this agent's socket so clients
	// find it without BATON_ADDR.
	DefaultSocket string
	// GuardExec is the baton binary the fence guard runs from (`baton
	// agent` sets its own); "" runs the guard inside the agent, which
	// protects nothing once the agent dies: for in-process test harnesses.
	GuardExec string
	// Watchdog is a watchdog device (/dev/watchdog) the fence guard arms
	// and feeds only while that is safe, so that a dead guard or a frozen
	// machine resets before its lease can expire (docs/fencing.md); "":
	// none, the default. WatchdogTimeout is its timeout: whole seconds,
	// less than FenceMargin.
	Watchdog        string
	WatchdogTimeout time.Duration

	// Security (docs/security.md).
	//
	// ClusterSecretFile holds the secret shared by the nodes of a forming
	// --initial-cluster: each derives the cluster CA from it, so they
	// trust each other before their database exists.
	ClusterSecretFile string
	// JoinToken is `baton cluster join-token create`'s output: it pins
	// the cluster CA and proves the right to join (--join).
	JoinToken string
	// EtcdCACert, EtcdCert and EtcdKey are the TLS files for an external
	// etcd (--etcd-endpoints).
	EtcdCACert string
	EtcdCert   string
	EtcdKey    string
	// TLSCert and TLSKey are an operator's certificate for the TCP API,
	// served beside the node's certificate from the cluster CA (chosen
	// by the name the client asks for).
	TLSCert string
	TLSKey  string
	// APIHosts are more names the TCP API answers to (Host header) on a
	// non-loopback address, besides the node's name and addresses.
	APIHosts []string
	// MetricsPublic serves /metrics to anyone; by default it needs Read.
	MetricsPublic bool
	// MaxConns caps the TCP API's open connections; 0 picks one below the
	// descriptor limit.
	MaxConns int
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidNodeName reports whether name is a node name: 1–63 letters,
// digits, '.', '_' or '-', starting with a letter or digit.
func ValidNodeName(name string) bool { return nameRE.MatchString(name) }

// Validate checks every field and the relations between them.
func (c *Config) Validate() error {
	var errs []error
	if !nameRE.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("--name %q: 1-63 letters, digits, '.', '_' or '-'", c.Name))
	}
	if !c.Dev && c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is required without -dev"))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("--http-addr %q: %v", c.HTTPAddr, err))
	}
	for flag, a := range map[string]string{"--etcd-client-addr": c.EtcdClientAddr, "--etcd-peer-addr": c.EtcdPeerAddr} {
		if a == "auto" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %v", flag, a, err))
		}
	}
	if c.EtcdClientAddr != "auto" && c.EtcdClientAddr == c.EtcdPeerAddr {
		errs = append(errs, errors.New("--etcd-client-addr and --etcd-peer-addr must differ"))
	}
	modes := 0
	for _, set := range []bool{c.InitialCluster != "", c.Join != "", len(c.EtcdEndpoints) > 0} {
		if set {
			modes++
		}
	}
	if modes > 1 {
		errs = append(errs, errors.New("give one of --initial-cluster, --join and --etcd-endpoints"))
	}
	if c.InitialCluster != "" {
		members, err := c.Members()
		if err != nil {
			errs = append(errs, err)
		} else if _, ok := members[c.Name]; !ok {
			errs = append(errs, fmt.Errorf("--initial-cluster does not name this node (%s): list it, or use --join to join an existing cluster", c.Name))
		}
	}
	if c.LeaseTTL%time.Second != 0 {
		errs = append(errs, fmt.Errorf("--lease-ttl %v: whole seconds (etcd leases count in seconds)", c.LeaseTTL))
	}
	switch {
	case c.LeaseTTL < time.Second:
		errs = append(errs, fmt.Errorf("--lease-ttl %v: at least 1s", c.LeaseTTL))
	case c.RenewInterval <= 0 || 2*c.RenewInterval > c.LeaseTTL:
		errs = append(errs, fmt.Errorf("--lease-renew-interval %v: more than 0 and at most half of --lease-ttl %v", c.RenewInterval, c.LeaseTTL))
	case c.FenceMargin <= c.RenewInterval || c.FenceMargin >= c.LeaseTTL:
		errs = append(errs, fmt.Errorf("--fence-margin %v: more than --lease-renew-interval %v and less than --lease-ttl %v", c.FenceMargin, c.RenewInterval, c.LeaseTTL))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if (c.EtcdCert == "") != (c.EtcdKey == "") {
		errs = append(errs, errors.New("--etcd-cert and --etcd-key go together"))
	}
	if len(c.EtcdEndpoints) == 0 && (c.EtcdCACert != "" || c.EtcdCert != "") {
		errs = append(errs, errors.New("--etcd-cacert, --etcd-cert and --etcd-key are for --etcd-endpoints"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.JoinToken != "" && c.Join == "" {
		errs = append(errs, errors.New("--join-token needs --join"))
	}
	if c.ClusterSecretFile != "" && c.InitialCluster == "" && len(c.EtcdEndpoints) == 0 {
		errs = append(errs, errors.New("--cluster-secret-file is for --initial-cluster (or --etcd-endpoints)"))
	}
	if c.Watchdog != "" && (c.WatchdogTimeout < time.Second || c.WatchdogTimeout%time.Second != 0 || c.WatchdogTimeout >= c.FenceMargin) {
		errs = append(errs, fmt.Errorf("--watchdog-timeout %v: whole seconds, at least 1s and less than --fence-margin %v (the machine must reset before the lease can expire: raise --fence-margin and --lease-ttl with it)", c.WatchdogTimeout, c.FenceMargin))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("--max-connections %d: 0 (automatic) or more", c.MaxConns))
	}
	return errors.Join(errs...)
}

// Defaults returns the configuration of `baton agent` before flags.
func Defaults() Config {
	host, _ := os.Hostname()
	if !nameRE.MatchString(host) {
		host = "node1"
	}
	return Config{
		Name: host, HTTPAddr: "127.0.0.1:7410",
		EtcdClientAddr: "127.0.0.1:7411", EtcdPeerAddr: "127.0.0.1:7412",
		ClusterName: "baton", LogFormat: "text", LogLevel: "info",
		LeaseTTL: 2 * time.Second, RenewInterval: 200 * time.Millisecond, FenceMargin: 600 * time.Millisecond,
		StopResourcesOnExit: true, WatchdogTimeout: time.Second,
	}
}

// FreePort returns a loopback address with a port free right now, chosen
// at random below the kernel's ephemeral range. A port the kernel hands
// out for ":0" is one it also hands to outgoing connections: between
// FreePort's answer and the caller's bind, any connection on the machine
// could take it ("address already in use", seen in the test suite). Below
// the range only another listener can, and a random pick makes that
// unlikely.
func FreePort() (string, error) {
	low := ephemeralLow()
	for range 50 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // taken: another
		}
		addr := l.Addr().String()
		l.Close()
		return addr, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ephemeralLow is the lowest port of the kernel's ephemeral range
// (net.ipv4.ip_local_port_range; Linux's default 32768).
func ephemeralLow() int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	return max(low, 10001)
}

// Members parses InitialCluster into name → peer URL.
func (c *Config) Members() (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(c.InitialCluster, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !nameRE.MatchString(name) || addr == "" {
			return nil, fmt.Errorf("--initial-cluster %q: want name=IP[:port],…", c.InitialCluster)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--initial-cluster names %s twice", name)
		}
		out[name] = "https://" + withPort(addr, "7412")
	}
	return out, nil
}

// InitialClusterURLs is InitialCluster in etcd's form (name=https://…).
func (c *Config) InitialClusterURLs() (string, error) {
	m, err := c.Members()
	if err != nil {
		return "", err
	}
	var parts []string
	for name, u := range m {
		parts = append(parts, name+"="+u)
	}
	sort.Strings(parts)
	return strings.Join(parts, ","), nil
}

// JoinURL is the API of the node to join through.
func (c *Config) JoinURL() string { return "https://" + withPort(c.Join, "7410") }

// Advertise sets the default addresses of a node reachable at ip.
func (c *Config) Advertise(ip string) {
	c.HTTPAddr = net.JoinHostPort(ip, "7410")
	c.EtcdClientAddr = net.JoinHostPort(ip, "7411")
	c.EtcdPeerAddr = net.JoinHostPort(ip, "7412")
}

func withPort(addr, port string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(addr, port)
}
