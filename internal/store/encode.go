package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// ErrUnencodable means a record could not be written in a form the store
// reads back: Commit refuses the transaction and writes nothing, rather
// than commit a record every node would then fail to decode. Callers
// validate what they store (property lists with proplist.List.Validate),
// so this is a last line of defence.
var ErrUnencodable = errors.New("store: record cannot be encoded")

// encode returns rec as it is stored at key, after checking that it
// decodes again as the cache decodes it (rec is a pointer to a record).
func encode(key string, rec any) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err == nil {
		err = json.Unmarshal(b, reflect.New(reflect.TypeOf(rec).Elem()).Interface())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnencodable, key, err)
	}
	return b, nil
}
