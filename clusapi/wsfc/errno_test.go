package wsfc

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// Spot checks against the reference (winerror.h values, decimal and hex).
func TestErrnoValues(t *testing.T) {
	tests := []struct {
		e    Errno
		name string
		dec  uint32
		hex  uint32
	}{
		{ERROR_SUCCESS, "ERROR_SUCCESS", 0, 0x0},
		{ERROR_INVALID_FUNCTION, "ERROR_INVALID_FUNCTION", 1, 0x1},
		{ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED", 5, 0x5},
		{ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE", 6, 0x6},
		{ERROR_SHARING_PAUSED, "ERROR_SHARING_PAUSED", 70, 0x46},
		{ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER", 87, 0x57},
		{ERROR_DIR_NOT_EMPTY, "ERROR_DIR_NOT_EMPTY", 145, 0x91},
		{ERROR_INVALID_NAME, "ERROR_INVALID_NAME", 123, 0x7B},
		{ERROR_ALREADY_EXISTS, "ERROR_ALREADY_EXISTS", 183, 0xB7},
		{ERROR_MORE_DATA, "ERROR_MORE_DATA", 234, 0xEA},
		{WAIT_TIMEOUT, "WAIT_TIMEOUT", 258, 0x102},
		{ERROR_NO_MORE_ITEMS, "ERROR_NO_MORE_ITEMS", 259, 0x103},
		{ERROR_IO_PENDING, "ERROR_IO_PENDING", 997, 0x3E5},
		{ERROR_CIRCULAR_DEPENDENCY, "ERROR_CIRCULAR_DEPENDENCY", 1059, 0x423},
		{ERROR_SPECIAL_GROUP, "ERROR_SPECIAL_GROUP", 1372, 0x55C},
		{RPC_S_SERVER_UNAVAILABLE, "RPC_S_SERVER_UNAVAILABLE", 1722, 0x6BA},
		{RPC_S_CALL_FAILED, "RPC_S_CALL_FAILED", 1726, 0x6BE},
		{RPC_X_SS_IN_NULL_CONTEXT, "RPC_X_SS_IN_NULL_CONTEXT", 1775, 0x6EF},
		{ERROR_DEPENDENT_RESOURCE_EXISTS, "ERROR_DEPENDENT_RESOURCE_EXISTS", 5001, 0x1389},
		{ERROR_DEPENDENCY_NOT_FOUND, "ERROR_DEPENDENCY_NOT_FOUND", 5002, 0x138A},
		{ERROR_RESOURCE_NOT_AVAILABLE, "ERROR_RESOURCE_NOT_AVAILABLE", 5006, 0x138E},
		{ERROR_RESOURCE_NOT_FOUND, "ERROR_RESOURCE_NOT_FOUND", 5007, 0x138F},
		{ERROR_GROUP_NOT_AVAILABLE, "ERROR_GROUP_NOT_AVAILABLE", 5012, 0x1394},
		{ERROR_GROUP_NOT_FOUND, "ERROR_GROUP_NOT_FOUND", 5013, 0x1395},
		{ERROR_GROUP_NOT_ONLINE, "ERROR_GROUP_NOT_ONLINE", 5014, 0x1396},
		{ERROR_RESMON_ONLINE_FAILED, "ERROR_RESMON_ONLINE_FAILED", 5018, 0x139A},
		{ERROR_INVALID_STATE, "ERROR_INVALID_STATE", 5023, 0x139F},
		{ERROR_RESOURCE_PROPERTIES_STORED, "ERROR_RESOURCE_PROPERTIES_STORED", 5024, 0x13A0},
		{ERROR_NODE_NOT_AVAILABLE, "ERROR_NODE_NOT_AVAILABLE", 5036, 0x13AC},
		{ERROR_RESOURCE_FAILED, "ERROR_RESOURCE_FAILED", 5038, 0x13AE},
		{ERROR_CLUSTER_NODE_NOT_FOUND, "ERROR_CLUSTER_NODE_NOT_FOUND", 5042, 0x13B2},
		{ERROR_CLUSTER_NODE_DOWN, "ERROR_CLUSTER_NODE_DOWN", 5050, 0x13BA},
		{ERROR_CLUSTER_INVALID_NETWORK, "ERROR_CLUSTER_INVALID_NETWORK", 5054, 0x13BE},
		{ERROR_CLUSTER_NODE_UP, "ERROR_CLUSTER_NODE_UP", 5056, 0x13C0},
		{ERROR_CLUSTER_NODE_PAUSED, "ERROR_CLUSTER_NODE_PAUSED", 5070, 0x13CE},
		{ERROR_NODE_CANT_HOST_RESOURCE, "ERROR_NODE_CANT_HOST_RESOURCE", 5071, 0x13CF},
		{ERROR_CLUSTER_OWNER_NOT_IN_PREFLIST, "ERROR_CLUSTER_OWNER_NOT_IN_PREFLIST", 5082, 0x13DA},
		{ERROR_RESOURCE_PROPERTY_UNCHANGEABLE, "ERROR_RESOURCE_PROPERTY_UNCHANGEABLE", 5089, 0x13E1},
		{ERROR_NO_ADMIN_ACCESS_POINT, "ERROR_NO_ADMIN_ACCESS_POINT", 5090, 0x13E2},
		{ERROR_CLUSTER_MEMBERSHIP_INVALID_STATE, "ERROR_CLUSTER_MEMBERSHIP_INVALID_STATE", 5890, 0x1702},
		{ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH, "ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH", 5895, 0x1707},
		{ERROR_CLUSTER_GROUP_MOVING, "ERROR_CLUSTER_GROUP_MOVING", 5908, 0x1714},
		{ERROR_RESOURCE_CALL_TIMED_OUT, "ERROR_RESOURCE_CALL_TIMED_OUT", 5910, 0x1716},
		{ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS, "ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS", 5913, 0x1719},
		{ERROR_CLUSTER_NO_QUORUM, "ERROR_CLUSTER_NO_QUORUM", 5925, 0x1725},
		{ERROR_CLUSTER_GROUP_BUSY, "ERROR_CLUSTER_GROUP_BUSY", 5944, 0x1738},
		{ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES, "ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES", 5953, 0x1741},
		{ERROR_CLUSTER_RESOURCE_VETOED_CALL, "ERROR_CLUSTER_RESOURCE_VETOED_CALL", 5955, 0x1743},
		{ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_DESTINATION, "ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_DESTINATION", 5957, 0x1745},
		{ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_SOURCE, "ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_SOURCE", 5958, 0x1746},
		{ERROR_CLUSTER_GROUP_QUEUED, "ERROR_CLUSTER_GROUP_QUEUED", 5959, 0x1747},
		{ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS", 5960, 0x1748},
		{ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS, "ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS", 5962, 0x174A},
		{ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE, "ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE", 5970, 0x1752},
		{ERROR_CLUSTER_AFFINITY_CONFLICT, "ERROR_CLUSTER_AFFINITY_CONFLICT", 5971, 0x1753},
		{ERROR_NODE_NOT_ACTIVE_CLUSTER_MEMBER, "ERROR_NODE_NOT_ACTIVE_CLUSTER_MEMBER", 5980, 0x175C},
		{ERROR_CLUSTER_NODE_ISOLATED, "ERROR_CLUSTER_NODE_ISOLATED", 5984, 0x1760},
		{ERROR_CLUSTER_NODE_QUARANTINED, "ERROR_CLUSTER_NODE_QUARANTINED", 5985, 0x1761},
		{ERROR_GROUPSET_NOT_FOUND, "ERROR_GROUPSET_NOT_FOUND", 5992, 0x1768},
		{ERROR_CLUSTERSET_MANAGEMENT_CLUSTER_UNREACHABLE, "ERROR_CLUSTERSET_MANAGEMENT_CLUSTER_UNREACHABLE", 5999, 0x176F},
		{ERROR_CLUSTER_OBJECT_IS_CLUSTER_SET_VM, "ERROR_CLUSTER_OBJECT_IS_CLUSTER_SET_VM", 6250, 0x186A},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dec != tt.hex {
				t.Fatalf("test table: %d != %#x", tt.dec, tt.hex)
			}
			if uint32(tt.e) != tt.dec {
				t.Errorf("%s = %d, want %d", tt.name, uint32(tt.e), tt.dec)
			}
			if got := tt.e.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.e.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			want := fmt.Sprintf("%s (%d)", tt.name, tt.dec)
			if got := tt.e.Error(); got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
			if got, ok := ErrnoByName(tt.name); !ok || got != tt.e {
				t.Errorf("ErrnoByName(%q) = %v, %v; want %v, true", tt.name, got, ok, tt.e)
			}
		})
	}
}

func TestErrnoExamples(t *testing.T) {
	if got := ERROR_GROUP_NOT_FOUND.Error(); got != "ERROR_GROUP_NOT_FOUND (5013)" {
		t.Errorf("Error() = %q", got)
	}
	if got := ERROR_IO_PENDING.String(); got != "ERROR_IO_PENDING" {
		t.Errorf("String() = %q", got)
	}
	if got := fmt.Sprint(ERROR_CLUSTER_RESOURCE_LOCKED_STATUS); got != "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960)" {
		// fmt prefers Error over String for values implementing error.
		t.Errorf("fmt.Sprint = %q", got)
	}
	if got := fmt.Sprintf("%d", ERROR_IO_PENDING); got != "997" {
		t.Errorf("%%d = %q", got)
	}
}

func TestErrnoUnknown(t *testing.T) {
	for _, v := range []uint32{2, 1234, 5000, 5055, 5091, 5889, 6000, 6249, 6251, 0xFFFFFFFF} {
		e := Errno(v)
		want := "Errno(" + strconv.FormatUint(uint64(v), 10) + ")"
		if got := e.String(); got != want {
			t.Errorf("Errno(%d).String() = %q, want %q", v, got, want)
		}
		if got := e.Name(); got != want {
			t.Errorf("Errno(%d).Name() = %q, want %q", v, got, want)
		}
		if got := e.Error(); got != want {
			t.Errorf("Errno(%d).Error() = %q, want %q", v, got, want)
		}
	}
	for _, name := range []string{"", "Errno(1234)", "error_group_not_found", "ERROR_GROUP_NOT_FOUND ", "ERROR_FOO"} {
		if e, ok := ErrnoByName(name); ok {
			t.Errorf("ErrnoByName(%q) = %v, true; want false", name, e)
		}
	}
}

func TestErrnoErrorsIsAs(t *testing.T) {
	err := fmt.Errorf("x: %w", ERROR_GROUP_NOT_FOUND)
	if !errors.Is(err, ERROR_GROUP_NOT_FOUND) {
		t.Error("errors.Is(wrapped, ERROR_GROUP_NOT_FOUND) = false")
	}
	if errors.Is(err, ERROR_GROUP_NOT_AVAILABLE) {
		t.Error("errors.Is(wrapped, ERROR_GROUP_NOT_AVAILABLE) = true")
	}
	var e Errno
	if !errors.As(err, &e) || e != ERROR_GROUP_NOT_FOUND {
		t.Errorf("errors.As = %v, want ERROR_GROUP_NOT_FOUND", e)
	}
	if got := err.Error(); got != "x: ERROR_GROUP_NOT_FOUND (5013)" {
		t.Errorf("wrapped Error() = %q", got)
	}
	// Double wrapping and errors.Join.
	err2 := errors.Join(errors.New("other"), fmt.Errorf("y: %w", err))
	if !errors.Is(err2, ERROR_GROUP_NOT_FOUND) {
		t.Error("errors.Is through Join = false")
	}
	var plain error = ERROR_IO_PENDING
	if !errors.Is(plain, Errno(997)) {
		t.Error("errors.Is(ERROR_IO_PENDING, Errno(997)) = false")
	}
}

// errnoConst is one `NAME Errno = VALUE` constant declared in errno.go.
type errnoConst struct {
	name  string
	value uint64
}

// parseErrnoConsts returns every constant of type Errno declared in errno.go,
// in source order, with the value of its integer literal.
func parseErrnoConsts(t *testing.T) []errnoConst {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errno.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []errnoConst
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			id, ok := vs.Type.(*ast.Ident)
			if !ok || id.Name != "Errno" {
				t.Fatalf("%s: constant without explicit Errno type", fset.Position(vs.Pos()))
			}
			if len(vs.Names) != 1 || len(vs.Values) != 1 {
				t.Fatalf("%s: want exactly one name and one value", fset.Position(vs.Pos()))
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.INT {
				t.Fatalf("%s: value is not an integer literal", fset.Position(vs.Pos()))
			}
			v, err := strconv.ParseUint(lit.Value, 0, 32)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, errnoConst{vs.Names[0].Name, v})
		}
	}
	return out
}

// errnoConstCount is the number of Errno constants: 14 general Win32/RPC
// codes from the reference's §3 table, the 200 cluster codes of its
// Appendix A, and from winerror.h ERROR_CIRCULAR_DEPENDENCY (1059), which
// AddClusterResourceDependency's page documents for a cycle, and
// ERROR_ALREADY_EXISTS (183), which [MS-CMRP] ApiSetGroupName,
// ApiSetResourceName and ApiChangeResourceGroup answer, and
// ERROR_INVALID_NAME (123), which the two renames answer.
const errnoConstCount = 15 + 200 + 3

func TestErrnoConstantsComplete(t *testing.T) {
	consts := parseErrnoConsts(t)
	if len(consts) != errnoConstCount {
		t.Errorf("errno.go declares %d Errno constants, want %d", len(consts), errnoConstCount)
	}
	if len(errnoNames) != len(consts) {
		t.Errorf("errnoNames has %d entries, errno.go declares %d constants", len(errnoNames), len(consts))
	}
	seenName := map[string]bool{}
	seenValue := map[uint64]string{}
	nCluster := 0
	for _, c := range consts {
		if seenName[c.name] {
			t.Errorf("duplicate constant name %s", c.name)
		}
		seenName[c.name] = true
		if prev, dup := seenValue[c.value]; dup {
			t.Errorf("%s and %s share value %d", prev, c.name, c.value)
		}
		seenValue[c.value] = c.name
		if (c.value >= 5001 && c.value <= 6000) || c.value == 6250 {
			nCluster++
		}

		e := Errno(c.value)
		if got := e.String(); got != c.name {
			t.Errorf("Errno(%d).String() = %q, want %q", c.value, got, c.name)
		}
		got, ok := ErrnoByName(c.name)
		if !ok || got != e {
			t.Errorf("ErrnoByName(%q) = %d, %v; want %d, true", c.name, got, ok, c.value)
		}
		if back, ok := ErrnoByName(got.Name()); !ok || back != e {
			t.Errorf("round trip of %s failed", c.name)
		}
	}
	if nCluster != 200 {
		t.Errorf("%d cluster codes in 5001-6000/6250, want 200", nCluster)
	}
	// Every table entry must correspond to a declared constant.
	for e, n := range errnoNames {
		if seenValue[uint64(e)] != n {
			t.Errorf("errnoNames[%d] = %q has no matching constant", uint32(e), n)
		}
	}
}

func TestErrnoClusterRangeGaps(t *testing.T) {
	// Appendix A is contiguous from 5001 to 5999 except 5055 and 5091-5889,
	// plus 6250.
	for v := uint32(5001); v <= 6000; v++ {
		_, known := errnoNames[Errno(v)]
		wantKnown := v != 5055 && !(v >= 5091 && v <= 5889) && v != 6000
		if known != wantKnown {
			t.Errorf("Errno(%d) known = %v, want %v", v, known, wantKnown)
		}
	}
}
