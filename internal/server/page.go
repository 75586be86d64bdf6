package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// maxPageSize bounds a page: a bigger page_size gets this many.
const maxPageSize = 1000

// pageSize is a request's page_size as a limit: 0 for no limit (every
// item, as before paging), at most maxPageSize; negative is refused.
func pageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("page_size %d is negative: %w", n, wsfc.ERROR_INVALID_PARAMETER)
	case n > maxPageSize:
		return maxPageSize, nil
	}
	return int(n), nil
}

// pageToken is where a page ended, given to the caller opaque (base64 of
// JSON) as next_page_token. It names the list it belongs to — its RPC and
// the group listed within — so a token is refused by any other list.
type pageToken struct {
	List  string `json:"l"`           // "groups", "nodes", "resources", "operations"
	Scope string `json:"g,omitempty"` // the group listed within
	Name  string `json:"n"`           // the last item's name, or id
	Seq   int64  `json:"s,omitempty"` // its place where the order is not by name (store.Cursor)
}

func (p pageToken) String() string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parsePageToken reads a page_token of list (within scope): the zero
// token for "", else the one next_page_token gave.
func parsePageToken(s, list, scope string) (pageToken, error) {
	if s == "" {
		return pageToken{}, nil
	}
	var p pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err != nil || p.List != list || p.Scope != scope || p.Name == "" {
		return pageToken{}, fmt.Errorf("page_token is not one this list gave: %w", wsfc.ERROR_INVALID_PARAMETER)
	}
	return p, nil
}

func (p pageToken) cursor() store.Cursor { return store.Cursor{Seq: p.Seq, Name: p.Name} }

// fetch is how many items to read for a page of limit: one more, which
// tells whether there is a next page (0: every item).
func fetch(limit int) int {
	if limit <= 0 {
		return 0
	}
	return limit + 1
}

// trim cuts a page read with fetch to limit, and says whether more follow.
func trim[T any](items []T, limit int) ([]T, bool) {
	if limit > 0 && len(items) > limit {
		return items[:limit], true
	}
	return items, false
}
