//go:build linux

package chaos

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// GroupSpec is one group of the workload: three dummy resources (r2
// depends on r1, r3 on nothing), all writing to the campaign's ledger,
// and a scratch resource the driver creates and deletes.
type GroupSpec struct {
	Name      string
	Resources []string
	Scratch   string
	Preferred []string
	// Failback: AutoFailbackType 1 with no window, so policy says an
	// online group ends on its first preferred owner.
	Failback bool
}

// Workload is the groups a campaign drives.
type Workload struct {
	Groups []GroupSpec
}

// The properties the driver writes, and the model's keys.
const (
	propTag     = "ChaosTag" // a private property dummy keeps as it is
	propDelay   = "OnlineDelayMs"
	propPeriod  = "FailoverPeriod"
	keyPersist  = "persistent"
	keyExists   = "exists"
	noThreshold = 1_000_000 // FailoverThreshold: policy never stops failing over
)

func groupKey(g, what string) string    { return "g/" + g + "/" + what }
func resourceKey(r, what string) string { return "r/" + r + "/" + what }

// NewWorkload makes n groups with preferred owners drawn from nodes;
// every other group fails back.
func NewWorkload(rng *rand.Rand, n int, nodes []string) Workload {
	var w Workload
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("g%d", i)
		pref := slices.Clone(nodes)
		rng.Shuffle(len(pref), func(a, b int) { pref[a], pref[b] = pref[b], pref[a] })
		pref = pref[:1+rng.IntN(len(pref))]
		w.Groups = append(w.Groups, GroupSpec{
			Name:      name,
			Resources: []string{name + "-r1", name + "-r2", name + "-r3"},
			Scratch:   name + "-s",
			Preferred: pref,
			Failback:  i%2 == 0,
		})
	}
	return w
}

// Setup creates the groups through cl and brings them online.
func (w Workload) Setup(ctx context.Context, cl *clusapi.Client, ledgerPath string) error {
	for _, g := range w.Groups {
		props := proplist.List{}.Set("FailoverThreshold", proplist.DWORD(noThreshold))
		if g.Failback {
			props = props.Set("AutoFailbackType", proplist.DWORD(1))
		}
		if _, err := cl.Groups().Create(ctx, g.Name, clusapi.CreateGroupOptions{PreferredOwners: g.Preferred, Properties: props}); err != nil {
			return fmt.Errorf("create group %s: %w", g.Name, err)
		}
		for i, r := range g.Resources {
			opts := clusapi.CreateResourceOptions{Properties: resourceProps(ledgerPath).Set(propTag, proplist.DWORD(0))}
			if i == 1 {
				opts.DependsOn = []string{g.Resources[0]}
			}
			if _, err := cl.Resources().Create(ctx, r, g.Name, "dummy", opts); err != nil {
				return fmt.Errorf("create resource %s: %w", r, err)
			}
		}
		if _, err := cl.Groups().Online(ctx, g.Name, clusapi.OnlineOptions{}); err != nil {
			return fmt.Errorf("online %s: %w", g.Name, err)
		}
	}
	return nil
}

func resourceProps(ledgerPath string) proplist.List {
	return proplist.List{}.Set("Ledger", proplist.SZ(ledgerPath))
}

// Read reads every modelled register through cl.
func (w Workload) Read(ctx context.Context, cl *clusapi.Client) (map[string]int64, error) {
	out := map[string]int64{}
	for _, g := range w.Groups {
		grp, err := cl.Groups().Get(ctx, g.Name)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", g.Name, err)
		}
		out[groupKey(g.Name, keyPersist)] = int64(grp.PersistentState)
		p, _ := grp.Properties.DWORD(propPeriod)
		out[groupKey(g.Name, propPeriod)] = int64(p)
		for _, r := range g.Resources {
			res, err := cl.Resources().Get(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", r, err)
			}
			tag, _ := res.PrivateProperties.DWORD(propTag)
			delay, _ := res.PrivateProperties.DWORD(propDelay)
			out[resourceKey(r, propTag)] = int64(tag)
			out[resourceKey(r, propDelay)] = int64(delay)
		}
		_, err = cl.Resources().Get(ctx, g.Scratch)
		switch {
		case err == nil:
			out[resourceKey(g.Scratch, keyExists)] = 1
		case errors.Is(err, clusapi.ERROR_RESOURCE_NOT_FOUND):
			out[resourceKey(g.Scratch, keyExists)] = 0
		default:
			return nil, fmt.Errorf("resource %s: %w", g.Scratch, err)
		}
	}
	return out, nil
}

// diffRegisters says where two reads differ.
func diffRegisters(a, b map[string]int64) string {
	keys := slices.Sorted(maps.Keys(a))
	var out []string
	for _, k := range keys {
		if a[k] != b[k] {
			out = append(out, fmt.Sprintf("%s %d≠%d", k, a[k], b[k]))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k+" missing")
		}
	}
	return strings.Join(out, ", ")
}
