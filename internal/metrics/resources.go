package metrics

import "github.com/prometheus/client_golang/prometheus"

// ResourceUsage is what the processes of one resource hosted on this node
// use, from its cgroup (internal/cgroup).
type ResourceUsage struct {
	Group, Resource string
	Processes       int
	MemoryBytes     uint64
}

var (
	resourceProcessesDesc = prometheus.NewDesc("baton_resource_processes",
		"Processes in the resource's cgroup on this node (everything it started, forked daemons included).",
		[]string{"group", "resource"}, nil)
	resourceMemoryDesc = prometheus.NewDesc("baton_resource_memory_bytes",
		"Memory of the processes in the resource's cgroup: memory.current where the memory controller is enabled, else their resident memory added up.",
		[]string{"group", "resource"}, nil)
)

// WatchResources reports, at each scrape, the usage of the resources this
// node hosts.
func (m *Metrics) WatchResources(usage func() []ResourceUsage) {
	m.reg.MustRegister(&usageCollector{usage: usage})
}

type usageCollector struct {
	usage func() []ResourceUsage
}

func (c *usageCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- resourceProcessesDesc
	ch <- resourceMemoryDesc
}

func (c *usageCollector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.usage() {
		ch <- prometheus.MustNewConstMetric(resourceProcessesDesc, prometheus.GaugeValue, float64(u.Processes), u.Group, u.Resource)
		ch <- prometheus.MustNewConstMetric(resourceMemoryDesc, prometheus.GaugeValue, float64(u.MemoryBytes), u.Group, u.Resource)
	}
}
