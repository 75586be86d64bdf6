package clusapi_test

import (
	"go/ast"
	"strings"
	"testing"
)

// noCall are the handle functions that never call the cluster (they work
// on the handle, or on what an earlier call fetched), so they need no
// context.
var noCall = map[string]bool{
	"CloseCluster": true, "CloseClusterGroup": true, "CloseClusterResource": true, "CloseClusterNode": true,
	"CloseClusterNotifyPort": true, "GetClusterNotify": true, "GetClusterNotifyV2": true, "GetNotifyEventHandle": true,
	"GetClusterFromGroup": true, "GetClusterFromResource": true, "GetClusterFromNode": true,
}

// shared are handle functions whose Context variant is one they share.
var shared = map[string]string{
	"DestroyClusterGroup":             "DeleteClusterGroupContext",
	"AddClusterResourceDependency":    "ChangeClusterResourceDependencyContext",
	"RemoveClusterResourceDependency": "ChangeClusterResourceDependencyContext",
}

// Every handle function that calls the cluster has a ...Context variant
// beside it, of its own or of its Ex form (issue 14, item 7): the caller,
// not a fixed limit, bounds the call.
func TestHandleFunctionsHaveContextVariants(t *testing.T) {
	funcs := packageFuncs(t)
	handle := func(fd *ast.FuncDecl) bool {
		for _, p := range fd.Type.Params.List {
			if id, ok := p.Type.(*ast.Ident); ok && strings.HasPrefix(id.Name, "H") && strings.ToUpper(id.Name) == id.Name {
				return true
			}
		}
		return false
	}
	checked := 0
	for name, fd := range funcs {
		// Enumerations read what their Open call fetched.
		enum := strings.Contains(name, "GetEnumCount") || strings.Contains(name, "CloseEnum") ||
			strings.HasPrefix(name, "ClusterEnum") || (strings.HasSuffix(name, "Enum") && !strings.HasSuffix(name, "OpenEnum")) ||
			(strings.HasSuffix(name, "EnumEx") && !strings.HasSuffix(name, "OpenEnumEx"))
		if strings.HasSuffix(name, "Context") || noCall[name] || !handle(fd) || enum {
			continue
		}
		checked++
		if s, ok := shared[name]; ok {
			if funcs[s] == nil {
				t.Errorf("%s: its Context variant %s is gone", name, s)
			}
			continue
		}
		ex := name + "Ex"
		if strings.Contains(name, "Ex") {
			ex = name
		}
		if funcs[name+"Context"] == nil && funcs[ex+"Context"] == nil {
			t.Errorf("%s has no %sContext (nor %sContext)", name, name, ex)
		}
	}
	if checked < 20 {
		t.Errorf("only %d handle functions checked; the test no longer finds them", checked)
	}
}
