package clusapi_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateCoverage = flag.Bool("update-coverage", false, "rewrite docs/clusapi-coverage.md from the package")

// coverageFile is the table of clusapi.h functions and what baton has of
// each; TestCoverageTable keeps it equal to what coverageMarkdown makes.
const coverageFile = "../docs/clusapi-coverage.md"

// clusapiFamily is one family of clusapi.h functions (the names as
// CLUSAPI.dll exports them) with a note on each where there is something
// to say. Whether package clusapi has a function is read from the code.
type clusapiFamily struct {
	title string
	intro string
	funcs []clusapiFunc
}

type clusapiFunc struct{ name, note string }

var clusapiFamilies = []clusapiFamily{
	{"The cluster and its handles", "", []clusapiFunc{
		{"OpenCluster", "an agent's address (`unix:///…`, `https://host:port`) or \"\" for the local agent where Windows takes a cluster name; a token and CA from `BATON_TOKEN`/`BATON_CA` or the options of `New`"},
		{"OpenClusterEx", "GENERIC_READ/GENERIC_ALL/MAXIMUM_ALLOWED (and the wire's CLUSAPI_READ_ACCESS/CLUSAPI_CHANGE_ACCESS) against the caller's access in the cluster security descriptor; more than the caller has answers 5, other bits or 0 answer 87; granted access is CLUSAPI_READ_ACCESS or CLUSAPI_ALL_ACCESS; a Read handle makes every call through it one of Read access"},
		{"CloseCluster", ""},
		{"GetClusterInformation", "the name, and CLUSTERVERSIONINFO as a Go struct: the answering agent's baton release as Major/Minor/Build, vendor \"baton\", cluster version NT10 at Windows Server 2016's level (BatonClusterVersion)"},
		{"SetClusterName", "the name takes effect at once; the answer is the page's ERROR_RESOURCE_PROPERTIES_STORED all the same, for tools that test for it"},
		{"ClusterControl", "CLUSCTL_CLUSTER_* codes that baton has (common properties, FQDN); others answer 1"},
		{"GetClusterFromGroup", "the cluster handle the group was opened through"},
		{"GetClusterFromResource", ""},
		{"GetClusterFromNode", ""},
		{"BackupClusterDatabase", "not in the client: `baton cluster backup FILE` (operations/backup-restore.md)"},
		{"RestoreClusterDatabase", "not in the client: `baton cluster restore FILE` on each node, the agents stopped"},
		{"GetClusterQuorumResource", "not applicable: the database's quorum is its etcd members', not a resource"},
		{"SetClusterQuorumResource", "not applicable, as above"},
	}},
	{"Groups", "", []clusapiFunc{
		{"OpenClusterGroup", ""},
		{"OpenClusterGroupEx", "desired/granted access as OpenClusterEx; the access check comes before the name"},
		{"CloseClusterGroup", ""},
		{"CreateClusterGroup", ""},
		{"CreateClusterGroupEx", "the group type is kept as the GroupType common property; a version other than 1 or a type [MS-CMRP] reserves (1, 2, 4, 5) answers 87"},
		{"DeleteClusterGroup", "only an empty group (ERROR_DIR_NOT_EMPTY otherwise), as Windows"},
		{"DestroyClusterGroup", "deletes the group and its resources; deliberate difference: it does not take them offline first (a resource not offline answers 5019, ERROR_RESOURCE_ONLINE, and nothing is deleted)"},
		{"GetClusterGroupState", "the state and the owner node's name"},
		{"OnlineClusterGroup", ""},
		{"OnlineClusterGroupEx", "flags 0x1 (synchronous), 0x4 (best possible node), 0x8 (ignore affinity); anti-affinity answers 5071"},
		{"OfflineClusterGroup", "deliberate difference: an offline of a group whose online is still pending supersedes the online (the design's rule, design.md §3) and answers 997, where [MS-CMRP] ApiOfflineGroup, like ApiOfflineResource, would answer 5023"},
		{"OfflineClusterGroupEx", "the seed call: every flag and the input buffer of its page, byte for byte"},
		{"MoveClusterGroup", ""},
		{"MoveClusterGroupEx", "flags 0x1, 0x2, 0x4, 0x8, 0x10 and the input buffer (moves.md)"},
		{"CancelClusterGroupOperation", "cancels a move waiting in the queue (flag 0x4 of MoveClusterGroupEx) at once: ERROR_SUCCESS, not 997; nothing else is cancellable (5023); dwCancelFlags other than 0 answers 87"},
		{"SetClusterGroupName", "Online or not, nothing stopped or started; its resources, claim and operation records follow in one transaction; handles opened before follow the group (by its id); 123 for an empty name or one baton cannot store, 183 for another group's name or id, 5023 while it moves, waits in the move queue or a resource of it is pending"},
		{"SetClusterGroupNodeList", "the preferred owners"},
		{"ClusterGroupControl", "CLUSCTL_GROUP_*: common, read-only common and private properties (get, set, validate, enumerate names), name, id, flags, characteristics; byte-exact property lists and ERROR_MORE_DATA"},
		{"AddClusterGroupDependency", "not yet: groups do not depend on groups"},
		{"RemoveClusterGroupDependency", "not yet"},
		{"SetGroupDependencyExpression", "not yet"},
	}},
	{"Resources", "", []clusapiFunc{
		{"OpenClusterResource", ""},
		{"OpenClusterResourceEx", "as OpenClusterGroupEx"},
		{"CloseClusterResource", ""},
		{"CreateClusterResource", "the resource type's own validation applies"},
		{"DeleteClusterResource", "only an offline resource (5023 otherwise, as Windows Server 2012 on)"},
		{"GetClusterResourceState", "the state, the owner node's name and the group's"},
		{"OnlineClusterResource", ""},
		{"OnlineClusterResourceEx", "flags 0x4 (accepted, no effect), 0x8 (best possible node), 0x20 (ignore affinity)"},
		{"OfflineClusterResource", ""},
		{"OfflineClusterResourceEx", "locked mode and the input buffer, as the group's"},
		{"FailClusterResource", "as a failed health check on the owner, so the restart and failover policy applies; an Online resource only (5023 otherwise; protocol version 3 also accepts the pending states)"},
		{"RestartClusterResource", "offline, then back with its Online dependents, the persistent state unchanged; ERROR_SUCCESS once on the way back; dwFlags other than 0 answers 87; an Online resource only (5023)"},
		{"RestartClusterResourceEx", "as RestartClusterResource; the reason is accepted and not recorded"},
		{"ChangeClusterResourceGroup", "the resource and its whole dependency tree, in one transaction, nothing stopped or started (an Online resource runs on); both groups of one owner (5016 otherwise), whatever the state; 183 when in the group already; 5023 while either group moves or a resource of the tree is pending"},
		{"ChangeClusterResourceGroupEx", "flags 0 only: CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV answers 87 (no cluster shared volumes)"},
		{"SetClusterResourceName", "nothing stopped or started; dependents name it anew; handles opened before follow the resource (by its id); 123 for an empty name or one baton cannot store, 183 for another resource's name or id, 5023 while it is pending or its group moves (Windows renames at any time); operation records keep the old name"},
		{"AddClusterResourceDependency", "87 for itself or a resource of another group, 1059 for a cycle"},
		{"RemoveClusterResourceDependency", ""},
		{"SetClusterResourceDependencyExpression", "ANDs of ORs by name or id (`([A] or [B]) and [C]`), \"\" clears; online once each OR term has a resource Online, offline only when a provider's offline leaves the expression unsatisfied; an OR provider that fails fails the dependent only when none of its term can come online; 87 for bad syntax, itself or another group's resource, 5007 for no such resource, 1059 for a cycle, 5019 when Online and the expression is not met (dependencies.md)"},
		{"GetClusterResourceDependencyExpression", "by name; an AND list as `[A] and [B]`, none as \"\"; the name-buffer protocol of GetClusterInformation; Read access"},
		{"CanResourceBeDependent", "TRUE for two resources of one group where the would-be provider does not depend on the would-be dependent, directly or not (dependency expressions count every resource they name); FALSE for anything it cannot tell"},
		{"AddClusterResourceNode", "possible owners: every node by default (5010 for a node already one), else the resource's own list; placement prefers the nodes that can run every resource of the group, and a resource hosted elsewhere stays Offline (failover-policy.md); 5042 for no such node"},
		{"RemoveClusterResourceNode", "from the default, the list of the other nodes; a list may become empty; 5023 for the owner of an Online or pending resource, 5042 for a node not in the list"},
		{"ClusterResourceControl", "CLUSCTL_RESOURCE_*: common, read-only and private properties (the type's checks apply), resource type, name, id, flags, characteristics"},
		{"GetClusterResourceNetworkName", "not applicable: no network name resources"},
	}},
	{"Resource types", "", []clusapiFunc{
		{"CreateClusterResourceType", "not applicable: types are built in or plugins in the plugin directory"},
		{"DeleteClusterResourceType", "not applicable, as above"},
		{"ClusterResourceTypeControl", "CLUSCTL_RESOURCE_TYPE_*: characteristics, flags, common properties (Description and the default poll intervals, kept by baton: a set accepts the current values only; Name read-only), the formats of resources' common and private properties, empty private lists; others answer 1"},
		{"ClusterResourceTypeOpenEnum", "a type's nodes (every node) and resources, as on Windows; the types themselves are ClusterOpenEnum(CLUSTER_ENUM_RESTYPE) or `baton type list`; an unknown type or dwType answers 5078, as Windows does"},
		{"ClusterResourceTypeEnum", ""},
		{"ClusterResourceTypeGetEnumCount", ""},
		{"ClusterResourceTypeCloseEnum", ""},
	}},
	{"Nodes", "", []clusapiFunc{
		{"OpenClusterNode", ""},
		{"OpenClusterNodeEx", "as OpenClusterGroupEx"},
		{"OpenClusterNodeById", "baton keeps no node numbers: the number is the node's position, from 1, in name order (it changes when a node that sorts before it joins or leaves)"},
		{"CloseClusterNode", ""},
		{"GetClusterNodeState", ""},
		{"GetClusterNodeId", "a node's id is its name (as CLUSCTL_NODE_GET_ID); NULL is the local agent's node"},
		{"PauseClusterNode", ""},
		{"PauseClusterNodeEx", "drain (`bDrainNode`) to `hNodeDrainTarget`, or with NULL to the nodes placement picks (a group the target cannot take goes where placement picks); `dwPauseFlags` as baton reads them (the page names them only): 0x1 brings a group whose drain move failed back to the paused node and ends the drain failed, 0x4 tries it again 30 s later, 0x2 changes nothing (a paused node takes no groups); other bits, or 0x1/0x4 without a drain, answer 87"},
		{"ResumeClusterNode", ""},
		{"ResumeClusterNodeEx", "FailbackGroupsPerPolicy only; the other failback types answer 87"},
		{"EvictClusterNode", "its database membership is removed; a node that is up is refused unless forced (`baton node evict --force`)"},
		{"EvictClusterNodeEx", "`dwTimeout` unused; the cleanup status is S_OK: baton leaves the evicted machine as it is"},
		{"AddClusterNode", "not in the client: a node joins with `baton agent --join … --join-token …` (operations/nodes.md)"},
		{"ClusterNodeControl", "CLUSCTL_NODE_*: common and read-only common properties, name, id, flags, characteristics"},
	}},
	{"Enumerations", "", []clusapiFunc{
		{"ClusterOpenEnum", "nodes, resource types, resources and groups; the network, interface and shared-volume bits enumerate nothing"},
		{"ClusterOpenEnumEx", ""},
		{"ClusterGetEnumCount", ""},
		{"ClusterGetEnumCountEx", ""},
		{"ClusterEnum", "ERROR_MORE_DATA with the length needed, ERROR_NO_MORE_ITEMS at the end"},
		{"ClusterEnumEx", ""},
		{"ClusterCloseEnum", ""},
		{"ClusterCloseEnumEx", ""},
		{"ClusterGroupOpenEnum", "CLUSTER_GROUP_ENUM_CONTAINS, _NODES"},
		{"ClusterGroupOpenEnumEx", "every group with id, state, owner node, flags (0) and the common and read-only properties named; names a group lacks are left out; dwFlags other than 0 answers 87"},
		{"ClusterGroupGetEnumCount", ""},
		{"ClusterGroupGetEnumCountEx", ""},
		{"ClusterGroupEnum", ""},
		{"ClusterGroupEnumEx", "CLUSTER_GROUP_ENUM_ITEM; ERROR_MORE_DATA with the size a 64-bit C item needs"},
		{"ClusterGroupCloseEnum", ""},
		{"ClusterGroupCloseEnumEx", ""},
		{"ClusterResourceOpenEnum", "CLUSTER_RESOURCE_ENUM_DEPENDS, _PROVIDES, _NODES (the possible owners: every node unless RemoveClusterResourceNode made a list)"},
		{"ClusterResourceOpenEnumEx", "as ClusterGroupOpenEnumEx: id, name, owner group's name and id, properties"},
		{"ClusterResourceGetEnumCount", ""},
		{"ClusterResourceGetEnumCountEx", ""},
		{"ClusterResourceEnum", ""},
		{"ClusterResourceEnumEx", "CLUSTER_RESOURCE_ENUM_ITEM"},
		{"ClusterResourceCloseEnum", ""},
		{"ClusterResourceCloseEnumEx", ""},
		{"ClusterNodeOpenEnum", "CLUSTER_NODE_ENUM_GROUPS; _NETINTERFACES enumerates nothing"},
		{"ClusterNodeOpenEnumEx", "CLUSTER_NODE_ENUM_GROUPS and _PREFERRED_GROUPS with the groups' ids; _NETINTERFACES enumerates nothing"},
		{"ClusterNodeGetEnumCount", ""},
		{"ClusterNodeGetEnumCountEx", ""},
		{"ClusterNodeEnum", ""},
		{"ClusterNodeEnumEx", ""},
		{"ClusterNodeCloseEnum", ""},
		{"ClusterNodeCloseEnumEx", ""},
	}},
	{"Notifications", "", []clusapiFunc{
		{"CreateClusterNotifyPort", "CLUSTER_CHANGE_* filters; CLUSTER_CHANGE_CLUSTER_STATE when the agent cannot be reached and CLUSTER_CHANGE_CLUSTER_RECONNECT after a reconnect"},
		{"RegisterClusterNotify", "per object: a group, resource or node, followed by name"},
		{"GetClusterNotify", "WAIT_TIMEOUT at the timeout; CLUSTER_CHANGE_HANDLE_CLOSE once the port is closed"},
		{"CloseClusterNotifyPort", ""},
		{"CreateClusterNotifyPortV2", ""},
		{"RegisterClusterNotifyV2", ""},
		{"GetClusterNotifyV2", ""},
		{"GetNotifyEventHandle", "a channel that receives when a notification waits (Go has no event handles)"},
	}},
	{"Not in baton", "Families of clusapi.h that have no counterpart: baton has no cluster networks or network interfaces (the nodes' addresses are plain configuration), no cluster registry (the database is etcd, read through the API), no Cluster Shared Volumes, group sets, affinity rules, fault domains or key-value stores. Their functions are absent on purpose:", []clusapiFunc{
		{"OpenClusterNetwork", "not applicable: no cluster networks"},
		{"ClusterNetworkOpenEnum", "not applicable"},
		{"ClusterNetworkControl", "not applicable"},
		{"OpenClusterNetInterface", "not applicable: no network interface objects"},
		{"ClusterNetInterfaceControl", "not applicable"},
		{"GetClusterKey", "not applicable: no cluster registry"},
		{"ClusterRegOpenKey", "not applicable"},
		{"AddResourceToClusterSharedVolumes", "not applicable: no Cluster Shared Volumes"},
		{"CreateClusterGroupSet", "not applicable: no group sets"},
		{"ClusterCreateAffinityRule", "not applicable: anti-affinity is the groups' AntiAffinityClassNames"},
	}},
}

// packageFuncs are the exported functions of package clusapi (not
// methods, not tests), parsed file by file.
func packageFuncs(t *testing.T) map[string]*ast.FuncDecl {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*ast.FuncDecl{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	return funcs
}

func coverageMarkdown(funcs map[string]*ast.FuncDecl) string {
	var b strings.Builder
	b.WriteString(`# clusapi coverage

Every function of the clusapi.h families an administration tool uses —
the cluster, groups, resources, resource types, nodes, enumerations,
control codes and notifications — with what package clusapi has of it.
"yes" means a function of that name and C shape is in the package (with
its ` + "`…Context`" + ` variant where one is named: the same call with the caller's
context for its time limit); the note says what differs from Windows, or
why a function is not there.

This page is generated from the package and checked by a test
(clusapi/coverage_test.go, ` + "`go test ./clusapi -run TestCoverageTable -update-coverage`" + `
rewrites it): a function added or removed changes it.

Besides the clusapi face, package clusapi has an idiomatic Go face
(` + "`clusapi.New`" + `, ` + "`Client.Groups()`" + `, …) over the same calls; the README shows both.
`)
	total, have := 0, 0
	for _, fam := range clusapiFamilies {
		fmt.Fprintf(&b, "\n## %s\n\n", fam.title)
		if fam.intro != "" {
			fmt.Fprintf(&b, "%s\n\n", fam.intro)
		}
		b.WriteString("| function | in clusapi | notes |\n|---|---|---|\n")
		for _, f := range fam.funcs {
			status := "no"
			if funcs[f.name] != nil {
				status = "yes"
				if funcs[f.name+"Context"] != nil {
					status = "yes, and `" + f.name + "Context`"
				}
				have++
			}
			total++
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.name, status, f.note)
		}
	}
	fmt.Fprintf(&b, "\n%d of the %d functions listed are in package clusapi.\n", have, total)
	return b.String()
}

// TestCoverageTable keeps docs/clusapi-coverage.md equal to what the
// package has, and every handle function of the package listed in it.
func TestCoverageTable(t *testing.T) {
	funcs := packageFuncs(t)
	listed := map[string]bool{}
	for _, fam := range clusapiFamilies {
		for _, f := range fam.funcs {
			if listed[f.name] {
				t.Errorf("%s listed twice", f.name)
			}
			listed[f.name] = true
		}
	}
	// Every function of the clusapi face (one taking or returning a
	// handle) must be in the table; its Context variants go with it.
	isHandle := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && strings.HasPrefix(id.Name, "H") && strings.ToUpper(id.Name) == id.Name
	}
	for name, fd := range funcs {
		if strings.HasSuffix(name, "Context") {
			continue // a variant bounded by the caller's context
		}
		handle := false
		for _, l := range []*ast.FieldList{fd.Type.Params, fd.Type.Results} {
			if l == nil {
				continue
			}
			for _, p := range l.List {
				handle = handle || isHandle(p.Type)
			}
		}
		if handle && !listed[name] {
			t.Errorf("%s takes or returns a handle but is not in clusapiFamilies (coverage_test.go)", name)
		}
	}
	want := coverageMarkdown(funcs)
	if *updateCoverage {
		if err := os.WriteFile(coverageFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(coverageFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: go test ./clusapi -run TestCoverageTable -update-coverage", coverageFile)
	}
}
