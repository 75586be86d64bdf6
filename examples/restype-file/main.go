// Command baton-restype-file is an example resource-type plugin: the type
// "File", whose resources are files that exist while the resource is
// online. Build it into the agent's plugin directory:
//
//	go build -o /var/lib/baton/plugins/baton-restype-file ./examples/restype-file
//
// and the agent serves "File" resources next to its built-in types:
//
//	baton resource create motd --group G --type File \
//	    --prop Path=sz:/run/motd-cluster --prop Content=sz:hello
//
// The type itself (file.go) is an ordinary restype.Type; main only hands
// it to plugin.Serve.
package main

import "github.com/batoncluster/baton/restype/plugin"

func main() {
	plugin.Serve(Type())
}
