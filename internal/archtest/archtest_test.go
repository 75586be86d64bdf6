package archtest

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/batoncluster/baton"

// Public packages users import must not drag in the server side.
func TestPublicPackagesStayClientSide(t *testing.T) {
	forbidden := []string{
		"go.etcd.io/",
		"google.golang.org/grpc",
		"github.com/spf13/",
		module + "/internal/store",
		module + "/internal/server",
		module + "/internal/host",
		module + "/internal/ops",
		module + "/internal/agent",
	}
	for _, pkg := range []string{"clusapi", "clusapi/wsfc", "proplist", "restype", "api/baton/v1", "api/baton/v1/batonv1connect"} {
		out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
	// proplist is a leaf: the standard library only.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/proplist").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep != module+"/proplist" {
			t.Errorf("proplist depends on %s", dep)
		}
	}
}

// The codes, states and flags of clusapi.h have one source, package
// clusapi/wsfc: a leaf (the standard library only), which the server side
// uses without the client library (package clusapi: Connect, net/http,
// the handles). clusapi gives the same names (wsfc_names.go).
func TestServerSideUsesTheLeafCodes(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/clusapi/wsfc").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep != module+"/clusapi/wsfc" {
			t.Errorf("clusapi/wsfc depends on %s", dep)
		}
	}
	for _, pkg := range []string{"server", "store", "ops", "host", "controller", "placement", "explain", "liveness", "guard", "metrics"} {
		out, err := exec.Command("go", "list", "-deps", module+"/internal/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == module+"/clusapi" {
				t.Errorf("internal/%s depends on the client library %s; use %s/clusapi/wsfc", pkg, dep, module)
			}
		}
	}
}

// Every package has a doc comment.
func TestEveryPackageHasADocComment(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "../../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Dir        string
			GoFiles    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if len(p.GoFiles) == 0 {
			continue
		}
		if !hasDoc(t, p.Dir, p.GoFiles) {
			t.Errorf("package %s has no doc comment", p.ImportPath)
		}
	}
}

func hasDoc(t *testing.T, dir string, files []string) bool {
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if af.Doc != nil && strings.TrimSpace(af.Doc.Text()) != "" {
			return true
		}
	}
	return false
}
