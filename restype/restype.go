// Package restype is the SDK for resource types: the code that knows how to
// bring one kind of resource (a process, a VM, an address, a dummy) online
// and offline and check its health.
//
// A type is a Type value whose New makes one Resource per cluster resource.
// The resource host calls a Resource from one goroutine per call and never
// runs two lifecycle calls (Online, Offline, Terminate) on one resource at
// once; health checks may run while it is Online. Optional abilities are
// one-method interfaces found by type assertion: LockedModeReporter,
// Terminator, StatusReporter, Reconfigurer.
package restype

import (
	"context"
	"log/slog"
	"os/exec"

	"github.com/batoncluster/baton/proplist"
)

// Type describes a resource type and makes its resources.
type Type struct {
	Name        string
	Description string
	// Properties documents the private properties the type reads.
	Properties []PropertyInfo
	// OfflineParameter is the input-buffer DWORD the type reads on
	// offline (by convention its own type name), or "".
	OfflineParameter string
	// LooksAliveInterval and IsAliveInterval are the type's default poll
	// intervals, used when a resource leaves its own at "use type value".
	LooksAliveInterval, IsAliveInterval uint32 // milliseconds
	// Validate checks private properties before they are stored, so a
	// bad value is refused at once instead of failing the next online.
	// nil accepts anything.
	Validate func(proplist.List) error
	// Describe, if set, lists the properties of one variant of the type
	// (OCF: "provider/agent"); "" is the type itself.
	Describe func(ctx context.Context, variant string) ([]PropertyInfo, error)
	New      func(Config) (Resource, error)
	// NoProcesses says the type's resources start no processes: they act
	// inside the agent's own process (the dummy; an IP address, set
	// through netlink). The host then makes them no cgroup and reports no
	// process count or memory for them (Config.Cgroup is nil).
	NoProcesses bool
}

// PropertyInfo documents one private property.
type PropertyInfo struct {
	Name        string
	Kind        string // dword, sz, multi_sz, ...
	Default     string
	Description string
}

// Config is what a resource is made from.
type Config struct {
	Name       string
	Group      string
	Node       string        // the node that hosts it
	Properties proplist.List // the resource's private properties
	// StateDir is a directory that belongs to this resource on this node
	// and survives agent restarts.
	StateDir string
	// LastStatus is the status the resource last reported, on whichever
	// node hosted it (empty for a new resource). A type whose offline
	// leaves state behind (the Virtual Machine's saved state) records in
	// its status where that state is, so that the next owner can tell
	// "nothing saved" from "saved where I cannot see it" at online.
	LastStatus proplist.List
	// Log already carries the resource's name (and the node's).
	Log *slog.Logger
	// Changed tells the host that something the optional reporters report
	// (locked mode, status properties) changed, so it is written at once.
	Changed func()
	// Guard is the node's fence guard. A type whose resources run as
	// processes of their own (which outlive the agent) registers each
	// process group it starts or finds running, so that the group is
	// killed if the node's lease lapses while the agent cannot stop it
	// (killed or frozen). Nil when there is none: use GuardOf.
	Guard ProcessGuard
	// Cgroup is the resource's own cgroup on this node. A type starts
	// every process of the resource through it (Cgroup.Start instead of
	// exec.Cmd.Start), so that whatever the process forks — a daemon, a
	// double-forked child — is the resource's: the host kills what is
	// left in the cgroup once an Offline or Terminate returns, and the
	// fence guard kills it when the node's lease lapses while the agent
	// cannot (docs/fencing.md). Nil when the node has no cgroups: use
	// CgroupOf.
	Cgroup Cgroup
}

// Cgroup starts processes in a resource's cgroup.
type Cgroup interface {
	// Start starts cmd as cmd.Start does, with the process inside the
	// cgroup before it runs the program. Do not set
	// cmd.SysProcAttr.Pdeathsig.
	Start(cmd *exec.Cmd) error
	// CgroupPath is the cgroup's directory (for a program that places
	// processes itself: write their pid to its cgroup.procs).
	CgroupPath() string
}

// CgroupOf is cfg.Cgroup, or one that starts processes as they are when
// there is none.
func CgroupOf(cfg Config) Cgroup {
	if cfg.Cgroup == nil {
		return noCgroup{}
	}
	return cfg.Cgroup
}

type noCgroup struct{}

func (noCgroup) Start(cmd *exec.Cmd) error { return cmd.Start() }
func (noCgroup) CgroupPath() string        { return "" }

// ProcessGuard kills registered process groups when the node loses its
// authority to run them (docs/fencing.md).
type ProcessGuard interface {
	// Track guards process group pgid, whose leader (pid pgid) runs now.
	// Tracking a group again is harmless.
	Track(pgid int)
	// Untrack forgets pgid: it ended, or the type stopped it.
	Untrack(pgid int)
}

// GuardOf is cfg.Guard, or one that does nothing when there is none.
func GuardOf(cfg Config) ProcessGuard {
	if cfg.Guard == nil {
		return noGuard{}
	}
	return cfg.Guard
}

type noGuard struct{}

func (noGuard) Track(int)   {}
func (noGuard) Untrack(int) {}

// Resource is one cluster resource of a type.
type Resource interface {
	// Online brings the resource online; it returns when it is, or with an
	// error. ctx ends when the pending timeout passes or the online is
	// superseded by an offline.
	Online(ctx context.Context, req OnlineRequest) error
	// Offline takes the resource offline.
	Offline(ctx context.Context, req OfflineRequest) error
	// LooksAlive is the cheap, frequent health check.
	LooksAlive(ctx context.Context) error
	// IsAlive is the thorough health check.
	IsAlive(ctx context.Context) error
}

// OnlineRequest carries an online's flags and input buffer.
type OnlineRequest struct {
	// Flags are what a Windows resource DLL's OnlineV2 receives
	// (wsfc.CLUS_RESDLL_ONLINE_*), derived from the operation: 0x2
	// (IGNORE_RESOURCE_STATUS) when the client asked to ignore locked
	// mode, 0x4 (RETURN_TO_SOURCE_NODE_ON_ERROR) on the destination of a
	// move that goes back on error, 0x8 (RESTORE_ONLINE_STATE) when a
	// failover brings back the state the resource had on its last node.
	Flags uint32
	// Params is the operation's input buffer as a property list. Property
	// names are resource type names; a type reads the one named after it.
	Params proplist.List
}

// OfflineRequest carries an offline's flags, reason, destination and
// input buffer.
type OfflineRequest struct {
	// Flags are what a Windows resource DLL's OfflineV2 receives
	// (wsfc.CLUS_RESDLL_OFFLINE_*), derived from the operation: 0x1
	// (IGNORE_RESOURCE_STATUS), 0x2 (RETURN_TO_SOURCE_NODE_ON_ERROR) and
	// 0x4 (QUEUE_ENABLED) from the client's flags, 0x8
	// (RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR) when a failed move takes
	// the group back, 0x40 (DO_NOT_UPDATE_PERSISTENT_STATE).
	Flags uint32
	// Reason is why the resource goes offline
	// (wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_*): USER_REQUESTED for a
	// client's offline, MOVING for a move, BEING_RESTARTED for a restart,
	// SHUTTING_DOWN when the agent stops, else UNKNOWN.
	Reason uint32
	// Destination is the node a move takes the resource's group to (the
	// DestinationNodeName of OfflineV2); "" when it is not moving.
	Destination string
	Params      proplist.List
}

// LockedModeReporter is implemented by resources that can declare locked
// mode: they must stay in their current state now, for the reason given.
type LockedModeReporter interface {
	LockedMode() (locked bool, reason string)
}

// Terminator is implemented by resources that can be stopped at once,
// without grace, when an online or offline overran its pending timeout.
type Terminator interface {
	Terminate(ctx context.Context) error
}

// StatusReporter is implemented by resources that report status
// properties (shown with the resource, e.g. LastOfflineAction).
type StatusReporter interface {
	Status() proplist.List
}

// Reconfigurer is implemented by resources that take new private
// properties without being made again.
type Reconfigurer interface {
	Reconfigure(props proplist.List) error
}
