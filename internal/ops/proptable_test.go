package ops

import (
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

func dw(name string, v uint32) proplist.Property {
	return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
}

// The idiomatic calls set the read-write common properties of the tables;
// every refusal is ERROR_INVALID_PARAMETER and leaves the policy as it was.
func TestGroupPropertyTable(t *testing.T) {
	pol := store.DefaultGroupPolicy()
	got := GroupProperties(pol)
	if v, _ := got.DWORD("DefaultOwner"); v != 0xFFFFFFFF {
		t.Errorf("default DefaultOwner = %#x, want 0xFFFFFFFF", v)
	}
	if v, ok := got.String("Description"); !ok || v != "" {
		t.Errorf("default Description = %q, %v", v, ok)
	}
	if err := applyGroupProps(&pol, proplist.List{
		{Name: "Description", Values: []proplist.Value{proplist.SZ("d")}},
		dw("DefaultOwner", 5), dw("ColdStartSetting", 2), dw("GroupStartDelay", 1800000),
	}); err != nil {
		t.Fatal(err)
	}
	if pol.Description != "d" || pol.DefaultOwner == nil || *pol.DefaultOwner != 5 || pol.ColdStartSetting != 2 || pol.GroupStartDelay != 1800000 {
		t.Errorf("policy after set: %+v", pol)
	}
	before := pol
	for _, l := range []proplist.List{
		{dw("DefaultOwner", 513)},
		{dw("ColdStartSetting", 3)},
		{dw("Name", 1)},
		{{Name: "Name", Values: []proplist.Value{proplist.SZ("G")}}}, // kept by baton: not for the idiomatic calls
		{{Name: "StatusInformation", Values: []proplist.Value{proplist.ULarge(0)}}},
		{dw("Priority", 3000), dw("Priority", 5)},
	} {
		if err := applyGroupProps(&pol, l); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
			t.Errorf("%v: %v, want ERROR_INVALID_PARAMETER", l, err)
		}
		if pol.Priority != before.Priority || pol.DefaultOwner != before.DefaultOwner {
			t.Errorf("%v changed the policy", l)
		}
	}
	if err := applyGroupProps(&pol, proplist.List{dw("DefaultOwner", 0xFFFFFFFF)}); err != nil || pol.DefaultOwner != nil {
		t.Errorf("DefaultOwner -1: %v, %v", err, pol.DefaultOwner)
	}
}

func TestResourcePropertyTable(t *testing.T) {
	c := store.DefaultResourceCommon()
	if v, _ := ResourceCommonProperties(c).DWORD("DeadlockTimeout"); v != 300000 {
		t.Errorf("default DeadlockTimeout = %d, want 300000", v)
	}
	// In the mixed lists of the idiomatic calls, a Description is a
	// private property (a type may have one); DWORD commons are common.
	private, err := applyResourceCommon(&c, proplist.List{dw("DeadlockTimeout", 2000), {Name: "Description", Values: []proplist.Value{proplist.SZ("x")}}})
	if err != nil || c.DeadlockTimeout != 2000 || len(private) != 1 || private[0].Name != "Description" {
		t.Errorf("mixed list: %v, %+v, private %v", err, c, private)
	}
	if _, err := applyResourceCommon(&c, proplist.List{dw("DeadlockTimeout", 999)}); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
		t.Errorf("DeadlockTimeout 999: %v", err)
	}
	// The control codes' table: Name and PersistentState are kept by
	// baton, a set of their current value passes, another is refused.
	o := &resourceObj{v: store.View{}, r: &store.Resource{Name: "r", Common: c}}
	if err := apply("resource", resourceProps, o, proplist.List{{Name: "Name", Values: []proplist.Value{proplist.SZ("r")}}}, false); err != nil {
		t.Errorf("Name unchanged: %v", err)
	}
	if err := apply("resource", resourceProps, o, proplist.List{{Name: "Name", Values: []proplist.Value{proplist.SZ("s")}}}, false); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
		t.Errorf("Name changed: %v", err)
	}
	if err := apply("resource", resourceProps, o, proplist.List{{Name: "Type", Values: []proplist.Value{proplist.SZ("dummy")}}}, false); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
		t.Errorf("read-only Type: %v", err)
	}
}
