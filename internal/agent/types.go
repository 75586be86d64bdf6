package agent

import (
	"github.com/batoncluster/baton/internal/restypes/dummy"
	"github.com/batoncluster/baton/restype"
)

// Types returns the built-in resource types, one line each.
func Types() *restype.Registry {
	return restype.NewRegistry(
		dummy.Type(),
	)
}
