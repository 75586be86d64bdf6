package ops

import (
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/proplist"
)

// checkFlags answers ERROR_INVALID_PARAMETER for any bit outside valid.
func checkFlags(call string, flags, valid uint32) error {
	if flags&^valid != 0 {
		return fail(wsfc.ERROR_INVALID_PARAMETER, "%s: flags 0x%x has bits 0x%x that are not defined for this call (valid: 0x%x)", call, flags, flags&^valid, valid)
	}
	return nil
}

// checkBuffer validates an Ex call's input buffer: none with size 0, or
// exactly size bytes that decode as a property list.
func checkBuffer(call string, buf []byte, size uint32) (proplist.List, error) {
	if len(buf) == 0 && size == 0 {
		return nil, nil
	}
	if uint32(len(buf)) != size || uint64(len(buf)) > 0xFFFFFFFF {
		return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "%s: input buffer is %d bytes but cbInBufferSize is %d", call, len(buf), size)
	}
	l, err := proplist.Unmarshal(buf)
	if err != nil {
		return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "%s: input buffer is not a property list: %v", call, err)
	}
	return l, nil
}
