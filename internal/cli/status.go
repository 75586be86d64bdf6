package cli

import (
	"fmt"
	"io"
	"math"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

type statusJSON struct {
	Cluster  string         `json:"cluster"`
	Node     string         `json:"node"`
	Nodes    []nodeJSON     `json:"nodes"`
	Groups   []statusGroup  `json:"groups"`
	Problems []string       `json:"problems"`
	Totals   map[string]int `json:"groupStates"`
	// Quarantined are the database records the answering node cannot
	// decode (each is also a problem).
	Quarantined []quarantinedJSON `json:"quarantined"`
	// Database is the cluster database as its members report themselves:
	// sizes, quota, alarms (a member past the warning share of its
	// quota, with an alarm, or silent is also a problem).
	Database databaseJSON `json:"database"`
}

type databaseJSON struct {
	Role        string               `json:"role,omitempty"`
	WarnPercent int32                `json:"warnPercent"`
	Members     []databaseMemberJSON `json:"members"`
	Error       string               `json:"error,omitempty"`
}

type databaseMemberJSON struct {
	Name        string   `json:"name"`
	Endpoint    string   `json:"endpoint"`
	Leader      bool     `json:"leader"`
	Learner     bool     `json:"learner,omitempty"`
	SizeBytes   int64    `json:"sizeBytes"`
	InUseBytes  int64    `json:"sizeInUseBytes"`
	QuotaBytes  int64    `json:"quotaBytes"`
	UsedPercent float64  `json:"quotaUsedPercent"`
	Revision    int64    `json:"revision"`
	Alarms      []string `json:"alarms"`
	Error       string   `json:"error,omitempty"`
}

type quarantinedJSON struct {
	Key      string `json:"key"`
	Revision int64  `json:"revision"`
	Error    string `json:"error"`
}

type statusGroup struct {
	Name      string              `json:"name"`
	State     string              `json:"state"`
	StateCode int32               `json:"stateCode"`
	OwnerNode string              `json:"ownerNode"`
	Resources []statusResourceRow `json:"resources"`
}

type statusResourceRow struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	State        string `json:"state"`
	StateCode    int32  `json:"stateCode"`
	Locked       bool   `json:"locked"`
	LockedReason string `json:"lockedReason,omitempty"`
	LastError    string `json:"lastError,omitempty"`
}

// clusterStatus is `baton cluster status`: the whole cluster on one screen,
// like crm_mon -1.
func (a *app) clusterStatus() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "The whole cluster on one screen: nodes, groups, resources and what needs attention",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var (
				info   *batonv1.OpenClusterResponse
				nodes  *batonv1.ListNodesResponse
				groups *batonv1.ListGroupsResponse
				res    *batonv1.ListResourcesResponse
				db     databaseJSON
			)
			g, gctx := errgroup.WithContext(ctx)
			g.Go(func() error {
				// Not fatal: the rest of the status says enough without it.
				r, err := c.Cluster.GetDatabaseStatus(gctx, connect.NewRequest(&batonv1.GetDatabaseStatusRequest{}))
				db = databaseStatus(r, err)
				return nil
			})
			g.Go(func() error {
				r, err := c.Cluster.OpenCluster(gctx, connect.NewRequest(&batonv1.OpenClusterRequest{}))
				if err == nil {
					info = r.Msg
				}
				return err
			})
			g.Go(func() error {
				r, err := c.Nodes.ListNodes(gctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
				if err == nil {
					nodes = r.Msg
				}
				return err
			})
			g.Go(func() error {
				r, err := c.Groups.ListGroups(gctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
				if err == nil {
					groups = r.Msg
				}
				return err
			})
			g.Go(func() error {
				r, err := c.Resources.ListResources(gctx, connect.NewRequest(&batonv1.ListResourcesRequest{}))
				if err == nil {
					res = r.Msg
				}
				return err
			})
			if err := g.Wait(); err != nil {
				return err
			}
			s := statusJSON{Cluster: info.ClusterName, Node: info.NodeName, Nodes: []nodeJSON{}, Groups: []statusGroup{}, Problems: []string{}, Totals: map[string]int{},
				Quarantined: []quarantinedJSON{}, Database: db}
			s.Problems = append(s.Problems, db.problems()...)
			for _, q := range info.Quarantined {
				s.Quarantined = append(s.Quarantined, quarantinedJSON{Key: q.Key, Revision: q.Revision, Error: q.Error})
				s.Problems = append(s.Problems, fmt.Sprintf("record %s (revision %d) cannot be decoded and reads as absent: %s; rewrite or delete it", q.Key, q.Revision, q.Error))
			}
			for _, n := range nodes.Nodes {
				j := toNodeJSON(n)
				s.Nodes = append(s.Nodes, j)
				if j.State != "Up" {
					s.Problems = append(s.Problems, fmt.Sprintf("node %s is %s", j.Name, j.State))
				}
			}
			byGroup := map[string][]*batonv1.Resource{}
			for _, r := range res.Resources {
				byGroup[r.Group] = append(byGroup[r.Group], r)
			}
			for _, gr := range groups.Groups {
				sg := statusGroup{Name: gr.Name, State: gr.StateName, StateCode: gr.State, OwnerNode: gr.OwnerNode, Resources: []statusResourceRow{}}
				s.Totals[gr.StateName]++
				if gr.PersistentState == 1 && gr.StateName != "Online" {
					s.Problems = append(s.Problems, fmt.Sprintf("group %s is %s but should be online (see: baton group why %s)", gr.Name, gr.StateName, gr.Name))
				}
				for _, r := range byGroup[gr.Name] {
					row := statusResourceRow{Name: r.Name, Type: r.Type, State: r.StateName, StateCode: r.State, Locked: r.Locked, LockedReason: r.LockedReason, LastError: r.LastError}
					sg.Resources = append(sg.Resources, row)
					if r.StateName == "Failed" {
						s.Problems = append(s.Problems, fmt.Sprintf("resource %s (group %s) failed: %s", r.Name, gr.Name, orDash(r.LastError)))
					}
				}
				s.Groups = append(s.Groups, sg)
			}
			if a.jsonOut() {
				return a.printJSON(s)
			}
			w := a.stdout
			var totals []string
			for _, st := range []string{"Online", "PartialOnline", "Pending", "Offline", "Failed"} {
				if n := s.Totals[st]; n > 0 {
					totals = append(totals, fmt.Sprintf("%d %s", n, st))
				}
			}
			fmt.Fprintf(w, "Cluster %s (answered by %s): %d node(s), %d group(s)%s\n\n", s.Cluster, s.Node, len(s.Nodes), len(s.Groups), paren(strings.Join(totals, ", ")))
			fmt.Fprintln(w, "Nodes:")
			for _, n := range s.Nodes {
				fmt.Fprintf(w, "  %-20s %s\n", n.Name, n.State)
			}
			db.print(w)
			fmt.Fprintln(w, "\nGroups:")
			for _, sg := range s.Groups {
				fmt.Fprintf(w, "  %-20s %-14s on %s\n", sg.Name, sg.State, orDash(sg.OwnerNode))
				for _, r := range sg.Resources {
					lock := ""
					if r.Locked {
						lock = " [locked: " + orDash(r.LockedReason) + "]"
					}
					fmt.Fprintf(w, "      %-18s %-20s %s%s\n", r.Name, "("+r.Type+")", r.State, lock)
				}
			}
			if len(s.Problems) > 0 {
				fmt.Fprintln(w, "\nNeeds attention:")
				for _, p := range s.Problems {
					fmt.Fprintf(w, "  ! %s\n", p)
				}
			}
			return nil
		},
	}
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// databaseStatus is the answer of GetDatabaseStatus for the status.
func databaseStatus(r *connect.Response[batonv1.GetDatabaseStatusResponse], err error) databaseJSON {
	if err != nil {
		return databaseJSON{Members: []databaseMemberJSON{}, Error: err.Error()}
	}
	d := databaseJSON{Role: r.Msg.Role, WarnPercent: r.Msg.WarnPercent, Members: []databaseMemberJSON{}}
	for _, m := range r.Msg.Members {
		j := databaseMemberJSON{Name: m.Name, Endpoint: m.Endpoint, Leader: m.Leader, Learner: m.Learner,
			SizeBytes: m.SizeBytes, InUseBytes: m.SizeInUseBytes, QuotaBytes: m.QuotaBytes, Revision: m.Revision,
			Alarms: append([]string{}, m.Alarms...), Error: m.Error}
		if m.QuotaBytes > 0 {
			j.UsedPercent = math.Round(1000*float64(m.SizeBytes)/float64(m.QuotaBytes)) / 10
		}
		d.Members = append(d.Members, j)
	}
	return d
}

// problems are what needs attention in the database.
func (d databaseJSON) problems() []string {
	var out []string
	if d.Error != "" {
		out = append(out, "the cluster database's status is unavailable: "+d.Error)
	}
	for _, m := range d.Members {
		switch {
		case m.Error != "":
			out = append(out, fmt.Sprintf("database member %s (%s) does not answer: %s", m.Name, m.Endpoint, m.Error))
		case len(m.Alarms) > 0:
			out = append(out, fmt.Sprintf("database member %s raised %s: the database takes no writes (NOSPACE: past its quota) until the alarm is disarmed", m.Name, strings.Join(m.Alarms, ", ")))
		case m.QuotaBytes > 0 && m.UsedPercent >= float64(d.WarnPercent):
			out = append(out, fmt.Sprintf("database member %s is %.1f%% full (%s of %s): past its quota it takes no more writes", m.Name, m.UsedPercent, bytesText(m.SizeBytes), bytesText(m.QuotaBytes)))
		}
	}
	return out
}

func (d databaseJSON) print(w io.Writer) {
	if d.Error != "" || len(d.Members) == 0 {
		return
	}
	fmt.Fprintln(w, "\nDatabase:")
	for _, m := range d.Members {
		if m.Error != "" {
			fmt.Fprintf(w, "  %-20s no answer\n", m.Name)
			continue
		}
		role := "follower"
		switch {
		case m.Leader:
			role = "leader"
		case m.Learner:
			role = "learner"
		}
		alarms := ""
		if len(m.Alarms) > 0 {
			alarms = " [" + strings.Join(m.Alarms, ", ") + "]"
		}
		fmt.Fprintf(w, "  %-20s %-8s %s of %s quota (%.1f%%), %s in use%s\n", m.Name, role, bytesText(m.SizeBytes), bytesText(m.QuotaBytes), m.UsedPercent, bytesText(m.InUseBytes), alarms)
	}
}

// bytesText is a size for people: 1.5 MiB.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
