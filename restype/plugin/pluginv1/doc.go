// Package pluginv1 is the wire contract between a baton agent and a
// resource-type plugin, generated from plugin.proto beside it
// (scripts/genplugin.sh): the messages and the gRPC ResourceType service.
// Plugin authors in Go do not use it directly: they write a restype.Type
// and call plugin.Serve.
package pluginv1
