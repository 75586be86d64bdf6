// Package metrics exposes a node's figures to Prometheus at /metrics:
// group and resource states (read from the database view at scrape time),
// API requests and their latency, operations by kind and outcome with
// their duration, restarts, failovers, database commit latency, and the
// store's health: records it could not decode (quarantined, by key) and
// reloads of its cache.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// Metrics holds one node's collectors in their own registry.
type Metrics struct {
	reg         *prometheus.Registry
	constLabels prometheus.Labels

	apiRequests   *prometheus.CounterVec
	apiDuration   *prometheus.HistogramVec
	operations    *prometheus.CounterVec
	opDuration    *prometheus.HistogramVec
	restarts      *prometheus.CounterVec
	failovers     prometheus.Counter
	commitLatency prometheus.Histogram
	leaseRenew    prometheus.Histogram
}

// New makes the collectors; states are read from view at each scrape.
func New(node string, view func() store.View) *Metrics {
	reg := prometheus.NewRegistry()
	constLabels := prometheus.Labels{"node": node}
	m := &Metrics{
		reg: reg, constLabels: constLabels,
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_api_requests_total", Help: "API calls answered, by procedure and Win32 code.", ConstLabels: constLabels,
		}, []string{"procedure", "code"}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "baton_api_request_duration_seconds", Help: "Time to answer an API call, by procedure.", ConstLabels: constLabels,
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
		}, []string{"procedure"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_operations_total", Help: "State-change operations finished on this node, by kind and outcome.", ConstLabels: constLabels,
		}, []string{"kind", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "baton_operation_duration_seconds", Help: "Time from an operation's acceptance to its end, by kind and outcome.", ConstLabels: constLabels,
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 18),
		}, []string{"kind", "outcome"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_resource_restarts_total", Help: "Restarts of failed resources by the restart policy.", ConstLabels: constLabels,
		}, []string{"group", "resource"}),
		failovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "baton_failovers_total", Help: "Groups this node took over from a failed node.", ConstLabels: constLabels,
		}),
		commitLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "baton_store_commit_duration_seconds", Help: "Time to commit one transaction to the cluster database.", ConstLabels: constLabels,
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
		}),
	}
	m.leaseRenew = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "baton_lease_renew_duration_seconds", Help: "Round trip of one renewal of this node's lease.", ConstLabels: constLabels,
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
	})
	reg.MustRegister(m.leaseRenew, m.apiRequests, m.apiDuration, m.operations, m.opDuration, m.restarts, m.failovers, m.commitLatency,
		&stateCollector{view: view, node: node},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchStore reports the store's counters (store.Stats) at each scrape:
// undecodable record versions and cache reloads.
func (m *Metrics) WatchStore(stats func() store.Stats) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "baton_store_bad_records_total", ConstLabels: m.constLabels,
			Help: "Record versions in the cluster database this node could not decode (each quarantined: see baton_store_quarantined_record).",
		}, func() float64 { return float64(stats().BadRecords) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "baton_store_reloads_total", ConstLabels: m.constLabels,
			Help: "Times this node reloaded its cache of the database because its watch could not resume (compacted history); each made everything resync.",
		}, func() float64 { return float64(stats().Reloads) }),
	)
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// APIRequest records one answered API call.
func (m *Metrics) APIRequest(procedure string, code wsfc.Errno, d time.Duration) {
	m.apiRequests.WithLabelValues(procedure, code.String()).Inc()
	m.apiDuration.WithLabelValues(procedure).Observe(d.Seconds())
}

// OperationFinished records an operation's end.
func (m *Metrics) OperationFinished(kind, outcome string, d time.Duration) {
	m.operations.WithLabelValues(kind, outcome).Inc()
	m.opDuration.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// Restart records a restart of a failed resource.
func (m *Metrics) Restart(group, resource string) { m.restarts.WithLabelValues(group, resource).Inc() }

// Failover records a group taken over from a failed node.
func (m *Metrics) Failover() { m.failovers.Inc() }

// LeaseRenewed records one renewal of the node's lease.
func (m *Metrics) LeaseRenewed(d time.Duration) { m.leaseRenew.Observe(d.Seconds()) }

// Commit records one database commit.
func (m *Metrics) Commit(d time.Duration) { m.commitLatency.Observe(d.Seconds()) }

// stateCollector reports group and resource states from the database view
// at scrape time: nothing to keep in step.
type stateCollector struct {
	view func() store.View
	node string
}

var (
	groupStateDesc = prometheus.NewDesc("baton_group_state",
		"1 for the group's current state (label state), by group; owner is the owner node. Each node reports the groups it owns; the first Up node by name also those whose owner is down.",
		[]string{"group", "owner", "state"}, nil)
	resourceStateDesc = prometheus.NewDesc("baton_resource_state",
		"1 for the resource's current state (label state), by resource.",
		[]string{"group", "resource", "type", "state"}, nil)
	resourceLockedDesc = prometheus.NewDesc("baton_resource_locked",
		"1 while the resource is in locked mode.", []string{"group", "resource"}, nil)
	dbRevisionDesc = prometheus.NewDesc("baton_store_revision",
		"The cluster database revision this node has seen.", nil, nil)
	quarantinedDesc = prometheus.NewDesc("baton_store_quarantined_record",
		"1 for each record this node cannot decode, by key: it reads as absent until rewritten or deleted (baton cluster status lists it).",
		[]string{"key"}, nil)
)

var groupStates = []wsfc.ClusterGroupState{wsfc.ClusterGroupOnline, wsfc.ClusterGroupOffline, wsfc.ClusterGroupFailed, wsfc.ClusterGroupPartialOnline, wsfc.ClusterGroupPending}

var resourceStates = []wsfc.ClusterResourceState{wsfc.ClusterResourceOnline, wsfc.ClusterResourceOffline, wsfc.ClusterResourceFailed, wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourceOfflinePending}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- groupStateDesc
	ch <- resourceStateDesc
	ch <- resourceLockedDesc
	ch <- dbRevisionDesc
	ch <- quarantinedDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	v := c.view()
	ch <- prometheus.MustNewConstMetric(dbRevisionDesc, prometheus.GaugeValue, float64(v.Rev()))
	for _, b := range v.Quarantined() {
		ch <- prometheus.MustNewConstMetric(quarantinedDesc, prometheus.GaugeValue, 1, b.Key)
	}
	for _, g := range c.groups(v) {
		cur := v.GroupState(g)
		for _, s := range groupStates {
			ch <- prometheus.MustNewConstMetric(groupStateDesc, prometheus.GaugeValue, b2f(s == cur), g.Name, g.OwnerNode, s.String())
		}
		for _, r := range v.GroupResources(g) {
			rs := v.ResourceState(r.Name)
			for _, s := range resourceStates {
				ch <- prometheus.MustNewConstMetric(resourceStateDesc, prometheus.GaugeValue, b2f(s == rs), g.Name, r.Name, r.Type, s.String())
			}
			locked := false
			if st := v.Status(r.Name); st != nil {
				locked = st.Locked
			}
			ch <- prometheus.MustNewConstMetric(resourceLockedDesc, prometheus.GaugeValue, b2f(locked), g.Name, r.Name)
		}
	}
}

// groups are the groups whose states this node reports: those it owns,
// and, if it is the first Up node by name, those whose owner is not Up
// (or that have none). Each group is so reported by one node, and a
// scrape of a node costs what the node hosts, not the whole cluster:
// every node reporting every group cost 64 nodes 64 times the work, all
// at once when they were scraped together (bench/scale64).
func (c *stateCollector) groups(v store.View) []*store.Group {
	names := v.GroupsOwnedBy(c.node)
	reporter := ""
	var away []string
	for _, n := range v.Nodes() {
		if v.NodeState(n.Name) == wsfc.ClusterNodeDown {
			away = append(away, n.Name)
		} else if reporter == "" {
			reporter = n.Name
		}
	}
	if reporter == c.node {
		names = append(names, v.GroupsOwnedBy("")...)
		for _, n := range away {
			names = append(names, v.GroupsOwnedBy(n)...)
		}
	}
	out := make([]*store.Group, 0, len(names))
	for _, name := range names {
		if g := v.Group(name); g != nil {
			out = append(out, g)
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
