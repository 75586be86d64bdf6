package cli

import (
	"strings"
	"testing"

	"github.com/batoncluster/baton/internal/clustertest"
)

// baton cluster status shows the database: each member's size, the part
// in use and its quota, in text and JSON; /metrics exports the same.
func TestStatusShowsTheDatabase(t *testing.T) {
	n := clustertest.New(t)
	addr := n.Addr()
	s := decode[statusJSON](t, cli(t, addr, 0, "cluster", "status", "-o", "json"))
	d := s.Database
	if d.Error != "" || d.Role != "member" || d.WarnPercent != 80 || len(d.Members) != 1 {
		t.Fatalf("database in the status: %+v", d)
	}
	m := d.Members[0]
	if m.Name != "node1" || !m.Leader || m.SizeBytes <= 0 || m.InUseBytes <= 0 || m.InUseBytes > m.SizeBytes ||
		m.QuotaBytes != 2<<30 || m.UsedPercent < 0 || m.UsedPercent >= 80 || len(m.Alarms) != 0 {
		t.Errorf("database member in the status: %+v", m)
	}
	for _, p := range s.Problems {
		if strings.Contains(p, "database") {
			t.Errorf("problem: %s", p)
		}
	}
	text := cli(t, addr, 0, "cluster", "status")
	if !strings.Contains(text, "Database:") || !strings.Contains(text, "of 2.0 GiB quota") {
		t.Errorf("text status without the database:\n%s", text)
	}
	metrics := scrapeMetrics(t, n)
	for _, want := range []string{`baton_database_size_bytes{member="node1"`, `baton_database_quota_bytes{member="node1"} 2.147483648e+09`,
		`baton_database_size_in_use_bytes{member="node1"`, `baton_database_quota_used_ratio{member="node1"`, `baton_database_leader{member="node1"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics without %s", want)
		}
	}
}

// A full database is a problem the status names.
func TestStatusNamesAFullDatabase(t *testing.T) {
	d := databaseJSON{WarnPercent: 80, Members: []databaseMemberJSON{
		{Name: "n1", SizeBytes: 1800 << 20, QuotaBytes: 2 << 30, UsedPercent: 87.9},
		{Name: "n2", SizeBytes: 2100 << 20, QuotaBytes: 2 << 30, UsedPercent: 102.5, Alarms: []string{"NOSPACE"}},
		{Name: "n3", Error: "context deadline exceeded"},
	}}
	got := strings.Join(d.problems(), "\n")
	for _, want := range []string{"n1 is 87.9% full (1.8 GiB of 2.0 GiB)", "n2 raised NOSPACE", "n3 (", "does not answer"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems without %q:\n%s", want, got)
		}
	}
}
