package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DatabaseMember is one member of the cluster database as it reports
// itself (etcdmember.MemberStatus).
type DatabaseMember struct {
	Name               string
	Leader             bool
	Size, InUse, Quota int64
	Alarms             []string
	Answered           bool // false: the member did not answer, and the figures are zero
}

var (
	dbSizeDesc = prometheus.NewDesc("baton_database_size_bytes",
		"Size of the database member's file; past its quota (baton_database_quota_bytes) the database takes no more writes.",
		[]string{"member"}, nil)
	dbInUseDesc = prometheus.NewDesc("baton_database_size_in_use_bytes",
		"Part of the database member's file holding data; the rest is free pages a defragmentation gives back.",
		[]string{"member"}, nil)
	dbQuotaDesc = prometheus.NewDesc("baton_database_quota_bytes",
		"The database member's quota: past this size it raises the NOSPACE alarm and refuses writes.",
		[]string{"member"}, nil)
	dbUsedDesc = prometheus.NewDesc("baton_database_quota_used_ratio",
		"The database member's size over its quota (baton cluster status warns from 0.8).",
		[]string{"member"}, nil)
	dbLeaderDesc = prometheus.NewDesc("baton_database_leader",
		"1 for the database member that leads.", []string{"member"}, nil)
	dbAlarmDesc = prometheus.NewDesc("baton_database_alarm",
		"1 for each alarm a database member raised (NOSPACE: the database takes no writes).",
		[]string{"member", "alarm"}, nil)
	dbUpDesc = prometheus.NewDesc("baton_database_member_up",
		"1 if the database member answered this node's question for its status.", []string{"member"}, nil)
)

// databaseEvery is the longest the database's figures are reused between
// scrapes: each look asks every member.
const databaseEvery = 10 * time.Second

// WatchDatabase reports, at each scrape, the database members' sizes,
// quota and alarms, asked of them at most every databaseEvery.
func (m *Metrics) WatchDatabase(members func() ([]DatabaseMember, error)) {
	m.reg.MustRegister(&databaseCollector{members: members})
}

type databaseCollector struct {
	members func() ([]DatabaseMember, error)

	mu   sync.Mutex // guards last and at
	last []DatabaseMember
	at   time.Time
}

func (c *databaseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbSizeDesc, dbInUseDesc, dbQuotaDesc, dbUsedDesc, dbLeaderDesc, dbAlarmDesc, dbUpDesc} {
		ch <- d
	}
}

func (c *databaseCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) >= databaseEvery {
		if ms, err := c.members(); err == nil {
			c.last, c.at = ms, time.Now()
		}
	}
	ms := c.last
	c.mu.Unlock()
	for _, d := range ms {
		ch <- prometheus.MustNewConstMetric(dbUpDesc, prometheus.GaugeValue, b2f(d.Answered), d.Name)
		if !d.Answered {
			continue
		}
		ch <- prometheus.MustNewConstMetric(dbSizeDesc, prometheus.GaugeValue, float64(d.Size), d.Name)
		ch <- prometheus.MustNewConstMetric(dbInUseDesc, prometheus.GaugeValue, float64(d.InUse), d.Name)
		ch <- prometheus.MustNewConstMetric(dbQuotaDesc, prometheus.GaugeValue, float64(d.Quota), d.Name)
		if d.Quota > 0 {
			ch <- prometheus.MustNewConstMetric(dbUsedDesc, prometheus.GaugeValue, float64(d.Size)/float64(d.Quota), d.Name)
		}
		ch <- prometheus.MustNewConstMetric(dbLeaderDesc, prometheus.GaugeValue, b2f(d.Leader), d.Name)
		for _, a := range d.Alarms {
			ch <- prometheus.MustNewConstMetric(dbAlarmDesc, prometheus.GaugeValue, 1, d.Name, a)
		}
	}
}
