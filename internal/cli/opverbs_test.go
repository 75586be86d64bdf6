package cli

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The table of state changes makes every one of its commands: each entry's
// command is under its noun, with the entry's help, the shared flags and
// its own, completing its NAME argument; and the table is the whole of
// online, offline and move.
func TestOpVerbsMakeEveryCommand(t *testing.T) {
	shared := []string{"ignore-locked", "flags", "param", "params-file", "wait"}
	own := map[string][]string{
		"group online":     {"node"},
		"group offline":    nil,
		"group move":       {"to", "return-to-source", "queue", "high-priority", "failback", "ignore-affinity"},
		"resource online":  nil,
		"resource offline": {"force-terminate"},
	}
	root := (&app{stdout: io.Discard, stderr: io.Discard}).tree(nil)
	seen := map[string]bool{}
	for _, v := range opVerbs {
		verb, _, _ := strings.Cut(v.use, " ")
		key := v.noun + " " + verb
		want, ok := own[key]
		if !ok {
			t.Errorf("table entry %q: not one of the state changes this test knows", key)
			continue
		}
		seen[key] = true
		cmd, rest, err := root.Find([]string{v.noun, verb})
		if err != nil || len(rest) != 0 || cmd.Name() != verb || cmd.Parent().Name() != v.noun {
			t.Errorf("%s: no such command (%v, %v)", key, cmd, err)
			continue
		}
		if cmd.Use != v.use || cmd.Short != v.short || cmd.Long != v.long || cmd.RunE == nil {
			t.Errorf("%s: command %q %q does not carry the entry's text or run", key, cmd.Use, cmd.Short)
		}
		if cmd.ValidArgsFunction == nil {
			t.Errorf("%s: NAME does not complete", key)
		}
		var flags []string
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f.Name) })
		wantFlags := append(append([]string{}, shared...), want...)
		slices.Sort(flags)
		slices.Sort(wantFlags)
		if !slices.Equal(flags, wantFlags) {
			t.Errorf("%s: flags %v, want %v", key, flags, wantFlags)
		}
	}
	for key := range own {
		if !seen[key] {
			t.Errorf("%s: not in the table", key)
		}
	}
	// Each command has its own flag values: one entry's flags are not
	// another's.
	on, _, _ := root.Find([]string{"group", "online"})
	off, _, _ := root.Find([]string{"group", "offline"})
	if on.Flags().Lookup("wait") == off.Flags().Lookup("wait") {
		t.Errorf("group online and offline share their --wait")
	}
}
