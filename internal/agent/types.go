package agent

import (
	"github.com/batoncluster/baton/internal/restypes/dummy"
	"github.com/batoncluster/baton/internal/restypes/genericapp"
	"github.com/batoncluster/baton/internal/restypes/ipaddr"
	"github.com/batoncluster/baton/internal/restypes/ocf"
	"github.com/batoncluster/baton/internal/restypes/vm"
	"github.com/batoncluster/baton/restype"
)

// Types returns the built-in resource types, one line each.
func Types() *restype.Registry {
	return restype.NewRegistry(
		dummy.Type(),
		genericapp.Type(),
		ocf.Type(),
		ipaddr.Type(),
		vm.Type(),
	)
}
