package placement

import (
	"os"
	"strings"
	"testing"
)

// FuzzPlan feeds mutated corpus cases to the parser, Compute, Best and
// CanHost: nothing panics, and every plan obeys the invariants. The stored
// cases are its seed corpus, so `go test` runs them.
func FuzzPlan(f *testing.F) {
	for _, file := range corpusFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		input, _, _ := splitCase(string(data))
		f.Add(input)
	}
	f.Add("now 2026-03-02T12:00:00Z\nnode a up\nnode a down\ngroup g online\ngroup g owner=a online\nbest g\nbest nope\ncanhost g a\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 || strings.Count(text, "\n") > 64 {
			return
		}
		c, err := parseCase(text)
		if err != nil {
			return
		}
		checkPlan(t, c.view, Compute(c.view))
		for _, g := range c.view.Groups {
			for _, ignore := range []bool{false, true} {
				if node, _, ok := Best(c.view, g.Name, ignore); ok {
					if _, ok := CanHost(c.view, g.Name, node, true); !ok {
						t.Errorf("Best(%s) = %s, which cannot host it", g.Name, node)
					}
				}
			}
		}
		_ = c.run()
	})
}
