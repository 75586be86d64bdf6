package store

import (
	"errors"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TooLarge reports whether etcd refused a transaction for its number of
// operations (--max-txn-ops, 128 by default; embedded members allow
// 16384) or its size (--max-request-bytes; a request more than 512 KiB
// over it gRPC refuses before etcd sees it, as the client refuses one
// over its own send limit: ResourceExhausted, which etcd also answers
// when its database is full, ErrNoSpace, which is not a size).
func TooLarge(err error) bool {
	if errors.Is(err, rpctypes.ErrTooManyOps) || errors.Is(err, rpctypes.ErrRequestTooLarge) {
		return true
	}
	return status.Code(err) == codes.ResourceExhausted && !errors.Is(err, rpctypes.ErrNoSpace)
}

// Batches calls write on consecutive slices of items, at most size long,
// halving a slice etcd refuses as too large (TooLarge) until it passes or
// is a single item. write's other errors end the slice it was given, not
// the rest: onErr hears them. Writes of many independent records (claims,
// status reports, failovers) go through it so that they work against an
// etcd cluster with smaller limits than the embedded members have.
func Batches[T any](items []T, size int, write func(batch []T) error, onErr func(batch []T, err error)) {
	for len(items) > 0 {
		n := min(len(items), size)
		err := write(items[:n])
		if TooLarge(err) && n > 1 {
			size = n / 2
			continue
		}
		if err != nil && onErr != nil {
			onErr(items[:n], err)
		}
		items = items[n:]
	}
}
