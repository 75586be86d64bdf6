package e2e

import "testing"

// `type show OCF --agent` lists a real agent's parameters from its
// meta-data; an unknown agent or type answers 5078.
func TestTypeShowOCFAgent(t *testing.T) {
	a := startAgent(t, t.TempDir())
	var typ struct {
		Name       string `json:"name"`
		Properties []struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	a.jsonOf(&typ, "type", "show", "OCF", "--agent", "heartbeat/Dummy")
	found := false
	for _, p := range typ.Properties {
		found = found || p.Name == "state"
	}
	if typ.Name != "OCF" || !found {
		t.Errorf("type show OCF --agent heartbeat/Dummy: %+v", typ)
	}
	for _, args := range [][]string{{"type", "show", "OCF", "--agent", "heartbeat/NoSuchAgent"}, {"type", "show", "Teapot"}} {
		var e errJSON
		a.jsonOf(&e, args...)
		if e.Error.Code != 5078 {
			t.Errorf("baton %v: %+v, want 5078", args, e.Error)
		}
	}
}
