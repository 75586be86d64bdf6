// Package plugin is the SDK for resource types that run as separate
// programs: third-party types a baton agent loads at start from its plugin
// directory, through hashicorp/go-plugin over gRPC.
//
// A plugin is a program named baton-restype-<something> whose main builds
// an ordinary restype.Type and hands it to Serve:
//
//	func main() {
//		plugin.Serve(&restype.Type{Name: "File", New: newFile, ...})
//	}
//
// The agent starts the program, asks it for the type's description, and
// then calls it once per resource operation: each cluster resource of the
// type is a restype.Resource inside the plugin process, opened by the
// agent with the resource's Config and named by a handle in every later
// call. The optional abilities (restype.Terminator, StatusReporter,
// LockedModeReporter, Reconfigurer) are found by type assertion in the
// plugin and offered to the agent as they are. Config.Changed works
// across the process boundary, and Config.Log writes to the agent's log.
//
// The process serves every resource of its type on the node, so a
// resource's code must not exit the process or block other resources; a
// panic in a call is recovered and fails that call only. If the process
// dies anyway, the agent fails the calls in flight (the resources go
// Failed) and starts it again at the next online, offline or terminate,
// which reopen their resource in the new process: keep whatever an offline
// needs to undo an online in the real world or in Config.StateDir, not
// only in memory. The plugin exits by itself when the agent that started
// it goes away.
//
// The wire contract is package pluginv1; Handshake and PluginName are
// what both sides of go-plugin must agree on.
package plugin

import (
	"context"
	"log/slog"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/batoncluster/baton/restype"
	"github.com/batoncluster/baton/restype/plugin/pluginv1"
)

// FilePrefix starts the file name of every plugin program; the agent runs
// the files in its plugin directory whose names start with it.
const FilePrefix = "baton-restype-"

// PluginName is the name of the one plugin a plugin program serves.
const PluginName = "restype"

// Handshake is the go-plugin handshake between the agent and a plugin.
// ProtocolVersion changes when pluginv1 changes incompatibly. The magic
// cookie only keeps a plugin from being run by hand by mistake; it is not
// a secret.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "BATON_RESTYPE_PLUGIN",
	MagicCookieValue: "8d7f3c1e-baton-resource-type",
}

// GRPCPlugin is the go-plugin glue for the resource-type protocol. The
// plugin side has Type set (Serve does that) and serves it; the agent side
// leaves Type nil and gets a pluginv1.ResourceTypeClient from Dispense.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	Type *restype.Type
	// Log receives the log of the type's resources (Config.Log).
	Log *slog.Logger
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the ResourceType service for p.Type.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterResourceTypeServer(s, newServer(p.Type, p.Log))
	return nil
}

// GRPCClient returns a pluginv1.ResourceTypeClient on conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return pluginv1.NewResourceTypeClient(conn), nil
}
