package ops

import (
	"unicode"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

// checkName validates a group or resource name: 1–255 printable
// characters, no '/' (it is part of database keys).
func checkName(kind, name string) error {
	if name == "" {
		return fail(wsfc.ERROR_INVALID_PARAMETER, "%s name is empty", kind)
	}
	if len([]rune(name)) > 255 {
		return fail(wsfc.ERROR_INVALID_PARAMETER, "%s name is longer than 255 characters", kind)
	}
	for _, r := range name {
		if r == '/' || !unicode.IsPrint(r) {
			return fail(wsfc.ERROR_INVALID_PARAMETER, "%s name %q: '/' and control characters are not allowed", kind, name)
		}
	}
	return nil
}
