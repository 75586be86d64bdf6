package store

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnencodable means a record could not be written in a form the store
// reads back: Commit refuses the transaction and writes nothing, rather
// than commit a record every node would then fail to decode. Callers
// validate what they store (property lists with proplist.List.Validate),
// so this is a last line of defence.
var ErrUnencodable = errors.New("store: record cannot be encoded")

// encode returns rec as it is stored at key. It does not decode the bytes
// again to check them: the only part of a record that can fail to decode
// is a property list, and proplist.List.MarshalJSON refuses exactly the
// lists that would not read back equal (proplist's fuzz tests hold it to
// that). Decoding every record written was a sixth of the CPU of a big
// group's offline.
func encode(key string, rec any) ([]byte, error) {
	if s, ok := rec.(*Status); ok {
		b, err := s.appendJSON(make([]byte, 0, 256))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnencodable, key, err)
		}
		return b, nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnencodable, key, err)
	}
	return b, nil
}
